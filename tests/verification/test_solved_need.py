"""Those who asked for an idea are asked, when it is released, whether it solved their need;
they answer from the email without signing in, and staff read the answers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import access
from portal.ideas.models import Board, Idea, Visibility
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import Stage
from portal.verification.links import answer_url
from portal.verification.models import VerificationAnswer

QUESTION = "“Export reports to CSV” is released: did it solve your need?"


def fresh(session) -> None:
    """Read again what the requests committed (the test's session had loaded the idea)."""
    session.commit()
    session.expire_all()


def answers(session) -> list[VerificationAnswer]:
    fresh(session)
    return list(session.scalars(select(VerificationAnswer).order_by(VerificationAnswer.id)))


def preselected(page_text: str) -> list[str]:
    """The radio buttons of the answer form that are checked."""
    return re.findall(r'<input checked[^>]*name="solved"[^>]*value="(\w+)"', page_text)


def link(smtp_server, person, answer: str) -> str:
    [message] = smtp_server.to(person.email)
    assert message["Subject"] == QUESTION
    body = smtp_server.body(message)
    label = "Yes, it did:" if answer == "yes" else "No, not yet:"
    line = next(line for line in body.splitlines() if line.startswith(label))
    return line.split(" ")[-1].removeprefix("http://portal.test")


def test_those_who_asked_are_asked_and_a_yes_shows_on_the_staff_page(
    scene, release, app, client, sign_in, smtp_server, session
):
    release()
    # The author and the voter asked for it: they get the question, with the team's message.
    for person in (scene.author, scene.voter):
        [message] = smtp_server.to(person.email)
        assert message["Subject"] == QUESTION
        assert "Shipped in version 4.2." in smtp_server.body(message)
    # Someone who only commented hears the usual news of the move.
    [news] = smtp_server.to(scene.commenter.email)
    assert news["Subject"] == "“Export reports to CSV” is now Released"

    yes = link(smtp_server, scene.author, "yes")
    mail_client = app.test_client()  # no sign-in: the link is the person's authority
    page = mail_client.get(yes)
    assert page.status_code == 200
    assert "Export reports to CSV" in page.text and "Send" in page.text
    assert preselected(page.text) == ["yes"]
    assert answers(session) == []  # opening the link (a mail scanner does) records nothing

    sent = mail_client.post(yes, data={"solved": "yes", "comment": ""})
    assert sent.status_code == 200 and "Thank you" in sent.text
    [answer] = answers(session)
    assert (answer.user_id, answer.solved) == (scene.author.id, True)

    sign_in(scene.staff)
    staff_page = client.get(f"/admin/ideas/{scene.idea.id}")
    assert "100% yes · 1 answer" in staff_page.text
    assert "Avery Asker" in staff_page.text


def test_a_no_with_a_comment_reaches_the_ideas_owner(
    scene, release, app, client, sign_in, deliver, smtp_server, session
):
    release()
    no = link(smtp_server, scene.voter, "no")
    page = app.test_client().get(no)
    assert preselected(page.text) == ["no"]
    app.test_client().post(no, data={"solved": "no", "comment": "The totals row is missing."})
    deliver()
    [mail] = [m for m in smtp_server.to(scene.owner.email) if "did not solve" in m["Subject"]]
    body = smtp_server.body(mail)
    assert "Val Voter" in body and "The totals row is missing." in body
    assert f"http://portal.test/admin/ideas/{scene.idea.id}" in body
    sign_in(scene.staff)
    staff_page = client.get(f"/admin/ideas/{scene.idea.id}")
    assert "0% yes · 1 answer" in staff_page.text
    assert "The totals row is missing." in staff_page.text


def test_a_no_without_a_comment_does_not_mail_the_owner(scene, release, app, deliver, smtp_server):
    release()
    app.test_client().post(link(smtp_server, scene.voter, "no"), data={"solved": "no"})
    deliver()
    assert not [m for m in smtp_server.to(scene.owner.email) if "did not solve" in m["Subject"]]


def test_answering_again_changes_the_answer(scene, release, app, client, sign_in, smtp_server,
                                            session):  # fmt: skip
    release()
    yes = link(smtp_server, scene.author, "yes")
    mail_client = app.test_client()
    mail_client.get(yes)
    mail_client.post(yes, data={"solved": "yes"})
    again = mail_client.get(yes)
    assert "You answered “yes”" in again.text
    mail_client.post(yes, data={"solved": "no", "comment": "It breaks on big files."})
    [answer] = answers(session)
    assert (answer.solved, answer.comment) == (False, "It breaks on big files.")
    idea = session.get(Idea, scene.idea.id)
    assert (idea.verification_count, idea.verification_yes_count) == (1, 0)
    sign_in(scene.staff)
    assert "0% yes · 1 answer" in client.get(f"/admin/ideas/{scene.idea.id}").text


def test_a_forged_or_altered_link_is_not_found(scene, release, app, smtp_server, session):
    release()
    yes = link(smtp_server, scene.author, "yes")
    token = yes.rsplit("/", 1)[1]
    altered = yes[:-3] + ("aaa" if not yes.endswith("aaa") else "bbb")
    mail_client = app.test_client()
    assert mail_client.get(altered).status_code == 404
    assert mail_client.post(altered, data={"solved": "no"}).status_code == 404
    assert mail_client.get("/solved/forged-token").status_code == 404
    # A payload someone changed (another idea, another person) breaks the signature.
    head, _, signature = token.partition(".")
    assert mail_client.get(f"/solved/{head}x.{signature}").status_code == 404
    assert answers(session) == []


def test_a_person_who_may_no_longer_see_the_idea_gets_404(
    scene, release, app, smtp_server, session
):
    release()
    yes = link(smtp_server, scene.author, "yes")
    fresh(session)
    idea = session.get(Idea, scene.idea.id)
    board = session.get(Board, idea.board_id)
    access.set_visibility(session, idea, board, Visibility.internal)
    session.commit()
    mail_client = app.test_client()
    assert mail_client.get(yes).status_code == 404
    assert mail_client.post(yes, data={"solved": "yes"}).status_code == 404
    assert answers(session) == []


def test_only_those_who_asked_may_answer_and_only_while_released(
    scene, release, app, session, make
):
    release()
    with app.app_context():
        commenter_link = answer_url(scene.commenter.id, scene.idea.id, True)
        author_link = answer_url(scene.author.id, scene.idea.id, True)
    mail_client = app.test_client()
    path = commenter_link.removeprefix("http://portal.test")
    refused = mail_client.post(path, data={"solved": "yes"})
    assert refused.status_code == 403 and "Only the people who asked" in refused.text
    # Moved back to "In progress": there is nothing to answer any more.
    fresh(session)
    idea = session.get(Idea, scene.idea.id)
    with app.app_context():
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.execute,
                            public_message="A bug was found.")  # fmt: skip
    session.commit()
    path = author_link.removeprefix("http://portal.test")
    back = mail_client.get(path)
    assert back.status_code == 422 and "not released" in back.text
    assert mail_client.post(path, data={"solved": "yes"}).status_code == 422
    assert answers(session) == []


def test_a_follower_who_unfollowed_is_not_asked(scene, app, client, sign_in, deliver,
                                                smtp_server, session):  # fmt: skip
    from portal.ideas import service as ideas

    ideas.unfollow_idea(session, idea=session.get(Idea, scene.idea.id), person=scene.voter)
    session.commit()
    sign_in(scene.staff)
    client.post(f"/admin/ideas/{scene.idea.id}/stage", data={"target": "verify"})
    deliver()
    assert smtp_server.to(scene.voter.email) == []
    assert smtp_server.to(scene.author.email)[0]["Subject"] == QUESTION


def test_a_move_announced_by_a_release_note_sends_no_question(scene, app, deliver, smtp_server,
                                                              session):  # fmt: skip
    idea = session.get(Idea, scene.idea.id)
    with app.app_context():
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.verify,
                            release_note_id=7)  # fmt: skip
    session.commit()
    deliver()
    for person in (scene.author, scene.voter, scene.commenter):
        assert smtp_server.to(person.email) == []


def test_a_daily_digest_reader_finds_the_question_in_the_digest(
    scene, app, client, sign_in, deliver, smtp_server, session
):
    from datetime import UTC, datetime, timedelta

    from portal.notify.models import Cadence, NotificationPreference, Topic

    session.add(NotificationPreference(user_id=scene.author.id, topic=Topic.stage_changes,
                                       cadence=Cadence.daily))  # fmt: skip
    session.commit()
    sign_in(scene.staff)
    client.post(f"/admin/ideas/{scene.idea.id}/stage", data={"target": "verify"})
    deliver()
    assert smtp_server.to(scene.author.email) == []
    app.config["DIGEST_HOUR"] = 0
    deliver(now=datetime.now(UTC) + timedelta(minutes=1))
    [digest] = smtp_server.to(scene.author.email)
    body = smtp_server.body(digest)
    assert "did it solve your need?" in body and "/solved/" in body


def test_hostile_comments_are_refused_clearly_or_stored_safely(
    scene, release, app, client, sign_in, smtp_server, session
):
    release()
    yes = link(smtp_server, scene.author, "yes")
    mail_client = app.test_client()
    assert mail_client.post(yes, data={"solved": "yes", "comment": "a\x00b"}).status_code == 400
    long = mail_client.post(yes, data={"solved": "yes", "comment": "x" * 100_000})
    assert long.status_code == 422 and "under 2000 characters" in long.text
    odd = mail_client.post(yes, data={"solved": "maybe"})
    assert odd.status_code == 422
    assert answers(session) == []
    hostile = "<script>alert(1)</script> 🚀🔥 works \u202eevil"
    assert mail_client.post(yes, data={"solved": "no", "comment": hostile}).status_code == 200
    [answer] = answers(session)
    assert answer.comment == "<script>alert(1)</script> 🚀🔥 works evil"
    sign_in(scene.staff)
    staff_page = client.get(f"/admin/ideas/{scene.idea.id}").text
    assert "<script>alert(1)</script>" not in staff_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 🚀🔥" in staff_page


def test_the_staff_page_costs_the_same_queries_for_one_answer_or_many(
    scene, app, client, sign_in, make, session, count_queries
):
    from portal.ideas import service as ideas
    from portal.verification.service import record_answer

    idea = session.get(Idea, scene.idea.id)
    with app.app_context():
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.verify)
        record_answer(session, idea=idea, person=scene.author, solved=True, comment="Great.")
    session.commit()
    sign_in(scene.staff)

    def page_queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/admin/ideas/{scene.idea.id}").status_code == 200
        return counter.count

    one = page_queries()
    for number in range(12):
        person = make.user(f"many{number}@example.com", name=f"Person {number}")
        idea = session.get(Idea, scene.idea.id)
        ideas.cast_vote(session, idea=idea, voter=person)
        with app.app_context():
            record_answer(session, idea=idea, person=person, solved=number % 3 != 0,
                          comment=f"Answer {number}")  # fmt: skip
        session.commit()
    assert page_queries() == one
    page = client.get(f"/admin/ideas/{scene.idea.id}").text
    assert "69% yes · 13 answers" in page  # 9 of 13
    session.rollback()
    assert session.scalar(select(func.count(VerificationAnswer.id))) == 13
