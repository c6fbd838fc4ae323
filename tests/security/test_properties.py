"""Property-based tests (hypothesis): `next` validation, and what the forms store of any text.

Issue 6, defect 2: `/login?next=/%09/evil.example` led to `//evil.example`, because the check ran
before the browser's own clean-up of the URL. Here any text is tried, judged as a browser would
read the answer, and the redirects are followed through HTTP. Defect 9: whatever a person types
into a comment, an idea or a sign-up never gives a 500, and what is stored holds no NUL, control
or bidi-override character, and no idea is titled with nothing visible.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.ideas.models import Comment, Idea
from portal.notify.models import OutboxMessage
from portal.web.redirects import local_path
from tests.conftest import PASSWORD
from tests.security.stored_text import (
    garbled_characters,
    looks_blank,
)

HOST = "portal.example"
BASE = f"https://{HOST}/"
_emails = itertools.count(1)

# Pieces a hostile target is made of; free text alone rarely finds "/\t/evil.example".
URL_PIECES = [
    "/", "//", "\\", "\t", "\r", "\n", "\x00", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", " ",
    "\u00a0", "\u3000", "\u200b", "\u2028", "\u202e", "\ufeff", "\uff0f", "\u2215", "%09",
    "%2f", "%5c", "%0d%0a", "evil.example", "@", ":", "http:", "https:", "javascript:", ".",
    "..", "?", "#", "ideas", "3", "x=1",
]  # fmt: skip
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # controls and NUL included
TARGETS = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.lists(st.sampled_from(URL_PIECES), max_size=10).map("".join),
)
PLAIN_PATHS = st.from_regex(
    r"/[a-z0-9_\-][a-z0-9_\-/.]{0,30}(\?[a-z0-9=&]{0,12})?(#[a-z0-9]{0,6})?", fullmatch=True
)

# Text a person might type, hostile or not: every character but lone surrogates, with the
# troublesome ones made likely.
TROUBLE = ["\x00", "\r\n", "\r", "\n", "\t", "\x07", "\x1b", "\u202e", "\u2066", "\u200b",
           "\ufeff", " ", "\u3000", "导出", "🚀", "\u0301"]  # fmt: skip
TYPED = st.lists(st.one_of(ANY_CHARACTER, st.sampled_from(TROUBLE)), max_size=40).map("".join)
HTTP_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def browser_reading(target: str) -> str:
    """The URL spec's clean-up before parsing: leading and trailing C0 controls and spaces
    dropped, every tab and line break removed; in http(s) URLs a backslash is a slash."""
    c0_or_space = "".join(chr(code) for code in range(0x21))
    cleaned = re.sub(r"[\t\n\r]", "", target.strip(c0_or_space))
    return cleaned.replace("\\", "/")


def lands_on(target: str, base: str = BASE) -> tuple[str, str | None]:
    parts = urlsplit(urljoin(base, target))
    return parts.scheme, parts.hostname


# ---------------------------------------------------------------------------------------------
# local_path: the one judge of every `next` and `back`


@given(TARGETS)
@settings(max_examples=1500, deadline=None)
@example("/\t/evil.example")
@example("/\x85/evil.example")
@example("/ideas/3?next=//evil.example")
def test_an_accepted_target_is_a_path_on_this_site_however_a_browser_reads_it(target):
    accepted = local_path(target)
    assert accepted is None or accepted == target, "local_path answers the target or nothing"
    if accepted is None:
        return
    assert accepted.startswith("/") and not accepted.startswith("//"), accepted
    assert "\\" not in accepted, accepted
    odd = [
        f"U+{ord(c):04X}"
        for c in accepted
        if unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") or c.isspace()
    ]
    assert not odd, f"{accepted!r} holds control or blank characters {odd}"
    for reading in (accepted, browser_reading(accepted)):
        assert lands_on(reading) == ("https", HOST), f"{accepted!r} leaves the site"


@given(PLAIN_PATHS)
@settings(max_examples=200, deadline=None)
def test_a_plain_path_on_this_site_is_accepted(path):
    assert local_path(path) == path


@pytest.mark.parametrize(
    "target",
    [
        unquote("/%09/evil.example"),
        "/\\evil.example",
        "\\\\evil.example",
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\r\n/evil",
        "/\x00/evil",
        " //evil.example",
        "\t//evil.example",
        "/\u3000/evil.example",
        "",
        None,
    ],
)
def test_a_target_off_the_site_is_refused(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/ideas/3?x=1#c", "/boards/product?sort=new&page=2"])
def test_a_target_on_the_site_is_kept(target):
    assert local_path(target) == target


# ---------------------------------------------------------------------------------------------
# The same through HTTP: every form that takes a `next` or `back`

# As they appear in a query string or a form body: percent-encoded.
HOSTILE_NEXT = [
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%0d/evil.example",
    "//evil.example",
    "/%5cevil.example",
    "%5c%5cevil.example",
    "/%5c/evil.example",
    "%2f%2fevil.example",
    "https://evil.example/",
    "https:evil.example",
    "%20//evil.example",
    "/%E3%80%80/evil.example",
    "javascript:alert(1)",
    "/%00/evil.example",
]


def assert_stays_on_site(response, raw_next: str) -> None:
    if "%00" in raw_next and response.status_code == 400:
        return  # a NUL byte is refused before anything else
    assert response.status_code in (302, 303), (
        f"next={raw_next}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    )
    location = response.headers["Location"]
    assert not location.startswith("//"), f"next={raw_next} led to {location!r}"
    assert not re.search(r"[\\\t\r\n\x00]", location), f"next={raw_next} led to {location!r}"
    for reading in (location, browser_reading(location)):
        assert lands_on(reading, "http://localhost/")[1] == "localhost", (
            f"next={raw_next} led off the site: {location!r}"
        )


def post_raw(client, url: str, body: str):
    """A form body sent exactly as written (already percent-encoded)."""
    return client.post(url, data=body.encode(), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_signing_in_with_a_hostile_next_stays_on_the_site(client, make, raw_next):
    user = make.user("next@acme.example")
    page = client.get(f"/login?next={raw_next}")
    if "%00" in raw_next and page.status_code == 400:
        return
    assert page.status_code == 200
    # The browser posts the form back to the same address, with the hidden `next` it holds.
    hidden = re.search(r'name="next" value="([^"]*)"', page.get_data(as_text=True))
    body = f"email={quote(user.email)}&password={quote(PASSWORD)}"
    if hidden:
        body += f"&next={quote(html.unescape(hidden.group(1)), safe='')}"
    assert_stays_on_site(post_raw(client, f"/login?next={raw_next}", body), raw_next)


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_a_signed_in_visit_to_login_with_a_hostile_next_stays_on_the_site(
    client, make, sign_in, raw_next
):
    sign_in(make.user())
    assert_stays_on_site(client.get(f"/login?next={raw_next}"), raw_next)


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_choosing_a_language_with_a_hostile_next_stays_on_the_site(client, raw_next):
    assert_stays_on_site(post_raw(client, "/language", f"language=zh&next={raw_next}"), raw_next)


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_voting_with_a_hostile_next_stays_on_the_site(client, make, sign_in, raw_next):
    idea = make.idea()
    sign_in(make.user())
    response = post_raw(client, f"/ideas/{idea.id}/vote", f"action=on&next={raw_next}")
    assert_stays_on_site(response, raw_next)


@pytest.mark.parametrize("raw_back", HOSTILE_NEXT)
def test_a_bulk_move_with_a_hostile_back_stays_on_the_site(client, make, sign_in, raw_back):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    body = f"idea_id={idea.id}&target=analyze&public_message=&horizon=&back={raw_back}"
    assert_stays_on_site(post_raw(client, "/admin/ideas/bulk", body), raw_back)


# ---------------------------------------------------------------------------------------------
# Forms fed any text through HTTP


def post_text(client, url: str, data: dict):
    try:
        return client.post(url, data=data)
    except Exception as error:  # noqa: BLE001 (TESTING propagates what would be a 500)
        pytest.fail(f"POST {url} with {data!r} raised {type(error).__name__}: {error}")


def assert_answer(response, typed: str) -> None:
    assert response.status_code < 500, f"{typed!r}: {response.status_code}"
    assert response.status_code in (200, 302, 400, 413, 422), f"{typed!r}: {response.status_code}"
    if "\x00" in typed:
        assert response.status_code == 400, f"{typed!r} with a NUL byte: {response.status_code}"


def assert_clean(label: str, stored: str, typed: str) -> None:
    bad = garbled_characters(stored)
    assert not bad, f"{label} {typed!r} was stored as {stored!r}, holding {bad}"


@dataclass
class Stage:
    board_slug: str
    idea_id: int


@pytest.fixture
def stage(make, sign_in) -> Stage:
    """A public idea on a public board, and a verified customer signed in."""
    board = make.board("Typing board")
    idea = make.idea("Export reports to CSV", board=board)
    sign_in(make.user("typist@acme.example"))
    return Stage(board.slug, idea.id)


@HTTP_SETTINGS
@given(typed=TYPED)
@example(typed="line\r\nbreak\rand NUL\x00")
@example(typed="\u202egnp.exe \u2066isolate\u2069")
@example(typed="bell\x07 escape\x1b[31m")
def test_a_comment_of_any_text_never_fails_and_is_stored_clean(client, session, stage, typed):
    session.rollback()
    before = session.scalar(select(func.max(Comment.id))) or 0
    response = post_text(client, f"/ideas/{stage.idea_id}/comments", {"body": typed})
    assert_answer(response, typed)
    session.rollback()
    for body in session.scalars(select(Comment.body).where(Comment.id > before)):
        event("comment stored")
        assert_clean("comment", body, typed)


@HTTP_SETTINGS
@given(title=TYPED, body=TYPED)
@example(title="      ", body="")
@example(title="\u200b" * 8, body="")
@example(title="\u200b \ufeff\u2060\u200c\u200d \u3000", body="")
@example(title="导出报表为表格格式", body="中文")
@example(title="🚀🔥🚀🔥🚀🔥", body="")
@example(title="Export\x00 reports", body="x")
@example(title="Title \u202ewith override", body="a\r\nb")
def test_a_new_idea_of_any_text_never_fails_and_is_stored_clean_and_visible(
    client, session, stage, title, body
):
    session.rollback()
    before = session.scalar(select(func.max(Idea.id))) or 0
    data = {"title": title, "body": body, "kind": "feature"}
    response = post_text(client, f"/boards/{stage.board_slug}/ideas/new", data)
    assert_answer(response, title + body)
    session.rollback()
    for idea in session.scalars(select(Idea).where(Idea.id > before)):
        event("idea stored")
        assert_clean("title", idea.title, title)
        assert_clean("body", idea.body, body)
        assert not looks_blank(idea.title), f"title {title!r} was stored blank: {idea.title!r}"
        assert idea.slug, f"title {title!r} was given an empty slug"
        page = client.get(f"/ideas/{idea.id}", follow_redirects=True)
        assert page.status_code == 200, f"idea titled {idea.title!r}: {page.status_code}"


@HTTP_SETTINGS
@given(name=TYPED)
@example(name="Robert\x00 Tables")
@example(name="Mallory\r\nBcc: victim@example.com")
@example(name="\u202eecilA")
def test_signing_up_with_any_display_name_never_fails_and_is_stored_clean(app, session, name):
    email = f"signup{next(_emails)}@fresh.example"
    client = app.test_client()  # each sign-up a new browser
    data = {"display_name": name, "email": email, "password": "a perfectly long passphrase"}
    response = post_text(client, "/signup", data)
    assert_answer(response, name)
    session.rollback()
    for stored in session.scalars(select(User.display_name).where(User.email == email)):
        event("person stored")
        assert_clean("display name", stored, name)
    for context in session.scalars(
        select(OutboxMessage.context).where(OutboxMessage.to_address == email)
    ):
        for value in (context or {}).values():
            if isinstance(value, str):
                assert_clean("email context", value, name)
