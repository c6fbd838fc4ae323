"""The admin's read model of people: a page of them with their organisations and activity
counts, one person, the pending invitations and a person's history.

Each page is a fixed number of statements, each served by an index: the page itself (keyset on
id, or a prefix range on the email or lowercased name), a count capped at COUNT_CAP, and one
statement each for the rows' organisations and for their ideas, votes and comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, literal, select, union, union_all
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, Organisation, User
from portal.audit.models import AuditEntry
from portal.ideas.models import Comment, Idea, Vote
from portal.people.models import Invitation
from portal.roles import Role

PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COUNT_CAP = 1000
HISTORY_SIZE = 20
INVITATIONS_SHOWN = 100
# Sorts after every character a text may hold: the end of a prefix range on an index.
_PREFIX_END = "\U0010ffff"


@dataclass(frozen=True)
class PeopleFilters:
    search: str = ""
    role: Role | None = None
    blocked: bool | None = None  # None: everyone


@dataclass
class PersonRow:
    id: int
    display_name: str
    email: str
    role: Role
    created_at: datetime
    last_signed_in_at: datetime | None
    blocked_at: datetime | None
    blocked_reason: str
    organisations: list[str] = field(default_factory=list)
    ideas: int = 0
    votes: int = 0
    comments: int = 0


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    total: int
    capped: bool  # more than `total` match
    next_before: int | None  # the keyset of the next (older) page, if there is one


_COLUMNS = (User.id, User.display_name, User.email, User.role, User.created_at,
            User.last_signed_in_at, User.blocked_at, User.blocked_reason)  # fmt: skip


def _matching(filters: PeopleFilters):
    query = select(User.id)
    prefix = filters.search.strip().lower()
    if prefix:
        end = prefix + _PREFIX_END
        name = func.lower(User.display_name)
        # Two index ranges (the unique email index, ix_user_account_name_lower), united.
        by_email = select(User.id).where(User.email >= prefix, User.email < end)
        by_name = select(User.id).where(name >= prefix, name < end)
        query = query.where(User.id.in_(union(by_email, by_name)))
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.blocked is True:
        # A range, not IS NOT NULL, which SQLite cannot read from an index.
        query = query.where(User.blocked_at >= EPOCH)
    elif filters.blocked is False:
        query = query.where(User.blocked_at.is_(None))
    return query


def page_query(filters: PeopleFilters):
    """The statement of a page's rows, newest first."""
    newest_first = User.id.desc()
    if filters.blocked is True:
        # Few are blocked: read their index and sort them, rather than walk the whole table
        # in id order (which SQLite's planner, without statistics, prefers).
        newest_first = (User.id + 0).desc()
    return (
        _matching(filters).with_only_columns(*_COLUMNS).order_by(newest_first).limit(PAGE_SIZE + 1)
    )


def list_people(session: Session, filters: PeopleFilters, *, before: int | None) -> PeoplePage:
    """Newest first, PAGE_SIZE at a time (keyset on id), with how many match (capped)."""
    matching = _matching(filters)
    found = session.scalar(
        select(func.count()).select_from(matching.limit(COUNT_CAP + 1).subquery())
    )
    query = page_query(filters)
    if before is not None:
        query = query.where(User.id < before)
    rows = [PersonRow(*row) for row in session.execute(query)]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    _fill(session, rows)
    return PeoplePage(rows, min(found or 0, COUNT_CAP), (found or 0) > COUNT_CAP,
                      rows[-1].id if more else None)  # fmt: skip


def get_person(session: Session, person_id: int) -> PersonRow | None:
    """One person with their organisations and counts, or None."""
    row = session.execute(select(*_COLUMNS).where(User.id == person_id)).first()
    if row is None:
        return None
    person = PersonRow(*row)
    _fill(session, [person])
    return person


def _fill(session: Session, rows: list[PersonRow]) -> None:
    """Organisations and activity counts of the rows: two statements whatever their number,
    each reading the indexes on membership(user_id, …), idea.author_id, vote.user_id and
    comment.author_id."""
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    ids = sorted(by_id)
    for user_id, name in session.execute(
        select(Membership.user_id, Organisation.name)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(ids))
        .order_by(Membership.user_id, Organisation.name)
    ):
        by_id[user_id].organisations.append(name)

    def counted(kind: str, person, table):
        return (
            select(person.label("user_id"), literal(kind).label("kind"), func.count())
            .select_from(table)
            .where(person.in_(ids))
            .group_by(person)
        )

    counts = union_all(
        counted("ideas", Idea.author_id, Idea),
        counted("votes", Vote.user_id, Vote),
        counted("comments", Comment.author_id, Comment),
    )
    for user_id, kind, count in session.execute(counts):
        setattr(by_id[user_id], kind, count)


def pending_invitations(session: Session) -> list[Invitation]:
    """Invitations neither accepted nor revoked, newest first (ix_invitation_pending)."""
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.id.desc())
            .limit(INVITATIONS_SHOWN)
        )
    )


def history(session: Session, person_id: int) -> list[tuple[AuditEntry, str | None]]:
    """The latest audit entries about a person, with who made each (ix_audit_entry_target)."""
    return list(
        session.execute(
            select(AuditEntry, User.display_name)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .where(AuditEntry.target_type == "person", AuditEntry.target_id == person_id)
            .order_by(AuditEntry.id.desc())
            .limit(HISTORY_SIZE)
        ).all()
    )
