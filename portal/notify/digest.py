"""The daily digest: one email per person listing the news they chose to receive once a day."""

from __future__ import annotations

import itertools
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.events.models import DomainEvent
from portal.ideas.models import Comment, Follower, Idea
from portal.notify.links import unsubscribe_url
from portal.notify.models import DigestItem
from portal.notify.outbox import absolute_url, enqueue
from portal.settings.models import Setting

LAST_RUN_KEY = "digest_last_run"
DIGEST_PEOPLE = 500  # people per pass: each gets all their pending items in one email


def digest_due(session: Session, now: datetime) -> bool:
    """Once a day, from DIGEST_HOUR (UTC) on."""
    if now.hour < current_app.config["DIGEST_HOUR"]:
        return False
    row = session.get(Setting, LAST_RUN_KEY)
    return row is None or row.value.get("date") != now.date().isoformat()


def send_digests(session: Session, now: datetime) -> int:
    """Enqueue one digest per person with pending items, mark the items and the day done, and
    commit. Returns how many digests were enqueued.

    What was news yesterday is checked again now: an item is dropped if its idea has since been
    narrowed away from the person, they unfollowed it, or its comment was hidden."""
    people_waiting = list(
        session.scalars(
            select(DigestItem.user_id)
            .where(DigestItem.digested_at.is_(None))
            .group_by(DigestItem.user_id)
            .order_by(DigestItem.user_id)
            .limit(DIGEST_PEOPLE)
        )
    )
    query = (
        select(DigestItem)
        .where(DigestItem.digested_at.is_(None), DigestItem.user_id.in_(people_waiting))
        .order_by(DigestItem.user_id, DigestItem.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    items = list(session.scalars(query))
    still_news = _still_news(session, items)
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people_waiting)))}
    count = 0
    for user_id, pending in itertools.groupby(items, key=lambda item: item.user_id):
        pending = list(pending)
        news = [item for item in pending if item.id in still_news]
        person = people.get(user_id)
        if news and person is not None and person.is_verified:
            enqueue(
                session, kind="digest", to=person.email, language=person.email_language,
                context={
                    "name": person.display_name,
                    "items": [{"kind": i.kind, "context": i.context} for i in news],
                    "unsubscribe_url": unsubscribe_url(user_id, None),
                    "preferences_url": absolute_url("account.notifications"),
                },
            )  # fmt: skip
            count += 1
        for item in pending:
            item.digested_at = now
    if len(people_waiting) < DIGEST_PEOPLE:  # else the next pass goes on with the others
        _mark_run(session, now)
    session.commit()
    return count


def _still_news(session: Session, items: list[DigestItem]) -> set[int]:
    """The items whose person still follows and may still see the idea, and whose comment (if
    any) is still shown: one query per idea in the batch, one for the comments."""
    ideas_of = dict(
        session.execute(
            select(DomainEvent.id, DomainEvent.idea_id).where(
                DomainEvent.id.in_({i.event_id for i in items if i.event_id})
            )
        ).all()
    )
    by_idea: dict[int, list[DigestItem]] = {}
    for item in items:
        idea_id = ideas_of.get(item.event_id)
        if idea_id is not None:
            by_idea.setdefault(idea_id, []).append(item)
    kept: set[int] = set()
    for idea_id, group in by_idea.items():
        idea = session.get(Idea, idea_id)
        if idea is None:
            continue
        following = select(Follower.user_id).where(
            Follower.idea_id == idea.id, Follower.unfollowed_at.is_(None)
        )
        allowed = set(
            session.scalars(
                select(User.id).where(
                    User.id.in_({i.user_id for i in group}),
                    User.id.in_(following),
                    access.people_who_may_see(idea),
                )
            )
        )
        kept |= {i.id for i in group if i.user_id in allowed}
    comment_ids = {i.context.get("comment_id") for i in items if i.context.get("comment_id")}
    shown = set(
        session.scalars(
            select(Comment.id).where(
                Comment.id.in_(comment_ids),
                Comment.hidden_at.is_(None),
                Comment.is_internal.is_(False),
            )
        )
    )
    return {
        i.id
        for i in items
        if i.id in kept and (not i.context.get("comment_id") or i.context["comment_id"] in shown)
    }


def _mark_run(session: Session, now: datetime) -> None:
    row = session.get(Setting, LAST_RUN_KEY)
    if row is None:
        session.add(Setting(key=LAST_RUN_KEY, value={"date": now.date().isoformat()}))
    else:
        row.value = {"date": now.date().isoformat()}
