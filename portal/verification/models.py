"""One answer per person per idea to "did this solve your need?"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

# Long enough for a paragraph of why, short enough to read on the idea's page.
COMMENT_MAX_LENGTH = 2000


class VerificationAnswer(Base):
    """Answering again changes the answer: the pair (idea, person) is unique. The idea keeps
    the counts of yes and no (Idea.verification_*_count), written in the same transaction."""

    __tablename__ = "verification_answer"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        # The staff page lists an idea's latest answers.
        Index("ix_verification_answer_idea_answered", "idea_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    solved: Mapped[bool] = mapped_column(Boolean)
    # Plain text, shown escaped; never rendered as Markdown.
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
