"""Boards, ideas, votes, comments, tags and followers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.accounts.models import User, enum_column
from portal.db import Base, UTCDateTime, utcnow
from portal.ideas.trending import NO_VOTES
from portal.lifecycle.stages import Horizon, Stage
from portal.markdown import render_markdown


class Visibility(StrEnum):
    """Ordered from widest to narrowest audience."""

    public = "public"
    customers = "customers"
    organisations = "organisations"
    internal = "internal"


class Kind(StrEnum):
    feature = "feature"
    bug = "bug"


class Severity(StrEnum):
    """Bug severity: s1 blocks the main workflow for many customers, s4 is cosmetic."""

    s1 = "s1"
    s2 = "s2"
    s3 = "s3"
    s4 = "s4"


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Channel(StrEnum):
    portal = "portal"
    email = "email"
    api = "api"
    lost_deal = "lost_deal"
    churn = "churn"
    nps = "nps"
    support = "support"
    internal = "internal"
    strategy = "strategy"


class FollowReason(StrEnum):
    authored = "authored"
    voted = "voted"
    commented = "commented"
    chose = "chose"


class Board(Base):
    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), default=Visibility.public
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardAudience(Base):
    """The organisations that may see a board whose visibility is `organisations`."""

    __tablename__ = "board_audience"
    __table_args__ = (UniqueConstraint("board_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )


# What a board's list filters on besides its board: the stage and the visibility rule's columns
# (copied to idea_tag, IDEA_TAG_COPIES).
LISTED_BY = ("stage", "visibility", "deleted_at")


class Idea(Base):
    __tablename__ = "idea"
    __table_args__ = (
        # A board's sorts (id breaks ties), each covering what a board lists by (the visibility
        # rule, the stage): counting a board and walking to page 50 read no table rows.
        Index("ix_idea_board_created", "board_id", "created_at", "id", *LISTED_BY),
        Index("ix_idea_board_votes", "board_id", "vote_count", "id", *LISTED_BY),
        Index("ix_idea_board_trend", "board_id", "trend", "id", *LISTED_BY),
        # The review queue's stage lists and the automatic close: by stage, then time in it.
        Index("ix_idea_stage_changed", "stage", "stage_changed_at", "id"),
        # The roadmap's columns: each (stage, horizon) pair in the order staff set.
        Index("ix_idea_roadmap", "stage", "horizon", "roadmap_position", "id"),
        # "Released — did it solve the need?": released ideas, most answers first.
        Index("ix_idea_stage_verification", "stage", "verification_count", "id"),
        # The admin ideas list: one index per sort (id breaks ties), and per sort within a stage.
        Index("ix_idea_score_id", "score", "id"),
        Index("ix_idea_votes_id", "vote_count", "id"),
        Index("ix_idea_created_id", "created_at", "id"),
        Index("ix_idea_arr", "demand_arr", "score", "id"),
        Index("ix_idea_stage_score", "stage", "score", "id"),
        Index("ix_idea_stage_created", "stage", "created_at", "id"),
        Index("ix_idea_owner", "owner_id"),
        # The staff list's grade filter: few ideas have a grade (ix_idea_grade_order, led by
        # `grade IS NULL`, serves the sort by grade, not this equality).
        Index("ix_idea_grade", "grade"),
        # The review queue's SLA breaches: open bugs of one severity and stage, oldest first.
        Index("ix_idea_bug_sla", "kind", "severity", "stage", "created_at", "id"),
        # The duplicate-title check on submit and edit: one board, one normalised title.
        Index("ix_idea_board_normalised_title", "board_id", "normalised_title"),
        # The admin's "Deleted ideas" page reads the few deleted ideas by who deleted them; an
        # index led by `deleted_at` would tempt the planner to serve every list's
        # `deleted_at IS NULL` through it instead of through the list's own order.
        Index("ix_idea_deleted_by", "deleted_by_id", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    # The title folded for the duplicate check (portal.ideas.service.normalise_title), kept by
    # the model hook below whenever the title changes.
    normalised_title: Mapped[str] = mapped_column(String(160), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "kind"), default=Kind.feature)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.collect)
    # Stored as the narrower of the board's and the idea's own (see portal.access.set_visibility).
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), default=Visibility.public
    )
    # The idea's own choice, kept so that a change of its board's visibility can be applied
    # again; None: it follows its board.
    own_visibility: Mapped[Visibility | None] = mapped_column(
        enum_column(Visibility, "own_visibility"), default=None
    )
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Votes fading with age, as log2 of their sum (portal.ideas.trending; the Trending sort).
    trend: Mapped[float] = mapped_column(Float, default=NO_VOTES, server_default=str(NO_VOTES))
    # Answers to "did this solve your need?" (portal.verification.service keeps them current).
    verification_count: Mapped[int] = mapped_column(Integer, default=0)
    verification_yes_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written only by portal.lifecycle.service, with the stage.
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    horizon: Mapped[Horizon | None] = mapped_column(enum_column(Horizon, "horizon"), default=None)
    target_date: Mapped[date | None] = mapped_column(Date, default=None)
    # Order within its roadmap horizon, set by staff (portal.roadmap.service).
    roadmap_position: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id"), default=None)
    # Enrichment by staff.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    severity: Mapped[Severity | None] = mapped_column(
        enum_column(Severity, "severity"), default=None
    )
    # SLA clocks (bugs): the first staff answer and the resolution.
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Priority, stored so lists can sort by it (portal.priority.service keeps it current).
    score: Mapped[float] = mapped_column(Float, default=0.0)
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "grade"), default=None)
    grade_override_reason: Mapped[str] = mapped_column(Text, default="")
    # Who asks, through their votes: stored with the score so staff lists sort and show it
    # without adding up every vote (portal.priority.service keeps them current).
    demand_organisations: Mapped[int] = mapped_column(Integer, default=0)
    demand_arr: Mapped[int] = mapped_column(BigInteger, default=0)
    demand_key_accounts: Mapped[int] = mapped_column(Integer, default=0)
    # Deleted as spam by staff: gone from every page, list, count, feed and email (the
    # visibility rule excludes it for everyone), restorable by an admin for a while.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    delete_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    board: Mapped[Board] = relationship(lazy="raise")
    author: Mapped[User] = relationship(lazy="raise", foreign_keys=[author_id])


# The admin list's grade sort: graded ideas first (A to D), each grade by score. An expression
# index, so Alembic's comparison skips it; the migration creates it.
Index(
    "ix_idea_grade_order",
    Idea.grade.is_(None),
    Idea.grade,
    Idea.score.desc(),
    Idea.id.desc(),
)


class IdeaRevision(Base):
    """An idea's title and body as they were before an edit (shown to staff)."""

    __tablename__ = "idea_revision"
    __table_args__ = (Index("ix_idea_revision_idea_edited", "idea_id", "edited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def normalise_title(title: str) -> str:
    """A title as the duplicate check compares it: case folded, whitespace collapsed."""
    return " ".join(title.casefold().split())[:160]


@event.listens_for(Idea.title, "set", propagate=True)
def _normalise_title(idea: Idea, value, _old, _initiator) -> None:
    idea.normalised_title = normalise_title(value or "")


class IdeaAudience(Base):
    """The organisations that may see an idea whose visibility is `organisations`."""

    __tablename__ = "idea_audience"
    __table_args__ = (UniqueConstraint("idea_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )


class TagColour(StrEnum):
    """The palette a tag's badge is drawn from: each a CSS class (`tag-<colour>`), never a
    colour someone typed."""

    grey = "grey"
    red = "red"
    orange = "orange"
    yellow = "yellow"
    green = "green"
    teal = "teal"
    blue = "blue"
    purple = "purple"
    pink = "pink"


class Tag(Base):
    """A module tag. Its slug is its name in URLs (`?tag=`) and stays when the tag is renamed,
    so links to a filtered board keep working. A private tag is for staff only."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    colour: Mapped[str] = mapped_column(String(16), default="grey", server_default="grey")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def css_class(self) -> str:
        return colour_class(self.colour)


def colour_class(colour: str) -> str:
    """The CSS class of a palette colour; anything else (never stored) draws as grey."""
    return f"tag-{colour if colour in TagColour.__members__ else TagColour.grey.value}"


class IdeaTag(Base):
    """An idea's tag, with a copy of what a board's list filters and sorts the idea by
    (IDEA_TAG_COPIES), so that a board filtered by a tag is counted and paged along one index
    range of the tag's rows on that board, whatever the size. The copies are written by the
    database only (IDEA_TAG_COPY_DDL: triggers on idea and idea_tag), whichever statement
    changes the idea: never set them."""

    __tablename__ = "idea_tag"
    __table_args__ = (
        UniqueConstraint("idea_id", "tag_id"),
        # One per board sort (idea_id breaks ties), covering the stage and the visibility rule.
        Index("ix_idea_tag_votes", "tag_id", "board_id", "vote_count", "idea_id", *LISTED_BY),
        Index("ix_idea_tag_created", "tag_id", "board_id", "created_at", "idea_id", *LISTED_BY),
        Index("ix_idea_tag_trend", "tag_id", "board_id", "trend", "idea_id", *LISTED_BY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"))
    # Copies of the idea's columns of the same names (the server defaults last only until the
    # insert trigger has copied the idea's values).
    board_id: Mapped[int] = mapped_column(Integer, server_default="0")
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), server_default="collect")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), server_default="internal"
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    vote_count: Mapped[int] = mapped_column(Integer, server_default="0")
    trend: Mapped[float] = mapped_column(Float, server_default=str(NO_VOTES))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())


# The idea's columns idea_tag keeps a copy of, under the same names.
IDEA_TAG_COPIES = ("board_id", "stage", "visibility", "deleted_at", "vote_count", "trend",
                   "created_at")  # fmt: skip
_COPIED = ", ".join(IDEA_TAG_COPIES)
_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IDEA_TAG_COPIES)
# The triggers that keep the copies: a new idea_tag row takes its idea's values, and a change to
# any of them on idea (by the ORM, a bulk UPDATE, a migration or raw SQL alike) is copied to its
# idea_tag rows. Made with the table (create_all) and by the migration that added them. On
# SQLite a table rebuilt by a batch migration loses its triggers: tests/ideas/test_tag_filter.py
# checks they exist after every migration.
IDEA_TAG_COPY_DDL = {
    "sqlite": [
        *(
            f"CREATE TRIGGER idea_tag_copy_idea{suffix} AFTER {when} ON idea_tag BEGIN "
            f"UPDATE idea_tag SET ({_COPIED}) = (SELECT {_COPIED} FROM idea "
            "WHERE idea.id = NEW.idea_id) WHERE id = NEW.id; END"
            for suffix, when in (("", "INSERT"), ("_moved", "UPDATE OF idea_id"))
        ),
        f"CREATE TRIGGER idea_copy_to_tags AFTER UPDATE OF {_COPIED} ON idea "
        f"WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
        f"UPDATE idea_tag SET ({_COPIED}) = ({', '.join('NEW.' + c for c in IDEA_TAG_COPIES)}) "
        "WHERE idea_id = NEW.id; END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION idea_tag_copy_idea() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN SELECT {_COPIED} INTO "
        f"{', '.join('NEW.' + c for c in IDEA_TAG_COPIES)} FROM idea WHERE id = NEW.idea_id; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER idea_tag_copy_idea BEFORE INSERT OR UPDATE OF idea_id ON idea_tag "
        "FOR EACH ROW EXECUTE FUNCTION idea_tag_copy_idea()",
        "CREATE OR REPLACE FUNCTION idea_copy_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN UPDATE idea_tag SET ({_COPIED}) = "
        f"({', '.join('NEW.' + c for c in IDEA_TAG_COPIES)}) WHERE idea_id = NEW.id; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER idea_copy_to_tags AFTER UPDATE OF {_COPIED} ON idea FOR EACH ROW "
        f"WHEN ({_CHANGED}) EXECUTE FUNCTION idea_copy_to_tags()",
    ],
}
IDEA_TAG_COPY_DROP_DDL = {
    "sqlite": ["DROP TRIGGER IF EXISTS idea_copy_to_tags",
               "DROP TRIGGER IF EXISTS idea_tag_copy_idea",
               "DROP TRIGGER IF EXISTS idea_tag_copy_idea_moved"],
    "postgresql": ["DROP TRIGGER IF EXISTS idea_copy_to_tags ON idea",
                   "DROP FUNCTION IF EXISTS idea_copy_to_tags()",
                   "DROP TRIGGER IF EXISTS idea_tag_copy_idea ON idea_tag",
                   "DROP FUNCTION IF EXISTS idea_tag_copy_idea()"],
}  # fmt: skip
for _when, _ddl in (("after_create", IDEA_TAG_COPY_DDL), ("before_drop", IDEA_TAG_COPY_DROP_DDL)):
    for _dialect, _statements in _ddl.items():
        for _statement in _statements:
            event.listen(IdeaTag.__table__, _when, DDL(_statement).execute_if(dialect=_dialect))


class Vote(Base):
    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_vote_idea_created", "idea_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"), default="portal")
    original_words: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # `body` as sanitised HTML, stored whenever `body` is set, so that a page of comments does
    # not render Markdown per view (and rendered again when the rendering changes:
    # portal/stored_html.py). NULL only for rows written by hand without it: readers render
    # those (queries.comment_html).
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")

    @validates("body")
    def _store_html(self, _key: str, body: str) -> str:
        self.body_html = str(render_markdown(body))
        return body


class Follower(Base):
    """A person's subscription to an idea's news. `unfollowed_at` remembers an explicit opt-out,
    so voting or commenting later does not silently subscribe them again."""

    __tablename__ = "follower"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reason: Mapped[FollowReason] = mapped_column(enum_column(FollowReason, "follow_reason"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unfollowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SearchEntry(Base):
    """An idea's title and body as the search index reads them (words folded, Chinese as
    overlapping pairs of characters): written by portal.ideas.search whenever an idea is
    inserted or its title or body changes, and indexed by the database (FTS5 on SQLite, a GIN
    index of a tsvector on PostgreSQL; SEARCH_INDEX_DDL below)."""

    __tablename__ = "search_entry"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class SearchWord(Base):
    """Every word ever indexed, so that a prefix ("expor") becomes a few exact words through a
    B-tree range instead of a walk of every posting of every word it begins. Never pruned: a
    word no idea has any more just matches nothing."""

    __tablename__ = "search_word"

    word: Mapped[str] = mapped_column(String(200), primary_key=True)


# The index itself, which no model describes: made with the table (create_all in tests) and by
# the migration that added it. On SQLite an external-content FTS5 table over search_entry, kept
# by triggers on search_entry (ours, so a batch migration of `idea` cannot drop them); on
# PostgreSQL a GIN index of a generated tsvector column.
SEARCH_FTS_TABLE = "search_fts"
# PostgreSQL: the weighted tsvector is a stored generated column (computed once per write, never
# per query), GIN-indexed; no model declares it, the queries name it (portal.ideas.search).
SEARCH_DOCUMENT_COLUMN = "document"
SEARCH_DOCUMENT_SQL = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')"
)
SEARCH_INDEX_DDL = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE {SEARCH_FTS_TABLE} USING fts5(title, body, "
        "content='search_entry', content_rowid='idea_id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
        f"INSERT INTO {SEARCH_FTS_TABLE}(rowid, title, body) "
        "VALUES (new.idea_id, new.title, new.body); END",
        f"CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
        f"INSERT INTO {SEARCH_FTS_TABLE}({SEARCH_FTS_TABLE}, rowid, title, body) "
        "VALUES ('delete', old.idea_id, old.title, old.body); END",
        f"CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN "
        f"INSERT INTO {SEARCH_FTS_TABLE}({SEARCH_FTS_TABLE}, rowid, title, body) "
        "VALUES ('delete', old.idea_id, old.title, old.body); "
        f"INSERT INTO {SEARCH_FTS_TABLE}(rowid, title, body) "
        "VALUES (new.idea_id, new.title, new.body); END",
    ],
    "postgresql": [
        f"ALTER TABLE search_entry ADD COLUMN {SEARCH_DOCUMENT_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_DOCUMENT_SQL}) STORED",
        "CREATE INDEX ix_search_entry_document ON search_entry "
        f"USING gin ({SEARCH_DOCUMENT_COLUMN})",
    ],
}
SEARCH_INDEX_DROP_DDL = {
    "sqlite": [f"DROP TABLE IF EXISTS {SEARCH_FTS_TABLE}"],
    "postgresql": ["DROP INDEX IF EXISTS ix_search_entry_document"],
}


def is_search_index(name: str | None, type_: str, parent_names: dict | None = None) -> bool:
    """The FTS5 table and its shadow tables, or the tsvector column and its GIN index: made by
    DDL, not by a model, so Alembic's comparison leaves them alone (an `include_name` filter)."""
    if type_ == "column":
        table = (parent_names or {}).get("table_name")
        return table == "search_entry" and name == SEARCH_DOCUMENT_COLUMN
    if type_ == "table":
        return name == SEARCH_FTS_TABLE or (name or "").startswith(SEARCH_FTS_TABLE + "_")
    return type_ == "index" and name == "ix_search_entry_document"


for _dialect, _statements in SEARCH_INDEX_DDL.items():
    for _statement in _statements:
        event.listen(
            SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
for _dialect, _statements in SEARCH_INDEX_DROP_DDL.items():
    for _statement in _statements:
        event.listen(
            SearchEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect)
        )


@event.listens_for(Idea, "after_insert")
def _index_new_idea(_mapper, connection, idea: Idea) -> None:
    from portal.ideas import search  # the index's own module, which imports these models

    search.index_idea(connection, idea, new=True)


@event.listens_for(Idea, "after_update")
def _index_edited_idea(_mapper, connection, idea: Idea) -> None:
    from sqlalchemy import inspect

    from portal.ideas import search

    state = inspect(idea)
    if state.attrs.title.history.has_changes() or state.attrs.body.history.has_changes():
        search.index_idea(connection, idea, new=False)
