"""The roadmap as a viewer may see it, in a fixed number of queries whatever its size."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, union_all
from sqlalchemy.orm import Session

from portal.access import Viewer, ideas_visible_to
from portal.db import utcnow
from portal.ideas.models import Board, Idea
from portal.lifecycle.stages import HORIZON_LABEL, PUBLIC_STATUS, Horizon, Stage

COLUMN_LIMIT = 25  # cards per column: a roadmap longer than this is a backlog
RELEASED_DAYS = 60
ON_ROADMAP = (Stage.plan, Stage.execute)
RELEASED = "released"


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    slug: str
    stage: Stage
    vote_count: int
    board_name: str
    board_slug: str
    target_date: date | None
    moved_at: datetime

    @property
    def public_status(self) -> str:
        return str(PUBLIC_STATUS[self.stage])


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cards: list[Card] = field(default_factory=list)
    more: bool = False  # the column has more cards than it shows


def _column(session: Session, key: str, label: str, query) -> Column:
    rows = session.execute(query.limit(COLUMN_LIMIT + 1)).all()
    return Column(key, label, [Card(*row) for row in rows[:COLUMN_LIMIT]], len(rows) > COLUMN_LIMIT)


CARD_COLUMNS = ("id", "title", "slug", "stage", "vote_count", "board_name", "board_slug",
                "target_date", "moved_at")  # fmt: skip


def _base(viewer: Viewer, board_id: int | None, *order_keys):
    query = (
        select(
            Idea.id,
            Idea.title,
            Idea.slug,
            Idea.stage,
            Idea.vote_count,
            Board.name.label("board_name"),
            Board.slug.label("board_slug"),
            Idea.target_date,
            Idea.stage_changed_at.label("moved_at"),
            *order_keys,
        )  # fmt: skip
        .join(Board, Board.id == Idea.board_id)
        .where(ideas_visible_to(viewer))
    )
    return query.where(Idea.board_id == board_id) if board_id else query


def in_horizon(horizon: Horizon):
    """Planned or in-progress ideas of one horizon; one in progress without a horizon is now."""
    matches = Idea.horizon == horizon
    if horizon == Horizon.now:
        matches = or_(matches, Idea.horizon.is_(None))
    return Idea.stage.in_(ON_ROADMAP) & matches


@functools.lru_cache(maxsize=512)
def _horizon_column(viewer: Viewer, board_id: int | None, horizon: Horizon):
    """`in_horizon(horizon)` in staff's order, as the first cards of each (stage, horizon) pair
    merged: each pair is one range of ix_idea_roadmap already in order, so the column reads
    a few cards per pair however many ideas were ever planned. Kept once built: building this
    statement costs more than running it."""
    pairs = [(stage, horizon) for stage in ON_ROADMAP]
    if horizon == Horizon.now:
        pairs += [(stage, None) for stage in ON_ROADMAP]
    firsts = [
        _base(viewer, board_id, Idea.roadmap_position)
        .where(Idea.stage == stage, Idea.horizon == value if value else Idea.horizon.is_(None))
        .order_by(Idea.roadmap_position, Idea.id)
        .limit(COLUMN_LIMIT + 1)
        .subquery()
        for stage, value in pairs
    ]
    merged = union_all(*(select(first) for first in firsts)).subquery()
    return select(*(merged.c[name] for name in CARD_COLUMNS)).order_by(
        merged.c.roadmap_position, merged.c.id
    )


def list_roadmap(session: Session, viewer: Viewer, *, board_id: int | None = None) -> list[Column]:
    """Now, Next, Later (in the order staff set), then what was released lately: only the
    ideas `viewer` may see."""
    columns = []
    for horizon in Horizon:
        query = _horizon_column(viewer, board_id, horizon)
        columns.append(_column(session, horizon.value, str(HORIZON_LABEL[horizon]), query))
    since = utcnow() - timedelta(days=RELEASED_DAYS)
    released = (
        _base(viewer, board_id)
        .where(Idea.stage == Stage.verify, Idea.stage_changed_at >= since)
        .order_by(Idea.stage_changed_at.desc(), Idea.id.desc())
    )
    columns.append(_column(session, RELEASED, str(PUBLIC_STATUS[Stage.verify]), released))
    return columns
