"""The Flask commands a newcomer runs: demo data and the first admin."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import Organisation, Role, User
from portal.changelog.models import ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.demo import DEMO_ADMIN, DEMO_CUSTOMER, DEMO_PASSWORD, DEMO_STAFF
from portal.feedback.models import Feedback
from portal.ideas.models import Board, Comment, Idea, Vote
from portal.lifecycle.stages import Stage
from portal.subscribers.models import Subscriber
from portal.verification.models import VerificationAnswer


def test_demo_loads_realistic_data_once_and_its_sign_ins_work(app, session, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "120 ideas, 6 release notes, 9 subscribers" in result.output
    assert session.scalar(select(func.count(Board.id))) == 3
    assert session.scalar(select(func.count(Organisation.id))) == 6
    assert session.scalar(select(func.count(User.id)).where(User.role == Role.customer)) == 40
    assert session.scalar(select(func.count(Idea.id))) == 120
    titles = session.scalars(select(Idea.title)).all()
    assert len(set(titles)) == 120  # no unmerged look-alike duplicates on the boards
    assert any("Okta" in title for title in titles)  # brand names keep their capitals
    repeated = session.execute(
        select(Comment.idea_id, Comment.body).group_by(Comment.idea_id, Comment.body)
        .having(func.count(Comment.id) > 1)
    ).all()  # fmt: skip
    assert repeated == []
    stages = set(session.scalars(select(Idea.stage).distinct()))
    assert stages == set(Stage)
    assert session.scalar(select(func.count(Vote.id))) > 500
    assert session.scalar(select(func.count(Feedback.id)).where(Feedback.idea_id.is_(None))) > 0
    counted = session.execute(
        select(Idea.id, Idea.vote_count, func.count(Vote.id))
        .outerjoin(Vote, Vote.idea_id == Idea.id)
        .group_by(Idea.id, Idea.vote_count)
    ).all()
    assert all(stored == actual for _id, stored, actual in counted)

    # The loop closed: a roadmap with cards in every column, and release notes over three
    # months (four published, a draft, one scheduled), each delivering released ideas.
    roadmap = client.get("/roadmap").text
    for column in ("now", "next", "later", "released"):
        section = roadmap.split(f'id="column-{column}"', 1)[1].split("</section>", 1)[0]
        assert 'class="roadmap-card"' in section, column
    notes = session.scalars(select(ReleaseNote).order_by(ReleaseNote.id)).all()
    now = utcnow()
    published = [n for n in notes if n.published_at and n.published_at <= now]
    assert len(notes) == 6 and len(published) == 4
    assert now - min(n.published_at for n in published) > timedelta(days=75)
    assert [n.published_at is None for n in notes].count(True) == 1
    assert [n for n in notes if n.published_at and n.published_at > now][0].announced_at is None
    changelog = client.get("/changelog").text
    assert all(note.title in changelog for note in published)
    delivered = session.scalars(
        select(Idea.stage).join(ReleaseNoteIdea, ReleaseNoteIdea.idea_id == Idea.id)
        .join(ReleaseNote, ReleaseNote.id == ReleaseNoteIdea.note_id)
        .where(ReleaseNote.announced_at.is_not(None))
    ).all()  # fmt: skip
    assert delivered and set(delivered) == {Stage.verify}

    # Subscribers (one still to confirm) and answers on released ideas, counted on each idea.
    assert session.scalar(select(func.count(Subscriber.id))) == 10
    assert session.scalar(select(func.count(Subscriber.id)).where(
        Subscriber.confirmed_at.is_(None))) == 1  # fmt: skip
    answered = session.execute(
        select(Idea.id, Idea.verification_count, Idea.verification_yes_count)
        .where(Idea.verification_count > 0)
    ).all()  # fmt: skip
    assert answered
    for idea_id, total, yes in answered:
        rows = session.scalars(select(VerificationAnswer.solved).filter_by(idea_id=idea_id)).all()
        assert (len(rows), rows.count(True)) == (total, yes)

    again = runner.invoke(args=["demo"])
    assert "already has data" in again.output
    assert session.scalar(select(func.count(Idea.id))) == 120

    for email in (DEMO_CUSTOMER, DEMO_STAFF, DEMO_ADMIN):
        client.post("/logout")
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
    assert client.get("/admin/audit").status_code == 200  # the admin


def test_create_admin_makes_a_verified_admin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--name",
            "Boss",
            "--password",
            "a long admin password",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    admin = session.scalar(select(User).filter_by(email="boss@example.com"))
    assert admin.role == Role.admin and admin.email_verified_at is not None
    duplicate = runner.invoke(
        args=["create-admin", "--email", "boss@example.com", "--name", "B", "--password", "x"]
    )
    assert duplicate.exit_code != 0 and "already has an account" in duplicate.output
