"""A benchmark dataset at a chosen scale, loaded fast with bulk inserts.

It starts from the demo (boards, tags, factors, the three demo sign-ins) and grows it: people in
organisations, ideas in every stage and visibility, skewed votes, comments (one idea with 200),
authors following their ideas, stage histories and release notes. Every denormalised count is
written to agree with the rows, as the services would keep it.
"""

from __future__ import annotations

import random
import secrets
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection

from portal.accounts.models import Membership, Organisation, OrganisationDomain, User
from portal.changelog.models import ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.ideas import search, trending
from portal.ideas.models import (
    Board,
    Comment,
    Follower,
    Idea,
    IdeaAudience,
    IdeaTag,
    Tag,
    Visibility,
    Vote,
)
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Horizon, Stage
from portal.markdown import render_markdown

CHUNK = 20_000
BUSY_IDEA_COMMENTS = 200
VOCABULARY = """export report dashboard invoice mobile scan barcode warehouse shipment route driver
customer permission role sso okta slack webhook api filter search chart schedule email notification
mapping tracking carrier label pallet order return refund tax currency
导出 报表 仪表盘 发票 扫码 仓库 发货 路线 司机 权限 通知 搜索 图表"""
WORDS = VOCABULARY.split()
STAGE_WEIGHTS = {
    Stage.collect: 45, Stage.analyze: 15, Stage.plan: 8, Stage.execute: 6, Stage.verify: 6,
    Stage.closed: 12, Stage.declined: 6, Stage.merged: 2,
}  # fmt: skip


@dataclass(frozen=True)
class Scale:
    ideas: int
    votes: int
    comments: int
    organisations: int
    users: int
    release_notes: int

    @classmethod
    def for_ideas(cls, ideas: int) -> Scale:
        """The issue's full scale is 100,000 ideas; smaller runs keep the same proportions."""
        return cls(
            ideas=ideas,
            votes=ideas * 10,
            comments=ideas * 2,
            organisations=max(20, ideas // 50),
            users=max(1_000, ideas // 2),
            release_notes=max(20, ideas // 333),
        )


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0

    def add(self, count: int) -> None:
        self.done += count
        filled = int(30 * self.done / self.total)
        sys.stderr.write(
            f"\r  {self.label:<14} [{'#' * filled}{'.' * (30 - filled)}] {self.done:>9,}"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _chunks(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(connection: Connection, model, rows: Iterable[dict], label: str, total: int) -> None:
    progress = Progress(label, total)
    for batch in _chunks(rows):
        connection.execute(insert(model), batch)
        progress.add(len(batch))


def _set_trends_and_demand(
    connection: Connection, cast_at: dict[int, list], organisation_rows: list[dict]
) -> None:
    """Each idea's trend from its votes' times, and the organisations asking through its
    voters, as casting the votes would have stored them (portal.ideas.trending, refresh_score).
    Person u is a member of organisation_rows[u % len(organisation_rows)] (see grow)."""
    statement = (
        update(Idea).where(Idea.id == bindparam("idea")).values(
            trend=bindparam("trend"), demand_organisations=bindparam("organisations"),
            demand_arr=bindparam("arr"), demand_key_accounts=bindparam("key_accounts"))
    )  # fmt: skip
    progress = Progress("trends", len(cast_at))

    def rows():
        for idea, votes in cast_at.items():
            asking = {u % len(organisation_rows) for _moment, u in votes}
            chosen = [organisation_rows[index] for index in asking]
            yield {"idea": idea, "trend": trending.total(m for m, _u in votes),
                   "organisations": len(chosen), "arr": sum(o["arr"] for o in chosen),
                   "key_accounts": sum(o["tier"] == "key" for o in chosen)}  # fmt: skip

    for batch in _chunks(rows()):
        connection.execute(statement, batch)
        progress.add(len(batch))


def _next_id(connection: Connection, model) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def grow(connection: Connection, scale: Scale, *, seed: int = 7) -> dict:
    """Add the dataset on top of the demo, in the caller's transaction. Returns what it made."""
    rng = random.Random(seed)
    now = utcnow()
    password_hash = connection.scalar(select(User.password_hash).order_by(User.id).limit(1))
    boards = connection.execute(select(Board.id, Board.visibility).order_by(Board.id)).all()
    tag_ids = list(connection.scalars(select(Tag.id)))

    first_org = _next_id(connection, Organisation)
    organisations = range(first_org, first_org + scale.organisations)
    organisation_rows = [{
        "id": o, "name": f"Bench Org {o}", "tier": rng.choice(["standard", "standard", "key"]),
        "arr": rng.randint(5, 500) * 1000, "industry": "", "region": "", "created_at": now,
    } for o in organisations]  # fmt: skip
    _bulk(connection, Organisation, organisation_rows, "organisations", scale.organisations)
    connection.execute(insert(OrganisationDomain), [
        {"organisation_id": o, "domain": f"org{o}.bench.example"} for o in organisations
    ])  # fmt: skip

    first_user = _next_id(connection, User)
    users = range(first_user, first_user + scale.users)
    _bulk(connection, User, ({
        "id": u, "email": f"user{u}@bench.example", "password_hash": password_hash,
        "display_name": f"Bench User {u}", "role": "customer",
        "session_token": secrets.token_hex(8),
        "email_verified_at": now, "created_at": now - timedelta(days=400),
    } for u in users), "people", scale.users)  # fmt: skip
    _bulk(connection, Membership, (
        {"user_id": u, "organisation_id": organisations[u % len(organisations)]} for u in users
    ), "memberships", scale.users)  # fmt: skip

    first_idea = _next_id(connection, Idea)
    ideas = range(first_idea, first_idea + scale.ideas)
    stages = rng.choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()), k=scale.ideas)
    votes_of = _vote_counts(rng, scale)
    comments_of = _comment_counts(rng, scale)
    busy_idea = first_idea  # the idea page with 200 comments
    comments_of[0] = BUSY_IDEA_COMMENTS
    created = [now - timedelta(minutes=rng.randint(10, 60 * 24 * 730)) for _ in ideas]
    audiences = []

    def idea_rows():
        for index, idea_id in enumerate(ideas):
            board_id, board_visibility = boards[index % len(boards)]
            visibility = board_visibility
            if index != 0 and index % 20 == 0:
                visibility = rng.choice([Visibility.internal, Visibility.organisations])
            if visibility == Visibility.organisations:
                audiences.append({"idea_id": idea_id, "organisation_id": rng.choice(organisations)})
            stage = stages[index] if index else Stage.collect
            words = rng.sample(WORDS, 4)
            title = f"{words[0].capitalize()} {words[1]} {words[2]} #{idea_id}"
            yield {
                "id": idea_id, "board_id": board_id, "author_id": users[index % len(users)],
                "title": title, "slug": title.lower().replace(" ", "-").replace("#", "")[:80],
                "body": " ".join(rng.choices(WORDS, k=30)), "kind": "bug" if index % 5 == 4
                else "feature", "stage": stage, "visibility": visibility,
                "own_visibility": visibility if visibility != board_visibility else None,
                "vote_count": votes_of[index], "comment_count": comments_of[index],
                "created_at": created[index], "updated_at": created[index],
                "stage_changed_at": created[index] + (now - created[index]) / 2,
                "horizon": rng.choice(list(Horizon)) if stage in (Stage.plan, Stage.execute)
                else None, "roadmap_position": index, "score": votes_of[index] + rng.random(),
                "grade_override_reason": "",
            }  # fmt: skip

    _bulk(connection, Idea, idea_rows(), "ideas", scale.ideas)
    search.index_all(connection)  # bulk inserts skip the ORM hook that indexes one idea
    if audiences:
        connection.execute(insert(IdeaAudience), audiences)
    _bulk(connection, StageChange, _stage_changes(ideas, stages, created, now), "history",
          scale.ideas * 2)  # fmt: skip
    # Each tag row takes its copy of the idea's list columns from the database's triggers, as
    # when a service tags an idea, and follows the trends written below the same way.
    _bulk(connection, IdeaTag, (
        {"idea_id": i, "tag_id": rng.choice(tag_ids)} for i in ideas if rng.random() < 0.3
    ), "tags", int(scale.ideas * 0.3))  # fmt: skip
    cast_at: dict[int, list] = {}
    _bulk(connection, Vote, _votes(rng, ideas, votes_of, created, users, now, cast_at), "votes",
          sum(votes_of))  # fmt: skip
    _set_trends_and_demand(connection, cast_at, organisation_rows)
    _bulk(connection, Follower, ({
        "idea_id": i, "user_id": users[index % len(users)], "reason": "authored",
        "created_at": created[index],
    } for index, i in enumerate(ideas)), "followers", scale.ideas)  # fmt: skip
    _bulk(connection, Comment, _comments(rng, ideas, comments_of, created, users, now),
          "comments", sum(comments_of))  # fmt: skip
    _release_notes(connection, rng, scale, ideas, stages, now)
    _reset_sequences(connection)
    return {"ideas": scale.ideas, "busy_idea": busy_idea, "first_user": first_user,
            "users": scale.users, "votes": sum(votes_of)}  # fmt: skip


def _vote_counts(rng: random.Random, scale: Scale) -> list[int]:
    """Skewed like real boards: most ideas have a few votes, a few have hundreds."""
    average = scale.votes / scale.ideas
    cap = min(scale.users - 1, 2_000)
    return [min(cap, int(rng.paretovariate(1.6) * average * 0.4)) for _ in range(scale.ideas)]


def _comment_counts(rng: random.Random, scale: Scale) -> list[int]:
    average = scale.comments / scale.ideas
    return [min(150, round(rng.expovariate(1 / average))) for _ in range(scale.ideas)]


def _stage_changes(ideas, stages, created, now) -> Iterator[dict]:
    for index, idea_id in enumerate(ideas):
        yield {"idea_id": idea_id, "from_stage": None, "to_stage": "collect",
               "created_at": created[index], "public_message": "", "internal_note": ""}  # fmt: skip
        if stages[index] != Stage.collect:
            yield {"idea_id": idea_id, "from_stage": "collect", "to_stage": stages[index],
                   "created_at": created[index] + (now - created[index]) / 2,
                   "public_message": "", "internal_note": ""}  # fmt: skip


def _votes(rng, ideas, votes_of, created, users, now, cast_at) -> Iterator[dict]:
    """The votes; `cast_at` collects (time, voter) per idea, for the ideas' trend and demand."""
    for index, idea_id in enumerate(ideas):
        voters = rng.sample(users, votes_of[index]) if votes_of[index] else []
        span = (now - created[index]).total_seconds()
        for user_id in voters:
            moment = created[index] + timedelta(seconds=span * rng.random() ** 2)
            cast_at.setdefault(idea_id, []).append((moment, user_id))
            yield {"idea_id": idea_id, "user_id": user_id, "channel": "portal",
                   "created_at": moment}  # fmt: skip


def _comments(rng, ideas, comments_of, created, users, now) -> Iterator[dict]:
    for index, idea_id in enumerate(ideas):
        span = (now - created[index]).total_seconds()
        for _ in range(comments_of[index]):
            body = " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))
            # Stored rendered, as every comment written through the portal is (Comment.body).
            yield {
                "idea_id": idea_id, "author_id": rng.choice(users), "body": body,
                "body_html": str(render_markdown(body)), "is_internal": False,
                "created_at": created[index] + timedelta(seconds=span * rng.random()),
            }  # fmt: skip


def _release_notes(connection, rng, scale, ideas, stages, now) -> None:
    shipped = [i for i, s in zip(ideas, stages, strict=True) if s in (Stage.verify, Stage.closed)]
    first = _next_id(connection, ReleaseNote)
    notes, links = [], []
    for number in range(scale.release_notes):
        note_id = first + number
        published = now - timedelta(days=730 * number / scale.release_notes, hours=1)
        notes.append({
            "id": note_id, "title": f"Release {note_id}: {' '.join(rng.sample(WORDS, 3))}",
            "slug": f"release-{note_id}", "body": " ".join(rng.choices(WORDS, k=80)),
            "why_it_matters": "Less time on routine work.", "category": rng.choice(
                ["new", "improved", "fixed"]), "visibility": "public" if number % 10 else
            "customers", "published_at": published, "announced_at": published,
            "created_at": published, "updated_at": published,
        })  # fmt: skip
        for idea_id in rng.sample(shipped, min(len(shipped), rng.randint(1, 3))):
            links.append({"note_id": note_id, "idea_id": idea_id})
    _bulk(connection, ReleaseNote, notes, "release notes", len(notes))
    if links:
        connection.execute(insert(ReleaseNoteIdea), links)


def _reset_sequences(connection: Connection) -> None:
    """Rows were inserted with explicit ids: PostgreSQL's sequences must move past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("organisation", "user_account", "idea", "release_note"):
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT max(id) FROM {table}))"
        ))  # fmt: skip
