"""A person's choices about email: cadence per topic, and the one-click "stop" links."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.ideas import service as ideas
from portal.ideas.models import Follower, Idea
from portal.notify.links import Unsubscribe
from portal.notify.models import DEFAULT_CADENCE, Cadence, NotificationPreference, Topic

TOPIC_LABEL = {
    Topic.stage_changes: _l("An idea I follow moves (planned, released, declined, merged)"),
    Topic.replies: _l("The team answers on an idea I follow"),
    Topic.comments: _l("Someone else comments on an idea I follow"),
}


def preferences_of(session: Session, user_id: int) -> dict[Topic, Cadence]:
    chosen = dict(
        session.execute(
            select(NotificationPreference.topic, NotificationPreference.cadence).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {topic: chosen.get(topic, DEFAULT_CADENCE[topic]) for topic in Topic}


def set_cadence(session: Session, user_id: int, topic: Topic, cadence: Cadence) -> None:
    row = session.scalar(select(NotificationPreference).filter_by(user_id=user_id, topic=topic))
    if row is None:
        session.add(NotificationPreference(user_id=user_id, topic=topic, cadence=cadence))
    else:
        row.cadence = cadence
    session.flush()


@dataclass(frozen=True)
class StopChoice:
    """What an unsubscribe link is about, for the page that asks the person to confirm."""

    idea_title: str | None
    topic_label: str | None
    still_following: bool


def describe_unsubscribe(session: Session, claim: Unsubscribe) -> StopChoice:
    idea = session.get(Idea, claim.idea_id) if claim.idea_id else None
    following = idea is not None and (
        session.scalar(
            select(Follower.id).where(
                Follower.idea_id == idea.id,
                Follower.user_id == claim.user_id,
                Follower.unfollowed_at.is_(None),
            )
        )
        is not None
    )
    label = str(TOPIC_LABEL[claim.topic]) if claim.topic else None
    return StopChoice(idea.title if idea else None, label, following)


def unsubscribe(session: Session, claim: Unsubscribe, *, whole_topic: bool = False) -> str:
    """Do what the link promises: stop this idea's news (the one-click default), or the whole
    topic, or the daily digest. Returns what was stopped, to show the person."""
    person = session.get(User, claim.user_id)
    if person is None:
        return str(_l("Nothing to stop: this address gets no email from us."))
    if claim.topic is None:
        for topic, cadence in preferences_of(session, person.id).items():
            if cadence == Cadence.daily:
                set_cadence(session, person.id, topic, Cadence.off)
        return str(_l("You will get no more daily digests."))
    idea = session.get(Idea, claim.idea_id) if claim.idea_id else None
    if claim.idea_id and idea is None and not whole_topic:
        return str(_l("Nothing to stop: that idea no longer exists."))
    if idea is None or whole_topic:
        set_cadence(session, person.id, claim.topic, Cadence.off)
        return str(_l("You will get no more emails of this kind: %(topic)s.",
                      topic=TOPIC_LABEL[claim.topic]))  # fmt: skip
    ideas.unfollow_idea(session, idea=idea, person=person)
    return str(_l("You no longer follow “%(title)s”.", title=idea.title))


def retry_dead_message(session: Session, message_id: int, *, actor: User) -> bool:
    """Give a dead message a fresh set of attempts, now. Returns whether it was dead."""
    from portal.audit.service import record
    from portal.db import utcnow
    from portal.notify.models import OutboxMessage

    message = session.get(OutboxMessage, message_id)
    if message is None or message.dead_at is None:
        return False
    message.dead_at, message.attempts, message.next_attempt_at = None, 0, utcnow()
    message.claimed_until, message.claimed_by = None, ""
    record(session, actor_id=actor.id, action="outbox.retried", target_type="outbox_message",
           target_id=message.id, kind=message.kind)  # fmt: skip
    session.flush()
    return True
