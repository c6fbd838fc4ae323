"""A private portal (admin setting "Access and sign-up"): every route of the app, walked as an
anonymous visitor, shows nothing of any idea, board, comment or release note, whatever its
visibility, and feeds and the sitemap are not there; signed-in customers still see what the
visibility rule gives them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.changelog.models import ReleaseNote
from portal.ideas.models import Visibility
from portal.settings.models import Setting
from portal.web.private import NOT_PAGES, OPEN_TO_EVERYONE
from tests.security.conftest import MAY_SEE
from tests.security.test_route_matrix import (
    build,
    is_admin_area,
    is_sent_to_sign_in,
    secrets_of,
    walked_routes,
)


@pytest.fixture
def private(session, world):
    session.add(Setting(key="access", value={"private": True, "signup": "anyone"}))
    session.commit()
    return world


def every_secret(session, world) -> list[str]:
    texts = []
    for visibility in Visibility:
        texts += secrets_of(session, world, visibility)
        note = session.get(ReleaseNote, world.things[visibility].note_id)
        texts.append(note.title)
    return texts


def test_an_anonymous_visitor_of_a_private_portal_sees_nothing_on_any_route(app, private, session):
    secrets = every_secret(session, private)
    failures = []
    for rule, method in walked_routes(app):
        for visibility in Visibility:
            url = build(rule, private.params_for(visibility))
            for headers in ({}, {"HX-Request": "true"}):
                try:
                    response = app.test_client().open(
                        url, method=method, headers=headers, data={} if method != "GET" else None
                    )
                except Exception as error:  # a 500 for the visitor
                    failures.append(f"({method}, {url}): raised {error!r}")
                    continue
                body = response.get_data(as_text=True)
                where = f"({method}, {url}, htmx={bool(headers)}, {response.status_code})"
                shown = [text for text in secrets if text in body]
                if shown:
                    failures.append(f"{where}: shows {shown}")
                if response.status_code >= 500:
                    failures.append(f"{where}: server error")
                if rule.endpoint in OPEN_TO_EVERYONE:
                    continue
                if is_admin_area(rule) or rule.endpoint in NOT_PAGES:
                    expected = response.status_code == 404
                elif headers:
                    expected = response.status_code == 401 and response.headers[
                        "HX-Redirect"
                    ].startswith("/login")
                else:
                    expected = is_sent_to_sign_in(response)
                if not expected:
                    failures.append(f"{where}: must send to sign in (feeds, admin: 404)")
    assert not failures, f"{len(failures)} leaks:\n" + "\n".join(failures)


def test_feeds_and_sitemap_are_not_there_and_robots_keep_out(app, private):
    client = app.test_client()
    assert client.get("/changelog.atom").status_code == 404
    assert client.get("/sitemap.xml").status_code == 404
    assert client.get("/ideas/similar?title=export").status_code == 404
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.text.splitlines() == ["User-agent: *", "Disallow: /"]
    login = client.get("/login")
    assert login.status_code == 200 and "Sign in" in login.text


def test_a_visitor_sent_to_sign_in_comes_back_to_the_page_asked_for(app, private):
    client = app.test_client()
    thing = private.things[Visibility.public]
    asked = client.get(f"/boards/{thing.board_slug}?sort=new")
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith("/login?next=")
    member = private.people["member"]
    signed_in = client.post(
        asked.headers["Location"],
        data={"email": member.email, "password": "correct horse battery"},
    )
    assert signed_in.headers["Location"] == f"/boards/{thing.board_slug}?sort=new"


@pytest.mark.parametrize("viewer", ["member", "outsider", "staff"])
def test_signed_in_people_see_what_the_visibility_rule_allows(
    app, private, as_viewer, session, viewer
):
    client = as_viewer(viewer)
    assert client.get("/").status_code == 200
    assert client.get("/roadmap").status_code == 200
    assert client.get("/changelog").status_code == 200
    assert client.get("/changelog.atom").status_code == 200
    for visibility in Visibility:
        thing = private.things[visibility]
        idea = client.get(f"/ideas/{thing.idea_id}", follow_redirects=True)
        board = client.get(f"/boards/{thing.board_slug}")
        if viewer in MAY_SEE[visibility]:
            assert idea.status_code == board.status_code == 200, (viewer, visibility)
            assert thing.idea_title in idea.text
        else:
            assert idea.status_code == board.status_code == 404, (viewer, visibility)


def test_an_unverified_account_is_asked_to_confirm_its_address_first(app, private, as_viewer):
    client = as_viewer("unverified")
    home = client.get("/")
    assert home.status_code == 403 and "Confirm your email address" in home.text
    public = private.things[Visibility.public]
    idea = client.get(f"/ideas/{public.idea_id}", follow_redirects=True)
    assert idea.status_code == 403 and public.idea_title not in idea.text


def test_the_portal_opens_again_when_the_admin_makes_it_public(app, private, as_viewer, session):
    admin = as_viewer("admin")
    saved = admin.post("/admin/settings/access", data={"signup": "anyone"})
    assert saved.status_code == 302
    visitor = app.test_client()
    public = private.things[Visibility.public]
    assert visitor.get("/").status_code == 200
    assert public.idea_title in visitor.get(f"/ideas/{public.idea_id}", follow_redirects=True).text
    assert session.scalar(select(Setting.value).where(Setting.key == "access")) == {
        "private": False,
        "signup": "anyone",
    }
