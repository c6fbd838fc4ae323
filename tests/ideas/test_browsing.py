import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import utcnow
from portal.ideas import service as ideas
from portal.ideas.models import Idea, IdeaTag, Tag, Vote
from portal.lifecycle.stages import Stage


def titles(response) -> list[str]:
    return re.findall(r'class="idea-title">([^<]+)</a>', response.get_data(as_text=True))


def test_board_sorts_by_top_new_and_trending(make, client, session):
    board = make.board("Reports")
    with time_machine.travel(utcnow() - timedelta(days=60), tick=False):
        old_favourite = make.idea("Old favourite", board=board)
        for _ in range(5):  # six votes with the author's, all two months ago
            ideas.cast_vote(session, idea=old_favourite, voter=make.user())
        once_rising = make.idea("Once rising", board=board)
        for _ in range(3):
            ideas.cast_vote(session, idea=once_rising, voter=make.user())
        session.commit()
    with time_machine.travel(utcnow() - timedelta(days=1), tick=False):
        rising = make.idea("Rising idea", board=board)
        for _ in range(3):  # four votes this week
            ideas.cast_vote(session, idea=rising, voter=make.user())
        session.commit()
    newest = make.idea("Newest idea", board=board)
    session.commit()

    assert titles(client.get(f"/boards/{board.slug}"))[:2] == ["Old favourite", "Rising idea"]
    assert titles(client.get(f"/boards/{board.slug}?sort=new"))[0] == "Newest idea"
    # This week's votes outweigh more votes from two months ago; a withdrawn vote weighs nothing.
    trending = titles(client.get(f"/boards/{board.slug}?sort=trending"))
    assert trending == ["Rising idea", "Newest idea", "Old favourite", "Once rising"]
    for voter in list(session.scalars(select(Vote.user_id).filter_by(idea_id=rising.id)))[:3]:
        ideas.withdraw_vote(session, idea=rising, voter=session.get(User, voter))
    session.commit()
    trending = titles(client.get(f"/boards/{board.slug}?sort=trending"))
    assert trending == ["Newest idea", "Rising idea", "Old favourite", "Once rising"]
    assert newest.title in titles(client.get(f"/boards/{board.slug}"))


def test_board_filters_by_public_status_tag_and_search(make, client, session):
    board = make.board()
    make.idea("Dark mode for the dashboard", board=board)
    planned = make.idea("Planned CSV export", board=board, stage=Stage.plan)
    tagged = make.idea("Slack alerts", board=board, body="Notify our channel")
    tag = Tag(slug="integrations", name="Integrations")
    session.add(tag)
    session.flush()
    session.add(IdeaTag(idea_id=tagged.id, tag_id=tag.id))
    session.commit()

    assert titles(client.get(f"/boards/{board.slug}?status=plan")) == [planned.title]
    assert titles(client.get(f"/boards/{board.slug}?tag=integrations")) == [tagged.title]
    assert titles(client.get(f"/boards/{board.slug}?q=channel")) == [tagged.title]
    assert titles(client.get(f"/boards/{board.slug}?q=dark+dashboard")) == [
        "Dark mode for the dashboard"
    ]
    assert titles(client.get(f"/boards/{board.slug}?q=100%25")) == []
    page = client.get(f"/boards/{board.slug}?status=plan").get_data(as_text=True)
    assert "Planned" in page


def test_search_as_you_type_returns_only_the_list(make, client):
    board = make.board()
    make.idea("Dark mode", board=board)
    response = client.get(f"/boards/{board.slug}?q=dark", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<section id="idea-list"')
    assert "Dark mode" in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_board_paginates_twenty_ideas_a_page(make, client, session):
    board = make.board()
    author = make.user()
    for number in range(45):
        make.idea(f"Idea number {number:02d}", board=board, author=author)
    first = client.get(f"/boards/{board.slug}?sort=new")
    third = client.get(f"/boards/{board.slug}?sort=new&page=3")
    assert len(titles(first)) == 20 and titles(first)[0] == "Idea number 44"
    assert titles(third) == [f"Idea number {n:02d}" for n in range(4, -1, -1)]
    assert "Page 3 of 3" in third.get_data(as_text=True)
    assert 'rel="next"' in first.get_data(as_text=True)


def test_past_the_counting_cap_the_board_says_more_than_and_still_pages(
    make, client, session, monkeypatch
):
    """Counting stops at a cap, so a board costs the same at 100,000 ideas as at 1,000."""
    from portal.ideas import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 30)
    board = make.board("Busy")
    _fill(session, board, make.user(), 45)
    first = client.get(f"/boards/{board.slug}?sort=new").text
    assert "More than 30 ideas" in first and "Page 1" in first and "of 3" not in first
    # Pages stop where counting stops (OFFSET walks what it skips): page 3 shows the last one.
    second = client.get(f"/boards/{board.slug}?sort=new&page=3").text
    assert len(re.findall(r'class="idea-title"', second)) == 20 and "Page 2" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "More than 30 ideas" in client.get("/").text  # the home page counts the same way


def _fill(session, board, author, count):
    session.add_all(
        Idea(board_id=board.id, author_id=author.id, title=f"Bulk idea {n}", slug=f"bulk-{n}")
        for n in range(count)
    )
    session.commit()


def test_board_page_runs_the_same_number_of_queries_for_10_and_500_ideas(
    make, client, sign_in, session, count_queries
):
    small, large = make.board("Small"), make.board("Large")
    author = make.user()
    _fill(session, small, author, 10)
    _fill(session, large, author, 500)
    tag = Tag(slug="t", name="T")
    session.add(tag)
    session.flush()
    session.add_all(IdeaTag(idea_id=i, tag_id=tag.id) for i in range(1, 511, 7))
    session.commit()
    sign_in(author)
    # Another address first: what every page reads once per page generation (the settings) is
    # then read already for both pages counted, as in a running portal.
    assert client.get(f"/boards/{small.slug}?sort=new").status_code == 200

    counts = {}
    for board in (small, large):
        with count_queries() as counter:
            assert client.get(f"/boards/{board.slug}?sort=trending").status_code == 200
        counts[board.name] = counter.count
    assert counts["Small"] == counts["Large"]
    assert 3 <= counts["Large"] <= 10  # rendered (a kept page reads nothing)


def test_idea_page_runs_a_fixed_number_of_queries(make, client, sign_in, count_queries):
    idea = make.idea()
    viewer = make.user()
    sign_in(viewer)
    for _ in range(3):
        client.post(f"/ideas/{idea.id}/comments", data={"body": "More please"})
    with count_queries() as few:
        client.get(f"/ideas/{idea.id}-{idea.slug}")
    for _ in range(20):
        client.post(f"/ideas/{idea.id}/comments", data={"body": "More please"})
    with count_queries() as many:
        client.get(f"/ideas/{idea.id}-{idea.slug}")
    assert few.count == many.count


def test_idea_url_with_id_alone_or_old_slug_redirects_to_the_canonical_one(make, client):
    idea = make.idea("Export reports to CSV")
    for path in (f"/ideas/{idea.id}", f"/ideas/{idea.id}-old-title"):
        response = client.get(path)
        assert response.status_code == 301
        assert response.headers["Location"] == f"/ideas/{idea.id}-export-reports-to-csv"


def test_idea_page_shows_everything_a_customer_needs(make, client):
    idea = make.idea("Export reports", body="We need **CSV** files", stage=Stage.plan)
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "<strong>CSV</strong>" in page
    assert "Planned" in page and "Feature" in page and "Casey Customer" in page
    assert 'id="timeline-heading"' in page


def test_unknown_board_and_idea_are_404(client):
    assert client.get("/boards/nope").status_code == 404
    assert client.get("/ideas/999").status_code == 404


def test_a_page_past_the_end_shows_the_last_page(make, client):
    board = make.board()
    for number in range(25):
        make.idea(f"Idea number {number:02d}", board=board)
    last = client.get(f"/boards/{board.slug}?sort=new&page=2")
    assert titles(last) == [f"Idea number {n:02d}" for n in range(4, -1, -1)]
    for far in ("3", "50", "99999999999"):
        assert titles(client.get(f"/boards/{board.slug}?sort=new&page={far}")) == titles(last)


def test_boards_hide_finished_ideas_unless_asked_and_list_the_ideas_i_voted_for(
    make, client, sign_in, session
):
    board = make.board()
    open_idea = make.idea("Open idea", board=board)
    closed = make.idea("Shipped long ago", board=board, stage=Stage.closed)
    declined = make.idea("Not for us", board=board, stage=Stage.declined)
    other = make.idea("Another wish", board=board)
    everyone = {open_idea.title, closed.title, declined.title, other.title}
    base = f"/boards/{board.slug}"

    assert set(titles(client.get(base))) == {open_idea.title, other.title}
    assert "2 ideas" in client.get("/").text  # the home page counts what the board lists
    assert set(titles(client.get(f"{base}?finished=1"))) == everyone
    assert titles(client.get(f"{base}?status=closed")) == [closed.title]
    assert set(titles(client.get(f"{base}?voted=1"))) == {open_idea.title, other.title}

    me = make.user()
    ideas.cast_vote(session, idea=open_idea, voter=me)
    session.add(Vote(idea_id=closed.id, user_id=me.id))  # voted before it shipped
    session.commit()
    sign_in(me)
    page = client.get(f"{base}?voted=1")
    assert titles(page) == [open_idea.title] and "Only ideas I voted for" in page.text
    assert set(titles(client.get(f"{base}?voted=1&finished=1"))) == {open_idea.title, closed.title}
