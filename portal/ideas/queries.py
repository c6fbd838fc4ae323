"""Read models for pages: flat rows built with a fixed number of queries, visibility applied."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause

from portal.access import Viewer, boards_visible_to, can_moderate, ideas_visible_to
from portal.accounts.models import User
from portal.ideas import search
from portal.ideas.models import (
    IDEA_TAG_COPIES,
    Board,
    Comment,
    Follower,
    Idea,
    IdeaTag,
    Kind,
    Tag,
    Vote,
)
from portal.ideas.moderation import can_delete_comment, can_edit_idea
from portal.ideas.service import can_edit_comment
from portal.ideas.tags import TagBadge, visible_tags
from portal.lifecycle import stages
from portal.lifecycle.models import StageChange
from portal.markdown import render_markdown
from portal.media.queries import attachments_on_page
from portal.roles import STAFF_ROLES

SIMILAR_LIMIT = 5
COMMENTS_PER_PAGE = 50


class Sort(StrEnum):
    top = "top"
    new = "new"
    trending = "trending"


@dataclass(frozen=True)
class BoardRow:
    slug: str
    name: str
    description: str
    idea_count: int
    count_capped: bool = False  # more than idea_count


@dataclass
class IdeaRow:
    id: int
    title: str
    slug: str
    kind: Kind
    stage: stages.Stage
    vote_count: int
    comment_count: int
    author_name: str
    created_at: datetime
    board_slug: str = ""
    board_name: str = ""
    viewer_voted: bool = False
    viewer_can_vote: bool = False
    tags: list[TagBadge] = field(default_factory=list)

    @property
    def public_status(self) -> str:
        return str(stages.PUBLIC_STATUS[self.stage])


# What a list shows of an idea: read as columns, not Idea objects (which cost more to build
# than the rest of a list row).
ROW_COLUMNS = (Idea.id, Idea.title, Idea.slug, Idea.kind, Idea.stage, Idea.vote_count,
               Idea.comment_count, Idea.created_at)  # fmt: skip


def _idea_row(idea, author_name: str, board_slug: str = "", board_name: str = ""):
    """`idea`: an Idea, or a row of ROW_COLUMNS."""
    return IdeaRow(
        id=idea.id,
        title=idea.title,
        slug=idea.slug,
        kind=idea.kind,
        stage=idea.stage,
        vote_count=idea.vote_count,
        comment_count=idea.comment_count,
        author_name=author_name,
        created_at=idea.created_at,
        board_slug=board_slug,
        board_name=board_name,
    )


# Counting stops here: "more than 1,000" costs the same at any size, an exact total does not.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    size: int
    total: int
    capped: bool = False  # more than `total` match; the number of pages is not known
    more: bool | None = None  # whether a next page exists, when the list knows it directly

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.number < self.pages


def capped_count(session: Session, query) -> tuple[int, bool]:
    """How many rows `query` (a select of one column) finds, counting at most COUNT_CAP:
    (count, capped)."""
    counted = query.limit(COUNT_CAP + 1).subquery()
    found = session.scalar(select(func.count()).select_from(counted)) or 0
    return min(found, COUNT_CAP), found > COUNT_CAP


@dataclass(frozen=True)
class IdeaFilters:
    sort: Sort = Sort.top
    stage: stages.Stage | None = None
    tag: str | None = None
    search: str = ""
    show_finished: bool = False  # closed and declined ideas too (hidden unless asked for)
    voted_by: int | None = None  # only the ideas this person voted for


# What a board lists unless asked: finished ideas stay findable by their status or the filter.
FINISHED = (stages.Stage.closed, stages.Stage.declined)


def list_boards(session: Session, viewer: Viewer) -> list[BoardRow]:
    """The boards the viewer may see, each with the number of its ideas the viewer may see
    (counted up to COUNT_CAP: one statement whose cost does not grow with the ideas)."""
    boards = list(
        session.scalars(
            select(Board).where(boards_visible_to(viewer)).order_by(Board.position, Board.name)
        )
    )
    if not boards:
        return []
    counts = _board_counts(viewer, tuple(board.id for board in boards))
    found = dict(session.execute(counts).all())
    return [
        BoardRow(
            b.slug,
            b.name,
            b.description,
            min(found.get(b.id, 0), COUNT_CAP),
            found.get(b.id, 0) > COUNT_CAP,
        )  # fmt: skip
        for b in boards
    ]


@functools.lru_cache(maxsize=512)
def _board_counts(viewer: Viewer, board_ids: tuple[int, ...]):
    """One statement: each board's ideas as its page lists them by default (visible, not
    finished), counted up to COUNT_CAP+1. Kept once built (per viewer and boards): building it
    costs more than running it."""
    per_board = [
        select(literal(board_id).label("board_id"), func.count().label("found")).select_from(
            select(Idea.id)
            .where(*_list_conditions(viewer, board_id, None, None))
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        for board_id in board_ids
    ]
    return per_board[0] if len(per_board) == 1 else union_all(*per_board)


def list_tags(session: Session, viewer: Viewer, board: Board) -> list[Tag]:
    """The tags of ideas on `board` that `viewer` may see: a tag used only on hidden ideas
    would tell of them. Private tags: staff only."""
    return list(session.scalars(_tags_in_use(viewer, board.id)))


@functools.lru_cache(maxsize=512)
def _tags_in_use(viewer: Viewer, board_id: int):
    # Asked per tag (a workspace has tens), stopping at the first idea found, along the tag's
    # rows on the board (their copies of the idea's columns): the cost follows the tags, not
    # the ideas, where "every tag of every idea on the board" would not.
    on_a_visible_idea = (
        select(IdeaTag.id)
        .where(IdeaTag.tag_id == Tag.id, IdeaTag.board_id == board_id,
               _on_tag_rows(ideas_visible_to(viewer)))
        .exists()
    )  # fmt: skip
    return select(Tag).where(on_a_visible_idea, visible_tags(viewer)).order_by(Tag.name)


# idea_tag's copies of the idea's columns (IDEA_TAG_COPIES, same names); its idea_id is Idea.id.
_TAG_ROW_COLUMNS = {
    Idea.__table__.c[name]: IdeaTag.__table__.c[name] for name in IDEA_TAG_COPIES
} | {Idea.__table__.c.id: IdeaTag.__table__.c.idea_id}


def _on_tag_rows(clause):
    """`clause`, written for idea's columns (the visibility rule, a board's filters and sorts),
    read from an idea_tag row's copies of them instead: the same rule, never written twice.
    Refuses a clause that reads a column idea_tag does not copy."""

    def copy_of(element):
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is Idea.__table__:
            copied = _TAG_ROW_COLUMNS.get(Idea.__table__.c.get(element.name))
            if copied is None:
                raise ValueError(f"idea_tag keeps no copy of idea.{element.name}")
            return copied
        return None

    return visitors.replacement_traverse(clause, {}, copy_of)


def list_ideas(
    session: Session,
    viewer: Viewer,
    *,
    board: Board | None,
    filters: IdeaFilters,
    page: int,
    page_size: int,
) -> Page:
    """One page of the ideas the viewer may see, sorted and filtered. Four queries, any size."""
    board_id = board.id if board is not None else None
    if filters.search.strip():  # best matches first; the chosen sort breaks ties
        found = search.find(session, filters.search)
        if found is None:  # only punctuation and the like: nothing to look for
            return Page(items=[], number=1, size=page_size, total=0)
        statement = _search_page(viewer, board_id, filters.stage, filters.tag,
                                 filters.show_finished, filters.voted_by, filters.sort,
                                 page_size, found.shape)  # fmt: skip
        rows = session.execute(statement, {**found.params, "search_page": max(1, page)}).all()
        candidates, passing = rows[0].candidates, rows[0].passing
        total = min(passing, COUNT_CAP)
        capped = passing > COUNT_CAP or candidates > found.params["search_candidates"]
        page, last_page = _within(page, total, capped, page_size)  # as the statement did
        if rows[0].id is None:  # no idea passes: the counts alone
            rows = []
    else:
        which = (viewer, board_id, filters.stage, filters.tag, filters.show_finished,
                 filters.voted_by)  # fmt: skip
        found = session.scalar(_browse_count(*which)) or 0
        total, capped = min(found, COUNT_CAP), found > COUNT_CAP
        page, last_page = _within(page, total, capped, page_size)
        # A filter that few ideas pass: sort those, rather than walk the sort's index past
        # every idea that does not pass it (a person's votes, a rare tag or status).
        few = not capped and (filters.stage or filters.tag or filters.voted_by) is not None
        query = _browse_page(*which, filters.sort, page, page_size, few)
        rows = session.execute(query).all()
    items = [
        _idea_row(row, row.author_name, row.board_slug, row.board_name) for row in rows[:page_size]
    ]
    _attach_viewer_votes_and_tags(session, viewer, items)
    return Page(items=items, number=page, size=page_size, total=total, capped=capped,
                more=len(rows) > page_size and page < last_page)  # fmt: skip


def _list_conditions(viewer: Viewer, board_id: int | None, stage, tag: str | None,
                     show_finished: bool = False, voted_by: int | None = None) -> list:  # fmt: skip
    hidden = (stages.Stage.merged,) if show_finished or stage else (stages.Stage.merged, *FINISHED)
    conditions = [ideas_visible_to(viewer), Idea.stage.not_in(hidden)]
    if board_id is not None:
        # A person's votes are fewer than a board's ideas: read them first (below). Written so
        # that no index serves it, or the board's covering indexes tempt SQLite's planner into
        # walking every idea of the board instead.
        on_board = Idea.board_id + 0 if voted_by is not None else Idea.board_id
        conditions.append(on_board == board_id)
    if stage is not None:
        conditions.append(Idea.stage == stage)
    if voted_by is not None:  # read from the person's votes (ix_vote_user_id), not the board's
        conditions.append(Idea.id.in_(select(Vote.idea_id).where(Vote.user_id == voted_by)))
    if tag:
        # A private tag's slug, to whoever may not see it, is a tag that does not exist.
        tagged = select(IdeaTag.idea_id).join(Tag).where(Tag.slug == tag, visible_tags(viewer))
        conditions.append(Idea.id.in_(tagged))
    return conditions


def _listed(conditions: list):
    return (
        select(*ROW_COLUMNS, User.display_name.label("author_name"),
               Board.slug.label("board_slug"), Board.name.label("board_name"))
        .join(User, User.id == Idea.author_id)
        .join(Board, Board.id == Idea.board_id)
        .where(*conditions)
    )  # fmt: skip


def _sorted(query, sort: Sort):
    return query.order_by(*_sort_order(sort))


def _sort_order(sort: Sort) -> tuple:
    if sort == Sort.new:
        return Idea.created_at.desc(), Idea.id.desc()
    if sort == Sort.trending:
        return Idea.trend.desc(), Idea.id.desc()
    return Idea.vote_count.desc(), Idea.id.desc()


def _within(page: int, total: int, capped: bool, page_size: int) -> tuple[int, int]:
    """The page to show (a page past the end shows the last one) and the last page. Pages stop
    where counting stops: OFFSET walks every row it skips; past that, search and filters find
    an idea faster than paging would."""
    last_page = COUNT_CAP // page_size + 1 if capped else max(1, math.ceil(total / page_size))
    return min(max(1, page), last_page), last_page


@functools.lru_cache(maxsize=512)
def _search_page(viewer: Viewer, board_id, stage, tag, show_finished: bool, voted_by,
                 sort: Sort, page_size: int, shape: tuple):  # fmt: skip
    """A board's search, in one statement built once per viewer, filters and search shape and
    run with the search's words and `search_page`: the candidates the index ranked (each read
    from `idea` once), how many of them pass the visibility rule and the filters, and the page
    of those, best matches first, the sort breaking ties (a page past the last shows the last
    one, as `_within` says). Only the page's ideas are joined to their authors and boards.
    Always at least one row: when no idea passes, the counts with an empty idea."""
    ranked = search.Found(shape, {}).statement
    key = _sort_order(sort)[0].element  # vote_count, created_at or trend (then id)
    conditions = _list_conditions(viewer, board_id, stage, tag, show_finished, voted_by)
    candidates = (
        select(Idea.id.label("id"), ranked.c.rank.label("rank"), key.label("key"),
               case((and_(*conditions), _number(1))).label("passes"))
        .select_from(ranked)
        .join(Idea, Idea.id == ranked.c.idea_id)
        .cte("found_ideas")
        .prefix_with("MATERIALIZED")
    )  # fmt: skip
    totals = (
        select(func.count().label("candidates"), func.count(candidates.c.passes).label("passing"))
        .select_from(candidates)
        .cte("found_totals")
    )
    # _within, in SQL: the last page, then the page asked for if it is not past that.
    capped = or_(totals.c.passing > _number(COUNT_CAP),
                 totals.c.candidates > bindparam("search_candidates", type_=Integer))  # fmt: skip
    last_page = case(
        (capped, _number(COUNT_CAP // page_size + 1)),
        (totals.c.passing == _number(0), _number(1)),
        else_=(totals.c.passing + _number(page_size - 1)) // _number(page_size),
    )
    pages = select(last_page.label("last_page")).select_from(totals).cte("found_pages")
    asked = bindparam("search_page", type_=Integer)
    shown = case((asked < pages.c.last_page, asked), else_=pages.c.last_page)  # asked >= 1
    offset = select((shown - _number(1)) * _number(page_size)).scalar_subquery()
    order = (candidates.c.rank, candidates.c.key.desc(), candidates.c.id.desc())
    page = (
        select(candidates.c.id, candidates.c.rank, candidates.c.key)
        .where(candidates.c.passes.is_not(None))
        .order_by(*order)
        .limit(_number(page_size + 1))
        .offset(offset)
        .subquery("shown_page")
    )
    return (
        select(totals.c.candidates, totals.c.passing, *ROW_COLUMNS,
               User.display_name.label("author_name"), Board.slug.label("board_slug"),
               Board.name.label("board_name"))
        .select_from(totals)
        .outerjoin(page, true())
        .outerjoin(Idea, Idea.id == page.c.id)
        .outerjoin(User, User.id == Idea.author_id)
        .outerjoin(Board, Board.id == Idea.board_id)
        .order_by(page.c.rank, page.c.key.desc(), page.c.id.desc())
    )  # fmt: skip


def _number(value: int):
    """An integer written into a statement kept for reuse: one parameter fewer to bind."""
    return literal_column(str(int(value)), Integer)


@functools.lru_cache(maxsize=512)
def _browse_count(viewer: Viewer, board_id, stage, tag, show_finished: bool, voted_by):
    """A board's ideas without a search, counted up to COUNT_CAP + 1; built once per viewer and
    filters: building the statements costs more than running them."""
    if tag and board_id is not None:
        counted = select(IdeaTag.idea_id).where(
            *_tagged_conditions(viewer, board_id, stage, tag, show_finished, voted_by)
        )
    else:
        conditions = _list_conditions(viewer, board_id, stage, tag, show_finished, voted_by)
        counted = select(Idea.id).where(*conditions)
    return select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())


def _tagged_conditions(viewer: Viewer, board_id: int, stage, tag: str, show_finished: bool,
                       voted_by) -> list:  # fmt: skip
    """A board's filters for the ideas tagged `tag`, on the tag's idea_tag rows (their copies
    of the idea's columns): one range of an ix_idea_tag_* index, read without the idea table."""
    # A private tag's slug, to whoever may not see it, is a tag that does not exist.
    tag_id = select(Tag.id).where(Tag.slug == tag, visible_tags(viewer)).scalar_subquery()
    conditions = _list_conditions(viewer, board_id, stage, None, show_finished, voted_by)
    return [IdeaTag.tag_id == tag_id, *(_on_tag_rows(condition) for condition in conditions)]


@functools.lru_cache(maxsize=1024)
def _browse_page(viewer: Viewer, board_id, stage, tag, show_finished: bool, voted_by,
                 sort: Sort, page: int, page_size: int, few: bool):  # fmt: skip
    """One page of a board without a search. The page's ids are found first, along the sort's
    index (or, when `few` pass the filters, by sorting those), and only they are joined to
    their authors and boards: OFFSET skips bare ids."""
    if tag and board_id is not None:  # along the tag's rows on the board, in the sort's order
        conditions = _tagged_conditions(viewer, board_id, stage, tag, show_finished, voted_by)
        order = [_on_tag_rows(column) for column in _sort_order(sort)]
        ids = select(IdeaTag.idea_id).where(*conditions).order_by(*order)
    else:
        conditions = _list_conditions(viewer, board_id, stage, tag, show_finished, voted_by)
        if few:
            conditions = [Idea.id.in_(select(Idea.id).where(*conditions).limit(COUNT_CAP + 1))]
        ids = _sorted(select(Idea.id).where(*conditions), sort)
    ids = ids.limit(page_size + 1).offset((page - 1) * page_size)
    return _sorted(_listed([Idea.id.in_(ids)]), sort)


def _attach_viewer_votes_and_tags(session: Session, viewer: Viewer, items: list[IdeaRow]) -> None:
    ids = [item.id for item in items]
    if not ids:
        return
    connection = session.connection()  # columns only: nothing for the ORM to do
    voted: set[int] = set()
    if viewer.is_signed_in:
        found = connection.execute(_viewer_votes(), {"user_id": viewer.user_id, "ids": ids})
        voted = set(found.scalars())
    tags: dict[int, list[TagBadge]] = {}
    for idea_id, name, colour, private in connection.execute(_row_tags(viewer), {"ids": ids}):
        tags.setdefault(idea_id, []).append(TagBadge(name, colour, private))
    for item in items:
        item.viewer_voted = item.id in voted
        item.viewer_can_vote = viewer.is_signed_in and stages.accepts_votes(item.stage)
        item.tags = tags.get(item.id, [])


@functools.cache
def _viewer_votes():
    """Which of a list's ideas the viewer voted for: built once, as every list page asks."""
    return select(Vote.idea_id).where(
        Vote.user_id == bindparam("user_id"), Vote.idea_id.in_(bindparam("ids", expanding=True))
    )


@functools.lru_cache(maxsize=256)
def _row_tags(viewer: Viewer):
    """The tags `viewer` may see on a list's ideas: built once per viewer."""
    return (
        select(IdeaTag.idea_id, Tag.name, Tag.colour, Tag.is_private)
        .join(Tag)
        .where(IdeaTag.idea_id.in_(bindparam("ids", expanding=True)), visible_tags(viewer))
        .order_by(Tag.name)
    )


def vote_button(session: Session, viewer: Viewer, idea_id: int) -> IdeaRow:
    """The row a vote button shows after a vote, for an idea already checked visible to
    `viewer`: its count, and whether the viewer has voted, in one query (built once)."""
    row = session.execute(
        _vote_button_statement(), {"idea_id": idea_id, "user_id": viewer.user_id}
    ).one()
    item = _idea_row(row, row.display_name)
    item.viewer_voted = row.voted
    item.viewer_can_vote = viewer.is_signed_in and stages.accepts_votes(item.stage)
    return item


@functools.cache
def _vote_button_statement():
    voted = (
        select(Vote.id)
        .where(Vote.idea_id == Idea.id, Vote.user_id == bindparam("user_id"))
        .exists()
        .label("voted")
    )
    return (
        select(*ROW_COLUMNS, User.display_name, voted)
        .join(User, User.id == Idea.author_id)
        .where(Idea.id == bindparam("idea_id"))
    )


def similar_ideas(session: Session, viewer: Viewer, title: str) -> list[IdeaRow]:
    """Up to five ideas the viewer may see whose titles share words with `title`, best first."""
    found = search.find(session, title, titles_only=True, stopwords=search.STOPWORDS,
                        candidates=search.SIMILAR_CANDIDATES)  # fmt: skip
    if found is None:
        return []
    rows = session.execute(_similar(viewer, found.shape), found.params).all()
    items = [_idea_row(row, row.display_name) for row in rows]
    _attach_viewer_votes_and_tags(session, viewer, items)
    return items


@functools.lru_cache(maxsize=512)
def _similar(viewer: Viewer, shape: tuple):
    """similar_ideas' statement, built once per viewer and search shape."""
    ranked = search.Found(shape, {}).statement
    return (
        select(*ROW_COLUMNS, User.display_name)
        .select_from(ranked)
        .join(Idea, Idea.id == ranked.c.idea_id)
        .join(User, User.id == Idea.author_id)
        .where(ideas_visible_to(viewer), Idea.stage != stages.Stage.merged)
        .order_by(ranked.c.rank, Idea.vote_count.desc(), Idea.id.desc())
        .limit(SIMILAR_LIMIT)
    )


@dataclass
class CommentRow:
    id: int
    author_name: str
    author_is_staff: bool
    body_html: Markup
    body: str
    created_at: datetime
    edited: bool
    hidden: bool
    viewer_can_edit: bool
    viewer_can_hide: bool
    viewer_can_delete: bool

    @property
    def created_iso(self) -> str:
        """The time for <time datetime>: a method called from a template costs three times more."""
        return self.created_at.isoformat()


@dataclass
class TimelineEntry:
    created_at: datetime
    public_status: str
    message: str


@dataclass(frozen=True)
class BoardLink:
    """The board an idea is on, as its page links to it."""

    slug: str
    name: str


@dataclass
class IdeaPage:
    idea: IdeaRow
    body_html: Markup
    board: BoardLink
    comments: list[CommentRow]
    earlier_comments: int | None  # the first comment shown, when there are earlier ones
    latest_comments: bool  # the page shows the latest comments
    timeline: list[TimelineEntry]
    viewer_follows: bool
    viewer_can_comment: bool
    viewer_can_edit: bool
    # Images of the idea (under None) and of the comments shown (under each comment's id).
    attachments: dict = field(default_factory=dict)


# Built once (the author and board are parameters): building it costs more than running it.
_AUTHOR_AND_BOARD = (
    select(User.display_name, Board.slug, Board.name)
    .join(Board, Board.id == bindparam("board_id"))
    .where(User.id == bindparam("author_id"))
)


def idea_page(
    session: Session, viewer: Viewer, idea: Idea, *, comments_before: int | None = None
) -> IdeaPage:
    """Everything the idea page shows, for an idea already checked visible to `viewer`: the
    latest COMMENTS_PER_PAGE comments, or those before comment `comments_before`."""
    # Columns only, so the statements run on the session's connection without the ORM's work
    # per statement (a third of running one); services flush, so nothing written is missed.
    reader = session.connection()
    author_name, board_slug, board_name = reader.execute(
        _AUTHOR_AND_BOARD, {"author_id": idea.author_id, "board_id": idea.board_id}
    ).one()
    board = BoardLink(board_slug, board_name)
    row = _idea_row(idea, author_name, board_slug, board_name)
    _attach_viewer_vote_and_tags_of_one(reader, viewer, row)
    comments, earlier = _comments(reader, viewer, idea.id, comments_before)
    return IdeaPage(
        idea=row,
        body_html=render_markdown(idea.body),
        board=board,
        comments=comments,
        earlier_comments=earlier,
        latest_comments=comments_before is None,
        timeline=_timeline(reader, idea.id),
        viewer_follows=_follows(session, viewer, idea.id),
        viewer_can_comment=viewer.is_signed_in and stages.accepts_comments(idea.stage),
        viewer_can_edit=can_edit_idea(idea, viewer),
        attachments=attachments_on_page(reader, idea.id, [c.id for c in comments]),
    )


def _attach_viewer_vote_and_tags_of_one(
    session: Session | Connection, viewer: Viewer, row: IdeaRow
) -> None:
    """_attach_viewer_votes_and_tags for the one idea of a page, with statements built once."""
    parameters = {"idea_id": row.id}
    if viewer.is_signed_in:
        parameters["user_id"] = viewer.user_id
        row.viewer_voted = session.scalar(_VOTED, parameters) is not None
        row.viewer_can_vote = stages.accepts_votes(row.stage)
    row.tags = [TagBadge(*tag) for tag in session.execute(_tags_of_one(viewer), parameters)]


_VOTED = select(Vote.idea_id).where(
    Vote.user_id == bindparam("user_id"), Vote.idea_id == bindparam("idea_id")
)


@functools.lru_cache(maxsize=512)
def _tags_of_one(viewer: Viewer):
    """Built once per viewer (the idea is a parameter), like access._visible_idea."""
    return (
        select(Tag.name, Tag.colour, Tag.is_private)
        .select_from(IdeaTag)
        .join(Tag)
        .where(IdeaTag.idea_id == bindparam("idea_id"), visible_tags(viewer))
        .order_by(Tag.name)
    )


def _comments(
    session: Session | Connection, viewer: Viewer, idea_id: int, before: int | None
) -> tuple[list[CommentRow], int | None]:
    """A page of comments, oldest first, and the id to ask for the ones before it (if any)."""
    moderator = can_moderate(viewer)  # hidden comments: shown, marked, to moderators only
    parameters = {"idea_id": idea_id}
    if before is not None:
        parameters["before"] = before
    rows = session.execute(_comments_statement(moderator, before is not None), parameters).all()
    shown = rows[:COMMENTS_PER_PAGE][::-1]
    person = viewer.user_id
    comments = []
    for row in shown:  # unpacked: a row's columns read by name cost more than the rest
        comment_id, _author, body, html, created_at, edited_at, hidden_at, name, role = row
        comments.append(
            CommentRow(
                id=comment_id,
                author_name=name,
                author_is_staff=role in STAFF_ROLES,
                body_html=comment_html(html, body),
                body=body,
                created_at=created_at,
                edited=edited_at is not None,
                hidden=hidden_at is not None,
                # Asked only of someone signed in: nobody else may edit or delete a comment.
                viewer_can_edit=person is not None and can_edit_comment(row, person),
                viewer_can_hide=moderator,
                viewer_can_delete=person is not None and can_delete_comment(row, viewer),
            )
        )
    return comments, shown[0].id if len(rows) > COMMENTS_PER_PAGE else None


@functools.cache
def _comments_statement(moderator: bool, keyset: bool):
    """Built once per kind of page (the idea and the anchor are parameters): building it costs
    more than running it. `keyset`: the comments older than comment `before`, by (time, id)."""
    conditions = [Comment.idea_id == bindparam("idea_id"), Comment.is_internal.is_(False)]
    if not moderator:
        conditions.append(Comment.hidden_at.is_(None))
    if keyset:
        anchor = aliased(Comment)
        anchor_time = select(anchor.created_at).where(
            anchor.id == bindparam("before"), anchor.idea_id == bindparam("idea_id")
        )
        conditions.append(
            tuple_(Comment.created_at, Comment.id)
            < tuple_(anchor_time.scalar_subquery(), bindparam("before", type_=Integer))
        )
    # Columns, not Comment objects: a busy idea has hundreds, and the page only reads them.
    return (
        select(Comment.id, Comment.author_id, Comment.body, Comment.body_html,
               Comment.created_at, Comment.edited_at, Comment.hidden_at, User.display_name,
               User.role)
        .join(User, User.id == Comment.author_id)
        .where(*conditions)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(COMMENTS_PER_PAGE + 1)
    )  # fmt: skip


def comment_html(stored: str | None, body: str) -> Markup:
    """A comment's sanitised HTML: as stored when it was written, else rendered now."""
    return Markup(stored) if stored is not None else render_markdown(body)


def _timeline(session: Session | Connection, idea_id: int) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            created_at=created_at,
            public_status=str(stages.PUBLIC_STATUS[to_stage]),
            message=message,
        )
        for created_at, to_stage, message in session.execute(_TIMELINE, {"idea_id": idea_id})
    ]


# Columns, not StageChange objects, in a statement built once (the idea is a parameter).
_TIMELINE = (
    select(StageChange.created_at, StageChange.to_stage, StageChange.public_message)
    .where(StageChange.idea_id == bindparam("idea_id"))
    .order_by(StageChange.created_at)
)


def _follows(session: Session, viewer: Viewer, idea_id: int) -> bool:
    if not viewer.is_signed_in:
        return False
    return (
        session.scalar(
            select(Follower.id).where(
                and_(
                    Follower.idea_id == idea_id,
                    Follower.user_id == viewer.user_id,
                    Follower.unfollowed_at.is_(None),
                )
            )
        )
        is not None
    )


def get_comment_on_idea(session: Session, idea: Idea, comment_id: int) -> Comment | None:
    return session.scalar(
        select(Comment).where(
            Comment.id == comment_id, Comment.idea_id == idea.id, Comment.is_internal.is_(False)
        )
    )


@dataclass(frozen=True)
class MyIdeaRow:
    """One idea on a person's activity page, and how they are tied to it."""

    id: int
    title: str
    slug: str
    stage: stages.Stage
    vote_count: int
    posted: bool
    voted: bool
    following: bool

    @property
    def public_status(self) -> str:
        return str(stages.PUBLIC_STATUS[self.stage])


@dataclass(frozen=True)
class Slice:
    """A page of a list that is not counted in full: only whether more follows."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def list_my_ideas(session: Session, viewer: Viewer, *, page: int, page_size: int) -> Slice:
    """The ideas the viewer posted, voted for or follows, that they may still see, most
    recently moved first."""
    person = viewer.user_id
    voted = select(Vote.idea_id).where(Vote.user_id == person)
    following = select(Follower.idea_id).where(
        Follower.user_id == person, Follower.unfollowed_at.is_(None)
    )
    query = (
        select(
            Idea.id,
            Idea.title,
            Idea.slug,
            Idea.stage,
            Idea.vote_count,
            Idea.author_id == person,
            Idea.id.in_(voted),
            Idea.id.in_(following),
        )  # fmt: skip
        .where(
            or_(Idea.author_id == person, Idea.id.in_(voted), Idea.id.in_(following)),
            Idea.stage != stages.Stage.merged,
            ideas_visible_to(viewer),
        )
        .order_by(Idea.stage_changed_at.desc(), Idea.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    rows = [MyIdeaRow(*row) for row in session.execute(query)]
    return Slice(items=rows[:page_size], number=page, has_next=len(rows) > page_size)
