"""Findable public pages: robots.txt, the sitemap, the shared-link card and the favicon."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.ideas.models import Idea, Visibility
from portal.lifecycle.stages import Stage
from portal.web.public import findable

BASE_URL = "http://portal.test"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HIDDEN = [Visibility.customers, Visibility.organisations, Visibility.internal]
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


class HeadTags(HTMLParser):
    """The meta and link tags of a page, by their name, property or rel."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        if tag == "link":
            self.links[attrs.get("rel", "")] = attrs.get("href", "")


def sitemap(client) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of every URL in the sitemap, after checking it is a valid urlset."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{{{NS['sm']}}}urlset"
    entries = []
    for url in root.findall("sm:url", NS):
        assert [child.tag.split("}")[1] for child in url] in (["loc"], ["loc", "lastmod"])
        lastmod = url.find("sm:lastmod", NS)
        entries.append((url.find("sm:loc", NS).text, lastmod.text if lastmod is not None else None))
    return entries


def locations(client) -> set[str]:
    return {loc for loc, _lastmod in sitemap(client)}


def idea_url(idea) -> str:
    return f"{BASE_URL}/ideas/{idea.id}-{idea.slug}"


# --- the sitemap ---------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("viewer", ["anonymous", "member", "staff"])
def test_sitemap_lists_only_what_an_anonymous_visitor_may_see_whoever_asks(
    make, client, sign_in, viewer, visibility
):
    acme = make.organisation("Acme")
    board = make.board(f"Board {visibility.value}", visibility=visibility, organisations=[acme])
    idea = make.idea(f"Secret plan {visibility.value}", board=board)
    if viewer == "member":
        sign_in(make.user(organisation=acme))
    elif viewer == "staff":
        sign_in(make.staff())

    body = client.get("/sitemap.xml").get_data(as_text=True)
    listed = locations(client)

    public = visibility == Visibility.public
    assert (f"{BASE_URL}/boards/{board.slug}" in listed) is public
    assert (idea_url(idea) in listed) is public
    if not public:
        assert idea.slug not in body and board.slug not in body
        assert f"/ideas/{idea.id}" not in body


@pytest.mark.parametrize("visibility", HIDDEN)
def test_an_idea_narrower_than_its_public_board_is_not_in_the_sitemap(make, client, visibility):
    board = make.board("Reports")
    shown = make.idea("Shown to everyone", board=board)
    hidden = make.idea(
        "Only some may know",
        board=board,
        visibility=visibility,
        organisations=[make.organisation()],
    )

    listed = locations(client)
    body = client.get("/sitemap.xml").get_data(as_text=True)

    assert f"{BASE_URL}/boards/{board.slug}" in listed
    assert idea_url(shown) in listed
    assert idea_url(hidden) not in listed and hidden.slug not in body


def test_merged_ideas_are_not_in_the_sitemap_but_declined_and_shipped_ones_are(make, client):
    board = make.board()
    merged = make.idea("Duplicate of dark mode", board=board, stage=Stage.merged)
    declined = make.idea("Declined idea", board=board, stage=Stage.declined)
    shipped = make.idea("Shipped idea", board=board, stage=Stage.closed)

    listed = locations(client)

    assert idea_url(merged) not in listed
    assert {idea_url(declined), idea_url(shipped)} <= listed


def test_sitemap_urls_are_absolute_and_ideas_carry_their_last_change(make, client, session):
    idea = make.idea("Export reports to CSV")
    stored = session.scalar(select(Idea).where(Idea.id == idea.id))
    changed = max(stored.updated_at, stored.stage_changed_at)

    entries = dict(sitemap(client))

    assert all(loc.startswith(f"{BASE_URL}/") for loc in entries)
    assert f"{BASE_URL}/" in entries
    assert W3C_DATETIME.match(entries[idea_url(idea)])
    assert entries[idea_url(idea)] == changed.isoformat(timespec="seconds")


def test_sitemap_lists_the_roadmap_and_changelog_once_they_exist(app, client, monkeypatch):
    if "public.changelog" not in app.view_functions:  # not landed yet: stand one in
        app.add_url_rule("/changelog", "public.changelog", lambda: "")
    monkeypatch.setattr(
        findable, "OPTIONAL_PAGES", (*findable.OPTIONAL_PAGES, "public.not_built_yet")
    )

    listed = locations(client)

    assert f"{BASE_URL}/changelog" in listed
    assert ("public.roadmap" in app.view_functions) is (f"{BASE_URL}/roadmap" in listed)
    assert not any("not_built_yet" in loc or "not-built-yet" in loc for loc in listed)


def test_sitemap_stops_at_the_protocol_limit_keeping_the_newest_ideas(make, client, monkeypatch):
    board = make.board()
    ideas = [make.idea(f"Idea number {n}", board=board) for n in range(5)]
    fixed_pages = len(sitemap(client)) - len(ideas)  # home, roadmap, changelog, the board
    monkeypatch.setattr(findable, "SITEMAP_LIMIT", fixed_pages + 1)

    listed = [loc for loc, _lastmod in sitemap(client)]

    assert len(listed) == fixed_pages + 1
    assert idea_url(ideas[-1]) in listed and idea_url(ideas[0]) not in listed


def test_sitemap_is_made_with_one_query_per_kind(make, client, count_queries):
    board = make.board()
    for n in range(3):
        make.idea(f"Idea number {n}", board=board)
    client.get("/sitemap.xml")
    with count_queries() as few:
        client.get("/sitemap.xml")
    for n in range(3, 12):
        make.idea(f"Idea number {n}", board=make.board())
    with count_queries() as many:
        client.get("/sitemap.xml")

    assert many.count == few.count


# --- robots.txt and the favicon ------------------------------------------------------------


def test_robots_txt_allows_the_public_pages_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Allow: /", "Disallow: /admin", "Disallow: /account"} <= set(lines)
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines


def test_favicon_is_served_and_linked_from_every_page(make, client):
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    ET.fromstring(svg.get_data())

    old_address = client.get("/favicon.ico")
    assert old_address.status_code in (301, 302)
    assert "/static/favicon.svg?v=" in old_address.headers["Location"]

    for page in ("/", "/no-such-page"):
        head = HeadTags(client.get(page).get_data(as_text=True))
        assert head.links["icon"].startswith("/static/favicon.svg")


# --- the card of a shared link -------------------------------------------------------------


def test_a_shared_idea_shows_its_title_and_the_start_of_its_text(make, client):
    body = (
        "# Why\n\nWe **really** need [CSV export](https://example.com/csv) for `monthly` "
        "reports <script>alert('x')</script><b>now</b>.\n\n- one\n- two\n\n" + "More words. " * 30
    )
    idea = make.idea("Export reports to CSV", body=body)

    page = client.get(f"/ideas/{idea.id}-{idea.slug}")
    head = HeadTags(page.get_data(as_text=True))

    description = head.meta["og:description"]
    assert head.meta["description"] == description
    assert description.startswith("Why We really need CSV export for monthly reports now. one two")
    assert len(description) <= 160 and description.endswith("…")
    for syntax in ("#", "**", "](", "`", "<", ">", "alert", "- one"):
        assert syntax not in description
    assert head.meta["og:title"] == "Export reports to CSV"
    assert head.meta["og:url"] == idea_url(idea)
    assert head.links["canonical"] == idea_url(idea)
    assert head.meta["og:type"] == "article"
    assert head.meta["og:site_name"] == "Feedloop"


def test_a_shared_board_shows_its_name_and_description(make, client, session):
    board = make.board("Reports")
    board.description = "Ideas about exports,\n  dashboards and reports."
    session.commit()

    head = HeadTags(client.get(f"/boards/{board.slug}?sort=new").get_data(as_text=True))

    assert head.meta["og:title"] == "Reports"
    assert head.meta["og:description"] == "Ideas about exports, dashboards and reports."
    assert head.meta["description"] == head.meta["og:description"]
    assert head.meta["og:url"] == f"{BASE_URL}/boards/{board.slug}"
    assert head.meta["og:type"] == "website"


@pytest.mark.parametrize("visibility", HIDDEN)
def test_a_hidden_idea_gives_no_card_and_no_description(make, client, visibility):
    idea = make.idea(
        "Acquire Globex quietly",
        body="The board must not read this.",
        visibility=visibility,
        organisations=[make.organisation()],
    )

    response = client.get(f"/ideas/{idea.id}-{idea.slug}")
    page = response.get_data(as_text=True)
    head = HeadTags(page)

    assert response.status_code == 404
    assert not any(key.startswith("og:") for key in head.meta)
    assert "description" not in head.meta
    assert "Acquire Globex" not in page and "must not read" not in page


def test_a_missing_page_has_no_card(client):
    head = HeadTags(client.get("/ideas/999999").get_data(as_text=True))

    assert not any(key.startswith("og:") for key in head.meta)


def test_a_customer_who_may_see_an_organisations_idea_gets_its_card(make, client, sign_in):
    acme = make.organisation("Acme")
    idea = make.idea(
        "Acme's own request", visibility=Visibility.organisations, organisations=[acme]
    )
    sign_in(make.user(organisation=acme))

    head = HeadTags(client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True))

    assert head.meta["og:title"] == "Acme's own request"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("", ""),
        ("Plain words", "Plain words"),
        ("**Bold** and _italic_ and ~~gone~~", "Bold and italic and ~~gone~~"),
        ("1 < 2 & 3 > 2", "1 < 2 & 3 > 2"),
        ("```\ncode block\n```", "code block"),
        ("![a picture](https://example.com/p.png) after", "after"),
        ("<style>p {}</style>Styled", "Styled"),
    ],
)
def test_plain_text_keeps_the_words_and_drops_the_markup(markdown, expected):
    assert findable.plain_text(markdown) == expected


def test_plain_text_cuts_at_a_word_within_the_limit():
    text = findable.plain_text("word " * 100)

    assert len(text) <= 160 and text.endswith("word…")


@pytest.mark.parametrize(
    ("path", "title", "words"),
    [
        ("/", "Feedback and ideas", "vote for what matters"),
        ("/roadmap", "Roadmap", "now, next and later"),
        ("/changelog", "Changelog", "new, improved and fixed"),
    ],
)
def test_the_home_roadmap_and_changelog_pages_have_a_card(client, path, title, words):
    head = HeadTags(client.get(path).get_data(as_text=True))
    assert head.meta["og:title"] == title and words in head.meta["og:description"]
    assert head.meta["og:url"] == f"{BASE_URL}{path}"


def test_a_shared_release_note_shows_why_it_matters_or_its_text(make, client, session):
    from datetime import timedelta

    from portal.changelog.models import ReleaseNote
    from portal.db import utcnow

    common = {"category": "new", "published_at": utcnow() - timedelta(hours=1)}
    why = ReleaseNote(title="CSV export", slug="csv-export", body="**Long** text.",
                      why_it_matters="Month-end in minutes.", **common)  # fmt: skip
    plain = ReleaseNote(title="Dark mode", slug="dark-mode", body="Easy on the **eyes**.", **common)
    internal = ReleaseNote(title="Staff tools", slug="staff-tools", visibility="internal", **common)
    session.add_all([why, plain, internal])
    session.commit()

    head = HeadTags(client.get(f"/changelog/{why.id}-csv-export").get_data(as_text=True))
    assert head.meta["og:title"] == "CSV export" and head.meta["og:type"] == "article"
    assert head.meta["og:description"] == "Month-end in minutes."
    assert head.meta["og:url"] == f"{BASE_URL}/changelog/{why.id}-csv-export"
    head = HeadTags(client.get(f"/changelog/{plain.id}-dark-mode").get_data(as_text=True))
    assert head.meta["og:description"] == "Easy on the eyes."
    assert client.get(f"/changelog/{internal.id}-staff-tools").status_code == 404
