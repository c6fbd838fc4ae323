"""Admin-defined priority factors and staff ratings of ideas on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import enum_column
from portal.db import Base, UTCDateTime, utcnow


class Direction(StrEnum):
    benefit = "benefit"  # a higher rating raises the score
    cost = "cost"  # a higher rating lowers it (effort)


class FactorSource(StrEnum):
    """Where a factor's value comes from: a staff rating, or computed from the data."""

    rating = "rating"
    demand = "demand"  # votes, organisations, ARR and key accounts behind the idea
    persistence = "persistence"  # features asked again and again over months
    freshness = "freshness"  # bugs: a fresh report outranks a months-old one


class PriorityFactor(Base):
    __tablename__ = "priority_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    direction: Mapped[Direction] = mapped_column(
        enum_column(Direction, "direction"), default=Direction.benefit
    )
    source: Mapped[FactorSource] = mapped_column(
        enum_column(FactorSource, "source"), default=FactorSource.rating
    )
    # The factor whose rating is the "urgency" axis of the grade.
    is_urgency: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaRating(Base):
    __tablename__ = "idea_rating"
    __table_args__ = (UniqueConstraint("idea_id", "factor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    factor_id: Mapped[int] = mapped_column(
        ForeignKey("priority_factor.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column(Integer)
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
