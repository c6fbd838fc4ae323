"""The one consumer of domain events: event -> recipients (through the visibility rule) ->
deliveries (an outbox row now, a digest item for later, or nothing, as each person chose).

Events are claimed in one short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
workers share the work), turned into rows and marked processed in that same transaction: an event
is delivered once, or not at all and retried. Nothing here talks to the network.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.db import utcnow
from portal.events.models import DomainEvent
from portal.events.service import EventKind
from portal.ideas.models import Comment, Idea
from portal.lifecycle.stages import Stage
from portal.notify.links import unsubscribe_url
from portal.notify.models import Cadence, DigestItem, OutboxMessage, Topic
from portal.notify.outbox import absolute_url, message_domain
from portal.notify.recipients import Recipient, followers_to_notify
from portal.subscribers.service import SubscriberList, enqueue_for_subscribers
from portal.verification.links import answer_links, asked_people

EVENT_BATCH = 100
SOLVED_QUESTION = "solved_question"
EXCERPT_LENGTH = 600


def process_events(session: Session, *, now: datetime | None = None,
                   limit: int = EVENT_BATCH) -> int:  # fmt: skip
    """Turn unprocessed events into deliveries and commit. Returns how many were processed."""
    now = now or utcnow()
    query = (
        select(DomainEvent)
        .where(DomainEvent.processed_at.is_(None))
        .order_by(DomainEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    events = list(session.scalars(query))
    for event in events:
        if event.kind == EventKind.release_published:
            from portal.notify.releases import tell_of_release

            tell_of_release(session, event)
        handler = HANDLERS.get(event.kind)
        idea = session.get(Idea, event.idea_id) if event.idea_id else None
        if handler is not None and idea is not None:
            handler(session, event, idea)
        event.processed_at = now
    session.commit()
    return len(events)


def _deliver(session: Session, event: DomainEvent, idea: Idea, topic: Topic, kind: str,
             context: dict, among=None, asked: frozenset[int] = frozenset()) -> None:  # fmt: skip
    """`asked`: followers who get the question "did this solve your need?" (SOLVED_QUESTION,
    with their own answer links) instead of `kind`."""
    recipients = followers_to_notify(session, idea, topic, actor_id=event.actor_id, among=among)
    # One read for the whole event, not one per follower: an idea may have thousands.
    already = {
        (row.to_address, row.kind)
        for row in session.execute(
            select(OutboxMessage.to_address, OutboxMessage.kind).filter_by(event_id=event.id)
        )
    }
    messages, held = [], []
    for person in recipients:
        own_kind, extra = kind, {}
        if person.user_id in asked:
            own_kind, extra = SOLVED_QUESTION, answer_links(person.user_id, idea.id)
        if person.cadence == Cadence.off or (person.email, own_kind) in already:
            continue
        personal = {**context, **_links(person, topic, idea), **extra}
        if person.cadence == Cadence.daily:
            held.append({"user_id": person.user_id, "event_id": event.id, "kind": own_kind,
                         "context": personal})  # fmt: skip
        else:
            messages.append(outbox_row(event, person, own_kind, personal))
    # Two statements (executemany) whatever the number of followers.
    if messages:
        session.execute(insert(OutboxMessage), messages)
    if held:
        session.execute(insert(DigestItem), held)


def outbox_row(event: DomainEvent, person: Recipient, kind: str, context: dict) -> dict:
    return {
        "kind": kind, "to_address": person.email, "language": person.language,
        "context": context, "event_id": event.id,
        "message_id": f"<{uuid.uuid4().hex}@{message_domain()}>",
    }  # fmt: skip


def _links(person: Recipient, topic: Topic, idea: Idea) -> dict:
    return {
        "name": person.display_name,
        # The one-click target: stop news of this idea (unfollow), the smallest "stop".
        "unsubscribe_url": unsubscribe_url(person.user_id, topic, idea.id),
        "topic": topic.value,
        "preferences_url": absolute_url("account.notifications"),
    }


def idea_context(idea: Idea) -> dict:
    return {
        "idea_id": idea.id,
        "idea_title": idea.title,
        "idea_url": absolute_url("public.idea_show", idea_id=idea.id, slug=idea.slug),
    }


def _stage_changed(session: Session, event: DomainEvent, idea: Idea) -> None:
    target = event.payload.get("to_stage")
    if target == Stage.merged:
        return  # the merge event tells the duplicate's followers where their votes went
    if event.payload.get("release_note_id"):
        return  # the release note's one email tells of this move, and asks the question
    kind = "idea_declined" if target == Stage.declined else "stage_changed"
    context = {
        **idea_context(idea),
        "from_stage": event.payload.get("from_stage"),
        "to_stage": target,
        "message": event.payload.get("public_message", ""),
    }
    # Released: those who asked for it are asked whether it solved their need.
    asked = (
        frozenset(session.scalars(asked_people(session, idea)))
        if target == Stage.verify and idea.stage == Stage.verify
        else frozenset()
    )
    _deliver(session, event, idea, Topic.stage_changes, kind, context, asked=asked)
    _tell_roadmap_subscribers(session, event, idea)


# Roadmap subscribers hear when an idea enters the roadmap and when it ships.
ROADMAP_NEWS = (Stage.plan, Stage.verify)


def _tell_roadmap_subscribers(session: Session, event: DomainEvent, idea: Idea) -> None:
    """Roadmap subscribers are anonymous visitors: only an idea such a visitor may see is
    mentioned. A move made by publishing a release note is left to that note's email. Followers
    told first above are skipped (one email per person per event)."""
    target = event.payload.get("to_stage")
    if target not in ROADMAP_NEWS or event.payload.get("release_note_id"):
        return
    visible = select(Idea.id).where(Idea.id == idea.id, access.ideas_visible_to(access.ANONYMOUS))
    if session.scalar(visible) is None:
        return
    context = {
        **idea_context(idea),
        "to_stage": target,
        "message": event.payload.get("public_message", ""),
        "roadmap_url": absolute_url("public.roadmap"),
    }
    enqueue_for_subscribers(session, wants=SubscriberList.roadmap, kind="roadmap_update",
                            context=context, event_id=event.id)  # fmt: skip


def _merged(session: Session, event: DomainEvent, target: Idea) -> None:
    context = {
        **idea_context(target),
        "source_id": event.payload.get("source_id"),
        "source_title": event.payload.get("source_title", ""),
        "message": event.payload.get("public_message", ""),
    }
    followers = event.payload.get("follower_ids", [])
    _deliver(session, event, target, Topic.stage_changes, "idea_merged", context, among=followers)


def _comment_posted(session: Session, event: DomainEvent, idea: Idea) -> None:
    comment = session.get(Comment, event.payload.get("comment_id"))
    if comment is None or comment.is_internal or comment.hidden_at is not None:
        return
    author = session.get(User, comment.author_id)
    by_staff = bool(event.payload.get("by_staff"))
    body = comment.body
    if len(body) > EXCERPT_LENGTH:
        body = body[:EXCERPT_LENGTH] + "…"
    context = {
        **idea_context(idea),
        "author": author.display_name if author else "",
        "comment_id": comment.id,
        "comment": body,
        "comment_url": absolute_url(
            "public.idea_show", idea_id=idea.id, slug=idea.slug, _anchor=f"comment-{comment.id}"
        ),
    }
    topic, kind = (Topic.replies, "staff_reply") if by_staff else (Topic.comments, "new_comment")
    _deliver(session, event, idea, topic, kind, context)


HANDLERS: dict[str, Callable[[Session, DomainEvent, Idea], None]] = {
    EventKind.stage_changed: _stage_changed,
    EventKind.ideas_merged: _merged,
    EventKind.comment_posted: _comment_posted,
}
