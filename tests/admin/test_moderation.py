"""Staff delete spam: the idea disappears from every page, list, count, feed, search and email,
its votes go with it, the audit log keeps who and why, and an admin may restore it for 30 days."""

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.ideas.models import Idea, Vote
from portal.ideas.trending import NO_VOTES
from portal.lifecycle.service import move_idea
from portal.lifecycle.stages import Stage
from portal.notify.events import process_events
from portal.notify.models import OutboxMessage

SPAM = "Cheap watches click here now"


def delete(client, idea, reason="Spam"):
    return client.post(f"/admin/ideas/{idea.id}/delete", data={"reason": reason})


def test_a_deleted_idea_vanishes_from_every_page_list_count_and_search(
    make, client, sign_in, session
):
    board = make.board()
    spam = make.idea(SPAM, board=board, stage=Stage.plan)
    make.idea("Export reports to CSV", board=board)
    session.execute(  # waiting for a decision long enough to be in the review queue
        update(Idea).values(stage_changed_at=utcnow() - timedelta(days=400))
    )
    session.commit()
    voter = make.user()
    sign_in(voter)
    client.post(f"/ideas/{spam.id}/vote", data={"action": "on"})
    staff = make.staff()
    sign_in(staff)
    assert SPAM in client.get("/roadmap").text  # it was there
    assert SPAM in client.get("/admin/ideas").text
    assert "2 ideas" in client.get("/").text

    response = delete(client, spam, reason="Advertising")
    assert response.status_code == 302

    for viewer in (staff, voter, None):
        if viewer is None:
            client.post("/logout")
        else:
            sign_in(viewer)
        assert client.get(f"/ideas/{spam.id}").status_code == 404
        assert client.get(f"/ideas/{spam.id}-{spam.slug}").status_code == 404
        assert SPAM not in client.get(f"/boards/{board.slug}").text
        assert SPAM not in client.get(f"/boards/{board.slug}", query_string={"q": "watches"}).text
        assert (
            SPAM not in client.get("/ideas/similar", query_string={"title": "cheap watches"}).text
        )
        assert SPAM not in client.get("/roadmap").text
        assert "1 idea" in client.get("/").text
    sign_in(staff)
    assert client.get(f"/admin/ideas/{spam.id}").status_code == 404
    assert SPAM not in client.get("/admin/ideas").text
    assert SPAM not in client.get("/admin/ideas", query_string={"q": "watches"}).text
    assert SPAM not in client.get("/admin/review").text
    make.fresh()
    row = session.get(Idea, spam.id)
    assert (row.vote_count, row.trend, row.delete_reason) == (0, NO_VOTES, "Advertising")
    assert session.scalar(select(func.count()).select_from(Vote).filter_by(idea_id=spam.id)) == 0
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "idea.deleted"))
    assert (entry.actor_id, entry.target_id, entry.details["reason"]) == (
        staff.id, spam.id, "Advertising"
    )  # fmt: skip


def test_a_release_note_no_longer_links_a_deleted_idea(make, client, sign_in, session):
    spam = make.idea(SPAM)
    note = ReleaseNote(title="Watches", slug="watches", body="Shipped.", category=Category.new,
                       published_at=utcnow() - timedelta(days=1))  # fmt: skip
    session.add(note)
    session.flush()
    session.add(ReleaseNoteIdea(note_id=note.id, idea_id=spam.id))
    session.commit()
    page = f"/changelog/{note.id}-{note.slug}"
    assert f"/ideas/{spam.id}-" in client.get(page).text
    sign_in(make.staff())
    delete(client, spam)
    assert f"/ideas/{spam.id}-" not in client.get(page).text
    assert SPAM not in client.get("/changelog.atom").text


def test_email_waiting_about_a_deleted_idea_is_never_sent(
    make, app, client, sign_in, session, deliver, smtp_server
):
    follower = make.user("follower@example.com")
    spam = make.idea(SPAM)
    other = make.idea("Export reports to CSV")
    staff = make.staff()
    for idea in (spam, other):
        session.add(Vote(idea_id=idea.id, user_id=follower.id))
    sign_in(follower)
    client.post(f"/ideas/{spam.id}/follow", data={"action": "on"})
    client.post(f"/ideas/{other.id}/follow", data={"action": "on"})
    move_idea(session, idea=session.get(Idea, spam.id), actor=staff, target=Stage.analyze,
              public_message="Looking into it")  # fmt: skip
    session.commit()
    with app.app_context():
        process_events(session)  # the email is in the outbox, not sent yet
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) >= 1
    move_idea(session, idea=session.get(Idea, other.id), actor=staff, target=Stage.analyze,
              public_message="Looking into it")  # fmt: skip
    session.commit()
    sign_in(staff)
    delete(client, spam)
    deliver()
    subjects = [message["Subject"] for message in smtp_server.to("follower@example.com")]
    assert subjects and all(SPAM not in subject for subject in subjects)
    assert any("Export reports to CSV" in subject for subject in subjects)


def test_an_admin_restores_a_deleted_idea_within_30_days_only(make, client, sign_in, session):
    spam = make.idea(SPAM)
    older = make.idea("Actually a real idea")
    staff = make.staff()
    sign_in(staff)
    delete(client, older)
    delete(client, spam, reason="Looked like spam")
    session.execute(
        update(Idea).where(Idea.id == older.id).values(deleted_at=utcnow() - timedelta(days=31))
    )
    session.commit()
    assert client.get("/admin/ideas/deleted").status_code == 403  # staff: admins only
    assert client.post(f"/admin/ideas/{spam.id}/restore").status_code == 403

    sign_in(make.user(role=Role.admin))
    page = client.get("/admin/ideas/deleted").text
    assert SPAM in page and "Looked like spam" in page and "Sam Staff" in page
    assert "Actually a real idea" in page and "Too old to restore" in page
    assert client.get("/admin/ideas/deleted?page=99999999999999999999").status_code == 200
    assert client.post(f"/admin/ideas/{spam.id}/restore").status_code == 302
    refused = client.post(f"/admin/ideas/{older.id}/restore", follow_redirects=True)
    assert "more than 30 days ago" in refused.text
    assert client.get(f"/ideas/{spam.id}").status_code in (200, 301, 302)
    assert client.get(f"/ideas/{older.id}").status_code == 404
    assert SPAM in client.get("/admin/ideas").text
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("idea.deleted") == 2 and actions.count("idea.restored") == 1


def test_staff_cannot_reach_a_deleted_idea_by_any_admin_form(make, client, sign_in, session):
    spam = make.idea(SPAM)
    sign_in(make.staff())
    delete(client, spam)
    for path in ("edit", "delete", "stage", "enrich", "notes", "grade", "visibility"):
        assert client.post(f"/admin/ideas/{spam.id}/{path}", data={"reason": "x"}).status_code in (
            404,
        )
    assert client.post("/admin/ideas/99999999999999999999/delete").status_code == 404
    assert client.post("/admin/ideas/99999999999999999999/restore").status_code in (403, 404)


def test_a_delete_without_a_reason_is_refused_with_a_message(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.staff())
    for reason in ("", "   ", "\x00", "x" * 600):
        response = client.post(f"/admin/ideas/{idea.id}/delete", data={"reason": reason})
        assert response.status_code in (400, 422)
    make.fresh()
    assert session.get(Idea, idea.id).deleted_at is None


def test_two_staff_deleting_then_two_admins_restoring_at_once_never_fail(make, app, session):
    spam = make.idea(SPAM)
    staff = [make.user(f"staff{n}@vendor.example", role=Role.admin) for n in range(4)]

    def at_once(path):
        clients = [app.test_client() for _ in staff]
        for each, person in zip(clients, staff, strict=True):
            each.post("/login", data={"email": person.email, "password": "correct horse battery"})
        start = threading.Barrier(len(clients))
        statuses = []

        def click(each):
            start.wait()
            statuses.append(each.post(path, data={"reason": "Spam"}).status_code)

        threads = [threading.Thread(target=click, args=(each,)) for each in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses

    deleting = at_once(f"/admin/ideas/{spam.id}/delete")
    assert set(deleting) <= {302, 404} and 302 in deleting
    session.rollback()
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(action="idea.deleted")
        )
        == 1
    )
    restoring = at_once(f"/admin/ideas/{spam.id}/restore")
    assert set(restoring) == {302}
    session.rollback()
    assert session.get(Idea, spam.id).deleted_at is None
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).filter_by(action="idea.restored")
        )
        == 1
    )
