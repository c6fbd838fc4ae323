"""Factors, ratings and the stored score and grade of each idea."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, distinct, func, select, true, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import Membership, Organisation, Tier, User
from portal.audit.service import record
from portal.db import UTCDateTime, utcnow
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


MONTHS = 13  # the month of `now` and the twelve before it: all that a year back can touch


@cache
def _demand_statements():
    """Built once, run with the idea's id and the month boundaries as parameters: a vote
    re-scores its idea, so this runs on every vote, and building SQL costs more than running it.
    Two statements whatever the number of votes: the aggregates, and the voters' places.
    Core on the tables: the rows are numbers, and the ORM's handling of a statement costs more
    than running it."""
    idea_id = bindparam("idea_id")
    votes, members = Vote.__table__.c, Membership.__table__.c
    organisation = Organisation.__table__.c
    voters_organisations = (
        select(members.organisation_id)
        .join_from(Membership.__table__, Vote.__table__, votes.user_id == members.user_id)
        .where(votes.idea_id == idea_id)
    )
    among = organisation.id.in_(voters_organisations)
    asks = union_all(
        select(votes.created_at.label("at")).where(votes.idea_id == idea_id),
        select(Feedback.__table__.c.created_at.label("at")).where(
            Feedback.__table__.c.idea_id == idea_id
        ),
    ).subquery()
    # Which calendar month (UTC) of the last year an ask falls in; NULL before it. The month
    # starts are parameters computed in Python, so no database's time zone matters.
    month = case(
        *[(asks.c.at >= bindparam(f"month{n}", type_=UTCDateTime()), n) for n in range(MONTHS)],
        else_=None,
    )
    organisations = (
        select(
            func.count(organisation.id).label("organisations"),
            func.coalesce(func.sum(organisation.arr), 0).label("arr"),
            func.count(organisation.id).filter(organisation.tier == Tier.key).label("key"),
        )
        .where(among)
        .subquery()
    )
    requests = select(
        func.min(asks.c.at).label("oldest"),
        func.max(asks.c.at).label("newest"),
        func.count().label("asks"),
        func.count(distinct(month)).label("months"),
    ).subquery()
    totals = select(organisations, requests).select_from(organisations.join(requests, true()))
    places = select(organisation.industry, organisation.region).where(among).distinct()
    return totals, places


def _month_starts(now: datetime) -> dict[str, datetime]:
    """month0..month12: the first moment of each of the last 13 months (UTC), none before a
    year ago (the first one is a year ago itself)."""
    since = now - timedelta(days=365)
    starts, year, month = {}, now.year, now.month
    for number in range(MONTHS):
        starts[f"month{number}"] = max(datetime(year, month, 1, tzinfo=UTC), since)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


def demand_for(session: Session, idea: Idea, *, places: bool = True) -> Demand:
    """Who asked for this idea, through their votes and organisations (two aggregate queries,
    whatever the number of votes; one without the `places`: the voters' industries and regions
    are shown beside the score, but the formula does not read them)."""
    totals, places_statement = _demand_statements()
    row = session.execute(totals, {"idea_id": idea.id, **_month_starts(utcnow())}).one()
    pairs = session.execute(places_statement, {"idea_id": idea.id}).all() if places else ()
    return Demand(
        votes=idea.vote_count,
        organisations=row.organisations,
        arr=int(row.arr),  # PostgreSQL sums big integers as numeric
        key_accounts=row.key,
        industries=tuple(sorted({industry for industry, _ in pairs if industry})),
        regions=tuple(sorted({region for _, region in pairs if region})),
        oldest_request_at=_aware(row.oldest),
        newest_request_at=_aware(row.newest),
        months_asked=row.months,
        repeated_asks=max(0, row.asks - 1),
    )


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate's result may come back without the column's type (SQLite: a string)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _factor_inputs(session: Session, idea: Idea) -> list[FactorInput]:
    """The active factors with the idea's rating of each, in one query (columns, not
    entities: every vote re-scores, and the statement is built once)."""
    rows = session.execute(_factor_inputs_statement(), {"idea_id": idea.id}).all()
    return [FactorInput(*row) for row in rows]


@cache
def _factor_inputs_statement():
    factor, rating = PriorityFactor.__table__.c, IdeaRating.__table__.c
    return (
        select(
            factor.id,
            factor.name,
            factor.weight,
            factor.scale_max,
            factor.direction,
            factor.source,
            factor.is_urgency,
            rating.value,
        )  # fmt: skip
        .select_from(PriorityFactor.__table__)
        .outerjoin(
            IdeaRating.__table__,
            (rating.factor_id == factor.id) & (rating.idea_id == bindparam("idea_id")),
        )
        .where(factor.is_active.is_(True))
        .order_by(factor.position, factor.id)
    )


def score_card(session: Session, idea: Idea) -> tuple[ScoreCard, Demand, dict[int, int]]:
    """The score, its explanation, the computed inputs and the staff ratings by factor id
    (inactive factors' included: they are kept, and count again if the factor comes back)."""
    ratings = dict(
        session.execute(
            select(IdeaRating.factor_id, IdeaRating.value).where(IdeaRating.idea_id == idea.id)
        ).all()
    )
    demand = demand_for(session, idea)
    card = score_idea(_factor_inputs(session, idea), demand, idea.kind, idea.severity, utcnow())
    return card, demand, ratings


def refresh_score(session: Session, idea: Idea) -> ScoreCard:
    """Store the idea's score and demand, and its grade unless staff set the grade by hand.
    Two queries and the UPDATE (none when nothing changed): every vote runs this."""
    demand = demand_for(session, idea, places=False)  # what the formula reads
    card = score_idea(_factor_inputs(session, idea), demand, idea.kind, idea.severity, utcnow())
    stored = {
        "score": card.score,
        "demand_organisations": demand.organisations,
        "demand_arr": demand.arr,
        "demand_key_accounts": demand.key_accounts,
    }
    if not idea.grade_override_reason:
        stored["grade"] = card.grade
    changed = {name: value for name, value in stored.items() if getattr(idea, name) != value}
    if changed:
        # The UPDATE of the changed columns, as the ORM's flush would write it, but built once
        # per set of columns, and its values put into `idea` by hand.
        session.execute(_score_update(tuple(changed)), {"idea_id": idea.id, **changed})
        for name, value in changed.items():
            set_committed_value(idea, name, value)
    return card


@cache
def _score_update(columns: tuple[str, ...]):
    ideas = Idea.__table__
    return (
        update(ideas)
        .where(ideas.c.id == bindparam("idea_id"))
        .values({name: bindparam(name) for name in columns})
    )


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
