"""What publishing a release note does, once: its linked ideas are released (moved to `verify`
through the lifecycle, by the system) and one `release.published` event tells everyone concerned.

It happens when staff publish now, or when the worker finds a scheduled note whose time has come.
Whoever claims the note first (a conditional UPDATE) does it; the other finds nothing to do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.access import not_deleted
from portal.changelog.models import ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.events.service import EventKind, record_event
from portal.ideas.models import Idea
from portal.lifecycle.service import move_idea
from portal.lifecycle.stages import FORWARD, OPEN_STAGES, Horizon, Stage

ANNOUNCE_BATCH = 20


def announce_if_due(session: Session, note: ReleaseNote, *, now: datetime | None = None) -> bool:
    """Release the note's ideas and record its event, if it is public and nobody did yet."""
    now = now or utcnow()
    claimed = session.execute(
        update(ReleaseNote)
        .where(
            ReleaseNote.id == note.id,
            ReleaseNote.announced_at.is_(None),
            ReleaseNote.published_at <= now,
        )
        .values(announced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    note.announced_at = now
    linked = session.scalars(
        select(Idea)
        .join(ReleaseNoteIdea, ReleaseNoteIdea.idea_id == Idea.id)
        .where(ReleaseNoteIdea.note_id == note.id, Idea.stage.in_(OPEN_STAGES), not_deleted())
        .order_by(Idea.id)
    )
    released = []
    for idea in linked:
        _release(session, idea, note)
        released.append(idea.id)
    record_event(session, EventKind.release_published, idea_id=None, actor_id=None,
                 note_id=note.id, released_idea_ids=released)  # fmt: skip
    session.flush()
    return True


def _release(session: Session, idea: Idea, note: ReleaseNote) -> None:
    """Forward, one lifecycle step at a time, to `verify`: each step is recorded like any move,
    and marked as announced by the note so its followers get the note's email, not one per step."""
    path = FORWARD[FORWARD.index(idea.stage) + 1 : FORWARD.index(Stage.verify) + 1]
    for target in path:
        last = target == Stage.verify
        move_idea(
            session,
            idea=idea,
            actor=None,
            target=target,
            public_message=note.title if last else "",
            horizon=Horizon.now if target == Stage.plan else None,
            target_date=idea.target_date if target == Stage.plan else None,
            release_note_id=note.id,
        )


def announce_due_release_notes(session: Session, now: datetime | None = None) -> int:
    """The worker's step: announce scheduled notes whose time has come. Returns how many."""
    now = now or utcnow()
    due = session.scalars(
        select(ReleaseNote)
        .where(ReleaseNote.announced_at.is_(None), ReleaseNote.published_at <= now)
        .order_by(ReleaseNote.published_at, ReleaseNote.id)
        .limit(ANNOUNCE_BATCH)
    )
    return sum(announce_if_due(session, note, now=now) for note in list(due))
