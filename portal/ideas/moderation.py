"""Editing and moderation: authors edit their idea for a while, staff edit any and delete spam
(restorable by an admin for a while), comments are deleted, and a title already open on the
board is refused. Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import (
    DuplicateTitle,
    IdeaEditWindowClosed,
    NotAllowed,
    PersonBlocked,
    RestoreWindowClosed,
)
from portal.ideas.models import Comment, Idea, IdeaRevision, Vote, normalise_title
from portal.ideas.trending import NO_VOTES
from portal.lifecycle.stages import Stage
from portal.notify.outbox import drop_pending_about
from portal.priority import service as priority

REASON_LENGTH = 500
# An idea in these stages no longer stands in the way of a new one with the same title.
FINISHED = (Stage.closed, Stage.declined, Stage.merged)


def _window(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def can_edit_idea(idea: Idea, viewer: access.Viewer) -> bool:
    """Staff edit any idea at any time; its author for IDEA_EDIT_WINDOW_SECONDS after posting.
    (`idea` may be a row with author_id, created_at and deleted_at.)"""
    if viewer.user_id is None or getattr(idea, "deleted_at", None) is not None:
        return False
    if access.can_moderate(viewer):
        return True
    if idea.author_id != viewer.user_id:
        return False
    return utcnow() - idea.created_at <= _window("IDEA_EDIT_WINDOW_SECONDS")


def find_duplicate(
    session: Session, *, board_id: int, title: str, viewer: access.Viewer,
    exclude_id: int | None = None,
) -> Idea | None:  # fmt: skip
    """An open idea on the board that `viewer` may see whose title equals `title` ignoring case
    and spacing (ix_idea_board_normalised_title), or None."""
    query = select(Idea).where(
        Idea.board_id == board_id,
        Idea.normalised_title == normalise_title(title),
        Idea.stage.not_in(FINISHED),
        access.ideas_visible_to(viewer),
    )
    if exclude_id is not None:
        query = query.where(Idea.id != exclude_id)
    return session.scalar(query.order_by(Idea.id).limit(1))


def refuse_duplicate(
    session: Session, *, board_id: int, title: str, person: User, exclude_id: int | None = None
) -> None:
    """Raise DuplicateTitle (carrying the idea to vote for) when the board has that title open.
    An idea the person may not see is not mentioned (nor does it refuse)."""
    viewer = access.viewer_for(session, person)
    existing = find_duplicate(
        session, board_id=board_id, title=title, viewer=viewer, exclude_id=exclude_id
    )
    if existing is not None:
        raise DuplicateTitle(existing)


def edit_idea(session: Session, *, idea: Idea, editor: User, title: str, body: str) -> Idea:
    """Change an idea's title and body, keeping the previous text as a revision; the slug
    follows the title (old links redirect) and the search index follows by the model hook.
    Staff edits are audited."""
    if editor.is_blocked:
        raise PersonBlocked()
    if not can_edit_idea(idea, access.Viewer(user_id=editor.id, role=editor.role)):
        raise IdeaEditWindowClosed() if idea.author_id == editor.id else NotAllowed()
    title, body = title.strip(), body.strip()
    if title == idea.title and body == idea.body:
        return idea
    if normalise_title(title) != idea.normalised_title:
        refuse_duplicate(
            session, board_id=idea.board_id, title=title, person=editor, exclude_id=idea.id
        )
    from portal.ideas.service import idea_slug

    session.add(IdeaRevision(idea_id=idea.id, title=idea.title, body=idea.body,
                             editor_id=editor.id, edited_at=utcnow()))  # fmt: skip
    changed = [name for name, new in (("title", title), ("body", body))
               if getattr(idea, name) != new]  # fmt: skip
    idea.title, idea.slug, idea.body, idea.updated_at = title, idea_slug(title), body, utcnow()
    if access.can_moderate(editor):
        record(session, actor_id=editor.id, action="idea.edited", target_type="idea",
               target_id=idea.id, changed=changed)  # fmt: skip
    session.flush()
    return idea


@dataclass(frozen=True)
class RevisionRow:
    title: str
    body: str
    editor_name: str | None
    edited_at: datetime


def revisions(session: Session, idea_id: int, limit: int = 50) -> list[RevisionRow]:
    """An idea's previous texts, newest first (ix_idea_revision_idea_edited); one query."""
    rows = session.execute(
        select(IdeaRevision.title, IdeaRevision.body, User.display_name, IdeaRevision.edited_at)
        .outerjoin(User, User.id == IdeaRevision.editor_id)
        .where(IdeaRevision.idea_id == idea_id)
        .order_by(IdeaRevision.edited_at.desc(), IdeaRevision.id.desc())
        .limit(limit)
    )
    return [RevisionRow(*row) for row in rows]


def delete_idea(session: Session, *, idea: Idea, staff: User, reason: str) -> bool:
    """Staff delete an idea as spam: it vanishes from every page, list, count, feed, search and
    email (the visibility rule), its votes are removed and email not yet sent about it is
    dropped; the audit log keeps who and why. Returns False when it was deleted already (two
    staff at once: the UPDATE's row count decides)."""
    if not access.can_moderate(staff):
        raise NotAllowed()
    reason = reason.strip()[:REASON_LENGTH]
    changed = session.execute(
        update(Idea)
        .where(Idea.id == idea.id, Idea.deleted_at.is_(None))
        .values(deleted_at=utcnow(), deleted_by_id=staff.id, delete_reason=reason)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        return False
    votes = session.execute(delete(Vote).where(Vote.idea_id == idea.id)).rowcount
    session.execute(
        update(Idea)
        .where(Idea.id == idea.id)
        .values(vote_count=0, trend=NO_VOTES)
        .execution_options(synchronize_session="fetch")
    )
    dropped = drop_pending_about(session, idea.id)
    record(session, actor_id=staff.id, action="idea.deleted", target_type="idea",
           target_id=idea.id, reason=reason, title=idea.title, votes_removed=votes,
           emails_dropped=dropped)  # fmt: skip
    session.flush()
    priority.refresh_score(session, idea)
    return True


def restore_window_start(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=current_app.config["IDEA_RESTORE_DAYS"])


def restore_idea(session: Session, *, idea_id: int, admin: User) -> bool:
    """An admin brings back an idea deleted less than IDEA_RESTORE_DAYS ago (its votes stay
    removed). Returns False when it is not deleted (restored already, by someone at once)."""
    if not access.can_change_settings(admin):
        raise NotAllowed()
    idea = session.get(Idea, idea_id)
    if idea is None or idea.deleted_at is None:
        return False
    if idea.deleted_at < restore_window_start():
        raise RestoreWindowClosed()
    changed = session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.deleted_at.is_not(None))
        .values(deleted_at=None, deleted_by_id=None, delete_reason="")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        return False
    record(session, actor_id=admin.id, action="idea.restored", target_type="idea",
           target_id=idea_id, title=idea.title)  # fmt: skip
    session.flush()
    return True


@dataclass(frozen=True)
class DeletedRow:
    id: int
    title: str
    deleted_at: datetime
    deleted_by: str | None
    reason: str
    restorable: bool


DELETED_PAGE = 50


def deleted_ideas(session: Session, page: int = 1) -> tuple[list[DeletedRow], bool]:
    """A page of the admin's "Deleted ideas", the most recently deleted first, read through
    ix_idea_deleted_by (only deleted ideas have a `deleted_by_id`), and whether more follow;
    one query."""
    deleter = select(User.display_name).where(User.id == Idea.deleted_by_id).scalar_subquery()
    rows = session.execute(
        select(Idea.id, Idea.title, Idea.deleted_at, deleter, Idea.delete_reason)
        .where(Idea.deleted_by_id.is_not(None), Idea.deleted_at.is_not(None))
        .order_by(Idea.deleted_at.desc(), Idea.id.desc())
        .offset((page - 1) * DELETED_PAGE)
        .limit(DELETED_PAGE + 1)
    ).all()
    start = restore_window_start()
    found = [DeletedRow(*row, restorable=row.deleted_at >= start) for row in rows]
    return found[:DELETED_PAGE], len(found) > DELETED_PAGE


def can_delete_comment(comment: Comment, viewer: access.Viewer) -> bool:
    """Authors delete their own comment at any time; staff delete any. (`comment` may be a row
    with author_id.)"""
    if viewer.user_id is None:
        return False
    return access.can_moderate(viewer) or comment.author_id == viewer.user_id


def delete_comment(session: Session, *, comment: Comment, person: User) -> bool:
    """Delete a comment for good (its author, or staff). The idea's count drops by one only if
    the comment was counted (shown) and only if this DELETE removed it. Returns whether it did."""
    if person.is_blocked and not access.can_moderate(person):
        raise PersonBlocked()
    if comment.is_internal or not can_delete_comment(
        comment, access.Viewer(user_id=person.id, role=person.role)
    ):
        raise NotAllowed()
    from portal.ideas.service import _add_to_count

    removed = session.execute(
        delete(Comment)
        .where(Comment.id == comment.id)
        .returning(Comment.hidden_at, Comment.is_internal)
    ).first()
    if removed is None:
        return False
    if removed.hidden_at is None and not removed.is_internal:
        idea = session.get(Idea, comment.idea_id)
        _add_to_count(session, idea, Idea.comment_count, -1)
    if access.can_moderate(person):
        record(session, actor_id=person.id, action="comment.deleted", target_type="idea",
               target_id=comment.idea_id, comment=comment.id,
               own=comment.author_id == person.id)  # fmt: skip
    session.flush()
    return True
