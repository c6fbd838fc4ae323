"""Writes of "did this solve your need?": record an answer (the idea's counts and the owner's
email in the same transaction), and close released ideas that most found solved."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access import not_deleted
from portal.accounts.models import User
from portal.db import utcnow
from portal.errors import DomainError
from portal.ideas.models import Idea
from portal.lifecycle.service import move_idea
from portal.lifecycle.stages import Stage
from portal.notify.outbox import absolute_url, enqueue
from portal.settings.service import get_auto_close
from portal.verification.links import asked_people
from portal.verification.models import COMMENT_MAX_LENGTH, VerificationAnswer

# An answer may be given, and changed, while the idea is released and after it is completed.
ANSWERABLE_STAGES = frozenset({Stage.verify, Stage.closed})
CLOSE_BATCH = 100
# Stored on the move and sent to followers as the team's message; a system move has no author.
AUTO_CLOSE_MESSAGE = (
    "Closed automatically: most of the people who asked for it said it solved their need."
)


class NotReleased(DomainError):
    message = _l("This idea is not released: there is nothing to answer about it now.")


class NotAsked(DomainError):
    message = _l("Only the people who asked for this idea are asked whether it solved their need.")
    status = 403


class AnswerRefused(DomainError):
    pass


def may_answer(session: Session, idea: Idea, user_id: int) -> bool:
    """Whether this person is among those asked about `idea` (one query)."""
    asked = asked_people(session, idea).where(User.id == user_id)
    return session.scalar(asked) is not None


def get_answer(session: Session, idea_id: int, user_id: int) -> VerificationAnswer | None:
    """This person's answer about this idea, if they gave one."""
    return session.scalar(select(VerificationAnswer).filter_by(idea_id=idea_id, user_id=user_id))


def record_answer(
    session: Session, *, idea: Idea, person: User, solved: bool, comment: str = ""
) -> VerificationAnswer:
    """Record (or change) `person`'s answer to "did this solve your need?" about `idea`.

    One answer per person per idea, also when two arrive at once; the idea's counts change by
    what the write did. A "no" with a comment is emailed to the idea's owner (through the
    outbox, in this transaction). Raises NotReleased, NotAsked or AnswerRefused."""
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise AnswerRefused(
            _l("Keep the comment under %(max)d characters.", max=COMMENT_MAX_LENGTH)
        )
    if idea.stage not in ANSWERABLE_STAGES:
        raise NotReleased()
    if not may_answer(session, idea, person.id):
        raise NotAsked()
    answer = _locked_answer(session, idea.id, person.id)
    if answer is None:
        answer = _insert(session, idea, person, solved, comment)
        if answer is not None:
            _count(idea, added=1, yes=1 if solved else 0)
            _tell_owner_of_no(session, idea, person, answer)
            session.flush()
            return answer
        # Another request recorded this person's answer first: change that one instead.
        answer = _locked_answer(session, idea.id, person.id)
    before = (answer.solved, answer.comment)
    answer.solved, answer.comment, answer.answered_at = solved, comment, utcnow()
    if before[0] != solved:
        _count(idea, added=0, yes=1 if solved else -1)
    if before != (solved, comment):
        _tell_owner_of_no(session, idea, person, answer)
    session.flush()
    return answer


def _locked_answer(session: Session, idea_id: int, user_id: int) -> VerificationAnswer | None:
    # FOR UPDATE on PostgreSQL: a change waits for a concurrent one, so the counts follow the
    # row. SQLite's writers already hold the database's write lock (BEGIN IMMEDIATE).
    return session.scalar(
        select(VerificationAnswer)
        .filter_by(idea_id=idea_id, user_id=user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _insert(session: Session, idea: Idea, person: User, solved: bool,
            comment: str) -> VerificationAnswer | None:  # fmt: skip
    """The new answer, or None when a concurrent request inserted this person's first."""
    answer = VerificationAnswer(idea_id=idea.id, user_id=person.id, solved=solved, comment=comment)
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError:
        return None
    return answer


def _count(idea: Idea, *, added: int, yes: int) -> None:
    # SQL-side arithmetic: two answers at once must not overwrite each other's count.
    if added:
        idea.verification_count = Idea.verification_count + added
    if yes:
        idea.verification_yes_count = Idea.verification_yes_count + yes


def _tell_owner_of_no(session: Session, idea: Idea, person: User,
                      answer: VerificationAnswer) -> None:  # fmt: skip
    """A "no" that says why reaches the idea's owner, if it has one with a proved address."""
    if answer.solved or not answer.comment or idea.owner_id is None:
        return
    owner = session.get(User, idea.owner_id)
    if owner is None or not owner.is_verified:
        return
    enqueue(
        session,
        kind="solved_no",
        to=owner.email,
        language=owner.email_language,
        context={
            "name": owner.display_name,
            "idea_id": idea.id,
            "idea_title": idea.title,
            "person": person.display_name,
            "comment": answer.comment,
            "admin_url": absolute_url("admin.idea_show", idea_id=idea.id),
        },
    )


def close_verified_ideas(session: Session, *, now: datetime | None = None,
                         limit: int = CLOSE_BATCH) -> int:  # fmt: skip
    """The workspace's automatic close: move to `closed`, as the system, each idea released
    more than N days ago whose answers say "solved" often enough. Flushes; returns how many.

    Served by ix_idea_stage_changed (stage, then time in it); at most `limit` per call."""
    rule = get_auto_close(session)
    if not rule.enabled:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=rule.days)
    query = (
        select(Idea)
        .where(
            Idea.stage == Stage.verify,
            not_deleted(),
            Idea.stage_changed_at <= cutoff,
            Idea.verification_count >= max(rule.min_answers, 1),
            Idea.verification_yes_count * 100 >= Idea.verification_count * rule.percent,
        )
        .order_by(Idea.stage_changed_at, Idea.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ideas = list(session.scalars(query))
    for idea in ideas:
        move_idea(session, idea=idea, actor=None, target=Stage.closed,
                  public_message=AUTO_CLOSE_MESSAGE)  # fmt: skip
    return len(ideas)
