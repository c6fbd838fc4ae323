"""Who hears about an idea: its followers who may still see it, minus whoever made the change,
each with their chosen cadence for the topic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.ideas.models import Follower, Idea
from portal.notify.models import DEFAULT_CADENCE, Cadence, NotificationPreference, Topic


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    language: str
    display_name: str
    cadence: Cadence


def followers_to_notify(
    session: Session,
    idea: Idea,
    topic: Topic,
    *,
    actor_id: int | None,
    among: Iterable[int] | None = None,
    where: ColumnElement[bool] | None = None,
) -> list[Recipient]:
    """Active followers of `idea` (or the people `among`, for news about a merged duplicate)
    whom the visibility rule lets see it, except the actor; with their cadence for `topic`.
    `where`: a further condition on User (e.g. who may also read a release note)."""
    columns = (User.id, User.email, User.language, User.browser_language, User.display_name)
    query = (
        select(*columns, NotificationPreference.cadence)
        .outerjoin(
            NotificationPreference,
            and_(NotificationPreference.user_id == User.id, NotificationPreference.topic == topic),
        )
        .where(access.people_who_may_see(idea))
        .order_by(User.id)
    )
    if among is None:
        following = select(Follower.user_id).where(
            Follower.idea_id == idea.id, Follower.unfollowed_at.is_(None)
        )
        query = query.where(User.id.in_(following))
    else:
        query = query.where(User.id.in_(list(among)))
    if actor_id is not None:
        query = query.where(User.id != actor_id)
    if where is not None:
        query = query.where(where)
    return [
        Recipient(
            row.id,
            row.email,
            row.language or row.browser_language or "en",
            row.display_name,
            row.cadence or DEFAULT_CADENCE[topic],
        )  # fmt: skip
        for row in session.execute(query)
    ]
