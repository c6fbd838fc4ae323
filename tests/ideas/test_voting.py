import threading
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.db import utcnow
from portal.ideas import trending
from portal.ideas.models import Follower, Idea, Vote
from portal.lifecycle.stages import Stage


def vote_count(session, idea) -> int:
    session.commit()  # end the test session's snapshot: see what the requests committed
    session.expire_all()
    return session.get(Idea, idea.id).vote_count


def test_customer_vote_counts_once_and_can_be_withdrawn(make, client, sign_in, session):
    idea = make.idea()  # the author's own vote makes 1
    voter = make.user()
    sign_in(voter)

    assert client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code == 302
    assert client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code == 302
    assert vote_count(session, idea) == 2
    assert session.scalar(select(func.count()).select_from(Vote).filter_by(idea_id=idea.id)) == 2
    session.rollback()

    client.post(f"/ideas/{idea.id}/vote", data={"action": "off"})
    client.post(f"/ideas/{idea.id}/vote", data={"action": "off"})
    assert vote_count(session, idea) == 1


def test_htmx_vote_returns_only_the_button_with_the_new_count(make, client, sign_in):
    idea = make.idea()
    sign_in(make.user())
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"action": "on"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith(f'<form id="vote-button-{idea.id}"')
    assert '<span class="vote-count">2</span>' in html
    assert 'aria-pressed="true"' in html
    assert "<html" not in html


def test_vote_without_javascript_redirects_back_to_the_page_it_came_from(make, client, sign_in):
    idea = make.idea()
    sign_in(make.user())
    board_path = "/boards/somewhere?sort=new"
    response = client.post(f"/ideas/{idea.id}/vote", data={"action": "on", "next": board_path})
    assert response.headers["Location"] == board_path
    evil = client.post(f"/ideas/{idea.id}/vote", data={"action": "on", "next": "//evil.example/"})
    assert "evil.example" not in evil.headers["Location"]


def test_voting_follows_the_idea_unless_the_voter_unfollowed_it(make, client, sign_in, session):
    idea = make.idea()
    voter = make.user()
    sign_in(voter)
    client.post(f"/ideas/{idea.id}/follow", data={"action": "off"})
    client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
    session.rollback()
    follower = session.scalar(select(Follower).filter_by(idea_id=idea.id, user_id=voter.id))
    assert follower.unfollowed_at is not None

    other = make.user()
    sign_in(other)
    client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
    session.rollback()
    follower = session.scalar(select(Follower).filter_by(idea_id=idea.id, user_id=other.id))
    assert follower is not None and follower.unfollowed_at is None


def test_concurrent_double_clicks_never_make_two_votes(make, app, session, sign_in, client):
    idea = make.idea()
    voter = make.user()
    clients = [app.test_client() for _ in range(6)]
    for each in clients:
        each.post("/login", data={"email": voter.email, "password": "correct horse battery"})
    start = threading.Barrier(len(clients))
    statuses = []

    def click(each):
        start.wait()
        statuses.append(each.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code)

    threads = [threading.Thread(target=click, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * len(clients)
    assert vote_count(session, idea) == 2
    assert session.scalar(select(func.count()).select_from(Vote).filter_by(idea_id=idea.id)) == 2
    session.rollback()


def test_declined_idea_refuses_votes_with_a_message(make, client, sign_in, session):
    idea = make.idea(stage=Stage.declined)
    sign_in(make.user())
    response = client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}, follow_redirects=True)
    assert "no longer takes votes" in response.get_data(as_text=True)
    assert vote_count(session, idea) == 1


def test_unverified_customer_cannot_vote(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user(verified=False))
    response = client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}, follow_redirects=True)
    assert "verify your email" in response.get_data(as_text=True)
    assert vote_count(session, idea) == 1


def test_anonymous_visitor_is_sent_to_sign_in_to_vote(make, client):
    idea = make.idea()
    response = client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_refused_htmx_vote_says_why_in_the_button_and_leaves_no_stray_message(
    make, client, sign_in
):
    idea = make.idea(stage=Stage.declined)
    sign_in(make.user())
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"action": "on"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422  # htmx swaps 422 (see base.html's htmx-config)
    assert 'role="alert">This idea no longer takes votes.' in response.text
    assert "no longer takes votes" not in client.get("/").text


def test_trend_kept_by_votes_agrees_with_a_recount_from_the_vote_rows(
    make, client, sign_in, session
):
    idea = make.idea()
    voters = [make.user() for _ in range(4)]
    for day, voter in enumerate(voters):
        with time_machine.travel(utcnow() - timedelta(days=30 - 7 * day), tick=False):
            sign_in(voter)
            assert client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code == 302
    sign_in(voters[1])
    client.post(f"/ideas/{idea.id}/vote", data={"action": "off"})

    session.commit()  # see what the requests committed
    session.expire_all()
    kept = session.get(Idea, idea.id).trend
    cast_at = session.scalars(select(Vote.created_at).filter_by(idea_id=idea.id)).all()
    assert len(cast_at) == 4
    assert abs(kept - trending.total(cast_at)) < 1e-9
    # The votes of 30, 16 and 9 days ago weigh less than two of today's would.
    assert trending.weight(utcnow()) < kept < trending.weight(utcnow()) + 1

    for voter in [*voters, idea.author_id]:
        sign_in(voter if isinstance(voter, User) else session.get(User, voter))
        client.post(f"/ideas/{idea.id}/vote", data={"action": "off"})
    session.commit()
    session.expire_all()
    assert session.get(Idea, idea.id).trend == trending.NO_VOTES


def test_htmx_button_follows_each_click_and_a_repeated_click_changes_nothing(
    make, client, sign_in, count_queries
):
    idea = make.idea()  # the author's vote: 1
    sign_in(make.user())
    hx = {"HX-Request": "true"}

    def click(action):
        with count_queries() as counter:
            html = client.post(f"/ideas/{idea.id}/vote", data={"action": action}, headers=hx).text
        return html, counter.count

    for action, count, pressed in [("on", 2, "true"), ("on", 2, "true"), ("off", 1, "false"),
                                   ("off", 1, "false"), ("on", 2, "true")]:  # fmt: skip
        html, statements = click(action)
        assert f'<span class="vote-count">{count}</span>' in html
        assert f'aria-pressed="{pressed}"' in html
        assert f'name="action" value="{"off" if pressed == "true" else "on"}"' in html
        # the person (2), the idea, the vote (4 writes), the score (2 reads, an UPDATE if it
        # moved), then the button in one query
        assert statements <= 11


def test_refused_htmx_vote_still_shows_the_voters_vote_and_the_count(make, client, sign_in):
    idea = make.idea()
    voter = make.user()
    sign_in(voter)
    client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
    make.fresh()
    idea.stage = Stage.declined
    make.fresh()
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"action": "off"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert '<span class="vote-count">2</span>' in response.text
    assert 'name="action" value="off"' in response.text  # still voted: the vote was kept
