"""Email waiting to leave: written in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import enum_column
from portal.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One email to one address. A worker leases due rows (`claimed_until`, `claimed_by`), sends
    with no transaction open, then records the result; a crashed worker's lease runs out and the
    row is sent by another. After too many failures the row is dead until an admin retries it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "sent_at", "dead_at", "next_attempt_at"),
        # An event tells each person of one thing once, however often it is processed.
        UniqueConstraint("event_id", "to_address", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("domain_event.id", ondelete="SET NULL"), default=None
    )
    # One Message-ID across retries, so a receiving server can drop a duplicate delivery.
    message_id: Mapped[str] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Topic(StrEnum):
    """What a follower may hear about, each with its own choice of cadence."""

    stage_changes = "stage_changes"  # moves, declines, merges
    replies = "replies"  # public answers from staff
    comments = "comments"  # other people's comments


class Cadence(StrEnum):
    instant = "instant"
    daily = "daily"
    off = "off"


DEFAULT_CADENCE = {
    Topic.stage_changes: Cadence.instant,
    Topic.replies: Cadence.instant,
    Topic.comments: Cadence.daily,
}


class NotificationPreference(Base):
    """A person's choice for one topic; no row means the default above."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    topic: Mapped[Topic] = mapped_column(enum_column(Topic, "topic"))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence, "cadence"))


class DigestItem(Base):
    """One piece of news held for a person's daily digest, with what the email will say."""

    __tablename__ = "digest_item"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_digest_item_pending", "digested_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("domain_event.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(40))
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
