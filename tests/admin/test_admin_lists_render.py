"""The staff list and the review queue write each row's words escaped once, with labels cut
around their values and ages worded once per page: what staff read is what it always was."""

from datetime import timedelta

import pytest
from markupsafe import Markup

from portal.db import utcnow
from portal.ideas.models import Grade, IdeaTag, Kind, Severity, Tag
from portal.lifecycle.stages import Stage
from portal.web.admin.common import age_of_page, label_parts

TYPED = "<b>Bold</b> & \"quoted\" 'single'"
ESCAPED = "&lt;b&gt;Bold&lt;/b&gt; &amp; &#34;quoted&#34; &#39;single&#39;"


@pytest.fixture
def typed_everywhere(make, session):
    """An idea whose title, board, owner and tag all carry markup, one waiting for a decision."""
    staff = make.user(name=f"Owner {TYPED}", role="staff")
    board = make.board(f"Board {TYPED}")
    idea = make.idea(f"Title {TYPED}", board=board, kind=Kind.bug, stage=Stage.analyze)
    tag = Tag(slug="typed", name="R&D <i>", colour="grey", is_private=True)
    session.add(tag)
    session.flush()
    session.add(IdeaTag(idea_id=idea.id, tag_id=tag.id))
    idea.owner_id = staff.id
    idea.severity = Severity.s1
    idea.grade = Grade.A
    idea.stage_changed_at = utcnow() - timedelta(days=400)
    idea.demand_key_accounts = 2
    session.commit()
    return staff, idea


def test_staff_list_escapes_what_people_typed(client, sign_in, typed_everywhere):
    staff, idea = typed_everywhere
    sign_in(staff)
    for headers in ({}, {"HX-Request": "true"}):
        page = client.get("/admin/ideas", headers=headers).text
        assert f'title="Title {ESCAPED}">Title {ESCAPED}</a>' in page
        assert f"<span>Board {ESCAPED}</span>" in page
        assert f"<span>Owned by Owner {ESCAPED}</span>" in page
        assert "<span>R&amp;D &lt;i&gt; (private)</span>" in page
        assert (
            f'<span class="status status-analyze">Under review</span> <span>#{idea.id}</span>'
            in page
        )
        assert f'<a href="/admin/ideas/{idea.id}" id="idea-{idea.id}-title"' in page
        assert '<small class="key-accounts">2 key</small>' in page
        assert "<span>Bug S1</span>" in page and "<span>Opened " in page
        assert TYPED not in page
    # The filters' choices (one statement): boards, staff and tags, as they always read.
    page = client.get("/admin/ideas?tag=typed").text
    assert f'<option value="{idea.board_id}" >Board {ESCAPED}</option>' in page
    assert f'<option value="{staff.id}" >Owner {ESCAPED}</option>' in page
    assert '<option value="typed" selected>R&amp;D &lt;i&gt; (private)</option>' in page
    assert page.count("<option") == page.count("</option>")


def test_review_queue_escapes_what_people_typed(client, sign_in, typed_everywhere):
    staff, idea = typed_everywhere
    sign_in(staff)
    page = client.get("/admin/review").text
    assert f'<a href="/admin/ideas/{idea.id}">#{idea.id} Title {ESCAPED}</a>' in page
    assert "Under review · in this stage for 1 year" in page
    assert TYPED not in page


def test_staff_list_in_chinese(client, sign_in, make, typed_everywhere):
    _, idea = typed_everywhere
    sign_in(make.user(role="staff", language="zh"))
    page = client.get("/admin/ideas").text
    assert f"<span>负责人：Owner {ESCAPED}</span>" in page
    assert f"<span>#{idea.id}</span>" in page and 'data-label="得分"' in page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_ages_of_a_page_read_as_the_age_filter(app, language):
    ago = [timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=5, minutes=10),
           timedelta(days=3, hours=2), timedelta(days=15), timedelta(days=150),
           timedelta(days=1200), -timedelta(hours=2, minutes=10)]  # fmt: skip
    with app.test_request_context("/admin/ideas", headers={"Accept-Language": language}):
        age = app.jinja_env.filters["age"]
        of_page = age_of_page()
        moments = [utcnow() - delta for delta in ago]
        assert [of_page(moment) for moment in moments] == [age(moment) for moment in moments]


def test_label_parts_cut_a_label_around_its_value():
    assert label_parts(Markup("Opened %(age)s ago"), "%(age)s") == ("Opened ", " ago")
    assert label_parts(Markup("%(n)d key"), "%(n)d") == ("", " key")
    # A translation that leaves the value out keeps its words; the value follows them.
    assert label_parts(Markup("Opened"), "%(age)s") == ("Opened", "")


def test_unfiltered_list_counts_on_pages_past_the_last(client, sign_in, make, count_queries):
    board = make.board()
    for number in range(3):
        make.idea(f"Idea {number}", board=board)
    sign_in(make.staff())
    # Another address first: what every page reads once per page generation (the settings) is
    # then read already for both pages counted, as in a running portal.
    assert client.get("/admin/ideas?sort=new").status_code == 200
    with count_queries() as first:
        page = client.get("/admin/ideas").text
    assert "3 ideas" in page and "Idea 0" in page
    with count_queries() as past:
        page = client.get("/admin/ideas?page=5").text
    assert "3 ideas" in page and "No ideas match." in page
    # No row carries the count there: it is read on its own, and no tags are.
    assert past.count == first.count
