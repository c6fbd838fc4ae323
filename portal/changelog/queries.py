"""The changelog as a viewer may read it: published notes, newest first, with the ideas they
deliver (only those the viewer may see)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.access import Viewer, ideas_visible_to, release_notes_visible_to
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.ideas.models import Idea
from portal.ideas.queries import Slice
from portal.lifecycle.stages import Stage


@dataclass(frozen=True)
class LinkedIdea:
    id: int
    title: str
    slug: str
    vote_count: int


CATEGORY_LABEL = {
    Category.new: _l("New"),
    Category.improved: _l("Improved"),
    Category.fixed: _l("Fixed"),
}


@dataclass
class NoteRow:
    id: int
    title: str
    slug: str
    category: Category
    why_it_matters: str
    body_html: Markup
    published_at: datetime
    ideas: list[LinkedIdea] = field(default_factory=list)

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABEL[self.category])


def is_published(now: datetime | None = None):
    """WHERE clause: notes whose publication moment has come (scheduled ones publish then)."""
    return ReleaseNote.published_at <= (now or utcnow())


# What a reader sees of a note: its HTML was rendered and sanitised when its body was saved.
NOTE_COLUMNS = (
    ReleaseNote.id,
    ReleaseNote.title,
    ReleaseNote.slug,
    ReleaseNote.category,
    ReleaseNote.why_it_matters,
    ReleaseNote.body_html,
    ReleaseNote.published_at,
)


def _rows(session: Session, viewer: Viewer, notes, *, ideas: bool = True) -> list[NoteRow]:
    rows = {
        note_id: NoteRow(note_id, title, slug, category, why, Markup(body_html), published_at)
        for note_id, title, slug, category, why, body_html, published_at in notes
    }
    if rows and ideas:
        linked = session.connection().execute(_linked_ideas(viewer), {"notes": list(rows)})
        for note_id, *idea in linked:
            rows[note_id].ideas.append(LinkedIdea(*idea))
    return list(rows.values())


# The statements below are kept once built (per viewer and category), their values given when
# run: building a statement costs more than running it. They run on the session's connection:
# rows of columns, nothing for the ORM to do.


@functools.lru_cache(maxsize=512)
def _linked_ideas(viewer: Viewer):
    """The ideas the notes `:notes` deliver, that the viewer may see, most wanted first."""
    return (
        select(ReleaseNoteIdea.note_id, Idea.id, Idea.title, Idea.slug, Idea.vote_count)
        .join(Idea, Idea.id == ReleaseNoteIdea.idea_id)
        .where(
            ReleaseNoteIdea.note_id.in_(bindparam("notes", expanding=True)),
            ideas_visible_to(viewer),
            Idea.stage != Stage.merged,
        )
        .order_by(Idea.vote_count.desc(), Idea.id)
    )


@functools.lru_cache(maxsize=512)
def _published_notes(viewer: Viewer, category: Category | None):
    """Notes published by `:now` that the viewer may read, newest first, `:limit` of them from
    `:offset` (keyed on the publication index)."""
    query = select(*NOTE_COLUMNS).where(
        ReleaseNote.published_at <= bindparam("now"), release_notes_visible_to(viewer)
    )
    if category is not None:
        query = query.where(ReleaseNote.category == category)
    return (
        query.order_by(ReleaseNote.published_at.desc(), ReleaseNote.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def list_release_notes(session: Session, viewer: Viewer, *, category: Category | None,
                       page: int, page_size: int, ideas: bool = True) -> Slice:  # fmt: skip
    """Published notes the viewer may read, newest first; with the ideas each delivers unless
    `ideas` is false (their `ideas` lists stay empty then)."""
    notes = (
        session.connection()
        .execute(
            _published_notes(viewer, category),
            {"now": utcnow(), "limit": page_size + 1, "offset": (page - 1) * page_size},
        )
        .all()
    )
    return Slice(
        _rows(session, viewer, notes[:page_size], ideas=ideas), page, len(notes) > page_size
    )


@functools.lru_cache(maxsize=512)
def _published_note(viewer: Viewer):
    """The note `:note_id`, if published by `:now` and the viewer may read it."""
    return select(*NOTE_COLUMNS).where(
        ReleaseNote.id == bindparam("note_id"),
        ReleaseNote.published_at <= bindparam("now"),
        release_notes_visible_to(viewer),
    )


def get_release_note_or_404(session: Session, viewer: Viewer, note_id: int) -> NoteRow:
    note = (
        session.connection()
        .execute(_published_note(viewer), {"note_id": note_id, "now": utcnow()})
        .first()
    )
    if note is None:
        abort(404)
    return _rows(session, viewer, [note])[0]
