"""Release notes, the ideas each delivers, and who may read them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.accounts.models import enum_column
from portal.db import Base, UTCDateTime, utcnow
from portal.ideas.models import Visibility
from portal.markdown import render_markdown


class Category(StrEnum):
    new = "new"
    improved = "improved"
    fixed = "fixed"


def _body_html_of_inserted_row(context) -> str:
    """body_html for a row inserted without it (a bulk insert of plain rows)."""
    return str(render_markdown(context.get_current_parameters().get("body") or ""))


class ReleaseNote(Base):
    """A draft (no published_at), scheduled (published_at still to come: it publishes itself
    then) or published note.

    Its body is Markdown; body_html is that body rendered and sanitised (portal.markdown), kept
    with it whenever the body is set, so that reading a note renders nothing."""

    __tablename__ = "release_note"
    __table_args__ = (
        Index("ix_release_note_published", "published_at", "id"),
        Index("ix_release_note_unannounced", "announced_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(
        Text, default=_body_html_of_inserted_row, server_default=""
    )
    why_it_matters: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[Category] = mapped_column(enum_column(Category, "category"))
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), default=Visibility.public
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When publishing took effect: linked ideas released, followers and subscribers told. Set
    # once, by whoever publishes first (staff now, or the worker at the scheduled time).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("body")
    def _render_body(self, _key: str, body: str | None) -> str | None:
        self.body_html = str(render_markdown(body or ""))
        return body


class ReleaseNoteIdea(Base):
    __tablename__ = "release_note_idea"
    __table_args__ = (UniqueConstraint("note_id", "idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("release_note.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)


class ReleaseNoteAudience(Base):
    """The organisations that may read a note whose visibility is `organisations`."""

    __tablename__ = "release_note_audience"
    __table_args__ = (UniqueConstraint("note_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("release_note.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
