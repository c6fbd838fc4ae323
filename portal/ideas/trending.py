"""Trending: votes that fade with age, kept in one stored number per idea.

A vote counts 1 when cast and half as much a week later (HALF_LIFE). Sorting by "the faded sum
of an idea's votes, now" is sorting by the same sum measured against a fixed EPOCH (every idea's
sum fades by the same factor), so the number stored in `Idea.trend` never needs refreshing as
time passes: a vote changes it once, and the board's Trending list is an index walk however many
ideas and votes there are.

The sum grows by 2 each HALF_LIFE, which would overflow a float within decades, so the stored
number is its logarithm (base 2): adding or removing a vote is a log-sum in SQL, in one UPDATE, so
that two voters at once cannot overwrite each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func
from sqlalchemy.sql import ColumnElement

HALF_LIFE = timedelta(days=7)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# An idea nobody votes for: below any sum of real votes (a vote from the year 1 is about -105,000).
NO_VOTES = -1.0e9
_LN2 = math.log(2)
# Below this, what is left after removing a vote is rounding, not a vote.
_EMPTY = 1e-9


def weight(cast_at: datetime) -> float:
    """log2 of what a vote cast at `cast_at` adds, measured against EPOCH."""
    if cast_at.tzinfo is None:
        cast_at = cast_at.replace(tzinfo=UTC)
    return (cast_at - EPOCH) / HALF_LIFE


def total(cast_at: Iterable[datetime]) -> float:
    """The stored number for an idea with votes cast at these times (for recounts)."""
    weights = [weight(moment) for moment in cast_at]
    if not weights:
        return NO_VOTES
    top = max(weights)
    return top + math.log2(sum(2.0 ** (w - top) for w in weights))


def with_vote(trend: ColumnElement, vote_weight: float | ColumnElement) -> ColumnElement:
    """SQL: `trend` with one more vote of `vote_weight` (log2(2^trend + 2^weight), computed
    from the larger term so it never overflows)."""
    return case(
        (trend <= NO_VOTES, vote_weight),
        (trend >= vote_weight, trend + _log2_1p_exp2(vote_weight - trend)),
        else_=vote_weight + _log2_1p_exp2(trend - vote_weight),
    )


def without_vote(trend: ColumnElement, vote_weight: float | ColumnElement) -> ColumnElement:
    """SQL: `trend` with a vote of `vote_weight` taken away (log2(2^trend - 2^weight))."""
    return case(
        (trend - vote_weight > _EMPTY,
         trend + func.ln(1 - func.exp((vote_weight - trend) * _LN2)) / _LN2),
        else_=NO_VOTES,
    )  # fmt: skip


def _log2_1p_exp2(exponent: ColumnElement) -> ColumnElement:
    return func.ln(1 + func.exp(exponent * _LN2)) / _LN2
