"""An address on the changelog and/or roadmap mailing list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class Subscriber(Base):
    """One address (normalised, unique), the lists it chose, and whether it proved the mailbox
    (`confirmed_at`; a signed-in person's verified account address counts as proved)."""

    __tablename__ = "subscriber"
    __table_args__ = (
        # The batched sends (keyset by id over one list) and the admin counts: the confirmed
        # flag rides along so neither reads the table itself.
        Index("ix_subscriber_changelog", "wants_changelog", "id", "confirmed_at"),
        Index("ix_subscriber_roadmap", "wants_roadmap", "id", "confirmed_at"),
        Index("ix_subscriber_confirmed", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    wants_changelog: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_roadmap: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
