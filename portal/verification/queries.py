"""Reads of "did this solve your need?": the answer page of a link, the share of yes and the
answers on the staff page, and the review queue's released ideas. Fixed query counts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.ideas.models import Idea
from portal.lifecycle.stages import Stage
from portal.verification.links import AnswerClaim
from portal.verification.models import VerificationAnswer
from portal.verification.service import ANSWERABLE_STAGES, get_answer, may_answer

ANSWERS_SHOWN = 50
QUEUE_LIMIT = 50


@dataclass(frozen=True)
class Summary:
    """The share of yes among an idea's answers, from its stored counts."""

    total: int
    yes: int

    @property
    def no(self) -> int:
        return self.total - self.yes

    @property
    def yes_percent(self) -> int | None:
        return round(100 * self.yes / self.total) if self.total else None


def summary_of(idea: Idea) -> Summary:
    return Summary(idea.verification_count or 0, idea.verification_yes_count or 0)


@dataclass(frozen=True)
class AnswerPage:
    """What the page behind an emailed link shows: the idea, and whether this person may answer."""

    idea: Idea
    person: User
    is_released: bool
    is_asked: bool
    current: VerificationAnswer | None


def answer_page(session: Session, claim: AnswerClaim) -> AnswerPage | None:
    """The page of a valid link; None (a 404) when the idea or the person is gone, or the
    person may no longer see the idea."""
    idea = session.get(Idea, claim.idea_id)
    if idea is None or idea.stage == Stage.merged:
        return None
    person = session.scalar(
        select(User).where(User.id == claim.user_id, access.people_who_may_see(idea))
    )
    if person is None:
        return None
    released = idea.stage in ANSWERABLE_STAGES
    return AnswerPage(
        idea=idea,
        person=person,
        is_released=released,
        is_asked=released and may_answer(session, idea, person.id),
        current=get_answer(session, idea.id, person.id),
    )


@dataclass(frozen=True)
class AnswerRow:
    person_name: str
    solved: bool
    comment: str
    answered_at: datetime


def latest_answers(session: Session, idea_id: int, limit: int = ANSWERS_SHOWN) -> list[AnswerRow]:
    """An idea's latest answers with who gave them: one query, served by
    ix_verification_answer_idea_answered, at most `limit` rows."""
    rows = session.execute(
        select(VerificationAnswer, User.display_name)
        .join(User, User.id == VerificationAnswer.user_id)
        .where(VerificationAnswer.idea_id == idea_id)
        .order_by(VerificationAnswer.answered_at.desc(), VerificationAnswer.id.desc())
        .limit(limit)
    )
    return [AnswerRow(name, a.solved, a.comment, a.answered_at) for a, name in rows]


@dataclass(frozen=True)
class ReleasedRow:
    id: int
    title: str
    stage_changed_at: datetime
    summary: Summary


def released_by_answers(session: Session, limit: int = QUEUE_LIMIT) -> list[ReleasedRow]:
    """Ideas in `verify`, most answers first (ix_idea_stage_verification); one query."""
    rows = session.connection().execute(_released_statement(limit))  # columns: no ORM needed
    return [
        ReleasedRow(
            row.id,
            row.title,
            row.stage_changed_at,
            Summary(row.verification_count, row.verification_yes_count),
        )  # fmt: skip
        for row in rows
    ]


@functools.lru_cache(maxsize=8)
def _released_statement(limit: int):
    """Built once: building it costs more than running it."""
    return (
        select(
            Idea.id,
            Idea.title,
            Idea.stage_changed_at,
            Idea.verification_count,
            Idea.verification_yes_count,
        )
        .where(Idea.stage == Stage.verify, access.not_deleted())
        .order_by(Idea.verification_count.desc(), Idea.id.desc())
        .limit(limit)
    )
