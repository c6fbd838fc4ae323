"""Staff plan the roadmap: which horizon, in what order, by when."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import not_deleted
from portal.accounts.models import User
from portal.audit.service import record
from portal.errors import DomainError
from portal.ideas.models import Idea
from portal.lifecycle.stages import Horizon
from portal.roadmap.queries import ON_ROADMAP, in_horizon


class NotOnRoadmap(DomainError):
    message = _l("Only planned or in-progress ideas are on the roadmap: plan it first.")


def _column(session: Session, horizon: Horizon) -> list[Idea]:
    return list(
        session.scalars(
            select(Idea)
            .where(in_horizon(horizon), not_deleted())
            .order_by(Idea.roadmap_position, Idea.id)
        )
    )


def _renumber(ideas: list[Idea]) -> None:
    for position, idea in enumerate(ideas):
        idea.roadmap_position = position


def place_on_roadmap(
    session: Session, *, idea: Idea, actor: User, horizon: Horizon, target_date: date | None
) -> Idea:
    """Put a planned or in-progress idea in a horizon (at the end of it, when it changes) and
    set or clear its target date."""
    if idea.stage not in ON_ROADMAP:
        raise NotOnRoadmap()
    if (idea.horizon or Horizon.now) != horizon:
        idea.horizon = horizon
        session.flush()
        column = [other for other in _column(session, horizon) if other.id != idea.id]
        _renumber([*column, idea])
    idea.target_date = target_date
    record(session, actor_id=actor.id, action="roadmap.placed", target_type="idea",
           target_id=idea.id, horizon=horizon, target_date=target_date)  # fmt: skip
    session.flush()
    return idea


def move_card(session: Session, *, idea: Idea, actor: User, steps: int) -> Idea:
    """Move a card up (steps < 0) or down within its horizon."""
    if idea.stage not in ON_ROADMAP:
        raise NotOnRoadmap()
    column = _column(session, idea.horizon or Horizon.now)
    here = column.index(idea)
    there = min(max(here + steps, 0), len(column) - 1)
    column.insert(there, column.pop(here))
    _renumber(column)
    record(session, actor_id=actor.id, action="roadmap.reordered", target_type="idea",
           target_id=idea.id, position=there)  # fmt: skip
    session.flush()
    return idea
