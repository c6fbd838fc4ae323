"""The Flask commands a newcomer runs: demo data and the first admin."""

import re
from collections import Counter, defaultdict
from datetime import timedelta
from itertools import combinations

from sqlalchemy import func, select

from portal.accounts.models import Organisation, Role, User
from portal.changelog.models import ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.demo import DEMO_ADMIN, DEMO_CUSTOMER, DEMO_PASSWORD, DEMO_STAFF, load_demo
from portal.demo_catalogue import CATALOGUE
from portal.feedback.models import Feedback
from portal.ideas import trending
from portal.ideas.models import Board, Comment, Idea, IdeaTag, Tag, Vote
from portal.lifecycle.stages import Stage
from portal.priority.service import refresh_demand
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


# Words an idea tagged so must use (in its title or body), so no idea carries a tag that does
# not fit it ("two-factor sign-in" tagged Performance).
TAG_WORDS = {
    "Reporting": ("report", "dashboard", "chart", "heat map"),
    "Integrations": ("api", "integration", "salesforce", "shopify", "teams", "slack", "jira",
                     "okta", "sap", "dynamics", "tms", "schenker", "webhook", "sync", "url"),
    "Permissions": ("see", "access", "invite", "branch", "users"),
    "Performance": ("slow", "faster", "time out", "times out", "seconds"),
    "Notifications": ("email", "notification", "alert", "message", "reminder", "webhook"),
    "Export": ("export", "download", "csv"),
    "Security": ("sign", "security", "audit", "personal data"),
    "Localisation": ("chinese", "cny", "wechat"),
}  # fmt: skip


def _significant_words(title: str) -> set[str]:
    small = {"a", "an", "the", "of", "for", "on", "in", "to", "with", "by", "from", "and", "our"}
    words = re.findall(r"[a-z0-9]+", title.lower())
    return {word.rstrip("s") for word in words if word not in small}


def test_demo_ideas_read_true_and_demand_differs_from_idea_to_idea(app, session):
    with app.app_context():
        load_demo(session)
    ideas = session.scalars(select(Idea).order_by(Idea.id)).all()
    by_title = {idea.title: idea for idea in ideas}
    entries = {entry.title: entry for entry in CATALOGUE}
    assert set(by_title) == set(entries) and len(ideas) == len(CATALOGUE)

    # Every idea is where its catalogue entry says, of its kind, with exactly its tags (a
    # merged idea's tags moved to the idea it was merged into).
    tags = defaultdict(set)
    for idea_id, name in session.execute(
        select(IdeaTag.idea_id, Tag.name).join(Tag, Tag.id == IdeaTag.tag_id)
    ):
        tags[idea_id].add(name)
    boards = {board.id: board.slug for board in session.scalars(select(Board))}
    for idea in ideas:
        entry = entries[idea.title]
        assert (boards[idea.board_id], idea.stage, idea.kind, idea.severity) == (
            entry.board, entry.stage, entry.kind, entry.severity
        ), idea.title  # fmt: skip
        merged_here = [e for e in CATALOGUE if e.duplicate_of == idea.title]
        expected = set() if entry.duplicate_of else set(entry.tags)
        expected |= {name for e in merged_here for name in e.tags}
        assert tags[idea.id] == expected, idea.title
        for name in tags[idea.id] if not merged_here else ():
            text = f"{idea.title} {idea.body}".lower()
            assert any(word in text for word in TAG_WORDS[name]), (idea.title, name)

    # Near-duplicates exist only as the pairs the demo merges: each points at the idea it repeats,
    # and no two other ideas share most of their title's words.
    merged = [idea for idea in ideas if idea.stage == Stage.merged]
    assert merged and all(
        idea.merged_into_id == by_title[entries[idea.title].duplicate_of].id for idea in merged
    )
    assert all(idea.vote_count == 0 for idea in merged)  # their votes moved, as a merge does
    shown = [idea for idea in ideas if idea.stage != Stage.merged]
    for first, second in combinations(shown, 2):
        a, b = _significant_words(first.title), _significant_words(second.title)
        assert len(a & b) / len(a | b) < 0.5, (first.title, second.title)
    assert "slow since the last update" not in " ".join(by_title).lower()

    # Demand differs: many small customers on some ideas, one or two key accounts on others,
    # nobody but the author on others; so the scores and grades differ too.
    voted = [idea for idea in shown if idea.vote_count]
    pairs = Counter((idea.demand_organisations, idea.demand_arr) for idea in voted)
    assert len(pairs) >= 15 and pairs.most_common(1)[0][1] <= len(voted) // 5
    assert any(idea.demand_organisations >= 5 for idea in voted)
    assert any(i.demand_organisations == i.demand_key_accounts == 1 and i.vote_count <= 3
               for i in voted)  # fmt: skip
    assert sum(1 for idea in voted if idea.vote_count == 1) >= 10
    assert len({idea.grade for idea in shown}) >= 3
    assert len({round(idea.score) for idea in shown}) >= 40

    # Every stored count agrees with the rows it counts.
    for idea in ideas:
        cast_at = session.scalars(select(Vote.created_at).where(Vote.idea_id == idea.id)).all()
        assert idea.vote_count == len(cast_at), idea.title
        assert abs(idea.trend - trending.total(cast_at)) < 1e-9, idea.title
        comments = session.scalar(
            select(func.count(Comment.id)).where(
                Comment.idea_id == idea.id, Comment.is_internal.is_(False)
            )
        )
        assert idea.comment_count == comments, idea.title
    stored = {i.id: (i.demand_organisations, i.demand_arr, i.demand_key_accounts) for i in ideas}
    refresh_demand(session, select(Idea.id))
    session.flush()
    session.expire_all()
    recounted = {
        idea.id: (idea.demand_organisations, idea.demand_arr, idea.demand_key_accounts)
        for idea in session.scalars(select(Idea))
    }
    assert recounted == stored
