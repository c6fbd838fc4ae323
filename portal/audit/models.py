"""Who changed what, when: the admin area's audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    # A thing's history (a person's, say), newest first; the audit log filtered by who acted
    # or by kind of action, newest first (keyset on id).
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id", "id"),
        Index("ix_audit_entry_actor_recent", "actor_id", "id"),
        Index("ix_audit_entry_kind_recent", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    # The family of the action: what comes before its dot ("idea" for "idea.moved").
    kind: Mapped[str] = mapped_column(String(30), default="", server_default="")
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer, default=None)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
