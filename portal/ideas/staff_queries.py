"""Read models for the admin area. Staff see every idea, so no visibility filter applies here;
every function still runs a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import Integer, and_, bindparam, false, func, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from portal.access import Viewer, ideas_visible_to, not_deleted
from portal.accounts.models import Organisation, User
from portal.db import utcnow
from portal.feedback.models import Feedback
from portal.ideas import search
from portal.ideas.models import Board, Comment, Grade, Idea, IdeaTag, Kind, Severity, Tag
from portal.ideas.queries import COUNT_CAP, Page, comment_html
from portal.ideas.tags import TagBadge
from portal.lifecycle import stages
from portal.lifecycle.models import StageChange
from portal.markdown import render_markdown
from portal.priority.scoring import Demand, ScoreCard
from portal.priority.service import score_card
from portal.priority.sla import SlaState, sla_state
from portal.settings.service import WorkspaceSettings
from portal.verification import queries as verification

PAGE_SIZE = 50


class StaffSort(StrEnum):
    score = "score"
    grade = "grade"
    arr = "arr"
    votes = "votes"
    oldest = "oldest"
    newest = "newest"


@dataclass(frozen=True)
class StaffFilters:
    sort: StaffSort = StaffSort.score
    stage: stages.Stage | None = None
    board_id: int | None = None
    tag: str | None = None
    owner_id: int | None = None
    grade: Grade | None = None
    kind: Kind | None = None
    search: str = ""


class StaffIdeaRow(NamedTuple):
    """A row of the staff list: a tuple, so that the list's template unpacks each row in its
    loop instead of looking up fifteen attributes per row."""

    id: int
    title: str
    stage: stages.Stage
    kind: Kind
    board_name: str
    vote_count: int
    score: float
    grade: Grade | None
    organisations: int
    arr: int
    key_accounts: int
    owner_name: str | None
    created_at: datetime
    severity: Severity | None
    tags: list[TagBadge]

    @property
    def public_status(self) -> str:
        return str(stages.PUBLIC_STATUS[self.stage])


class _Unindexed(FunctionElement):
    """A column SQLite may only check, not search by (`+column`): elsewhere the column as it is
    (PostgreSQL weighs the two plans with its statistics)."""

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(_Unindexed)
def _column_as_is(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_Unindexed, "sqlite")
def _column_with_plus(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


# The sorts each filter's own indexes serve (ix_idea_stage_score, ix_idea_stage_created;
# ix_idea_board_votes, ix_idea_board_created). Under any other sort (and for a tag, always), a
# filter that matches more than COUNT_CAP ideas is only checked along the sort's index: found
# by its own index, every matching idea (45,000 for a stage) would be read and sorted to show
# fifty. Along the sort, a page reads about its offset divided by the share of ideas that
# match: a hundred for a stage's first page, at most one pass over the index for a filter that
# barely passes COUNT_CAP on its last page.
_FILTER_SORTS = {
    "stage": {StaffSort.score, StaffSort.oldest, StaffSort.newest},
    "board_id": {StaffSort.votes, StaffSort.oldest, StaffSort.newest},
}


def _staff_conditions(filters: StaffFilters, along_sort: bool = False) -> list:
    """The filters, but for a search by words (the caller's: it reads the search index);
    `along_sort`: for reading along the sort's index (the filters it does not serve checked
    only, _FILTER_SORTS)."""

    def column(name: str):
        plain = getattr(Idea, name)
        served = filters.sort in _FILTER_SORTS.get(name, ())
        return _Unindexed(plain) if along_sort and not served else plain

    conditions = [not_deleted()]
    if filters.stage:
        conditions.append(column("stage") == filters.stage)
    if filters.board_id:
        conditions.append(column("board_id") == filters.board_id)
    if filters.owner_id:
        conditions.append(column("owner_id") == filters.owner_id)
    if filters.grade:
        conditions.append(Idea.grade == filters.grade)
    if filters.kind:
        conditions.append(column("kind") == filters.kind)
    if filters.tag:
        tagged = select(IdeaTag.idea_id).join(Tag).where(Tag.slug == filters.tag)
        conditions.append((_Unindexed(Idea.id) if along_sort else Idea.id).in_(tagged))
    if number := _searched_number(filters):  # "#42" finds idea 42; no id is that large
        conditions.append(Idea.id == int(number) if len(number) < 10 else false())
    return conditions


def _searched_number(filters: StaffFilters) -> str | None:
    """The digits of a search for an idea's number ("#42", "42"), else None."""
    number = filters.search.strip().lstrip("#")
    return number if number.isascii() and number.isdigit() else None


# Each order has an index that ends in the same columns (ix_idea_score_id, ix_idea_grade_order,
# ix_idea_arr, ix_idea_votes_id, ix_idea_created_id, and per stage ix_idea_stage_*), so a page
# reads its rows in order instead of sorting every idea.
STAFF_ORDERS = {
    StaffSort.score: [Idea.score.desc(), Idea.id.desc()],
    StaffSort.grade: [Idea.grade.is_(None), Idea.grade, Idea.score.desc(), Idea.id.desc()],
    StaffSort.arr: [Idea.demand_arr.desc(), Idea.score.desc(), Idea.id.desc()],
    StaffSort.votes: [Idea.vote_count.desc(), Idea.id.desc()],
    StaffSort.oldest: [Idea.created_at.asc(), Idea.id.asc()],
    StaffSort.newest: [Idea.created_at.desc(), Idea.id.desc()],
}

# Pages stop where counting stops (OFFSET walks every row it skips); past that, filters and
# "#id" find an idea faster than paging would.
LAST_PAGE = COUNT_CAP // PAGE_SIZE + 1

# A row of the list is read as these columns, in StaffIdeaRow's order: fifty Idea objects of
# thirty-odd attributes each cost more than the statement that finds them.
_OWNER = aliased(User, name="owner")
_ROW_COLUMNS = (
    Idea.id, Idea.title, Idea.stage, Idea.kind, Board.name, Idea.vote_count, Idea.score,
    Idea.grade, Idea.demand_organisations, Idea.demand_arr, Idea.demand_key_accounts,
    _OWNER.display_name, Idea.created_at, Idea.severity,
)  # fmt: skip
_PAGE_TAGS = (
    select(IdeaTag.idea_id, Tag.name, Tag.colour, Tag.is_private)
    .join(Tag)
    .where(IdeaTag.idea_id.in_(bindparam("ids", expanding=True)))
)


def _staff_statements(filters: StaffFilters, *extra) -> tuple:
    """The list's statements for `filters` (and `extra` conditions): the capped count, a page
    along the sort's index, and a page of the few that match, looked up by id and sorted
    (rather than walk the sort's index past every idea that does not match: a planner may pick
    that walk). The pages take their OFFSET as the parameter "offset"."""
    conditions = [*_staff_conditions(filters), *extra]
    matching = select(Idea.id).where(*conditions).limit(COUNT_CAP + 1)
    along_sort = [*_staff_conditions(filters, along_sort=True), *extra]
    page = (
        select(*_ROW_COLUMNS)
        .join(Board, Board.id == Idea.board_id)
        .outerjoin(_OWNER, _OWNER.id == Idea.owner_id)
        .order_by(*STAFF_ORDERS[filters.sort])
        .limit(PAGE_SIZE + 1)
        .offset(bindparam("offset", type_=Integer))
    )
    count = select(func.count()).select_from(matching.subquery())
    # With no filter the sort's index serves every page, however many ideas there are: one
    # statement reads the page and, in each row, the capped count.
    counted = None
    if len(conditions) == 1:
        counted = page.where(*along_sort).add_columns(count.scalar_subquery().label("found"))
    return count, page.where(*along_sort), page.where(Idea.id.in_(matching)), counted


# Built once per set of filters: building them costs more than running them.
_kept_staff_statements = functools.lru_cache(maxsize=512)(_staff_statements)


def list_staff_ideas(session: Session, filters: StaffFilters, page: int) -> Page:
    """The admin ideas list with demand columns; three queries whatever the page holds (two
    with no filter), each served by an index, counting up to COUNT_CAP and paging up to
    LAST_PAGE."""
    term = filters.search.strip()
    if term and _searched_number(filters) is None:
        # The portal's search index: any of the words, at most its newest matches (a statement
        # of its own for each search).
        found = search.ranked(session, term)
        matched = false() if found is None else Idea.id.in_(select(found.c.idea_id))
        count, along_index, few, counted = _staff_statements(filters, matched)
    else:
        count, along_index, few, counted = _kept_staff_statements(filters)
    # Columns only, no objects: read through the session's connection, without the ORM's
    # work per statement.
    connection = session.connection()
    page = min(max(page, 1), LAST_PAGE)
    offset = {"offset": (page - 1) * PAGE_SIZE}
    if counted is not None:
        rows = connection.execute(counted, offset).all()
        # A page past the last has no row to carry the count: counted on its own.
        found_count = rows[0][-1] if rows else connection.scalar(count) or 0
        rows = [row[:-1] for row in rows]
    else:
        found_count = connection.scalar(count) or 0
        rows = connection.execute(along_index if found_count > COUNT_CAP else few, offset).all()
    total, capped = min(found_count, COUNT_CAP), found_count > COUNT_CAP
    shown = rows[:PAGE_SIZE]
    tags: dict[int, list[TagBadge]] = {}
    if shown:
        ids = [row[0] for row in shown]
        for idea_id, name, colour, private in connection.execute(_PAGE_TAGS, {"ids": ids}):
            tags.setdefault(idea_id, []).append(TagBadge(name, colour, private))
        for badges in tags.values():
            badges.sort(key=lambda tag: tag.name)
    items = [StaffIdeaRow(*row, tags.get(row[0], [])) for row in shown]
    return Page(items=items, number=page, size=PAGE_SIZE, total=total, capped=capped,
                more=len(rows) > PAGE_SIZE and page < LAST_PAGE)  # fmt: skip


@dataclass
class NoteRow:
    id: int
    author_name: str
    body_html: Markup
    is_internal: bool
    hidden: bool
    created_at: datetime


@dataclass
class TimelineRow:
    created_at: datetime
    actor_name: str | None
    from_status: str | None
    to_status: str
    public_message: str
    internal_note: str


@dataclass
class FeedbackRow:
    id: int
    person_name: str
    organisation_name: str | None
    channel: str
    original_words: str
    created_at: datetime


@dataclass
class Workbench:
    """Everything staff see about one idea."""

    idea: Idea
    body_html: Markup
    board_name: str
    author_name: str
    owner_name: str | None
    merged_into_title: str | None
    tags: list[Tag]
    card: ScoreCard
    demand: Demand
    ratings: dict[int, int]
    notes: list[NoteRow]
    timeline: list[TimelineRow]
    feedback: list[FeedbackRow]
    allowed_targets: list[stages.Stage]
    sla: SlaState | None
    # "Did it solve your need?": the share of yes (stored counts) and the latest answers.
    verification: verification.Summary
    answers: list[verification.AnswerRow]

    @property
    def public_status(self) -> str:
        return str(stages.PUBLIC_STATUS[self.idea.stage])

    @property
    def shows_verification(self) -> bool:
        released = self.idea.stage in (stages.Stage.verify, stages.Stage.closed)
        return released or self.verification.total > 0

    @property
    def more_answers(self) -> int:
        """Answers given but not listed (the list is capped)."""
        return max(self.verification.total - len(self.answers), 0)


def workbench(session: Session, idea: Idea, role: str, settings: WorkspaceSettings) -> Workbench:
    """The admin idea page: demand, score explanation, notes, moves and feedback."""
    author = aliased(User)
    owner = aliased(User)
    board_name, author_name, owner_name = session.execute(
        select(Board.name, author.display_name, owner.display_name)
        .select_from(Idea)
        .join(Board, Board.id == Idea.board_id)
        .join(author, author.id == Idea.author_id)
        .outerjoin(owner, owner.id == Idea.owner_id)
        .where(Idea.id == idea.id)
    ).one()
    merged_title = (
        session.scalar(select(Idea.title).where(Idea.id == idea.merged_into_id))
        if idea.merged_into_id
        else None
    )
    card, demand, ratings = score_card(session, idea)
    sla = None
    if idea.kind == Kind.bug and idea.severity is not None:
        sla = sla_state(
            created_at=idea.created_at, first_response_at=idea.first_response_at,
            resolved_at=idea.resolved_at, hours=settings.sla_hours[idea.severity], now=utcnow(),
        )  # fmt: skip
    return Workbench(
        idea=idea,
        body_html=render_markdown(idea.body),
        board_name=board_name,
        author_name=author_name,
        owner_name=owner_name,
        merged_into_title=merged_title,
        tags=list(
            session.scalars(
                select(Tag).join(IdeaTag).where(IdeaTag.idea_id == idea.id).order_by(Tag.name)
            )
        ),
        card=card,
        demand=demand,
        ratings=ratings,
        notes=_notes(session, idea.id),
        timeline=_timeline(session, idea.id),
        feedback=_feedback(session, idea.id),
        allowed_targets=stages.allowed_targets(idea.stage, role),
        sla=sla,
        verification=verification.summary_of(idea),
        answers=verification.latest_answers(session, idea.id),
    )


def _notes(session: Session, idea_id: int) -> list[NoteRow]:
    """The idea's comments and internal notes, oldest first: read as columns, each shown from
    the sanitised HTML kept when it was written (comment_html), not Markdown rendered per view."""
    rows = session.execute(
        select(Comment.id, User.display_name, Comment.body, Comment.body_html,
               Comment.is_internal, Comment.hidden_at, Comment.created_at)
        .join(User, User.id == Comment.author_id)
        .where(Comment.idea_id == idea_id)
        .order_by(Comment.created_at, Comment.id)
    )  # fmt: skip
    return [
        NoteRow(note_id, name, comment_html(html, body), internal, hidden_at is not None, created)
        for note_id, name, body, html, internal, hidden_at, created in rows
    ]


def _timeline(session: Session, idea_id: int) -> list[TimelineRow]:
    rows = session.execute(
        select(StageChange, User.display_name)
        .outerjoin(User, User.id == StageChange.actor_id)
        .where(StageChange.idea_id == idea_id)
        .order_by(StageChange.created_at, StageChange.id)
    )
    return [
        TimelineRow(
            created_at=change.created_at,
            actor_name=name,
            from_status=str(stages.PUBLIC_STATUS[change.from_stage]) if change.from_stage else None,
            to_status=str(stages.PUBLIC_STATUS[change.to_stage]),
            public_message=change.public_message,
            internal_note=change.internal_note,
        )
        for change, name in rows
    ]


def _feedback(session: Session, idea_id: int) -> list[FeedbackRow]:
    rows = session.execute(
        select(Feedback, User.display_name, Organisation.name)
        .join(User, User.id == Feedback.person_id)
        .outerjoin(Organisation, Organisation.id == Feedback.organisation_id)
        .where(Feedback.idea_id == idea_id)
        .order_by(Feedback.created_at)
    )
    return [
        FeedbackRow(f.id, person, org, f.channel, f.original_words, f.created_at)
        for f, person, org in rows
    ]


# The review queue's untriaged feedback: columns only (feedback.service.unlinked_feedback's
# statement, without Feedback objects), oldest first.
_UNTRIAGED = (
    select(Feedback.id, Feedback.original_words, Feedback.created_at, User.display_name,
           Organisation.name)
    .join(User, User.id == Feedback.person_id)
    .outerjoin(Organisation, Organisation.id == Feedback.organisation_id)
    .where(Feedback.idea_id.is_(None))
    .order_by(Feedback.created_at)
    .limit(bindparam("limit", type_=Integer))
)  # fmt: skip


def untriaged_feedback(session: Session, limit: int) -> list:
    """Feedback linked to no idea yet, oldest first, as rows of (id, original_words,
    created_at, person's name, organisation's name or None)."""
    return session.connection().execute(_UNTRIAGED, {"limit": limit}).all()


# A decision is due on ideas waiting in these stages longer than the workspace allows.
DECISION_STAGES = (stages.Stage.collect, stages.Stage.analyze)


# What the review queue shows of an idea: read as columns, not as Idea objects (through the
# session's connection, without the ORM's work per statement).
QUEUE_COLUMNS = (Idea.id, Idea.title, Idea.stage, Idea.stage_changed_at, Idea.severity)


def _first_of(parts: list, order: list, limit: int):
    """The first `limit` ideas, by `order`, among the ideas each of `parts` (selects of ids,
    each already ordered and limited along an index) finds: the sort is over a few hundred
    ids at most, never over every match."""
    # Each part in a subquery of its own: SQLite takes no ORDER BY or LIMIT inside UNION ALL.
    found = union_all(*[select(part.limit(limit).subquery().c.id) for part in parts]).subquery()
    return (
        select(*QUEUE_COLUMNS).where(Idea.id.in_(select(found.c.id))).order_by(*order).limit(limit)
    )


def undecided_ideas(session: Session, settings: WorkspaceSettings, limit: int) -> list:
    """The review queue's ideas with no decision for too long, longest waiting first (rows of
    QUEUE_COLUMNS): one query, each stage read along ix_idea_stage_changed."""
    cutoff = utcnow() - timedelta(days=settings.decision_days)
    return session.connection().execute(_undecided_statement(limit), {"cutoff": cutoff}).all()


@functools.lru_cache(maxsize=8)
def _undecided_statement(limit: int):
    """Built once (its times are parameters): building it costs more than running it."""
    order = [Idea.stage_changed_at, Idea.id]
    parts = [
        select(Idea.id)
        .where(Idea.stage == stage, Idea.stage_changed_at < bindparam("cutoff"), not_deleted())
        .order_by(*order)
        for stage in DECISION_STAGES
    ]
    return _first_of(parts, order, limit)


def sla_breaches(session: Session, settings: WorkspaceSettings, limit: int) -> list:
    """Open bugs past a deadline of their severity — unanswered past the first-response hours,
    or unresolved past the resolution hours — oldest first (rows of QUEUE_COLUMNS): one query,
    each severity and open stage read along ix_idea_bug_sla."""
    if not settings.sla_hours:
        return []
    now = utcnow()
    deadlines = {}
    for index, (first_hours, resolve_hours) in enumerate(settings.sla_hours.values()):
        first_due = now - timedelta(hours=first_hours)
        resolve_due = now - timedelta(hours=resolve_hours)
        deadlines |= {f"first_due_{index}": first_due, f"resolve_due_{index}": resolve_due,
                      f"either_due_{index}": max(first_due, resolve_due)}  # fmt: skip
    statement = _sla_statement(tuple(settings.sla_hours), limit)
    return session.connection().execute(statement, deadlines).all()


@functools.lru_cache(maxsize=8)
def _sla_statement(severities: tuple, limit: int):
    """Built once per set of severities (its deadlines are parameters)."""
    order = [Idea.created_at, Idea.id]
    parts = []
    for index, severity in enumerate(severities):
        late = or_(
            and_(
                Idea.first_response_at.is_(None), Idea.created_at < bindparam(f"first_due_{index}")
            ),
            and_(Idea.resolved_at.is_(None), Idea.created_at < bindparam(f"resolve_due_{index}")),
        )
        parts += [
            select(Idea.id)
            .where(Idea.kind == Kind.bug, Idea.severity == severity, Idea.stage == stage,
                   Idea.created_at < bindparam(f"either_due_{index}"), late, not_deleted())
            .order_by(*order)
            for stage in sorted(stages.OPEN_STAGES)
        ]  # fmt: skip
    return _first_of(parts, order, limit)


PICK_LIMIT = 8


@dataclass(frozen=True)
class PickRow:
    id: int
    title: str
    stage: stages.Stage

    @property
    def public_status(self) -> str:
        return str(stages.PUBLIC_STATUS[self.stage])


def pick_ideas(
    session: Session, viewer: Viewer, text: str, exclude_id: int | None = None
) -> list[PickRow]:
    """The ideas `text` points at, for a picker: "#42" or "42" is idea 42; words go through
    the portal's search (best matches first). Only open ideas a feedback or a merge can go to
    (not merged, not deleted), only those `viewer` may see, and never `exclude_id` (the idea
    being merged)."""
    text = text.strip()[:200]
    number = text.lstrip("#")
    columns = select(Idea.id, Idea.title, Idea.stage).where(
        ideas_visible_to(viewer), Idea.stage != stages.Stage.merged
    )
    if exclude_id is not None:
        columns = columns.where(Idea.id != exclude_id)
    if number.isascii() and number.isdigit():
        if len(number) >= 10:  # no id is that large
            return []
        rows = session.execute(columns.where(Idea.id == int(number)))
    else:
        found = search.ranked(session, text)
        if found is None:
            return []
        rows = session.execute(
            columns.join(found, found.c.idea_id == Idea.id)
            .order_by(found.c.rank, Idea.vote_count.desc(), Idea.id.desc())
            .limit(PICK_LIMIT)
        )
    return [PickRow(*row) for row in rows]
