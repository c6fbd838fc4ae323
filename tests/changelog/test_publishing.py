"""Publishing a release note closes the loop: its ideas are released through the lifecycle (by
the system, step by step), and each person concerned hears of it once, at the moment it
publishes, whether staff publish now or schedule it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from portal.accounts.models import Role
from portal.changelog.models import ReleaseNote
from portal.changelog.publishing import announce_due_release_notes, announce_if_due
from portal.ideas import service as ideas
from portal.ideas.models import FollowReason, Idea, Visibility
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Stage


def publish(client, ideas_linked, *, title="Reports, reworked", when="now", at=None,
            visibility="public"):  # fmt: skip
    data = {
        "title": title, "category": "improved", "body": "Export **any** report, any time.",
        "why_it_matters": "Month-end takes minutes.", "visibility": visibility,
        "ideas": ", ".join(f"#{i.id}" for i in ideas_linked), "publish": when,
    }  # fmt: skip
    if at is not None:
        data["publish_at"] = at.strftime("%Y-%m-%dT%H:%M")
    response = client.post("/admin/changelog/new", data=data)
    assert response.status_code == 302, response.text
    return response


def follow(session, idea, person):
    ideas.follow_idea(session, idea=session.get(Idea, idea.id), person=person,
                      reason=FollowReason.chose)  # fmt: skip
    session.commit()


def test_a_follower_of_three_linked_ideas_gets_one_email_and_the_ideas_are_released(
    make, session, client, sign_in, deliver, smtp_server
):
    asker = make.user("asker@example.com", name="Avery Asker")
    other = make.user("other@example.com", name="Olu Other")
    planned = make.idea("Scheduled exports", author=asker, stage=Stage.plan)
    building = make.idea("Export to XLSX", author=asker, stage=Stage.execute)
    fresh = make.idea("Export charts", author=asker)
    follow(session, building, other)
    sign_in(make.user("pm@vendor.example", role=Role.staff))

    publish(client, [planned, building, fresh])
    deliver()

    make.fresh()
    for idea in (planned, building, fresh):
        assert session.get(Idea, idea.id).stage == Stage.verify
        moves = session.scalars(
            select(StageChange).filter_by(idea_id=idea.id).order_by(StageChange.id)
        ).all()[1:]
        assert moves and all(m.actor_id is None for m in moves)  # by the system
        assert moves[-1].public_message == "Reports, reworked"
    assert [m.to_stage for m in session.scalars(select(StageChange).filter_by(
        idea_id=fresh.id).order_by(StageChange.id))] == [
        Stage.collect, Stage.analyze, Stage.plan, Stage.execute, Stage.verify]  # fmt: skip

    to_asker = smtp_server.to("asker@example.com")
    assert len(to_asker) == 1, [m["Subject"] for m in to_asker]
    body = smtp_server.body(to_asker[0])
    assert to_asker[0]["Subject"] == "Improved: Reports, reworked"
    assert "Month-end takes minutes." in body and "Export any report" in body
    for title in ("Scheduled exports", "Export to XLSX", "Export charts"):
        assert title in body
    assert "/changelog/" in smtp_server.link_in(to_asker[0], "/changelog/")
    # They asked for all three: one question each, inside the one email.
    assert body.count("Yes, it did:") == 3 and body.count("No, not yet:") == 3
    assert to_asker[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    to_other = smtp_server.to("other@example.com")
    assert len(to_other) == 1
    assert "Export to XLSX" in smtp_server.body(to_other[0])
    assert "Export charts" not in smtp_server.body(to_other[0])
    assert "Yes, it did:" not in smtp_server.body(to_other[0])  # followed, did not ask

    # The public page shows them released, with the note's title as the team's message.
    page = client.get(f"/ideas/{fresh.id}-{fresh.slug}").text
    assert "Released" in page and "Reports, reworked" in page


def test_a_scheduled_note_publishes_itself_at_its_time_and_not_before(
    make, session, client, sign_in, deliver, smtp_server
):
    asker = make.user("asker@example.com")
    idea = make.idea("Audit log export", author=asker, stage=Stage.execute)
    staff = make.user("pm@vendor.example", role=Role.staff)
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        sign_in(staff)
        publish(client, [idea], title="Audit log export", when="later",
                at=start + timedelta(days=2))  # fmt: skip
        deliver()
        assert "Audit log export" not in client.get("/changelog").text
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.execute
    assert smtp_server.to("asker@example.com") == []

    with time_machine.travel(start + timedelta(days=2, minutes=1), tick=False):
        deliver()
        assert "Audit log export" in client.get("/changelog").text
        deliver()  # a second pass finds nothing more to do
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.verify
    note = session.scalar(select(ReleaseNote))
    assert note.announced_at == start + timedelta(days=2, minutes=1)
    assert len(smtp_server.to("asker@example.com")) == 1


def test_a_note_is_announced_once_whoever_publishes_it(make, session, client, sign_in, deliver,
                                                       smtp_server):  # fmt: skip
    asker = make.user("asker@example.com")
    idea = make.idea("Bulk edit", author=asker, stage=Stage.execute)
    staff = make.user("pm@vendor.example", role=Role.staff)
    sign_in(staff)
    publish(client, [idea], title="Bulk edit")
    note = session.scalar(select(ReleaseNote))
    assert announce_if_due(session, note) is False  # the worker comes second: nothing to do
    session.commit()
    # Editing the published note keeps it published and tells nobody again.
    edited = client.post(f"/admin/changelog/{note.id}", data={
        "title": "Bulk edit, everywhere", "category": "new", "visibility": "public",
        "ideas": f"#{idea.id}", "publish": "now"})  # fmt: skip
    assert edited.status_code == 302
    deliver()
    assert len(smtp_server.to("asker@example.com")) == 1


def test_followers_who_may_not_read_the_note_are_not_sent_it(make, session, client, sign_in,
                                                             deliver, smtp_server):  # fmt: skip
    customer = make.user("asker@example.com")
    colleague = make.user("colleague@vendor.example", role=Role.staff)
    idea = make.idea("SSO", author=customer, stage=Stage.execute)
    follow(session, idea, colleague)
    sign_in(make.user("pm@vendor.example", role=Role.staff))
    publish(client, [idea], title="SSO for staff first", visibility=Visibility.internal.value)
    deliver()
    assert smtp_server.to("asker@example.com") == []
    assert len(smtp_server.to("colleague@vendor.example")) == 1
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.verify  # released all the same


def test_a_draft_changes_nothing_and_tells_nobody(make, session, client, sign_in, deliver,
                                                  smtp_server):  # fmt: skip
    asker = make.user("asker@example.com")
    idea = make.idea("Dark mode", author=asker, stage=Stage.execute)
    sign_in(make.user("pm@vendor.example", role=Role.staff))
    publish(client, [idea], title="Dark mode", when="draft")
    deliver()
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.execute
    assert smtp_server.messages == []
    assert session.scalar(select(ReleaseNote)).announced_at is None


def test_two_workers_at_the_scheduled_moment_announce_the_note_once(app, make, session):
    """PostgreSQL does not serialise writers like SQLite: the conditional UPDATE decides."""
    asker = make.user("asker@example.com")
    idea = make.idea("Webhooks", author=asker, stage=Stage.execute)
    note = ReleaseNote(title="Webhooks", slug="webhooks", category="new", body="",
                       published_at=datetime.now(UTC) - timedelta(minutes=1))  # fmt: skip
    session.add(note)
    session.flush()
    from portal.changelog.models import ReleaseNoteIdea

    session.add(ReleaseNoteIdea(note_id=note.id, idea_id=idea.id))
    session.commit()
    barrier = threading.Barrier(2, timeout=60)
    outcomes, errors = [], []

    def worker():
        with app.app_context():
            own = app.extensions["feedloop_db"].writer_session_factory()
            try:
                barrier.wait()
                outcomes.append(announce_due_release_notes(own))
                own.commit()
            except Exception as failure:  # reported below: the test must not hang or hide it
                errors.append(repr(failure))
                own.rollback()
            finally:
                own.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors and sorted(outcomes) == [0, 1]
    make.fresh()
    verify_moves = session.scalars(
        select(StageChange).filter_by(idea_id=idea.id, to_stage="verify")
    )
    assert len(verify_moves.all()) == 1
    assert session.get(Idea, idea.id).stage == Stage.verify


def test_changelog_subscribers_get_a_public_note_once_and_a_staff_only_note_never(
    make, session, client, sign_in, deliver, smtp_server
):
    from portal.subscribers.service import add_confirmed_subscriber

    asker = make.user("asker@example.com")
    idea = make.idea("Dark mode", author=asker, stage=Stage.execute)
    add_confirmed_subscriber(session, email="reader@example.com", roadmap=False)
    add_confirmed_subscriber(session, email="asker@example.com")  # also a follower
    add_confirmed_subscriber(session, email="roadmap-only@example.com", changelog=False)
    session.commit()
    sign_in(make.user("pm@vendor.example", role=Role.staff))

    publish(client, [], title="Staff tools", visibility="internal")
    publish(client, [idea], title="Dark mode")
    deliver()

    [to_reader] = smtp_server.to("reader@example.com")
    assert to_reader["Subject"] == "Improved: Dark mode"
    assert "subscribed to our release notes" in smtp_server.body(to_reader)
    assert to_reader["List-Unsubscribe"].startswith("<http://")
    [to_asker] = smtp_server.to("asker@example.com")  # one email, the follower's
    assert "Dark mode" in smtp_server.body(to_asker)
    # The release ships an idea from the roadmap: roadmap subscribers hear of it, once.
    [to_roadmap] = smtp_server.to("roadmap-only@example.com")
    assert "subscribed to roadmap updates" in smtp_server.body(to_roadmap)
    assert len(smtp_server.messages) == 3  # the staff-only note reached no subscriber
