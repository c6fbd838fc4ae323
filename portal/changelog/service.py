"""Staff write release notes: drafts, scheduled or published at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.access import not_deleted
from portal.accounts.models import User
from portal.audit.service import record
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteAudience, ReleaseNoteIdea
from portal.changelog.publishing import announce_if_due
from portal.db import utcnow
from portal.errors import DomainError
from portal.ideas.models import Idea, Visibility
from portal.ideas.service import slugify


class ReleaseNoteRefused(DomainError):
    pass


@dataclass(frozen=True)
class Draft:
    """What staff typed, already shaped by the form."""

    title: str
    category: Category
    body: str
    why_it_matters: str
    visibility: Visibility
    idea_ids: list[int]
    published_at: datetime | None  # None: a draft; in the future: scheduled
    organisation_ids: tuple[int, ...] = ()  # who may read it when visibility is organisations


def save_release_note(session: Session, *, actor: User, note: ReleaseNote | None,
                      draft: Draft) -> ReleaseNote:  # fmt: skip
    """Create or change a note and the ideas it delivers. A note once published keeps its
    publication moment (its permalink and feed entry do not move)."""
    found = set(session.scalars(select(Idea.id).where(Idea.id.in_(draft.idea_ids), not_deleted())))
    missing = [i for i in draft.idea_ids if i not in found]
    if missing:
        raise ReleaseNoteRefused(
            _l("There is no idea #%(ids)s.", ids=", #".join(map(str, missing)))
        )
    if note is None:
        note = ReleaseNote(author_id=actor.id)
        session.add(note)
    already_public = note.published_at is not None and note.published_at <= utcnow()
    note.title, note.slug = draft.title, slugify(draft.title) or "release"
    note.category, note.body = draft.category, draft.body
    note.why_it_matters, note.visibility = draft.why_it_matters, draft.visibility
    if not already_public:
        note.published_at = draft.published_at
    note.updated_at = utcnow()
    session.flush()
    session.execute(delete(ReleaseNoteIdea).where(ReleaseNoteIdea.note_id == note.id))
    session.add_all(ReleaseNoteIdea(note_id=note.id, idea_id=i) for i in sorted(found))
    session.execute(delete(ReleaseNoteAudience).where(ReleaseNoteAudience.note_id == note.id))
    if draft.visibility == Visibility.organisations:
        session.add_all(
            ReleaseNoteAudience(note_id=note.id, organisation_id=o)
            for o in sorted(set(draft.organisation_ids))
        )
    record(session, actor_id=actor.id, action="release_note.saved", target_type="release_note",
           target_id=note.id, title=note.title, published_at=note.published_at)  # fmt: skip
    announce_if_due(session, note)  # publishing now takes effect now; a schedule, at its time
    session.flush()
    return note
