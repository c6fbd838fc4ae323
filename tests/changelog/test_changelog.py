"""The changelog: staff write and schedule release notes; readers see only what they may, in
the page, the permalink and a valid Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import insert, select

from portal.accounts.models import Role
from portal.changelog.models import Category, ReleaseNote
from portal.db import utcnow
from portal.ideas.models import Visibility


def note(session, title, *, category=Category.new, visibility=Visibility.public,
         published_at=None, body="Details **here**.", why=""):  # fmt: skip
    row = ReleaseNote(
        title=title, slug=title.lower().replace(" ", "-"), body=body, why_it_matters=why,
        category=category, visibility=visibility,
        published_at=published_at or utcnow() - timedelta(days=1),
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def test_staff_write_a_note_with_linked_ideas_and_publish_it(make, session, client, sign_in):
    idea = make.idea("Export reports to CSV")
    sign_in(make.user(role=Role.staff))
    preview = client.post("/admin/changelog/preview", data={"body": "**Bold** <script>x</script>"})
    assert "<strong>Bold</strong>" in preview.text and "<script>" not in preview.text
    saved = client.post(
        "/admin/changelog/new",
        data={"title": "CSV export", "category": "new", "body": "Export any report.",
              "why_it_matters": "Monthly reporting takes a minute.", "visibility": "public",
              "ideas": f"#{idea.id}", "publish": "now"},
    )  # fmt: skip
    assert saved.status_code == 302
    page = client.get("/changelog").text
    assert "CSV export" in page and "Monthly reporting takes a minute." in page
    assert "Export reports to CSV" in page  # the idea it delivers, with its votes
    row = session.scalar(select(ReleaseNote))
    permalink = client.get(f"/changelog/{row.id}")
    assert permalink.status_code == 301 and permalink.headers["Location"].endswith("-csv-export")
    assert client.get(permalink.headers["Location"]).status_code == 200


def test_a_note_linking_an_unknown_idea_is_refused_and_nothing_is_saved(
    make, session, client, sign_in
):
    sign_in(make.user(role=Role.staff))
    refused = client.post(
        "/admin/changelog/new",
        data={"title": "Ghost", "category": "new", "visibility": "public", "ideas": "#999",
              "publish": "now"},
    )  # fmt: skip
    assert refused.status_code == 422 and "There is no idea #999" in refused.text
    assert session.scalar(select(ReleaseNote.id)) is None


def test_drafts_stay_hidden_and_scheduled_notes_publish_themselves_at_their_time(
    make, session, client, sign_in
):
    sign_in(make.user(role=Role.staff))
    soon = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    draft = {"title": "Draft note", "category": "fixed", "visibility": "public", "publish": "draft"}
    client.post("/admin/changelog/new", data=draft)
    client.post(
        "/admin/changelog/new",
        data={"title": "Scheduled note", "category": "improved", "visibility": "public",
              "publish": "later", "publish_at": soon.strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    listing = client.get("/changelog").text
    assert "Draft note" not in listing and "Scheduled note" not in listing
    assert "Scheduled for" in client.get("/admin/changelog").text
    session.rollback()
    scheduled = session.scalar(select(ReleaseNote).filter_by(title="Scheduled note"))
    assert scheduled.published_at == soon
    # Its time comes: nothing has to run for it to appear.
    scheduled.published_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert "Scheduled note" in client.get("/changelog").text


VIEWERS = ["anonymous", "customer", "member", "staff"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_reader_sees_only_the_notes_meant_for_them(make, session, client, sign_in, viewer):
    from portal.changelog.models import ReleaseNoteAudience

    acme = make.organisation("Acme", domain="acme.example")
    notes = {v: note(session, f"Note for {v.value}", visibility=v) for v in Visibility}
    session.add(ReleaseNoteAudience(note_id=notes[Visibility.organisations].id,
                                    organisation_id=acme.id))  # fmt: skip
    session.commit()
    people = {
        "customer": lambda: make.user("c@example.com"),
        "member": lambda: make.user("m@acme.example"),
        "staff": lambda: make.user("s@vendor.example", role=Role.staff),
    }
    if viewer != "anonymous":
        sign_in(people[viewer]())
    may = {
        Visibility.public: True,
        Visibility.customers: viewer != "anonymous",
        Visibility.organisations: viewer in ("member", "staff"),
        Visibility.internal: viewer == "staff",
    }
    listing = client.get("/changelog").text
    for visibility, row in notes.items():
        assert (row.title in listing) is may[visibility]
        assert (client.get(f"/changelog/{row.id}-{row.slug}").status_code == 200) is may[visibility]
    feed = client.get("/changelog.atom").text  # the feed is public notes only, for everyone
    assert "Note for public" in feed and "Note for customers" not in feed
    assert "Note for internal" not in feed


def test_the_atom_feed_is_valid_with_absolute_links(make, session, client):
    note(session, "Dark mode", body="Now with **contrast** <script>alert(1)</script>",
         why="Easier on the eyes.")  # fmt: skip
    note(session, "Faster search", category=Category.improved)
    response = client.get("/changelog.atom")
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Faster search", "Dark mode"]  # newest first
    entry = next(e for e in parsed.entries if e.title == "Dark mode")
    assert entry.link.startswith("http://portal.test/changelog/")
    assert "<strong>contrast</strong>" in entry.content[0].value
    assert "<script>" not in entry.content[0].value
    assert entry.summary == "Easier on the eyes."


def test_the_changelog_filters_by_category_and_pages(make, session, client):
    for n in range(12):
        note(session, f"Fix number {n}", category=Category.fixed,
             published_at=utcnow() - timedelta(hours=n + 1))  # fmt: skip
    note(session, "Something new")
    fixed = client.get("/changelog?category=fixed").text
    assert "Something new" not in fixed and "Fix number 0" in fixed and "Older" in fixed
    second = client.get("/changelog?category=fixed&page=2").text
    assert "Fix number 11" in second and "Fix number 0" not in second
    assert client.get("/changelog?category=nonsense&page=99999999999999").status_code == 200


def test_the_changelog_page_costs_the_same_few_queries_for_few_or_many_notes(
    make, session, client, count_queries
):
    note(session, "One")
    with count_queries() as few:
        client.get("/changelog")
    for n in range(8):
        note(session, f"Note {n}")
    with count_queries() as many:
        client.get("/changelog")
    assert few.count == many.count <= 4
    with count_queries() as feed:
        client.get("/changelog.atom")
    assert feed.count <= many.count - 1  # its entries do not list the ideas a note delivers


def test_the_page_links_its_feed_and_the_sitemap_lists_public_notes_only(session, client):
    public = note(session, "Public release")
    hidden = note(session, "Internal release", visibility=Visibility.internal)
    head = client.get("/changelog").text.split("</head>")[0]
    assert 'rel="alternate" type="application/atom+xml"' in head
    sitemap = client.get("/sitemap.xml").text
    assert f"/changelog/{public.id}-{public.slug}" in sitemap
    assert f"/changelog/{hidden.id}-" not in sitemap


@pytest.mark.parametrize("when", ["", "   ", "not a date"])
def test_publishing_later_without_a_moment_asks_for_one(make, session, client, sign_in, when):
    sign_in(make.user(role=Role.staff))
    answer = client.post(
        "/admin/changelog/new",
        data={"title": "Undated", "category": "new", "visibility": "public", "publish": "later",
              "publish_at": when},
    )  # fmt: skip
    assert answer.status_code == 422 and "Choose when to publish it." in answer.text
    assert session.scalar(select(ReleaseNote.id)) is None


def test_readers_see_the_body_as_last_saved_rendered_and_sanitised(make, session, client, sign_in):
    sign_in(make.user(role=Role.staff))
    form = {"title": "Faster export", "category": "improved", "visibility": "public",
            "ideas": "", "publish": "now"}  # fmt: skip
    body = "**Twice** as fast. <script>alert(1)</script> [more](javascript:alert(2))"
    assert client.post("/admin/changelog/new", data={**form, "body": body}).status_code == 302
    note_id = session.scalar(select(ReleaseNote.id))
    for url in ("/changelog", f"/changelog/{note_id}-faster-export", "/changelog.atom"):
        shown = client.get(url).text
        assert "Twice" in shown and "alert" not in shown and "javascript" not in shown, url
    assert "<strong>Twice</strong> as fast." in client.get("/changelog").text
    edited = {**form, "body": "Now *three* times as fast."}
    assert client.post(f"/admin/changelog/{note_id}", data=edited).status_code == 302
    page = client.get("/changelog").text
    assert "<em>three</em> times as fast." in page and "Twice" not in page


def test_notes_inserted_in_bulk_show_their_body_rendered(session, client):
    published = utcnow() - timedelta(hours=1)
    session.execute(
        insert(ReleaseNote),
        [{"title": f"Bulk {n}", "slug": f"bulk-{n}", "body": f"Item **{n}**", "category": "new",
          "why_it_matters": "", "published_at": published} for n in range(3)],
    )  # fmt: skip
    session.commit()
    page = client.get("/changelog").text
    assert all(f"Item <strong>{n}</strong>" in page for n in range(3))
