"""One pool for every channel: log a customer's words verbatim, then link them to an idea."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, Organisation, User
from portal.accounts.passwords import UNUSABLE_PASSWORD
from portal.accounts.service import create_user, get_user_by_email
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import DomainError
from portal.events.service import EventKind, record_event
from portal.feedback.models import Feedback
from portal.ideas import service as ideas
from portal.ideas.models import Board, Channel, Idea, Kind, Vote
from portal.lifecycle.stages import Stage
from portal.priority.service import refresh_demand, refresh_score


class FeedbackRefused(DomainError):
    pass


def find_or_create_person(
    session: Session, *, email: str, name: str, organisation: Organisation | None
) -> User:
    """The customer with this email, created (without a usable password) if new; made a member
    of `organisation` when one is given. They can claim the account by resetting the password."""
    person = get_user_by_email(session, email)
    if person is None:
        person = create_user(
            session, email=email, password_hash=UNUSABLE_PASSWORD,
            display_name=name or email.split("@")[0],
        )  # fmt: skip
    if organisation is not None:
        member = session.scalar(
            select(Membership.id).filter_by(user_id=person.id, organisation_id=organisation.id)
        )
        if member is None:
            session.add(Membership(user_id=person.id, organisation_id=organisation.id))
            session.flush()
            refresh_demand(session, select(Vote.idea_id).where(Vote.user_id == person.id))
    return person


def log_feedback(
    session: Session,
    *,
    person: User,
    organisation: Organisation | None,
    channel: Channel,
    original_words: str,
    logged_by: User | None,
    source_reference: str = "",
) -> Feedback:
    """Keep the customer's words exactly as given; nothing is rewritten or dropped."""
    if not original_words.strip():
        raise FeedbackRefused(_l("Paste the customer's own words."))
    feedback = Feedback(
        person_id=person.id,
        organisation_id=organisation.id if organisation else None,
        channel=channel,
        original_words=original_words,
        source_reference=source_reference.strip(),
        logged_by_id=logged_by.id if logged_by else None,
    )
    session.add(feedback)
    session.flush()
    record(session, actor_id=feedback.logged_by_id, action="feedback.logged",
           target_type="feedback", target_id=feedback.id, channel=channel)  # fmt: skip
    return feedback


def link_feedback(session: Session, *, feedback: Feedback, idea: Idea, actor: User) -> None:
    """Attach feedback to an idea; the customer's vote is added with their words and channel."""
    if feedback.idea_id is not None:
        raise FeedbackRefused(_l("This feedback is already linked to an idea."))
    if idea.stage == Stage.merged:
        raise FeedbackRefused(_l("That idea was merged: link to the idea it was merged into."))
    feedback.idea_id = idea.id
    feedback.linked_at = utcnow()
    person = session.get(User, feedback.person_id)
    if idea.stage not in (Stage.closed, Stage.declined):
        ideas.cast_vote(
            session, idea=idea, voter=person, channel=feedback.channel,
            original_words=feedback.original_words,
        )  # fmt: skip
    record(session, actor_id=actor.id, action="feedback.linked", target_type="feedback",
           target_id=feedback.id, idea=idea.id)  # fmt: skip
    record_event(session, EventKind.feedback_linked, idea_id=idea.id, actor_id=actor.id,
                 feedback_id=feedback.id, channel=feedback.channel.value)  # fmt: skip
    session.flush()
    refresh_score(session, idea)


def idea_from_feedback(
    session: Session, *, feedback: Feedback, actor: User, board: Board, title: str, kind: Kind
) -> Idea:
    """Turn feedback into a new idea authored by the customer, with their words as its body."""
    person = session.get(User, feedback.person_id)
    idea = ideas.submit_idea(
        session, board=board, author=person, title=title, body=feedback.original_words,
        kind=kind, on_behalf_by=actor, channel=feedback.channel,
    )  # fmt: skip
    feedback.idea_id = idea.id
    feedback.linked_at = utcnow()
    record(session, actor_id=actor.id, action="feedback.became_idea", target_type="feedback",
           target_id=feedback.id, idea=idea.id)  # fmt: skip
    session.flush()
    refresh_score(session, idea)
    return idea


def unlinked_feedback(session: Session, *, limit: int = 50) -> list:
    """The inbox's untriaged feedback, oldest first, with who said it and for which company."""
    return session.execute(_unlinked_statement(limit)).all()


@functools.lru_cache(maxsize=8)
def _unlinked_statement(limit: int):
    """Built once: building it costs more than running it."""
    return (
        select(Feedback, User.display_name, User.email, Organisation.name)
        .join(User, User.id == Feedback.person_id)
        .outerjoin(Organisation, Organisation.id == Feedback.organisation_id)
        .where(Feedback.idea_id.is_(None))
        .order_by(Feedback.created_at)
        .limit(limit)
    )
