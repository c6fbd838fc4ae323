from sqlalchemy import func, select

from portal.ideas.models import Follower, Idea, Vote
from portal.lifecycle.stages import Stage


def test_customer_submits_an_idea_that_starts_in_collect_with_their_vote(
    make, client, sign_in, session
):
    board = make.board("Reports")
    author = make.user()
    sign_in(author)
    response = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Export reports to Excel", "body": "Monthly", "kind": "bug"},
    )
    assert response.status_code == 302
    idea = session.scalar(select(Idea).where(Idea.title == "Export reports to Excel"))
    assert response.headers["Location"] == f"/ideas/{idea.id}-export-reports-to-excel"
    assert idea.stage == Stage.collect and idea.kind == "bug" and idea.vote_count == 1
    assert session.scalar(select(Vote.user_id).filter_by(idea_id=idea.id)) == author.id
    assert session.scalar(select(Follower.reason).filter_by(idea_id=idea.id)) == "authored"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Export reports to Excel" in page and "Open" in page


def test_invalid_idea_re_renders_with_messages_and_saves_nothing(make, client, sign_in, session):
    board = make.board()
    sign_in(make.user())
    response = client.post(
        f"/boards/{board.slug}/ideas/new", data={"title": "CSV", "body": "x", "kind": "feature"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Use 6 to 160 characters." in html
    assert 'value="CSV"' in html  # what was typed is kept
    assert session.scalar(select(func.count(Idea.id))) == 0


def test_unverified_customer_is_asked_to_verify_before_submitting(make, client, sign_in, session):
    board = make.board()
    sign_in(make.user(verified=False))
    response = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Export reports to Excel", "kind": "feature"},
    )
    assert response.status_code == 422
    assert "verify your email" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Idea.id))) == 0


def test_similar_ideas_are_suggested_while_typing_a_title(make, client, sign_in):
    board = make.board()
    make.idea("Export reports to CSV", board=board)
    make.idea("Dark mode", board=board)
    sign_in(make.user())
    response = client.get(
        "/ideas/similar", query_string={"title": "csv export"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert "Export reports to CSV" in html and "Dark mode" not in html
    assert html.strip().startswith('<section id="similar-ideas"')
    assert "<li>" not in client.get("/ideas/similar?title=zzz").get_data(as_text=True)


def test_anonymous_visitor_must_sign_in_to_submit(make, client):
    board = make.board()
    response = client.get(f"/boards/{board.slug}/ideas/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_without_javascript_the_title_can_be_checked_for_duplicates(make, client, sign_in):
    board = make.board()
    make.idea("Export reports to CSV", board=board)
    sign_in(make.user())
    page = client.get(f"/boards/{board.slug}/ideas/new", query_string={"title": "CSV export"}).text
    assert "Look for similar ideas" in page  # the no-script button
    assert 'value="CSV export"' in page and "Export reports to CSV" in page
