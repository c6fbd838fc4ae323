"""Raw input from every channel, kept verbatim, before and after it is linked to an idea."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import enum_column
from portal.db import Base, UTCDateTime, utcnow
from portal.ideas.models import Channel


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_unlinked", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The customer whose words these are, and the organisation they spoke for.
    person_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), default=None, index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    original_words: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str] = mapped_column(String(255), default="")
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id"), default=None)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
