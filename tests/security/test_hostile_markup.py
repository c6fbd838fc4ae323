"""A corpus of hostile Markdown and HTML through every text a person can enter, checked where it
is shown: the pages (parsed, attribute by attribute) and the email the portal sends.

Issue 6, deliverable 3: "a corpus of hostile Markdown and HTML through every text a person can
enter, checked in pages and emails". Nothing executable may survive (no script, no event handler,
no javascript:/data: URL, no iframe/svg/object/embed, no style attribute, no htmx attribute from
user text), template syntax is shown literally, and a name with CR/LF adds no email header. The
benign checks make the test fail the other way too: Markdown must still render bold and https links,
and plain fields must show the hostile text as text, not drop it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from portal.accounts.models import Role, User
from portal.feedback.models import Feedback
from portal.ideas.models import Comment, Idea
from portal.lifecycle.stages import Stage
from tests.conftest import PASSWORD

EVALUATED = "1234000"  # what "{{ 1234*1000 }}" would become if a template evaluated it
TEMPLATE_LITERAL = "{{ 1234*1000 }}"

# Short enough for every single-line field (factor names take 60 characters, tags 40).
SHORT = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example>",
    '"><script>alert(2)</script>',
    "' onfocus='alert(3)' autofocus='",
    '<a href="javascript:alert(4)">j</a>',
    '<a href="&#106;avascript:alert(5)">e</a>',
    "[click](javascript:alert(6))",
    '<p style="color:red">styled</p>',
    "<b onmouseover=alert(7)>unclosed",
    "{{ 1234*1000 }} {{7*7}}",
    "{% raw %}r{% endraw %} ${7*7}",
    "<object data=x></object><embed src=x>",
    '<a href="data:text/html;x">d</a>',
    "Eve\r\nBcc: victim@evil.example",
)

# Markdown-only and longer tricks, for the multi-line fields.
LONG_ONLY = (
    "[upper](JaVaScRiPt:alert(8))",
    "[spaced]( javascript:alert(9) )",
    "<javascript:alert(10)>",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "[page](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)",
    '<a href="jav&#x09;ascript:alert(12)">tab</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(13)">hex</a>',
    '<math><mi xlink:href="javascript:alert(14)">m</mi></math>',
    '<form action="javascript:alert(15)"><button formaction="javascript:alert(16)">go</button>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<div hx-get="/logout" hx-trigger="load">hx</div>',
    '<a hx-on:click="alert(17)">hx-on</a>',
    '<details open ontoggle="alert(18)">d</details>',
    "<scr<script>ipt>alert(19)</script>",
    "```\n<script>alert(20)</script>\n```",
    '<img src="x" onerror="alert(21)"',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(22)</script> -->",
    "Line one\r\nline two\x07\x1b with controls",  # NUL is refused with a 400 (inputs.py)
)

CORPUS = "\n\n".join(SHORT + LONG_ONLY)
SIGNUP_NAMES = ("Joiner <script>alert(30)</script>", 'Joiner "><img src=x onerror=alert(31)>',
                "Joiner {{ 1234*1000 }}")  # fmt: skip
TAG_SAFE = [p for p in SHORT if "," not in p and len(p) <= 40]


def chunks(limit: int) -> list[str]:
    """The corpus cut at payload boundaries into pieces of at most `limit` characters."""
    pieces, current = [], ""
    for payload in SHORT + LONG_ONLY:
        candidate = f"{current}\n\n{payload}" if current else payload
        if len(candidate) > limit:
            pieces.append(current)
            current = payload
        else:
            current = candidate
    return [*pieces, current]


# ---------------------------------------------------------------------------------------------
# The checker


URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset",
    "data", "codebase", "cite", "lowsrc", "dynsrc", "ping",
}  # fmt: skip
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "svg", "object", "embed", "math", "base", "applet",
                  "style", "link", "img", "video", "audio", "source", "portal"}  # fmt: skip
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
PAYLOAD_MARKS = ("alert(", "evil.example", "/logout")


class Inspector(HTMLParser):
    """Walks a page and lists what could execute; collects the visible text too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attribute_values: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script content: {data.strip()[:80]!r}")
        self.text.append(data)

    def _check(self, tag: str, attrs) -> None:
        values = dict(attrs)
        shown = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:160]
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"script tag: {shown}")
        href = values.get("href") or ""
        own_asset = href.startswith("/static/")
        # The page's own address (canonical) and its own feed: links to this site, not content.
        own_page = (
            values.get("rel") in ("canonical", "alternate")
            and (href.startswith("http://portal.test/") or href.startswith("/"))
            and not href.startswith("//")
        )
        if tag in FORBIDDEN_TAGS and not (tag == "link" and (own_asset or own_page)):
            self.problems.append(f"forbidden tag: {shown}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"meta refresh: {shown}")
        for name, value in attrs:
            value = value or ""
            self.attribute_values.append(value)
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}: {shown}")
            if name == "style":
                self.problems.append(f"style attribute: {shown}")
            if name.startswith(("hx-on", "data-hx-on")) or (
                name.startswith(("hx-", "data-hx-")) and any(m in value for m in PAYLOAD_MARKS)
            ):
                self.problems.append(f"htmx attribute from user text: {shown}")
            if name in URL_ATTRIBUTES or name == "srcdoc":
                squeezed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
                if squeezed.startswith(BAD_SCHEMES) or name == "srcdoc":
                    self.problems.append(f"dangerous URL in {name}: {shown}")


@dataclass
class Page:
    url: str
    status: int
    html: str
    problems: list[str]
    text: str
    attribute_values: list[str] = field(default_factory=list)

    @property
    def squeezed_text(self) -> str:
        return squeeze(self.text)


def squeeze(text: str) -> str:
    """Whitespace and control characters removed: compare text whatever a field did with CR/LF."""
    return re.sub(r"[\s\x00-\x1f\x7f]+", "", text)


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def fetch(client, url: str) -> Page:
    response = client.get(url)
    html = response.get_data(as_text=True)
    inspector = inspect(html)
    problems = list(inspector.problems)
    if EVALUATED in html:
        problems.append(f"template syntax evaluated: {EVALUATED!r} on the page")
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}: {html[:200]!r}")
    return Page(url, response.status_code, html, problems, "".join(inspector.text),
                inspector.attribute_values)  # fmt: skip


class Entry:
    """Sends the hostile texts and remembers every refusal or server error."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def post(self, client, url: str, data: dict, expect=(302,)):
        response = client.post(url, data=data)
        if response.status_code not in expect:
            fields = {k: (v[:40] if isinstance(v, str) else v) for k, v in data.items()}
            body = response.get_data(as_text=True)
            reason = re.findall(r'class="(?:field-error|notice error)"[^>]*>([^<]{0,120})', body)
            reason += re.findall(r"(?s)<main[^>]*>(.{0,200})", body)[:1]
            self.failures.append(
                f"POST {url} {fields} -> {response.status_code} {reason[:2] or body[:160]!r}"
            )
        return response


def signed_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"{email} could not sign in"
    return client


# ---------------------------------------------------------------------------------------------
# The checker checks


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<iframe src=//evil.example></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<p style="color:red">x</p>',
        '<div hx-on:click="alert(1)">x</div>',
        '<div hx-get="/logout" hx-trigger="load">x</div>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<object data="x"></object>',
        '<form><button formaction="javascript:alert(1)">x</button></form>',
        "<link rel=stylesheet href=https://evil.example/x.css>",
    ],
)
def test_the_inspector_flags_executable_markup(html):
    assert inspect(f"<p>before</p>{html}<p>after</p>").problems != []


def test_the_inspector_passes_the_portals_own_markup():
    html = (
        '<link rel="stylesheet" href="/static/css/feedloop.css">'
        '<script src="/static/vendor/htmx.min.js" defer></script>'
        '<form hx-post="/ideas/1/vote" hx-target="this"><input value="&lt;script&gt;"></form>'
        '<a href="https://docs.example/" rel="nofollow">docs</a><p>&lt;svg onload=x&gt;</p>'
    )
    assert inspect(html).problems == []


# ---------------------------------------------------------------------------------------------
# Markdown both ways


def test_markdown_renders_benign_input_and_strips_every_hostile_construct(app, make):
    board = make.board("Ideas")
    customer = make.user()
    client = signed_in(app, customer.email)
    benign = (
        "**bold words** and [the docs](https://docs.example/export) and `code`\n\n"
        "```\n<script>alert(0)</script>\n```"
    )
    entry = Entry()
    response = entry.post(
        client,
        f"/boards/{board.slug}/ideas/new",
        {"title": "Markdown both ways", "body": f"{benign}\n\n{CORPUS}", "kind": "feature"},
    )
    assert entry.failures == []
    location = response.headers["Location"]
    idea_id = int(re.match(r"/ideas/(\d+)", location).group(1))
    entry.post(client, f"/ideas/{idea_id}/comments", {"body": f"{benign}\n\n{CORPUS}"})
    assert entry.failures == []
    page = fetch(client, location)

    assert page.status == 200
    assert page.problems == []
    assert page.html.count("<strong>bold words</strong>") == 2  # body and comment
    links = re.findall(r"<a [^>]*>the docs</a>", page.html)
    assert len(links) == 2 and all('href="https://docs.example/export"' in a for a in links)
    assert "<code>code</code>" in page.html
    # Code blocks show hostile markup as text, and the template literal is shown, not evaluated.
    assert page.html.count("<code>&lt;script&gt;alert(0)&lt;/script&gt;\n</code></pre>") == 2
    assert TEMPLATE_LITERAL in page.text


# ---------------------------------------------------------------------------------------------
# Every field, every page


@dataclass
class HostileWorld:
    board_slug: str
    idea_ids: list[int]
    customer_ids: list[int]
    organisation_ids: list[int]
    feedback_ids: list[int]
    comment_id: int
    customer_email: str
    admin_email: str


@pytest.fixture
def hostile_world(app, make, session, smtp_server, deliver) -> tuple[HostileWorld, list[str]]:
    """Every text a person can enter, filled with the corpus through the real forms."""
    entry = Entry()
    board = make.board("Public ideas")
    admin = make.user("admin@vendor.example", role=Role.admin, name="Ada Admin")
    customer = make.user("customer@acme.example", name="Cat Customer")
    customer_client = signed_in(app, customer.email)
    admin_client = signed_in(app, admin.email)

    # Customers: idea title and body, comments, an edited comment, display names.
    for title in SHORT:
        entry.post(
            customer_client,
            f"/boards/{board.slug}/ideas/new",
            {"title": f"Idea {title}", "body": CORPUS, "kind": "feature"},
        )
    make.fresh()
    idea_ids = list(session.scalars(select(Idea.id).where(Idea.board_id == board.id)))
    assert len(idea_ids) == len(SHORT), f"ideas refused: {entry.failures}"
    first = idea_ids[0]
    for payload in SHORT:
        entry.post(customer_client, f"/ideas/{first}/comments", {"body": payload})
    entry.post(customer_client, f"/ideas/{first}/comments", {"body": "Soon to be edited"})
    make.fresh()
    edited = session.scalar(select(Comment.id).where(Comment.body == "Soon to be edited"))
    assert edited, f"comment refused: {entry.failures}"
    entry.post(customer_client, f"/ideas/{first}/comments/{edited}/edit", {"body": CORPUS})

    named = []
    for payload in SHORT:
        person = make.user(name="Placeholder")
        named.append(person.id)
        client = signed_in(app, person.email)
        entry.post(client, "/account", {"display_name": payload, "language": ""})
        entry.post(client, f"/ideas/{first}/comments", {"body": "Me too"})
        entry.post(client, f"/ideas/{first}/vote", {"action": "on"})

    # Sign-up display names, through the verification link, then shown beside a comment.
    for number, payload in enumerate(SIGNUP_NAMES):
        address = f"joiner{number}@example.net"
        joiner = app.test_client()
        entry.post(
            joiner,
            "/signup",
            {"display_name": payload, "email": address, "password": "a long enough password"},
            expect=(200,),
        )
        deliver()
        link = smtp_server.link_in(smtp_server.to(address)[-1], "/verify/")
        if joiner.get(link).status_code != 302:
            entry.failures.append(f"GET {link} did not verify {address}")
        entry.post(joiner, f"/ideas/{first}/comments", {"body": "Signed up to say this"})

    # Staff: notes, public and internal stage messages, declines, grade reasons.
    for piece in chunks(5000):
        entry.post(admin_client, f"/admin/ideas/{first}/notes", {"body": piece})
    forward = True
    for piece in chunks(2000):
        target = "analyze" if forward else "collect"
        entry.post(
            admin_client,
            f"/admin/ideas/{first}/stage",
            {"target": target, "public_message": piece, "internal_note": piece},
        )
        forward = not forward
    declines = chunks(2000)
    for idea_id, piece in zip(idea_ids[-len(declines) :], declines, strict=True):
        entry.post(
            admin_client,
            f"/admin/ideas/{idea_id}/stage",
            {"target": "declined", "public_message": piece, "internal_note": piece},
        )
    for idea_id, piece in zip(idea_ids[1:], chunks(500), strict=False):
        entry.post(admin_client, f"/admin/ideas/{idea_id}/grade", {"grade": "A", "reason": piece})

    # Tags: comma-separated, 300 characters a field, 40 a tag.
    groups, group = [], []
    for tag in TAG_SAFE:
        if len(",".join([*group, tag])) > 300:
            groups.append(group)
            group = []
        group.append(tag)
    groups.append(group)
    for idea_id, tags in zip(idea_ids[1:], groups, strict=False):
        entry.post(
            admin_client,
            f"/admin/ideas/{idea_id}/enrich",
            {"board_id": board.id, "kind": "feature", "severity": "", "owner_id": "",
             "tags": ",".join(tags)},
        )  # fmt: skip

    # Feedback: customer name, original words, a new organisation, the reference.
    for number, payload in enumerate(SHORT):
        entry.post(
            admin_client,
            "/admin/feedback/new",
            {"email": f"caller{number}@prospect{number}.example", "name": payload,
             "organisation_id": "", "new_organisation": f"Feedback org {payload}",
             "channel": "support", "original_words": CORPUS, "source_reference": payload},
        )  # fmt: skip
    make.fresh()
    feedback_ids = list(session.scalars(select(Feedback.id).order_by(Feedback.id)))
    # Half become new ideas titled with the corpus; the others stay in the inbox.
    for feedback_id, payload in zip(feedback_ids[::2], SHORT, strict=False):
        entry.post(
            admin_client,
            f"/admin/feedback/{feedback_id}/idea",
            {"title": f"From feedback {payload}", "board_id": board.id, "kind": "feature"},
        )

    # Organisations and priority factors.
    for payload in SHORT:
        entry.post(
            admin_client,
            "/admin/organisations/new",
            {"name": f"Org {payload}", "domains": "", "tier": "key", "arr": "1000",
             "industry": payload, "region": payload},
        )  # fmt: skip
        entry.post(
            admin_client,
            "/admin/settings/factors",
            {"name": payload[:60], "weight": "1", "scale_max": "5", "direction": "benefit",
             "is_active": "y"},
        )  # fmt: skip
    make.fresh()
    from portal.accounts.models import Organisation

    organisation_ids = list(session.scalars(select(Organisation.id)))
    # An idea released and waiting for verification shows in the review queue.
    make.idea(f"Released {SHORT[0]}", board=board, author=customer, stage=Stage.verify)
    world = HostileWorld(
        board_slug=board.slug,
        idea_ids=list(session.scalars(select(Idea.id).order_by(Idea.id))),
        customer_ids=named,
        organisation_ids=organisation_ids,
        feedback_ids=feedback_ids,
        comment_id=edited,
        customer_email=customer.email,
        admin_email=admin.email,
    )
    return world, entry.failures


def test_every_text_a_person_enters_is_accepted(hostile_world):
    """Hostile-looking text is still text a person may write: stored, not refused, no 500."""
    _, failures = hostile_world
    assert failures == []


def test_no_executable_markup_on_any_page_that_shows_entered_text(app, hostile_world):
    world, _ = hostile_world
    customer = signed_in(app, world.customer_email)
    admin = signed_in(app, world.admin_email)
    anonymous = app.test_client()
    urls_for_everyone = ["/", f"/boards/{world.board_slug}", f"/boards/{world.board_slug}?sort=new"]
    urls_for_everyone += [f"/boards/{world.board_slug}?tag={quote(t)}" for t in TAG_SAFE[:3]]
    urls_for_everyone += [f"/ideas/similar?title={quote(p)}" for p in SHORT]
    urls_for_everyone += ["/ideas/similar?title=Idea"]
    admin_urls = ["/admin/inbox", "/admin/ideas", "/admin/ideas?sort=score", "/admin/review",
                  "/admin/organisations", "/admin/settings", "/admin/audit", "/admin/feedback/new",
                  "/account"]  # fmt: skip
    admin_urls += [f"/admin/ideas/{i}" for i in world.idea_ids]
    admin_urls += [f"/admin/organisations/{o}" for o in world.organisation_ids]

    pages: list[Page] = []
    for client in (anonymous, customer):
        pages += [fetch(client, url) for url in urls_for_everyone]
        for idea_id in world.idea_ids:
            page = fetch(client, f"/ideas/{idea_id}")
            if page.status in (301, 302):
                page = fetch(client, client.get(f"/ideas/{idea_id}").headers["Location"])
            pages.append(page)
    pages.append(fetch(customer, "/account"))
    pages.append(fetch(customer, f"/ideas/{world.idea_ids[0]}/comments/{world.comment_id}/edit"))
    pages += [fetch(admin, url) for url in admin_urls]

    problems = [f"{p.url}: {problem}" for p in pages for problem in p.problems]
    assert problems == []
    not_ok = [(p.url, p.status) for p in pages if p.status != 200]
    assert not_ok == []

    # The hostile text is shown as text, not dropped: each title and name is on some page.
    everything = "".join(p.squeezed_text for p in pages)
    missing = [p for p in SHORT if squeeze(f"Idea {p}") not in everything]
    assert missing == [], "idea titles not shown as text"
    admin_pages = "".join(p.squeezed_text for p in pages if p.url.startswith("/admin"))
    for label, prefix in (("organisation", "Org "), ("feedback organisation", "Feedback org "),
                          ("new idea from feedback", "From feedback ")):  # fmt: skip
        shown = [p for p in SHORT if squeeze(prefix + p) in admin_pages]
        assert shown, f"no {label} name shown as text on the admin pages"
    assert squeeze(TEMPLATE_LITERAL) in everything


def test_public_idea_page_shows_names_messages_and_tags_as_text(app, hostile_world):
    world, _ = hostile_world
    client = app.test_client()
    first = client.get(f"/ideas/{world.idea_ids[0]}", follow_redirects=True)
    page = inspect(first.get_data(as_text=True))
    text = squeeze("".join(page.text))
    assert first.status_code == 200 and page.problems == []
    names_shown = [p for p in SHORT if squeeze(p) in text]
    # Every display name comments on the first idea, and its body holds every payload.
    assert len(names_shown) == len(SHORT)
    assert squeeze("<script>alert(1)</script>") in text  # escaped, visible
    assert [n for n in SIGNUP_NAMES if squeeze(n) not in text] == [], "sign-up names not shown"
    assert squeeze(TEMPLATE_LITERAL) in text and EVALUATED not in first.get_data(as_text=True)

    tagged = client.get(f"/ideas/{world.idea_ids[1]}", follow_redirects=True)
    tagged_text = squeeze("".join(inspect(tagged.get_data(as_text=True)).text))
    assert any(squeeze(tag) in tagged_text for tag in TAG_SAFE), "tags not shown"


def test_similar_ideas_fragment_escapes_titles(app, hostile_world):
    client = app.test_client()
    for payload in SHORT:
        response = client.get(f"/ideas/similar?title={quote('Idea ' + payload)}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert inspect(html).problems == [], payload
        assert EVALUATED not in html
    response = client.get(f"/ideas/similar?title={quote('Idea <script>alert(1)</script>')}")
    assert squeeze("Idea <script>alert(1)</script>") in squeeze(
        "".join(inspect(response.get_data(as_text=True)).text)
    ), "the fragment should list the matching idea, its title escaped"


def test_profile_form_keeps_the_hostile_name_inside_its_value(app, make):
    person = make.user(name="Placeholder")
    client = signed_in(app, person.email)
    name = '"><script>alert(1)</script> {{ 1234*1000 }}'
    assert client.post("/account", data={"display_name": name, "language": ""}).status_code == 302
    html = client.get("/account").get_data(as_text=True)
    inspector = inspect(html)
    assert inspector.problems == []
    assert EVALUATED not in html
    assert name in inspector.attribute_values  # the whole name, still inside value="…"


# ---------------------------------------------------------------------------------------------
# Email


HOSTILE_NAME = "Eve\r\nBcc: v@evil.example\r\nX-Injected: 1<script>x</script>{{ 1234*1000 }}"
EXPECTED_HEADERS = {"subject", "from", "to", "message-id", "date", "mime-version", "content-type",
                    "content-transfer-encoding"}  # fmt: skip


def check_message(message) -> list[str]:
    problems = []
    names = {name.lower() for name in message}
    if names - EXPECTED_HEADERS:
        problems.append(f"unexpected headers: {sorted(names - EXPECTED_HEADERS)}")
    raw = message.as_bytes().decode("utf-8", "replace")
    head = raw.split("\n\n", 1)[0] if "\n\n" in raw else raw.split("\r\n\r\n", 1)[0]
    if re.search(r"(?im)^(bcc|x-injected):", head):
        problems.append(f"injected header line: {head!r}")
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        content = part.get_content()
        if EVALUATED in content:
            problems.append(f"template syntax evaluated in {part.get_content_type()}")
        if part.get_content_type() == "text/html":
            problems += [f"html part: {p}" for p in inspect(content).problems]
        if re.search(r"(?im)^(bcc|x-injected):", content):
            problems.append(f"a header-like line from the name in the body: {content[:200]!r}")
    return problems


def test_emails_carry_hostile_names_without_injected_headers_or_markup(
    app, make, smtp_server, deliver, session
):
    client = app.test_client()
    address = "eve@newcomer.example"
    signup = {"display_name": HOSTILE_NAME, "email": address, "password": "a long enough password"}
    assert client.post("/signup", data=signup).status_code == 200
    deliver()
    verification = smtp_server.to(address)
    assert len(verification) == 1
    assert check_message(verification[0]) == []
    # Defect 10: a name typed at sign-up must not reach an address nobody has proved yet.
    assert "Eve" not in MailBoxText.of(verification[0])
    assert "<script>" not in MailBoxText.of(verification[0])

    # The address has an account now: signing up again sends "account exists" with its name.
    again = {**signup, "display_name": "Someone else"}
    assert app.test_client().post("/signup", data=again).status_code == 200
    assert app.test_client().post("/password/forgot", data={"email": address}).status_code == 200
    deliver()
    later = smtp_server.to(address)[1:]
    assert len(later) == 2, [m["Subject"] for m in later]
    for message in later:
        assert check_message(message) == [], message["Subject"]
        # Still unproved: the name typed at sign-up stays out of these too.
        assert "Eve" not in MailBoxText.of(message) and "<script>" not in MailBoxText.of(message)
    stored = session.scalar(select(User.display_name).where(User.email == address))
    assert "\r" not in stored and "\n" not in stored, "a one-line name kept its line breaks"

    # Once the owner has proved the address, their own name greets them, shown literally.
    session.execute(update(User).where(User.email == address).values(email_verified_at=func.now()))
    session.commit()
    assert app.test_client().post("/signup", data=again).status_code == 200
    deliver()
    exists = smtp_server.to(address)[-1]
    assert check_message(exists) == []
    text = MailBoxText.of(exists)
    assert squeeze(TEMPLATE_LITERAL) in squeeze(text)  # shown literally
    assert "<script>x</script>" in text  # the name is there, as plain text in a text email


class MailBoxText:
    @staticmethod
    def of(message) -> str:
        return "\n".join(
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        )
