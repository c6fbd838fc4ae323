"""The roadmap as a viewer may see it, in a fixed number of queries whatever its size."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from portal.access import Viewer, boards_visible_to, ideas_visible_to
from portal.db import utcnow
from portal.ideas.models import Board, Idea
from portal.lifecycle.stages import HORIZON_LABEL, PUBLIC_STATUS, Horizon, Stage

COLUMN_LIMIT = 25  # cards per column: a roadmap longer than this is a backlog
RELEASED_DAYS = 60
ON_ROADMAP = (Stage.plan, Stage.execute)
RELEASED = "released"


class Card(NamedTuple):
    """One card (a tuple: a roadmap shows a hundred of them)."""

    id: int
    title: str
    slug: str
    stage: Stage
    vote_count: int
    board_name: str
    target_date: date | None

    @property
    def public_status(self) -> str:
        return str(PUBLIC_STATUS[self.stage])


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cards: list[Card] = field(default_factory=list)
    more: bool = False  # the column has more cards than it shows


CARD_COLUMNS = ("id", "title", "slug", "stage", "vote_count", "board_name", "target_date")


def _base(viewer: Viewer, board_id: int | None, *order_keys):
    query = (
        select(
            Idea.id,
            Idea.title,
            Idea.slug,
            Idea.stage,
            Idea.vote_count,
            Board.name.label("board_name"),
            Idea.target_date,
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
    a few cards per pair however many ideas were ever planned. Kept once built, with its
    limit: building this statement costs more than running it."""
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
    return (
        select(*(merged.c[name] for name in CARD_COLUMNS))
        .order_by(merged.c.roadmap_position, merged.c.id)
        .limit(COLUMN_LIMIT + 1)
    )


@functools.lru_cache(maxsize=512)
def _released_column(viewer: Viewer, board_id: int | None):
    """Ideas released since `:since`, the latest first. Kept once built, like the horizons."""
    return (
        _base(viewer, board_id)
        .where(Idea.stage == Stage.verify, Idea.stage_changed_at >= bindparam("since"))
        .order_by(Idea.stage_changed_at.desc(), Idea.id.desc())
        .limit(COLUMN_LIMIT + 1)
    )


def _column(connection: Connection, key: str, label, query, **parameters) -> Column:
    rows = connection.execute(query, parameters).all()
    make = Card._make
    return Column(key, str(label), [make(row) for row in rows[:COLUMN_LIMIT]],
                  len(rows) > COLUMN_LIMIT)  # fmt: skip


def list_roadmap(session: Session, viewer: Viewer, *, board_id: int | None = None) -> list[Column]:
    """Now, Next, Later (in the order staff set), then what was released lately: only the
    ideas `viewer` may see."""
    # Run on the session's connection: plain rows of columns, nothing for the ORM to do with them
    # (its layer costs a quarter of these statements' time).
    connection = session.connection()
    columns = [
        _column(connection, h.value, HORIZON_LABEL[h], _horizon_column(viewer, board_id, h))
        for h in Horizon
    ]
    since = utcnow() - timedelta(days=RELEASED_DAYS)
    released = _released_column(viewer, board_id)
    columns.append(
        _column(connection, RELEASED, PUBLIC_STATUS[Stage.verify], released, since=since)
    )
    return columns


class BoardChoice(NamedTuple):
    slug: str
    name: str


def list_board_choices(session: Session, viewer: Viewer) -> list[BoardChoice]:
    """The boards the viewer may see, to filter the roadmap by: names only, not their ideas
    counted (as the boards list does)."""
    return [BoardChoice._make(row) for row in session.connection().execute(_board_choices(viewer))]


@functools.lru_cache(maxsize=512)
def _board_choices(viewer: Viewer):
    return (
        select(Board.slug, Board.name)
        .where(boards_visible_to(viewer))
        .order_by(Board.position, Board.name)
    )
