"""An image attached to an idea (when it was posted) or to one of its comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    """`key` names the re-encoded image in storage (and, with THUMBNAIL_SUFFIX, its thumbnail);
    it is random, so it is also what the image's URL carries. Every attachment belongs to an
    idea, even one posted with a comment: the idea page reads all of them in one statement."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_idea_comment", "idea_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), default=None
    )
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    thumbnail_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(80))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
