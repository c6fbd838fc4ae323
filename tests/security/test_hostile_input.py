"""Every route and every form field fed hostile values: no 500, nothing garbled stored (issue 6).

Nothing here is a hand-kept list of routes or forms. Routes come from the app's URL map; forms and
query arguments come from crawling the pages each kind of person can reach, so a new route or a
new field is fed the same values the day it appears. Set PORTAL_FUZZ_FULL=1 to try every hostile
value on every field instead of a rotating sample (each field always gets NUL, a huge integer,
a 1 MB string and a blank one).
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, PathConverter, RequestRedirect

from portal.db import Base, utcnow
from portal.feedback.models import Feedback
from portal.ideas.models import Channel, Comment, Idea, Visibility
from portal.notify.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.security.stored_text import (
    garbled_characters,
    looks_blank,
)

FULL = bool(os.environ.get("PORTAL_FUZZ_FULL"))
ACCEPTABLE_ERRORS = {400, 403, 404, 405, 413, 422, 429}  # 403: staff on admin-only pages
INT32_MAX = 2**31 - 1

# Values a form or query argument is fed. Bytes are sent as they are (invalid UTF-8).
HOSTILE: dict[str, str | bytes] = {
    "nul": "before\x00after",
    "huge_int": "99999999999999999999",
    "megabyte": "A" * 1_000_000,
    "int64": str(2**63),
    "int32_over": str(2**31),
    "negative": "-1",
    "huge_negative": "-99999999999999999999",
    "exponent": "1e11",
    "nan": "NaN",
    "crlf": "first\r\nsecond\rthird",
    "c0_controls": "bell\x07 escape\x1b[31m backspace\x08 vt\x0b",
    "invalid_utf8": b"bad \xff\xfe\xfd bytes",
    "utf8_surrogate": b"\xed\xa0\x80 lone surrogate",
    "long": "B" * 100_000,
    "zero_width": "\u200b\u200c\u200d\u2060\ufeff",
    "bidi": "\u202eevil.exe\u202c \u202a\u202b\u202d \u2066x\u2067\u2068\u2069",
    "chinese": "导出报表为表格格式",
    "emoji": "🚀🔥👩\u200d💻",
    "whitespace": " \t \u3000 \u00a0 ",
    "empty": "",
}
MANDATORY = ("nul", "huge_int", "megabyte", "whitespace")
OPTIONAL = [name for name in HOSTILE if name not in MANDATORY]
SAMPLED = 6  # optional values per field when not FULL; rotated so all are used across fields

# Path parameters, already percent-encoded as a client would send them.
PATH_STRINGS = [
    "%00",
    "a%00b",
    "%0d%0a",
    "x%0d%0aSet-Cookie:%20evil=1",
    "%ff%fe",
    "%ed%a0%80",
    quote("导出报表"),
    quote("🚀🔥"),
    quote("\u200b"),
    quote("\u202eevil"),
    "%09",
    "A" * 1_000_000,
    "99999999999999999999",
    "-1",
]
PATH_INTS = ["99999999999999999999", str(2**63), str(2**31), str(INT32_MAX), "0", "-1"]
HUGE_PATH_INTS = {"99999999999999999999", str(2**63), str(2**31)}

# Query arguments always tried, besides every name the crawl saw in a link or a GET form.
QUERY_NAMES = {
    "page", "sort", "status", "tag", "q", "board", "owner", "grade",
    "kind", "stage", "next", "title", "back", "language",
}  # fmt: skip
PAGE_VALUES = ["99999999999999999999", str(2**63 - 1), str(2**63), "-1",
               "-99999999999999999999", "0", "abc", "1e11", ""]  # fmt: skip

ROLES = ("member", "staff", "admin", "anonymous")  # who submits a form several can see: first
# The verification page is crawled with the world's invalid token: it offers a new link.
# Images and the branding stylesheet carry no form: crawling them would only spend the budget.
NOT_CRAWLED = {"static", "account.signout", "public.attachment_image",
               "public.attachment_thumbnail", "public.branding_logo",
               "public.branding_css"}  # fmt: skip
# POST routes whose forms carry no field but the CSRF token: nothing to feed.
NO_FIELDS = {"account.signout": "signs out", "account.resend_verification": "no fields",
             "admin.idea_restore": "no fields, and only on a deleted idea"}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Requests and findings


@dataclass
class Findings:
    """Every unacceptable answer of a run, deduplicated, reported all at once."""

    seen: dict[tuple, str] = field(default_factory=dict)

    def add(self, key: tuple, detail: str) -> None:
        self.seen.setdefault(key, detail)

    def report(self) -> str:
        lines = [f"{len(self.seen)} unacceptable answers:"]
        lines += [f"- {detail}" for detail in list(self.seen.values())[:80]]
        return "\n".join(lines)


def encode(value: str | bytes) -> str:
    data = value if isinstance(value, bytes) else value.encode("utf-8")
    return quote_from_bytes(data, safe="")


def form_body(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs).encode("ascii")


def send(client, method: str, url: str, body: bytes | None = None):
    """(status, response or None, detail). An exception escaping the app (TESTING propagates
    them) counts as a 500, with its message as the detail."""
    try:
        if body is None:
            response = client.open(url, method=method)
        else:
            response = client.open(
                url,
                method=method,
                data=body,
                content_type="application/x-www-form-urlencoded",
            )
    except Exception as error:  # noqa: BLE001 (any escaping exception is the finding)
        return 500, None, f"{type(error).__name__}: {str(error)[:300]}"
    return response.status_code, response, ""


def acceptable(status: int) -> bool:
    return 200 <= status < 400 or status in ACCEPTABLE_ERRORS


def short(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…({len(value)} long)"


def show_url(url: str) -> str:
    return url if len(url) <= 120 else f"{url[:100]}…({len(url)} long)"


# ---------------------------------------------------------------------------------------------
# The world, a crawler and a form parser


@dataclass
class Scene:
    app: object
    world: object
    session: object
    my_comment_id: int
    resetter_email: str
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    clients: dict = field(default_factory=dict)
    released_idea_id: int | None = None
    blocked_id: int | None = None
    asker_id: int = 0

    def client_for(self, role: str, fresh: bool = False):
        """A client signed in as `role`; anonymous ones are always new (a sign-in form may sign
        them in)."""
        if role == "anonymous":
            return self.app.test_client()
        if fresh or role not in self.clients:
            client = self.app.test_client()
            user = self.world.people[role]
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, f"{role} could not sign in"
            self.clients[role] = client
        return self.clients[role]

    def fresh_reset_path(self) -> str:
        """A reset link that works, read from the outbox as the person would read the email."""
        self.app.test_client().post("/password/forgot", data={"email": self.resetter_email})
        self.session.rollback()
        message = self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == self.resetter_email)
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None, "no reset email was queued"
        return urlsplit(message.context["reset_url"]).path

    def fresh_sign_in_link_path(self) -> str:
        """An emailed sign-in link that works, opened in another browser than the one that
        asked (so it offers the form for the email's code), read from the outbox."""
        self.app.test_client().post("/login/link", data={"email": self.resetter_email})
        self.session.rollback()
        message = self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "sign_in_link")
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None, "no sign-in link email was queued"
        return urlsplit(message.context["link_url"]).path

    def fresh_feedback_id(self) -> int:
        self.session.rollback()
        feedback = Feedback(
            person_id=self.world.people["member"].id,
            organisation_id=self.world.organisation_ids[0],
            channel=Channel.support,
            original_words="Please add exports, again.",
        )
        self.session.add(feedback)
        self.session.commit()
        return feedback.id

    def unique_email(self) -> str:
        return f"fuzz{next(self.counter)}@fuzz.example"

    def unsubscribe_path(self) -> str:
        """The page an email's "stop these emails" link opens, signed for the member."""
        from portal.notify.links import unsubscribe_url
        from portal.notify.models import Topic

        idea_id = self.world.things[Visibility.public].idea_id
        with self.app.app_context():
            url = unsubscribe_url(self.world.people["member"].id, Topic.stage_changes, idea_id)
        return url.removeprefix(self.app.config["BASE_URL"])

    def subscription_paths(self) -> list[str]:
        """The pages a subscriber's confirmation and unsubscribe links open."""
        from portal.subscribers.service import Confirmation, confirm_url, stop_url

        wanted = Confirmation("reader@example.com", True, True, "en")
        with self.app.app_context():
            urls = [confirm_url(wanted),
                    stop_url(self.world.subscriber_id, "reader@example.com", None)]  # fmt: skip
        return [url.removeprefix(self.app.config["BASE_URL"]) for url in urls]

    def solved_path(self) -> str:
        """The page a "did it solve your need?" link opens, about a released idea its author
        asked for (made once per scene). The author is no crawling role, so no crawled form
        (an unfollow) takes the question away from them."""
        from portal.accounts.service import create_user
        from portal.ideas import service as ideas
        from portal.ideas.models import Board, Kind
        from portal.lifecycle.service import move_idea
        from portal.lifecycle.stages import Horizon, Stage
        from portal.verification.links import answer_url

        if self.released_idea_id is None:
            self.session.rollback()
            asker = create_user(self.session, email="asker@fuzz.example", password_hash="x",
                                display_name="Asker", verified=True)  # fmt: skip
            board = self.session.scalar(
                select(Board).where(Board.slug == self.world.things[Visibility.public].board_slug)
            )
            with self.app.app_context():
                idea = ideas.submit_idea(
                    self.session, board=board, author=asker, kind=Kind.feature,
                    title="Released for the answer form", body="Shipped.",
                )  # fmt: skip
                for target in (Stage.analyze, Stage.plan, Stage.execute, Stage.verify):
                    move_idea(self.session, idea=idea, actor=None, target=target,
                              horizon=Horizon.now)  # fmt: skip
            self.session.commit()
            self.released_idea_id, self.asker_id = idea.id, asker.id
        with self.app.app_context():
            url = answer_url(self.asker_id, self.released_idea_id, True)
        return url.removeprefix(self.app.config["BASE_URL"])

    def fresh_invitation_path(self) -> str:
        """The page an invitation email's link opens, for a new pending invitation (the link
        works once)."""
        from portal.people.models import Invitation
        from portal.people.service import invitation_path
        from portal.roles import Role

        self.session.rollback()
        invitation = Invitation(email=self.unique_email(), role=Role.staff, nonce="1" * 32)
        self.session.add(invitation)
        self.session.commit()
        with self.app.app_context():
            return invitation_path(invitation)

    def blocked_person_path(self) -> str:
        """An admin's page of a blocked person (made once per scene): it offers to unblock."""
        from portal.accounts.service import create_user

        if self.blocked_id is None:
            self.session.rollback()
            person = create_user(self.session, email="blocked@fuzz.example", password_hash="x",
                                 display_name="Blocked", verified=True)  # fmt: skip
            person.blocked_at = utcnow()
            self.session.commit()
            self.blocked_id = person.id
        return f"/admin/people/{self.blocked_id}"

    def seeds(self, role: str) -> list[str]:
        """Every GET route of the URL map, filled for every visibility, plus pages a link in an
        email or a personal state leads to."""
        adapter = self.app.url_map.bind("localhost")
        seeds = []
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_CRAWLED:
                continue
            for visibility in Visibility:
                params = self.world.params_for(visibility)
                values = {name: params[name] for name in rule.arguments}
                if rule.endpoint == "public.comment_edit":
                    values["idea_id"] = self.world.things[Visibility.public].idea_id
                    values["comment_id"] = self.my_comment_id
                seeds.append(adapter.build(rule.endpoint, values))
        seeds.append(f"/login?next=/ideas/{self.world.things[Visibility.public].idea_id}")
        # Pages only an emailed link opens come first: nothing else leads to them, and the
        # crawl's page budget must not run out before it reaches them.
        emailed = [self.unsubscribe_path(), *self.subscription_paths(), self.solved_path()]
        if role == "anonymous":
            emailed += [self.fresh_reset_path(), self.fresh_invitation_path(),
                        self.fresh_sign_in_link_path()]  # fmt: skip
        if role == "admin":
            emailed.append(self.blocked_person_path())
        return list(dict.fromkeys(emailed + seeds))


@pytest.fixture
def scene(app, world, make, session) -> Scene:
    public = world.things[Visibility.public]
    mine = Comment(
        idea_id=public.idea_id, author_id=world.people["member"].id, body="My own words."
    )
    session.add(mine)
    session.commit()
    resetter = make.user("resetter@fuzz.example")
    return Scene(app, world, session, mine.id, resetter.email)


@dataclass
class FormField:
    name: str
    kind: str  # input type, "textarea", "select" or "button"
    values: list[str]  # the values a browser would send unchanged
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    role: str
    page: str
    method: str
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)
    endpoint: str | None = None

    def baseline(self, scene: Scene) -> list[tuple[str, str]]:
        """Valid-ish values: what the page filled in, else a plausible value for the name."""
        pairs = []
        for name, spec in self.fields.items():
            if name == "csrf_token":
                continue
            if spec.kind == "checkbox":  # as ticked; of a list of several, the first
                chosen = spec.values or (spec.options[:1] if len(spec.options) > 1 else [])
                pairs += [(name, value) for value in chosen]
            elif spec.kind == "radio":
                chosen = spec.values or spec.options[:1]
                pairs += [(name, value) for value in chosen]
            elif spec.kind == "select":
                chosen = spec.values or [o for o in spec.options if o][:1] or spec.options[:1]
                pairs += [(name, value) for value in chosen[:1]]
            elif spec.values and spec.values[0].strip():
                pairs.append((name, spec.values[0]))
            else:
                pairs.append((name, plausible(name, spec.kind, scene)))
        return pairs


def plausible(name: str, kind: str, scene: Scene) -> str:
    if name in ("merge_into", "merge_q"):  # optional, and merging is its own journey
        return ""
    if name == "domains":
        return f"fuzz{next(scene.counter)}.example"
    if kind == "email" or "email" in name:
        return scene.unique_email()
    if "password" in name or name == "confirm":
        return "a perfectly long passphrase"
    if kind == "number" or name.endswith(("_id", "_days", "_first", "_resolve")):
        return "1"
    if kind == "date":
        return "2030-01-31"
    if name == "title":
        return f"An ordinary idea title {next(scene.counter)}"
    if name in ("next", "back"):
        return "/"
    return f"Ordinary words {next(scene.counter)}"  # unique: names and titles may have to be


class PageParser(HTMLParser):
    """Links, and forms with their fields (also fields placed outside with form="id")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[dict, list[FormField]]] = []
        self._by_id: dict[str, list[FormField]] = {}
        self._orphans: list[tuple[str, FormField]] = []
        self._current: list[FormField] | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def _owner(self, attrs: dict) -> list[FormField] | None:
        if attrs.get("form"):
            return self._by_id.setdefault(attrs["form"], [])
        return self._current

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            fields = self._by_id.setdefault(attrs["id"], []) if attrs.get("id") else []
            self.forms.append((attrs, fields))
            self._current = fields
        elif tag in ("input", "button", "textarea", "select") and attrs.get("name"):
            if "disabled" in attrs:
                return
            kind = attrs.get("type", "text").lower() if tag == "input" else tag
            if tag == "button" and attrs.get("type", "submit").lower() != "submit":
                return
            if kind in ("submit", "image", "reset", "file"):
                kind = "button" if kind == "submit" else kind
            spec = FormField(attrs["name"], kind, [])
            if tag == "input":
                value = attrs.get("value", "on" if kind == "checkbox" else "")
                if kind in ("checkbox", "radio"):
                    spec.options.append(value)
                    if "checked" in attrs:
                        spec.values.append(value)
                else:
                    spec.values.append(value)
            elif tag == "button":
                spec.values.append(attrs.get("value", ""))
            elif tag == "textarea":
                spec.values.append("")
                self._textarea = spec
            else:
                self._select = spec
            owner = self._owner(attrs)
            if owner is not None:
                owner.append(spec)
                if attrs.get("hx-post"):  # htmx posts the enclosing form's fields there too
                    self.forms.append(({"action": attrs["hx-post"], "method": "post"}, owner))
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            self._select.options.append(value if value is not None else "")
            if "selected" in attrs:
                self._select.values.append(self._select.options[-1])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values[0] += data


def merge_fields(specs: list[FormField]) -> dict[str, FormField]:
    merged: dict[str, FormField] = {}
    for spec in specs:
        if spec.name in merged:
            known = merged[spec.name]
            known.options += spec.options
            if known.kind in ("checkbox", "radio"):
                known.values += spec.values
        else:
            merged[spec.name] = spec
    return merged


def endpoint_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except RequestRedirect:
        return None
    except HTTPException:
        return None
    return endpoint


@dataclass
class Crawl:
    pages: list[tuple[str, str]] = field(default_factory=list)  # (role, url) answered 200
    forms: list[Form] = field(default_factory=list)
    query_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def crawl(scene: Scene, findings: Findings, roles=ROLES, budget: int = 90) -> Crawl:
    """GET what each role can reach from every route of the URL map, following same-site links
    a bounded number of times, and collect the forms and query argument names."""
    result = Crawl()
    for role in roles:
        client = scene.client_for(role, fresh=True)
        queue = deque(scene.seeds(role))
        seen: set[str] = set()
        per_endpoint: dict[str, int] = defaultdict(int)
        while queue and len(seen) < budget:
            url = queue.popleft()
            if url in seen:
                continue
            path = urlsplit(url).path
            endpoint = endpoint_of(scene.app, path, "GET")
            if endpoint is None or endpoint in NOT_CRAWLED or per_endpoint[endpoint] >= 4:
                continue
            seen.add(url)
            per_endpoint[endpoint] += 1
            status, response, detail = send(client, "GET", url)
            if status >= 500:
                findings.add(("crawl", endpoint, role), f"GET {url} as {role}: {status} {detail}")
                continue
            if 300 <= status < 400 and response.location:
                location = urlsplit(urljoin("http://localhost/", response.location))
                if location.netloc == "localhost" and location.path != "/login":
                    queue.appendleft(
                        location.path + (f"?{location.query}" if location.query else "")
                    )
                continue
            # A refusal page can offer a form too (a dead email link offers a new one).
            if status not in (200, 400) or "html" not in (response.content_type or ""):
                continue
            if status == 200:
                result.pages.append((role, url))
            parser = PageParser()
            parser.feed(response.get_data(as_text=True))
            base = f"http://localhost{url}"
            for href in parser.links:
                target = urlsplit(urljoin(base, href))
                if target.scheme not in ("http", "https") or target.netloc != "localhost":
                    continue
                link_endpoint = endpoint_of(scene.app, target.path, "GET")
                if link_endpoint is None:
                    continue
                names = {pair.split("=", 1)[0] for pair in target.query.split("&") if pair}
                result.query_names[link_endpoint] |= names
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
            for attrs, specs in parser.forms:
                method = (attrs.get("method") or "get").lower()
                action = urlsplit(urljoin(base, attrs.get("action") or url))
                action_url = action.path + (f"?{action.query}" if action.query else "")
                if method == "get":
                    form_endpoint = endpoint_of(scene.app, action.path, "GET")
                    if form_endpoint:
                        result.query_names[form_endpoint] |= {s.name for s in specs}
                    continue
                result.forms.append(
                    Form(
                        role=role,
                        page=url,
                        method="POST",
                        action=action_url,
                        fields=merge_fields(specs),
                        endpoint=endpoint_of(scene.app, action.path, "POST"),
                    )
                )
    return result


# ---------------------------------------------------------------------------------------------
# What stored text may not contain


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_in(v)]
    return []


def stored_text_problems(app) -> list[str]:
    """Every text (and JSON string) column of every table: no NUL, no C0 control but newline and
    tab, no bidi override; no idea title blank to the eye."""
    problems = []
    db_session = app.extensions["feedloop_db"].session_factory()
    try:
        for table in Base.metadata.sorted_tables:
            for row in db_session.execute(select(table)).mappings():
                for column in table.columns:
                    for text in strings_in(row[column]):
                        bad = garbled_characters(text)
                        if bad:
                            problems.append(
                                f"{table.name}.{column.name} (row {dict(row).get('id')}) holds "
                                f"{sorted(set(bad))}: {short(text)}"
                            )
        for idea_id, title in db_session.execute(select(Idea.id, Idea.title)):
            if looks_blank(title or ""):
                problems.append(f"idea {idea_id} has a blank title: {short(title)}")
    finally:
        db_session.close()
    return problems


# ---------------------------------------------------------------------------------------------
# Routes from the URL map


PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def url_for_rule(rule, params: dict, replace: dict[str, str]) -> str:
    def fill(match):
        name = match.group(1)
        if name in replace:
            return replace[name]
        return quote(str(params[name]), safe="")

    return PARAMETER.sub(fill, rule.rule)


def fuzzable_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_route_answers_hostile_path_parameters_without_a_server_error(scene, app):
    findings = Findings()
    params = scene.world.params_for(Visibility.public)
    tried = 0
    for role in ("anonymous", "member", "admin"):
        client = scene.client_for(role, fresh=True)
        for rule in fuzzable_rules(app):
            methods = sorted(rule.methods & {"GET", "POST"})
            for name, converter in rule._converters.items():
                assert not isinstance(converter, PathConverter), f"{rule}: new path parameter"
                is_int = isinstance(converter, IntegerConverter)
                for value in PATH_INTS + PATH_STRINGS if is_int else PATH_STRINGS:
                    url = url_for_rule(rule, params, {name: value})
                    for method in methods:
                        if rule.endpoint == "account.signout":
                            client = scene.client_for(role, fresh=True)
                        tried += 1
                        body = b"" if method == "POST" else None
                        status, _, detail = send(client, method, url, body)
                        where = f"{method} {show_url(url)} as {role} ({name}={short(value)})"
                        if not acceptable(status):
                            key = (rule.endpoint, name, status, detail[:60])
                            findings.add(key, f"{where}: {status} {detail}")
                        elif is_int and value in HUGE_PATH_INTS and status != 404:
                            findings.add(
                                ("int-bound", rule.endpoint, name),
                                f"{where}: {status}, expected 404 above 2**31-1",
                            )
                        elif "%00" in value and status != 400:
                            findings.add(
                                ("nul", rule.endpoint, name),
                                f"{where}: {status}, expected 400 for a NUL byte",
                            )
    assert tried > 500, "the URL map yielded too few routes to mean anything"
    findings_and_storage(findings, app)


def findings_and_storage(findings: Findings, app) -> None:
    for problem in stored_text_problems(app):
        findings.add(("stored", problem[:60]), problem)
    assert not findings.seen, findings.report()


def test_every_route_answers_hostile_query_arguments_without_a_server_error(scene, app):
    findings = Findings()
    crawled = crawl(scene, findings)
    all_names = QUERY_NAMES.union(*crawled.query_names.values())
    params = scene.world.params_for(Visibility.public)
    clients = {role: scene.client_for(role, fresh=True) for role in ("anonymous", "admin")}
    get_rules = [r for r in fuzzable_rules(app) if "GET" in r.methods]
    assert get_rules, "no GET routes"
    field_index = itertools.count()
    for rule in get_rules:
        url = url_for_rule(rule, params, {})
        # Every value in every name at once (a 1 MB string in `q` alone: not 20 MB of query),
        # then the names this route's own links and forms use, one at a time.
        cases = [
            ("every name", value_name, [(n, value) for n in sorted(all_names)])
            for value_name, value in HOSTILE.items()
            if value_name != "megabyte"
        ]
        cases.append(("q", "megabyte", [("q", HOSTILE["megabyte"])]))
        for name in sorted(crawled.query_names.get(rule.endpoint, set())):
            values = values_for(next(field_index))
            cases += [(name, value_name, [(name, HOSTILE[value_name])]) for value_name in values]
        for role, client in clients.items():
            if role == "anonymous" and rule.endpoint.startswith("admin."):
                continue
            for name, value_name, pairs in cases:
                target = f"{url}?{form_body(pairs).decode()}"
                status, _, detail = send(client, "GET", target)
                where = f"GET {show_url(url)}?{name}={short(HOSTILE[value_name])} as {role}"
                if not acceptable(status):
                    key = (rule.endpoint, name, value_name, status, detail[:60])
                    findings.add(key, f"{where}: {status} {detail}")
                elif value_name == "nul" and status != 400:
                    findings.add(
                        ("nul", rule.endpoint), f"{where}: {status}, expected 400 for a NUL byte"
                    )
    findings_and_storage(findings, app)


def test_page_argument_out_of_range_is_clamped_not_refused(scene, app):
    """Every page that answers 200 still answers 200 with a page number out of range."""
    findings = Findings()
    crawled = crawl(scene, findings)
    one_per_endpoint: dict[str, tuple[str, str]] = {}
    for role, url in crawled.pages:
        endpoint = endpoint_of(app, urlsplit(url).path, "GET")
        one_per_endpoint.setdefault(endpoint, (role, urlsplit(url).path))
    assert {"public.board_show", "admin.ideas_list"} <= set(one_per_endpoint), "crawl too small"
    for endpoint, (role, path) in sorted(one_per_endpoint.items()):
        client = scene.client_for(role, fresh=True)
        for value in PAGE_VALUES:
            status, _, detail = send(client, "GET", f"{path}?page={quote(value)}")
            if status != 200:
                findings.add(
                    (endpoint, value),
                    f"GET {path}?page={value} as {role}: {status} {detail} (expected 200)",
                )
    assert not findings.seen, findings.report()


# ---------------------------------------------------------------------------------------------
# Forms found by crawling


def values_for(field_index: int) -> list[str]:
    if FULL:
        return list(HOSTILE)
    start = (field_index * SAMPLED) % len(OPTIONAL)
    rotated = (OPTIONAL[start:] + OPTIONAL[:start])[:SAMPLED]
    return list(MANDATORY) + rotated


def unique_forms(crawled: Crawl) -> list[list[Form]]:
    """Per (endpoint, field names), the forms seen, in the order of ROLES of who saw them."""
    chosen: dict[tuple, list[Form]] = {}
    for role in ROLES:
        for form in crawled.forms:
            if form.role != role or form.endpoint in NO_FIELDS:
                continue
            key = (form.endpoint or form.action, frozenset(form.fields))
            candidates = chosen.setdefault(key, [])
            if role not in {c.role for c in candidates}:
                candidates.append(form)
    return list(chosen.values())


def fresh_action(scene: Scene, form: Form) -> str:
    """Forms whose target is used up by one valid submission get a new target each time."""
    if form.endpoint == "account.reset_password":
        return scene.fresh_reset_path()
    if form.endpoint == "account.accept_invitation":
        return scene.fresh_invitation_path()
    if form.endpoint == "account.signin_link":
        return scene.fresh_sign_in_link_path()
    if form.endpoint in ("admin.feedback_link", "admin.feedback_to_idea"):
        return re.sub(r"/feedback/\d+/", f"/feedback/{scene.fresh_feedback_id()}/", form.action)
    return form.action


def submit(scene: Scene, form: Form, pairs) -> tuple[int, str]:
    client = scene.client_for(form.role)
    status, response, detail = send(client, "POST", fresh_action(scene, form), form_body(pairs))
    signed_out = status == 302 and "/login" in (response.location or "")
    if signed_out and form.role != "anonymous":  # signed out by the last submission: again
        client = scene.client_for(form.role, fresh=True)
        body = form_body(pairs)
        status, response, detail = send(client, "POST", fresh_action(scene, form), body)
    return status, detail


def test_every_form_field_survives_hostile_values_and_nothing_garbled_is_stored(scene, app):
    findings = Findings()
    crawled = crawl(scene, findings)
    groups = unique_forms(crawled)
    post_endpoints = {r.endpoint for r in fuzzable_rules(app) if "POST" in r.methods}
    unreached = post_endpoints - {group[0].endpoint for group in groups} - set(NO_FIELDS)
    assert not unreached, f"no crawled page offers a form for: {sorted(unreached)}"
    fuzzed = set()

    field_index = itertools.count()
    submissions = 0
    for group in groups:
        for form in group:  # the first who saw it and is not refused (staff: admin-only forms)
            baseline = form.baseline(scene)
            status, detail = submit(scene, form, baseline)
            if status not in (403, 404):
                break
        if status == 403:
            continue  # refused to this role (staff on an admin-only form); admin's group covers it
        if not acceptable(status):
            findings.add(
                (form.endpoint, "baseline", status),
                f"POST {form.action} as {form.role}, valid-ish baseline {baseline}: "
                f"{status} {detail}",
            )
        fuzzed.add(form.endpoint)
        for name in form.fields:
            if name == "csrf_token":
                continue
            for value_name in values_for(next(field_index)):
                value = HOSTILE[value_name]
                pairs = [(n, v) for n, v in form.baseline(scene) if n != name] + [(name, value)]
                status, detail = submit(scene, form, pairs)
                submissions += 1
                where = f"POST {form.action} as {form.role}, {name}={short(value)}"
                if not acceptable(status):
                    key = (form.endpoint, name, status, detail[:60])
                    findings.add(key, f"{where}: {status} {detail}")
                elif value_name == "nul" and status != 400:
                    findings.add(
                        ("nul", form.endpoint, name),
                        f"{where}: {status}, expected 400 for a NUL byte",
                    )
    assert submissions > 200, f"only {submissions} submissions: the crawl found too few forms"
    refused = post_endpoints - fuzzed - set(NO_FIELDS)
    assert not refused, f"every role that saw these forms was refused (403): {sorted(refused)}"

    # What the run stored must not break any page that worked before it.
    for role, url in crawled.pages:
        status, _, detail = send(scene.client_for(role), "GET", url)
        if status >= 500:
            findings.add(("after", url, role), f"GET {url} as {role} after the run: {detail}")
    findings_and_storage(findings, app)


# ---------------------------------------------------------------------------------------------
# A body too large to read


class HugeBody:
    """A 50 MB multipart body made on demand, counting what the app reads of it."""

    def __init__(self, size: int) -> None:
        self.head = b'--fuzz\r\nContent-Disposition: form-data; name="display_name"\r\n\r\n'
        self.size = size
        self.position = 0
        self.consumed = 0

    def read(self, limit: int = -1) -> bytes:
        left = self.size - self.position
        count = left if limit is None or limit < 0 else min(limit, left)
        head = self.head[self.position : self.position + count]
        self.position += count
        self.consumed += count
        return head + b"x" * (count - len(head))

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 65536)

    def tell(self) -> int:  # the test client measures the stream; that is not a read
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position


def test_a_50_megabyte_anonymous_post_is_refused_with_413_before_it_is_read(app, client):
    assert app.config.get("MAX_CONTENT_LENGTH"), "MAX_CONTENT_LENGTH is not set by default"
    size = 50 * 1024 * 1024
    body = HugeBody(size)
    status, _, detail = send_stream(client, body, size)
    assert status == 413, f"POST /signup with 50 MB answered {status} {detail}"
    assert body.consumed < 64 * 1024, f"the app read {body.consumed} bytes before refusing"


def send_stream(client, body: HugeBody, size: int):
    try:
        response = client.post(
            "/signup",
            input_stream=body,
            content_length=size,
            content_type="multipart/form-data; boundary=fuzz",
        )
    except Exception as error:  # noqa: BLE001
        return 500, None, f"{type(error).__name__}: {str(error)[:300]}"
    return response.status_code, response, ""
