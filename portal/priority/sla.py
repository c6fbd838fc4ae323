"""Bug SLA clocks: first response and resolution, each ok, due soon or breached. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

DUE_SOON_FRACTION = 0.25  # the last quarter of the allowed time is "due soon"


class SlaState(StrEnum):
    ok = "ok"
    due_soon = "due_soon"
    breached = "breached"


def clock_state(start: datetime, done_at: datetime | None, hours: int, now: datetime) -> SlaState:
    """One clock: breached if done late or still open past the deadline."""
    deadline = start + timedelta(hours=hours)
    if done_at is not None:
        return SlaState.ok if done_at <= deadline else SlaState.breached
    if now > deadline:
        return SlaState.breached
    if deadline - now <= timedelta(hours=hours) * DUE_SOON_FRACTION:
        return SlaState.due_soon
    return SlaState.ok


def sla_state(
    *,
    created_at: datetime,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    hours: tuple[int, int],
    now: datetime,
) -> SlaState:
    """The worse of the two clocks."""
    states = [
        clock_state(created_at, first_response_at, hours[0], now),
        clock_state(created_at, resolved_at, hours[1], now),
    ]
    order = [SlaState.ok, SlaState.due_soon, SlaState.breached]
    return max(states, key=order.index)
