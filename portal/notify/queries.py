"""What the outbox holds, for the health check and the admins' dead-letter page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.notify.models import OutboxMessage
from portal.notify.worker import is_due

DEAD_PAGE = 50


@dataclass(frozen=True)
class Backlog:
    due: int
    dead: int
    oldest_due_seconds: int


def outbox_backlog(session: Session, now: datetime) -> Backlog:
    """Messages waiting to be sent now, dead ones, and how long the oldest has waited. The
    counts read only unsent rows, through the due and dead indexes."""
    due, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(is_due(now))
    ).one()
    dead = session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.dead_at.is_not(None))
    )
    waited = int((now - oldest).total_seconds()) if oldest else 0
    return Backlog(due=due, dead=dead, oldest_due_seconds=max(waited, 0))


def list_dead_messages(session: Session, *, page: int) -> tuple[list[OutboxMessage], bool]:
    """Dead messages, newest first; and whether more follow."""
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dead_at.is_not(None))
            .order_by(OutboxMessage.dead_at.desc(), OutboxMessage.id.desc())
            .limit(DEAD_PAGE + 1)
            .offset((page - 1) * DEAD_PAGE)
        )
    )
    return rows[:DEAD_PAGE], len(rows) > DEAD_PAGE
