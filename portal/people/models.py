"""An invitation to the portal (to its team, or as a customer): a signed, single-use, expiring
link sent by email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import enum_column
from portal.db import Base, UTCDateTime, utcnow
from portal.roles import Role


class Invitation(Base):
    """Pending while neither accepted nor revoked. The link carries `nonce`, which a resend
    replaces, so only the latest link sent works."""

    __tablename__ = "invitation"
    __table_args__ = (
        # The pending list (newest first) and the look-up of a pending address.
        Index("ix_invitation_pending", "accepted_at", "revoked_at", "id"),
        Index("ix_invitation_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    nonce: Mapped[str] = mapped_column(String(32))
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A customer's invitation may name the organisation the new account joins.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None, index=True
    )
