"""Factors, ratings and the stored score and grade of each idea."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, Organisation, Tier, User
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import DomainError
from portal.feedback.models import Feedback
from portal.ideas.models import Grade, Idea, Vote
from portal.priority.models import Direction, FactorSource, IdeaRating, PriorityFactor
from portal.priority.scoring import Demand, FactorInput, ScoreCard, score_idea

DEFAULT_FACTORS = [
    # name, weight, scale, direction, source, is_urgency
    ("Customer value", 3.0, 5, Direction.benefit, FactorSource.rating, False),
    ("Revenue impact", 3.0, 5, Direction.benefit, FactorSource.rating, False),
    ("Effort", 2.0, 5, Direction.cost, FactorSource.rating, False),
    ("Competitor pressure", 2.0, 5, Direction.benefit, FactorSource.rating, False),
    ("Strategic fit", 2.0, 5, Direction.benefit, FactorSource.rating, False),
    ("Urgency", 2.0, 5, Direction.benefit, FactorSource.rating, True),
    ("Demand", 3.0, 1, Direction.benefit, FactorSource.demand, False),
    ("Persistence", 1.5, 1, Direction.benefit, FactorSource.persistence, False),
    ("Freshness", 1.5, 1, Direction.benefit, FactorSource.freshness, False),
]


class InvalidRating(DomainError):
    pass


def ensure_default_factors(session: Session) -> None:
    """A new workspace starts with the factors the articles recommend."""
    if session.scalar(select(func.count(PriorityFactor.id))):
        return
    for position, (name, weight, scale, direction, source, urgency) in enumerate(DEFAULT_FACTORS):
        session.add(PriorityFactor(
            name=name, weight=weight, scale_max=scale, direction=direction, source=source,
            is_urgency=urgency, position=position,
        ))  # fmt: skip
    session.flush()


def active_factors(session: Session) -> list[PriorityFactor]:
    return list(
        session.scalars(
            select(PriorityFactor)
            .where(PriorityFactor.is_active.is_(True))
            .order_by(PriorityFactor.position, PriorityFactor.id)
        )
    )


def demand_for(session: Session, idea: Idea) -> Demand:
    """Who asked for this idea, through their votes and organisations (five small queries)."""
    organisations = session.execute(
        select(Organisation)
        .where(
            Organisation.id.in_(
                select(Membership.organisation_id)
                .join(Vote, Vote.user_id == Membership.user_id)
                .where(Vote.idea_id == idea.id)
            )
        )
        .order_by(Organisation.name)
    ).scalars()
    organisations = list(organisations)
    asked_at = sorted(
        [
            *session.scalars(select(Vote.created_at).where(Vote.idea_id == idea.id)),
            *session.scalars(select(Feedback.created_at).where(Feedback.idea_id == idea.id)),
        ]
    )
    year_ago = utcnow() - timedelta(days=365)
    months = {(moment.year, moment.month) for moment in asked_at if moment >= year_ago}
    return Demand(
        votes=idea.vote_count,
        organisations=len(organisations),
        arr=sum(o.arr for o in organisations),
        key_accounts=sum(1 for o in organisations if o.tier == Tier.key),
        industries=tuple(sorted({o.industry for o in organisations if o.industry})),
        regions=tuple(sorted({o.region for o in organisations if o.region})),
        oldest_request_at=asked_at[0] if asked_at else None,
        newest_request_at=asked_at[-1] if asked_at else None,
        months_asked=len(months),
        repeated_asks=max(0, len(asked_at) - 1),
    )


def score_card(session: Session, idea: Idea) -> tuple[ScoreCard, Demand, dict[int, int]]:
    """The score, its explanation, the computed inputs and the staff ratings by factor id."""
    factors = active_factors(session)
    ratings = dict(
        session.execute(
            select(IdeaRating.factor_id, IdeaRating.value).where(IdeaRating.idea_id == idea.id)
        ).all()
    )
    demand = demand_for(session, idea)
    inputs = [
        FactorInput(
            id=f.id,
            name=f.name,
            weight=f.weight,
            scale_max=f.scale_max,
            direction=f.direction,
            source=f.source,
            is_urgency=f.is_urgency,
            rating=ratings.get(f.id),
        )  # fmt: skip
        for f in factors
    ]
    return score_idea(inputs, demand, idea.kind, idea.severity, utcnow()), demand, ratings


def refresh_score(session: Session, idea: Idea) -> ScoreCard:
    """Store the idea's score and demand, and its grade unless staff set the grade by hand."""
    card, demand, _ratings = score_card(session, idea)
    idea.score = card.score
    idea.demand_organisations, idea.demand_arr = demand.organisations, demand.arr
    idea.demand_key_accounts = demand.key_accounts
    if not idea.grade_override_reason:
        idea.grade = card.grade
    session.flush()
    return card


def rate_idea(session: Session, *, idea: Idea, factor_id: int, value: int | None, actor: User):
    """Set (or clear, with None) a staff rating on one factor, then re-score."""
    factor = session.get(PriorityFactor, factor_id)
    if factor is None or not factor.is_active or factor.source != FactorSource.rating:
        raise InvalidRating(_l("That factor cannot be rated."))
    rating = session.scalar(select(IdeaRating).filter_by(idea_id=idea.id, factor_id=factor_id))
    if value is None:
        if rating is not None:
            session.delete(rating)
    elif not 0 <= value <= factor.scale_max:
        raise InvalidRating(
            _l("Rate %(factor)s from 0 to %(top)d.", factor=factor.name, top=factor.scale_max)
        )
    elif rating is None:
        session.add(IdeaRating(idea_id=idea.id, factor_id=factor_id, value=value,
                               rated_by_id=actor.id))  # fmt: skip
    else:
        rating.value, rating.rated_by_id, rating.rated_at = value, actor.id, utcnow()
    session.flush()
    record(session, actor_id=actor.id, action="idea.rated", target_type="idea",
           target_id=idea.id, factor=factor.name, value=value)  # fmt: skip
    return refresh_score(session, idea)


def override_grade(session: Session, *, idea: Idea, grade: Grade | None, reason: str,
                   actor: User) -> Idea:  # fmt: skip
    """Set the grade by hand with a reason, or (grade None) go back to the computed one."""
    if grade is not None and not reason.strip():
        raise DomainError(_l("Say why you override the computed grade."))
    idea.grade_override_reason = reason.strip() if grade is not None else ""
    if grade is not None:
        idea.grade = grade
    record(session, actor_id=actor.id, action="idea.graded", target_type="idea",
           target_id=idea.id, grade=grade, reason=reason)  # fmt: skip
    refresh_score(session, idea)
    return idea


def refresh_demand(session: Session, idea_ids) -> None:
    """Store the organisations, ARR and key accounts asking for the ideas whose ids `idea_ids`
    (a select of one column) finds: one UPDATE, for when an organisation or a membership
    changes under votes already cast."""
    asking = (
        select(Membership.organisation_id)
        .join(Vote, Vote.user_id == Membership.user_id)
        .where(Vote.idea_id == Idea.id)
        .correlate(Idea)  # the idea being updated, two levels up
    )
    of_asking = Organisation.id.in_(asking)
    session.execute(
        update(Idea)
        .where(Idea.id.in_(idea_ids))
        .values(
            demand_organisations=select(func.count(Organisation.id))
            .where(of_asking)
            .scalar_subquery(),
            demand_arr=select(func.coalesce(func.sum(Organisation.arr), 0))
            .where(of_asking)
            .scalar_subquery(),
            demand_key_accounts=select(func.count(Organisation.id))
            .where(of_asking, Organisation.tier == Tier.key)
            .scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


def save_factor(
    session: Session,
    *,
    actor: User,
    factor: PriorityFactor | None,
    name: str,
    weight: float,
    scale_max: int,
    direction: Direction,
    is_urgency: bool,
    is_active: bool,
) -> PriorityFactor:
    """Admin-only: add or change a priority factor, then re-score every idea."""
    from portal.access import can_change_settings
    from portal.errors import NotAllowed

    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the priority factors."))
    clash = session.scalar(select(PriorityFactor.id).where(PriorityFactor.name == name.strip()))
    if clash is not None and (factor is None or clash != factor.id):
        raise DomainError(_l("A factor called “%(name)s” exists already.", name=name))
    if is_urgency:  # before a new factor joins the session: the query would flush it unnamed
        for other in session.scalars(select(PriorityFactor).where(PriorityFactor.is_urgency)):
            other.is_urgency = False
    if factor is None:
        position = session.scalar(select(func.count(PriorityFactor.id))) or 0
        factor = PriorityFactor(position=position, source=FactorSource.rating)
        session.add(factor)
    factor.name, factor.weight, factor.scale_max = name.strip(), weight, scale_max
    factor.direction, factor.is_urgency, factor.is_active = direction, is_urgency, is_active
    session.flush()
    record(session, actor_id=actor.id, action="factor.saved", target_type="factor",
           target_id=factor.id, name=factor.name, weight=weight, scale_max=scale_max,
           direction=direction, is_active=is_active)  # fmt: skip
    refresh_all_scores(session)
    return factor


def refresh_all_scores(session: Session) -> int:
    """Re-score every idea that is not merged away (after the formula changed)."""
    count = 0
    for idea in session.scalars(select(Idea).where(Idea.stage != "merged")):
        refresh_score(session, idea)
        count += 1
    return count
