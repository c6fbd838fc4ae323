"""The priority formula, as pure functions: no database, no Flask. Each piece explains itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal.ideas.models import Grade, Kind, Severity
from portal.priority.models import Direction, FactorSource

POINTS_PER_WEIGHT = 10  # a factor of weight 1 at its top rating adds 10 points
URGENT_AT = 0.6
IMPORTANT_AT = 0.5
SEVERITY_URGENCY = {Severity.s1: 1.0, Severity.s2: 0.75, Severity.s3: 0.5, Severity.s4: 0.25}
PERSISTENCE_FULL_MONTHS = 6  # asked in six different months of the last year: full marks
FRESHNESS_DAYS = 90  # a bug report older than this adds nothing for freshness


@dataclass(frozen=True)
class Demand:
    """Computed inputs: who asks, how much they pay us, for how long they have asked."""

    votes: int = 0
    organisations: int = 0
    arr: int = 0
    key_accounts: int = 0
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    oldest_request_at: datetime | None = None
    newest_request_at: datetime | None = None
    months_asked: int = 0  # distinct months of the last twelve with a new vote or feedback
    repeated_asks: int = 0  # votes and feedback beyond the first


@dataclass(frozen=True)
class FactorInput:
    id: int
    name: str
    weight: float
    scale_max: int
    direction: Direction
    source: FactorSource
    is_urgency: bool
    rating: int | None = None  # staff rating, for FactorSource.rating


@dataclass(frozen=True)
class Contribution:
    factor_id: int
    name: str
    normalised: float | None  # 0..1; None when not rated yet
    points: float
    explanation: str


@dataclass
class ScoreCard:
    score: float
    grade: Grade
    urgency: float | None
    importance: float
    contributions: list[Contribution] = field(default_factory=list)


def demand_value(demand: Demand) -> float:
    """Organisations, revenue and key accounts, each capped, so one loud customer cannot win."""
    return round(
        0.4 * min(1.0, demand.organisations / 5)
        + 0.3 * min(1.0, demand.arr / 2_000_000)
        + 0.3 * min(1.0, demand.key_accounts / 2),
        4,
    )


def persistence_value(demand: Demand, kind: Kind) -> float:
    """Features asked again and again over months rise; bugs are ranked by freshness instead."""
    if kind != Kind.feature:
        return 0.0
    return min(1.0, demand.months_asked / PERSISTENCE_FULL_MONTHS)


def freshness_value(demand: Demand, kind: Kind, now: datetime) -> float:
    """Among bugs, a fresh report outranks a months-old one."""
    if kind != Kind.bug or demand.newest_request_at is None:
        return 0.0
    age_days = (now - demand.newest_request_at).total_seconds() / 86400
    return max(0.0, 1 - age_days / FRESHNESS_DAYS)


def _normalised(factor: FactorInput, demand: Demand, kind: Kind, now: datetime):
    if factor.source == FactorSource.demand:
        value = demand_value(demand)
        return value, (
            f"{demand.organisations} organisations, ARR {demand.arr:,}, "
            f"{demand.key_accounts} key accounts"
        )
    if factor.source == FactorSource.persistence:
        return persistence_value(demand, kind), f"asked in {demand.months_asked} of 12 months"
    if factor.source == FactorSource.freshness:
        return freshness_value(demand, kind, now), "newest report's age (bugs only)"
    if factor.rating is None:
        return None, "not rated"
    return factor.rating / factor.scale_max, f"rated {factor.rating} of {factor.scale_max}"


def score_idea(
    factors: list[FactorInput],
    demand: Demand,
    kind: Kind,
    severity: Severity | None,
    now: datetime,
) -> ScoreCard:
    """Weighted sum of every factor: benefits add, costs subtract; then the grade."""
    contributions = []
    benefit_points = benefit_max = 0.0
    urgency = None
    for factor in factors:
        normalised, explanation = _normalised(factor, demand, kind, now)
        sign = -1 if factor.direction == Direction.cost else 1
        points = round(sign * factor.weight * POINTS_PER_WEIGHT * (normalised or 0.0), 2)
        contributions.append(Contribution(factor.id, factor.name, normalised, points, explanation))
        if factor.is_urgency:
            urgency = normalised
        elif factor.direction == Direction.benefit:
            benefit_points += points
            benefit_max += factor.weight * POINTS_PER_WEIGHT
    if urgency is None and severity is not None:
        urgency = SEVERITY_URGENCY[severity]
    importance = benefit_points / benefit_max if benefit_max else 0.0
    return ScoreCard(
        score=round(sum(c.points for c in contributions), 2),
        grade=grade_for(urgency, importance),
        urgency=urgency,
        importance=round(importance, 4),
        contributions=contributions,
    )


def grade_for(urgency: float | None, importance: float) -> Grade:
    """Urgent before important: A both, B urgent only, C important only, D neither."""
    urgent = urgency is not None and urgency >= URGENT_AT
    important = importance >= IMPORTANT_AT
    if urgent and important:
        return Grade.A
    if urgent:
        return Grade.B
    if important:
        return Grade.C
    return Grade.D
