"""The record of every move of an idea through the lifecycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User, enum_column
from portal.db import Base, UTCDateTime, utcnow
from portal.lifecycle.stages import Stage


class StageChange(Base):
    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, "from_stage"), default=None)
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "to_stage"))
    public_message: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise")
