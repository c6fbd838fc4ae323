"""What people do to ideas: submit, vote, comment, follow. Services flush; the caller commits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Float, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal import access
from portal.accounts.models import User
from portal.audit.service import record
from portal.db import Base, utcnow
from portal.errors import (
    CommentingClosed,
    EditWindowClosed,
    EmailNotVerified,
    NotAllowed,
    PersonBlocked,
    VotingClosed,
)
from portal.events.service import EventKind, note_event, record_event
from portal.ideas import moderation, trending
from portal.ideas.models import (
    Board,
    Channel,
    Comment,
    Follower,
    FollowReason,
    Idea,
    IdeaAudience,
    IdeaTag,
    Kind,
    Severity,
    Visibility,
    Vote,
)
from portal.lifecycle import stages
from portal.lifecycle.models import StageChange
from portal.media.service import StoredImage, attach_images
from portal.priority import service as priority


def slugify(text: str, max_length: int = 60) -> str:
    """Lowercase words of any script joined by hyphens, accents dropped ("导出 CSV" -> "导出-csv");
    empty when the text has no letter or digit at all (only emoji, say)."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()
    slug = "-".join(re.findall(r"[^\W_]+", letters))
    return slug[:max_length].rstrip("-")


def idea_slug(title: str) -> str:
    """The cosmetic part of an idea's URL; never empty, so `/ideas/<id>-<slug>` always routes."""
    return slugify(title) or "idea"


def _require_verified(person: User) -> None:
    """Posting, voting and commenting take a proved address, and an account not blocked."""
    _require_not_blocked(person)
    if not person.is_verified:
        raise EmailNotVerified()


def _require_not_blocked(person: User) -> None:
    if person.is_blocked:
        raise PersonBlocked()


def submit_idea(
    session: Session,
    *,
    board: Board,
    author: User,
    title: str,
    body: str,
    kind: Kind,
    on_behalf_by: User | None = None,
    channel: Channel = Channel.portal,
    screenshots: Sequence[StoredImage] = (),
) -> Idea:
    """A new idea in `collect`, visible like its board; the author votes for it and follows it,
    with the `screenshots` (already stored) attached.

    Staff may submit on a customer's behalf (`on_behalf_by`), keeping the channel it came from.
    """
    if on_behalf_by is None:
        _require_verified(author)
        # Staff entering feedback may merge later; a customer is sent to vote instead.
        moderation.refuse_duplicate(session, board_id=board.id, title=title, person=author)
    idea = Idea(
        board_id=board.id,
        author_id=author.id,
        title=title.strip(),
        slug=idea_slug(title),
        body=body.strip(),
        kind=kind,
        stage=stages.Stage.collect,
        visibility=board.visibility,
    )
    session.add(idea)
    session.flush()
    access.set_visibility(session, idea, board)
    actor = on_behalf_by or author
    session.add(StageChange(idea_id=idea.id, actor_id=actor.id, to_stage=stages.Stage.collect))
    follow_idea(session, idea=idea, person=author, reason=FollowReason.authored)
    cast_vote(session, idea=idea, voter=author, channel=channel,
              original_words=body if on_behalf_by else None)  # fmt: skip
    if screenshots:
        attach_images(session, idea_id=idea.id, uploader_id=author.id, stored=screenshots)
    record_event(session, EventKind.idea_created, idea_id=idea.id, actor_id=actor.id)
    return idea


def cast_vote(
    session: Session,
    *,
    idea: Idea,
    voter: User,
    channel: Channel = Channel.portal,
    original_words: str | None = None,
) -> bool:
    """One vote per person per idea; voting twice changes nothing. Voters follow the idea.

    Returns whether a vote was added. Votes through other channels are logged by staff for a
    customer, who need not have verified an address.
    """
    if channel == Channel.portal:
        _require_verified(voter)
    if not stages.accepts_votes(idea.stage):
        raise VotingClosed()
    cast_at = utcnow()
    if not _insert_vote(session, idea_id=idea.id, user_id=voter.id, channel=channel,
                        original_words=original_words, created_at=cast_at):  # fmt: skip
        return False
    _count_votes(session, idea, 1, trending.weight(cast_at))
    follow_idea(session, idea=idea, person=voter, reason=FollowReason.voted)
    note_event(session, EventKind.vote_cast, idea_id=idea.id, actor_id=voter.id,
               channel=channel.value)  # fmt: skip
    priority.refresh_score(session, idea)  # demand moved: staff lists sort by the stored score
    return True


def _insert_vote(session: Session, **values) -> bool:
    """Insert the vote unless the person already has one on the idea; returns whether it was
    added."""
    added = session.execute(_insert_unless_there(_dialect(session), "vote"), values).first()
    return added is not None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@cache
def _insert_unless_there(dialect: str, table_name: str):
    """INSERT … ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id into `vote` or
    `follower`, built once (the values are parameters): a concurrent identical insert
    (PostgreSQL makes it wait for the first) adds nothing and fails nothing, in one statement,
    with no savepoint. Core on the table: every vote runs it, and the ORM's insert costs more
    than the statement."""
    table = Base.metadata.tables[table_name]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.idea_id, table.c.user_id])
        .returning(table.c.id)
    )


def _add_to_count(session: Session, idea: Idea, column, delta: int) -> None:
    """Change a denormalised count in SQL, and read the stored value back into `idea`."""
    session.execute(
        update(Idea)
        .where(Idea.id == idea.id)
        .values({column: column + delta})
        .execution_options(synchronize_session="fetch")
    )


def _count_votes(session: Session, idea: Idea, delta: int, vote_weight: float) -> None:
    """The vote count and the trend in one SQL-side UPDATE: two voters at once must not
    overwrite each other's. A Core UPDATE … RETURNING built once, its values put into `idea` by
    hand: building it and the ORM's synchronising UPDATE cost a third of a vote's time."""
    count, new_trend = session.execute(
        _vote_count_statement(adding=delta > 0), {"idea_id": idea.id, "weight": vote_weight}
    ).one()
    set_committed_value(idea, "vote_count", count)
    set_committed_value(idea, "trend", new_trend)


@cache
def _vote_count_statement(*, adding: bool):
    ideas = Idea.__table__
    vote_weight = bindparam("weight", type_=Float)
    trend = (trending.with_vote if adding else trending.without_vote)(ideas.c.trend, vote_weight)
    return (
        update(ideas)
        .where(ideas.c.id == bindparam("idea_id"))
        .values(vote_count=ideas.c.vote_count + (1 if adding else -1), trend=trend)
        .returning(ideas.c.vote_count, ideas.c.trend)
    )


def withdraw_vote(session: Session, *, idea: Idea, voter: User) -> bool:
    """Remove the person's vote, if any. Returns whether a vote was removed."""
    if not stages.accepts_votes(idea.stage):
        raise VotingClosed()
    # The count follows what the DELETE removed: of two identical requests at once, only one
    # deletes the row (PostgreSQL makes the second wait for the first, then match nothing).
    removed = session.execute(
        _vote_delete_statement(), {"idea_id": idea.id, "user_id": voter.id}
    ).scalar()
    if removed is None:
        return False
    _count_votes(session, idea, -1, trending.weight(removed))
    priority.refresh_score(session, idea)
    return True


@cache
def _vote_delete_statement():
    votes = Vote.__table__
    return (
        delete(votes)
        .where(votes.c.idea_id == bindparam("idea_id"), votes.c.user_id == bindparam("user_id"))
        .returning(votes.c.created_at)
    )


def add_comment(session: Session, *, idea: Idea, author: User, body: str,
                screenshots: Sequence[StoredImage] = ()) -> Comment:  # fmt: skip
    """A public comment in Markdown, with the `screenshots` (already stored) attached;
    commenting follows the idea."""
    _require_verified(author)
    if not stages.accepts_comments(idea.stage):
        raise CommentingClosed()
    comment = Comment(idea_id=idea.id, author_id=author.id, body=body.strip())
    session.add(comment)
    _add_to_count(session, idea, Idea.comment_count, 1)
    follow_idea(session, idea=idea, person=author, reason=FollowReason.commented)
    session.flush()
    if screenshots:
        attach_images(session, idea_id=idea.id, comment_id=comment.id, uploader_id=author.id,
                      stored=screenshots)  # fmt: skip
    # Followers hear of a public staff answer ("reply") apart from other people's comments.
    record_event(session, EventKind.comment_posted, idea_id=idea.id, actor_id=author.id,
                 comment_id=comment.id, by_staff=author.is_staff)  # fmt: skip
    return comment


def can_edit_comment(comment: Comment, person_id: int | None) -> bool:
    """Authors may edit their own comment for a short window after posting. (`comment` may
    be a row of its columns: author_id, hidden_at, created_at.)"""
    if person_id is None or comment.author_id != person_id or comment.hidden_at is not None:
        return False
    window = timedelta(seconds=current_app.config["COMMENT_EDIT_WINDOW_SECONDS"])
    return utcnow() - comment.created_at <= window


def edit_comment(session: Session, *, comment: Comment, editor: User, body: str) -> Comment:
    _require_not_blocked(editor)
    if not can_edit_comment(comment, editor.id):
        raise EditWindowClosed()
    comment.body = body.strip()
    comment.edited_at = utcnow()
    session.flush()
    return comment


def set_comment_hidden(session: Session, *, comment: Comment, staff: User, hidden: bool) -> None:
    """Staff hide a comment from customers (and show it again); it is never deleted.

    The count follows what the UPDATE changed: two staff hiding one comment at once change it
    once."""
    was_shown = Comment.hidden_at.is_(None) if hidden else Comment.hidden_at.is_not(None)
    changed = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, was_shown)
        .values(hidden_at=utcnow() if hidden else None, hidden_by_id=staff.id if hidden else None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        return
    idea = session.get(Idea, comment.idea_id)
    _add_to_count(session, idea, Idea.comment_count, -changed if hidden else changed)
    record(session, actor_id=staff.id, action="comment.hidden" if hidden else "comment.shown",
           target_type="idea", target_id=comment.idea_id, comment=comment.id)  # fmt: skip
    session.flush()


def follow_idea(
    session: Session, *, idea: Idea, person: User, reason: FollowReason = FollowReason.chose
) -> None:
    """Follow an idea. Automatic follows (voting, commenting) respect an earlier unfollow."""
    if reason != FollowReason.chose:
        # A row if there is none; any row there stays as it is (an unfollow stands).
        session.execute(_insert_unless_there(_dialect(session), "follower"),
                        {"idea_id": idea.id, "user_id": person.id, "reason": reason})  # fmt: skip
        return
    _require_not_blocked(person)
    follower = session.scalar(select(Follower).filter_by(idea_id=idea.id, user_id=person.id))
    if follower is None:
        session.add(Follower(idea_id=idea.id, user_id=person.id, reason=reason))
    elif follower.unfollowed_at is not None:
        follower.unfollowed_at = None
        follower.reason = reason
    session.flush()


def unfollow_idea(session: Session, *, idea: Idea, person: User) -> None:
    follower = session.scalar(select(Follower).filter_by(idea_id=idea.id, user_id=person.id))
    if follower is None:
        session.add(
            Follower(
                idea_id=idea.id,
                user_id=person.id,
                reason=FollowReason.chose,
                unfollowed_at=utcnow(),
            )
        )
    elif follower.unfollowed_at is None:
        follower.unfollowed_at = utcnow()
    session.flush()


def enrich_idea(
    session: Session,
    *,
    idea: Idea,
    actor: User,
    board: Board,
    kind: Kind,
    severity: Severity | None,
    owner_id: int | None,
    tag_names: list[str],
) -> None:
    """Staff enrichment: board (visibility follows), kind, bug severity, owner, module tags."""
    changes = {}
    if board.id != idea.board_id:
        changes["board"] = board.slug
        idea.board_id = board.id
        access.set_visibility(
            session, idea, board, idea.own_visibility, _audience_of(session, idea)
        )
    if kind != idea.kind:
        changes["kind"] = kind
        idea.kind = kind
    severity = severity if kind == Kind.bug else None
    if severity != idea.severity:
        changes["severity"] = severity
        idea.severity = severity
    if owner_id != idea.owner_id:
        changes["owner"] = owner_id
        idea.owner_id = owner_id
    if _set_tags(session, idea, tag_names):
        changes["tags"] = sorted(tag_names)
    if changes:
        record(session, actor_id=actor.id, action="idea.enriched", target_type="idea",
               target_id=idea.id, **changes)  # fmt: skip
    session.flush()
    priority.refresh_score(session, idea)  # kind and severity change how it is scored


def change_visibility(
    session: Session,
    *,
    idea: Idea,
    actor: User,
    visibility: Visibility | None,
    organisation_ids: list[int],
) -> Idea:
    """Staff narrow who may see an idea (None: as its board). The rule keeps it within the
    board's visibility; the roadmap, the changelog and every email follow at once."""
    board = session.get(Board, idea.board_id)
    access.set_visibility(session, idea, board, visibility, organisation_ids)
    record(session, actor_id=actor.id, action="idea.visibility_changed", target_type="idea",
           target_id=idea.id, chosen=visibility, effective=idea.visibility,
           organisations=sorted(organisation_ids))  # fmt: skip
    session.flush()
    return idea


def _audience_of(session: Session, idea: Idea) -> list[int]:
    return list(
        session.scalars(select(IdeaAudience.organisation_id).where(IdeaAudience.idea_id == idea.id))
    )


def _set_tags(session: Session, idea: Idea, names: list[str]) -> bool:
    from portal.ideas.tags import tags_named  # it imports slugify from here: asked when used

    target = {tag.id for tag in tags_named(session, names)}
    current = set(session.scalars(select(IdeaTag.tag_id).where(IdeaTag.idea_id == idea.id)))
    if current == target:
        return False
    session.execute(
        delete(IdeaTag).where(IdeaTag.idea_id == idea.id, IdeaTag.tag_id.not_in(target))
    )
    session.add_all(IdeaTag(idea_id=idea.id, tag_id=tag_id) for tag_id in target - current)
    return True


def add_internal_note(session: Session, *, idea: Idea, author: User, body: str) -> Comment:
    """A staff-only note: never on a customer's page, email, feed or API response."""
    if not access.can_moderate(author):
        raise NotAllowed()
    note = Comment(idea_id=idea.id, author_id=author.id, body=body.strip(), is_internal=True)
    session.add(note)
    session.flush()
    return note
