"""The only writers of Idea.stage: moves, declines, merges and reopenings, each recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.service import record
from portal.db import utcnow
from portal.events.service import EventKind, record_event
from portal.feedback.models import Feedback
from portal.ideas import trending
from portal.ideas.models import Comment, Follower, Idea, IdeaTag, Kind, Vote
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Horizon, MoveRefused, Stage, check_move
from portal.priority import service as priority

RESOLVED_STAGES = frozenset({Stage.verify, Stage.closed})


def move_idea(
    session: Session,
    *,
    idea: Idea,
    actor: User | None,
    target: Stage,
    public_message: str = "",
    internal_note: str = "",
    horizon: Horizon | None = None,
    target_date: date | None = None,
    merge_into: Idea | None = None,
    release_note_id: int | None = None,
) -> StageChange:
    """Move an idea along the lifecycle, if the rules allow it; raises MoveRefused otherwise.
    `actor` None is the system itself (a release note publishing, an automatic close): it may
    make any move the lifecycle has, and the move is recorded without a person.
    `release_note_id`: the move is announced by that release note, whose one email replaces the
    per-idea news of it."""
    check_move(
        idea.stage,
        target,
        actor.role if actor else None,
        reason=public_message,
        horizon=horizon,
        has_target=merge_into is not None,
    )
    if target == Stage.merged:
        return merge_ideas(
            session, source=idea, target=merge_into, actor=actor,
            public_message=public_message, internal_note=internal_note,
        )  # fmt: skip
    change = _apply_move(
        session,
        idea=idea,
        actor=actor,
        target=target,
        public_message=public_message,
        internal_note=internal_note,
        horizon=horizon,
        target_date=target_date,
        release_note_id=release_note_id,
    )
    priority.refresh_score(session, idea)
    return change


def _apply_move(
    session: Session,
    *,
    idea: Idea,
    actor: User | None,
    target: Stage,
    public_message: str,
    internal_note: str,
    horizon: Horizon | None = None,
    target_date: date | None = None,
    release_note_id: int | None = None,
) -> StageChange:
    source = idea.stage
    now = utcnow()
    idea.stage = target
    idea.stage_changed_at = now
    if target == Stage.plan:
        idea.horizon = horizon
        idea.target_date = target_date
    if idea.first_response_at is None and actor is not None and actor.is_staff:
        idea.first_response_at = now
    if target in RESOLVED_STAGES and idea.resolved_at is None and idea.kind == Kind.bug:
        idea.resolved_at = now
    if target not in RESOLVED_STAGES:
        idea.resolved_at = None
    actor_id = actor.id if actor else None
    change = StageChange(
        idea_id=idea.id,
        actor_id=actor_id,
        from_stage=source,
        to_stage=target,
        public_message=public_message.strip(),
        internal_note=internal_note.strip(),
        created_at=now,
    )
    session.add(change)
    event_extra = {"release_note_id": release_note_id} if release_note_id else {}
    record_event(session, EventKind.stage_changed, idea_id=idea.id, actor_id=actor_id,
                 from_stage=source.value, to_stage=target.value,
                 public_message=change.public_message, **event_extra)  # fmt: skip
    record(session, actor_id=actor_id, action="idea.moved", target_type="idea",
           target_id=idea.id, from_stage=source, to_stage=target)  # fmt: skip
    session.flush()
    return change


def merge_ideas(
    session: Session,
    *,
    source: Idea,
    target: Idea | None,
    actor: User,
    public_message: str = "",
    internal_note: str = "",
) -> StageChange:
    """Merge a duplicate: votes (one per person), followers, feedback, comments and tags move to
    the target; the source says "Merged into #N" and redirects there. Nothing is lost."""
    check_move(source.stage, Stage.merged, actor.role, has_target=target is not None)
    if target is None or target.id == source.id:
        raise MoveRefused(_l("An idea cannot be merged into itself."))
    if target.stage == Stage.merged:
        raise MoveRefused(_l("That idea was itself merged: merge into the idea it points to."))
    # Asked before the followers move: they are the ones to hear where their votes went.
    followers = list(
        session.scalars(
            select(Follower.user_id).where(
                Follower.idea_id == source.id, Follower.unfollowed_at.is_(None)
            )
        )
    )
    _move_unique_rows(session, Vote, Vote.user_id, source.id, target.id)
    _move_unique_rows(session, Follower, Follower.user_id, source.id, target.id)
    _move_unique_rows(session, IdeaTag, IdeaTag.tag_id, source.id, target.id)
    for model in (Feedback, Comment):
        session.execute(update(model).where(model.idea_id == source.id).values(idea_id=target.id))
    _recount(session, source)
    _recount(session, target)
    source.merged_into_id = target.id
    message = public_message.strip() or f"Merged into #{target.id}"
    change = _apply_move(
        session, idea=source, actor=actor, target=Stage.merged,
        public_message=message, internal_note=internal_note,
    )  # fmt: skip
    record(session, actor_id=actor.id, action="idea.merged", target_type="idea",
           target_id=source.id, into=target.id)  # fmt: skip
    record_event(session, EventKind.ideas_merged, idea_id=target.id, actor_id=actor.id,
                 source_id=source.id, source_title=source.title, follower_ids=followers,
                 public_message=change.public_message)  # fmt: skip
    priority.refresh_score(session, target)
    return change


def _move_unique_rows(session: Session, model, person_column, source_id: int, target_id: int):
    """Re-point rows from source to target, dropping those the target already has."""
    already = select(person_column).where(model.idea_id == target_id).scalar_subquery()
    session.execute(delete(model).where(model.idea_id == source_id, person_column.in_(already)))
    session.execute(update(model).where(model.idea_id == source_id).values(idea_id=target_id))


def _recount(session: Session, idea: Idea) -> None:
    """Counts from the rows themselves, so a merge can never leave them wrong."""
    cast_at = list(session.scalars(select(Vote.created_at).where(Vote.idea_id == idea.id)))
    idea.vote_count = len(cast_at)
    idea.trend = trending.total(cast_at)
    idea.comment_count = session.scalar(
        select(func.count(Comment.id)).where(
            Comment.idea_id == idea.id,
            Comment.is_internal.is_(False),
            Comment.hidden_at.is_(None),
        )
    )
    session.flush()


@dataclass
class BulkResult:
    moved: list[int]
    refused: dict[int, str]


def bulk_move(
    session: Session,
    *,
    ideas: list[Idea],
    actor: User,
    target: Stage,
    public_message: str = "",
    horizon: Horizon | None = None,
) -> BulkResult:
    """Move each idea the rules allow; report the others with the reason they were refused."""
    result = BulkResult(moved=[], refused={})
    for idea in ideas:
        try:
            with session.begin_nested():
                move_idea(session, idea=idea, actor=actor, target=target,
                          public_message=public_message, horizon=horizon)  # fmt: skip
        except MoveRefused as refusal:
            result.refused[idea.id] = str(refusal.message)
        else:
            result.moved.append(idea.id)
    return result
