"""Followers hear back: each public move, staff answer, decline and merge reaches the people who
follow the idea, in their language, as they chose, and stops in one click."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.ideas.models import Comment, Follower, Visibility
from portal.lifecycle.stages import Stage
from portal.notify.models import Cadence, DigestItem, NotificationPreference, Topic


@pytest.fixture
def followed(make, session):
    """An idea posted by a customer who follows it, and the staff member who moves it."""
    author = make.user("asker@example.com", name="Avery Asker")
    idea = make.idea("Export reports to CSV", author=author)
    staff = make.user("pm@vendor.example", role=Role.staff, name="Pat PM")
    return idea, author, staff


def move(client, idea, target, message="", **extra):
    response = client.post(
        f"/admin/ideas/{idea.id}/stage",
        data={"target": target, "public_message": message, **extra},
    )
    assert response.status_code == 302, response.text
    return response


def test_a_follower_hears_of_each_public_move_with_the_teams_message(
    followed, client, sign_in, deliver, smtp_server
):
    idea, author, staff = followed
    sign_in(staff)
    move(client, idea, "analyze")
    move(client, idea, "plan", "Planned for the spring release.", horizon="next")
    assert deliver() == 2
    first, second = smtp_server.to(author.email)
    assert first["Subject"] == "“Export reports to CSV” is now Under review"
    assert second["Subject"] == "“Export reports to CSV” is now Planned"
    text = smtp_server.body(second)
    assert "Planned for the spring release." in text
    assert "moved from Under review to Planned" in text
    html = second.get_body(preferencelist=("html",)).get_content()
    assert (
        "Planned for the spring release." in html
        and f'href="http://portal.test/ideas/{idea.id}' in html
    )
    assert smtp_server.to(staff.email) == []  # the person who moved it is not told


def test_every_follower_email_can_stop_in_one_click(
    followed, app, client, sign_in, deliver, smtp_server, session
):
    idea, author, staff = followed
    sign_in(staff)
    move(client, idea, "analyze")
    deliver()
    [message] = smtp_server.to(author.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As sent on the wire, not decoded by our parser: a mail client reads it as a URL.
    raw = dict(message.raw_items())["List-Unsubscribe"]
    assert re.fullmatch(r"<http://portal\.test/unsubscribe/[\w.-]+>", raw), raw
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert url in smtp_server.body(message)  # the same link, visible in the text
    stranger = app.test_client()  # a mail client: no session, no CSRF token
    path = url.removeprefix("http://portal.test")
    preview = stranger.get(path)
    assert preview.status_code == 200 and "Unfollow this idea" in preview.text
    assert session.scalar(select(Follower.unfollowed_at).filter_by(user_id=author.id)) is None
    done = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You no longer follow" in done.text
    move(client, idea, "plan", horizon="now")
    assert deliver() == 0
    assert stranger.post("/unsubscribe/forged-token", data={}).status_code == 404


def test_the_unsubscribe_page_can_turn_a_whole_topic_off(
    followed, app, client, sign_in, deliver, smtp_server, session
):
    idea, author, staff = followed
    sign_in(staff)
    move(client, idea, "analyze")
    deliver()
    url = re.search(r"<(.+)>", smtp_server.to(author.email)[0]["List-Unsubscribe"]).group(1)
    app.test_client().post(url.removeprefix("http://portal.test"), data={"scope": "topic"})
    choice = session.scalar(
        select(NotificationPreference.cadence).filter_by(
            user_id=author.id, topic=Topic.stage_changes
        )
    )
    assert choice == Cadence.off


def test_a_chinese_speaking_follower_reads_the_email_in_chinese(
    make, client, sign_in, deliver, smtp_server
):
    author = make.user("zh@example.com", language="zh")
    idea = make.idea("导出报表为 Excel 文件", author=author)
    sign_in(make.staff())
    move(client, idea, "analyze")
    deliver()
    [message] = smtp_server.to("zh@example.com")
    assert "导出报表为 Excel 文件" in message["Subject"]
    assert "Under review" not in message["Subject"]
    assert "取消" in smtp_server.body(message) or "停止" in smtp_server.body(message)


def test_a_decline_tells_followers_the_reason(followed, client, sign_in, deliver, smtp_server):
    idea, author, staff = followed
    sign_in(staff)
    move(client, idea, "declined", "Not for now: we are focused on reliability this year.")
    deliver()
    [message] = smtp_server.to(author.email)
    assert message["Subject"] == "“Export reports to CSV” is not planned"
    assert "focused on reliability" in smtp_server.body(message)


def test_followers_of_a_merged_duplicate_learn_where_their_votes_went(
    make, client, sign_in, deliver, smtp_server
):
    board = make.board()
    duplicate_author = make.user("dup@example.com")
    duplicate = make.idea("CSV export please", board=board, author=duplicate_author)
    original = make.idea("Export reports to CSV", board=board)
    sign_in(make.staff())
    move(client, duplicate, "merged", merge_into=original.id)
    deliver()
    [message] = smtp_server.to("dup@example.com")
    assert message["Subject"] == "“CSV export please” was merged into “Export reports to CSV”"
    assert f"/ideas/{original.id}-export-reports-to-csv" in smtp_server.body(message)
    assert smtp_server.to(original_author_email(make, original)) == []


def original_author_email(make, idea):
    from portal.accounts.models import User

    make.fresh()
    return make.session.get(User, idea.author_id).email


def test_a_staff_answer_reaches_followers_and_other_comments_wait_for_the_digest(
    followed, app, make, client, sign_in, deliver, smtp_server, session
):
    idea, author, staff = followed
    sign_in(staff)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "We are **on it**."})
    sign_in(make.user("other@example.com", name="Olive Other"))
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Me too, weekly."})
    deliver()
    [reply] = smtp_server.to(author.email)
    assert reply["Subject"] == "The team answered on “Export reports to CSV”"
    assert "We are **on it**." in smtp_server.body(reply)
    assert session.scalar(select(DigestItem.kind).filter_by(user_id=author.id)) == "new_comment"

    app.config["DIGEST_HOUR"] = 7
    assert deliver(now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) >= 1
    [digest] = [m for m in smtp_server.to(author.email) if "digest" in m["Subject"]]
    assert digest["Subject"] == "Your Feedloop digest: 1 update"
    assert "Olive Other" in smtp_server.body(digest) and "Me too, weekly." in smtp_server.body(
        digest
    )
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert deliver(now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == 0  # once a day


def test_a_follower_who_chose_never_gets_nothing(followed, client, sign_in, deliver, smtp_server):
    idea, author, staff = followed
    sign_in(author)
    saved = client.post(
        "/account/notifications",
        data={"stage_changes": "off", "replies": "instant", "comments": "daily"},
    )
    assert saved.status_code == 302
    sign_in(staff)
    move(client, idea, "analyze")
    deliver()
    assert smtp_server.to(author.email) == []


def test_a_follower_who_may_no_longer_see_the_idea_is_not_told(
    make, session, client, sign_in, deliver, smtp_server
):
    from portal import access

    acme = make.organisation("Acme", domain="acme.example")
    globex = make.organisation("Globex", domain="globex.example")
    board = make.board(visibility=Visibility.organisations, organisations=[acme, globex])
    acme_person = make.user("ann@acme.example")
    globex_person = make.user("gus@globex.example")
    idea = make.idea("Shared roadmap item", board=board, author=acme_person)
    client_session = session
    from portal.ideas import service as ideas

    ideas.follow_idea(client_session, idea=idea, person=globex_person)
    access.set_visibility(client_session, idea, board, Visibility.organisations, [acme.id])
    client_session.commit()
    sign_in(make.staff())
    move(client, idea, "analyze")
    deliver()
    assert len(smtp_server.to("ann@acme.example")) == 1
    assert smtp_server.to("gus@globex.example") == []


def test_an_unverified_follower_gets_no_news(make, session, client, sign_in, deliver, smtp_server):
    from portal.ideas import service as ideas

    idea = make.idea()
    unproved = make.user("unproved@example.com", verified=False)
    ideas.follow_idea(session, idea=idea, person=unproved)
    session.commit()
    sign_in(make.staff())
    move(client, idea, "analyze")
    deliver()
    assert smtp_server.to("unproved@example.com") == []


def test_processing_again_sends_nothing_twice(followed, client, sign_in, deliver, smtp_server):
    idea, author, staff = followed
    sign_in(staff)
    move(client, idea, "analyze")
    assert deliver() == 1
    assert deliver() == 0
    assert len(smtp_server.to(author.email)) == 1


def test_my_activity_lists_what_i_posted_voted_and_follow_and_unfollows(
    make, client, sign_in, session
):
    me = make.user()
    mine = make.idea("My own idea", author=me)
    voted = make.idea("An idea I voted for")
    make.idea("Somebody else's idea")
    hidden = make.idea("Now internal", visibility=Visibility.internal)
    sign_in(me)
    client.post(f"/ideas/{voted.id}/vote", data={"action": "on"})
    from portal.ideas import service as ideas

    make.fresh()
    ideas.follow_idea(session, idea=hidden, person=session.get(type(me), me.id))
    session.commit()
    page = client.get("/account/activity")
    assert page.status_code == 200
    assert "My own idea" in page.text and "An idea I voted for" in page.text
    assert "Somebody else" not in page.text and "Now internal" not in page.text
    assert Stage.collect and "Open" in page.text
    client.post(f"/account/activity/{mine.id}/unfollow", data={"action": "off"})
    make.fresh()
    assert (
        session.scalar(select(Follower.unfollowed_at).filter_by(idea_id=mine.id, user_id=me.id))
        is not None
    )


def test_the_digest_leaves_out_what_is_no_longer_news_for_the_person(
    make, app, session, client, sign_in, deliver, smtp_server
):
    from portal import access
    from portal.ideas import service as ideas

    acme = make.organisation("Acme", domain="acme.example")
    globex = make.organisation("Globex", domain="globex.example")
    board = make.board(visibility=Visibility.organisations, organisations=[acme, globex])
    reader = make.user("gus@globex.example")
    narrowed = make.idea("Will become Acme only", board=board)
    moderated = make.idea("Gets a rude comment", board=board)
    kept = make.idea("Stays the same", board=board)
    for idea in (narrowed, moderated, kept):
        ideas.follow_idea(session, idea=idea, person=reader)
    session.commit()
    commenter = make.user("ann@acme.example", name="Ann Acme")
    sign_in(commenter)
    for idea, words in ((narrowed, "Acme plans"), (moderated, "Rude words"), (kept, "Fine words")):
        client.post(f"/ideas/{idea.id}/comments", data={"body": words})
    deliver()  # three items wait for Gus's digest
    make.fresh()
    access.set_visibility(session, session.get(type(narrowed), narrowed.id), board,
                          Visibility.organisations, [acme.id])  # fmt: skip
    session.commit()
    staff = make.staff()
    sign_in(staff)
    rude = session.scalar(select(Comment.id).filter_by(idea_id=moderated.id, body="Rude words"))
    client.post(f"/ideas/{moderated.id}/comments/{rude}/hide", data={"action": "on"})

    app.config["DIGEST_HOUR"] = 7
    deliver(now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    [digest] = smtp_server.to("gus@globex.example")
    body = smtp_server.body(digest)
    assert digest["Subject"] == "Your Feedloop digest: 1 update"
    assert "Fine words" in body
    assert "Acme plans" not in body and "Will become Acme only" not in body
    assert "Rude words" not in body


def test_same_as_my_browser_gets_email_in_the_browsers_language(
    make, client, sign_in, deliver, smtp_server
):
    author = make.user("browser@example.com", language="en")
    idea = make.idea("Dark mode", author=author)
    sign_in(author)
    saved = client.post(
        "/account",
        data={"display_name": "Bo", "language": ""},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert saved.status_code == 302
    sign_in(make.staff())
    move(client, idea, "analyze")
    deliver()
    [message] = smtp_server.to("browser@example.com")
    assert message["Subject"] == "“Dark mode”现在的状态是：评估中"


def test_turning_a_move_into_email_costs_the_same_queries_for_few_or_many_followers(
    make, app, session, client, sign_in, count_queries
):
    from portal.ideas import service as ideas
    from portal.notify.events import process_events

    def statements_for(followers: int) -> int:
        idea = make.idea(f"Idea with {followers} followers")
        for n in range(followers):
            ideas.follow_idea(session, idea=idea, person=make.user(f"f{followers}-{n}@example.com"))
        session.commit()
        sign_in(make.staff())
        move(client, idea, "analyze")
        with app.app_context():
            worker = app.extensions["feedloop_db"].writer_session_factory()
            with count_queries() as counted:
                process_events(worker)
            worker.close()
        return counted.count

    few, many = statements_for(2), statements_for(20)
    assert few == many
