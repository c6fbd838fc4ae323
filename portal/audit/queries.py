"""The admin's audit log: a page of entries newest first, filtered by who acted, by kind of
action and by date, with the names the sentences need — a fixed number of queries, each served
by an index (ix_audit_entry_actor_recent, ix_audit_entry_kind_recent, ix_audit_entry_created_at,
primary keys)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.ideas.models import Idea, Tag
from portal.roles import STAFF_ROLES

AUDIT_PAGE = 50
ACTOR_CHOICES_LIMIT = 500


@dataclass(frozen=True)
class AuditFilters:
    actor_id: int | None = None  # someone's actions
    by_system: bool = False  # or only what Feedloop did by itself
    kind: str | None = None  # "idea", "person"… (what comes before the action's dot)
    since: datetime | None = None  # UTC, inclusive
    until: datetime | None = None  # UTC, exclusive


@dataclass
class AuditPage:
    rows: list[tuple[AuditEntry, str | None]]
    newer: int | None = None  # ?after= for the page before (newer entries)
    older: int | None = None  # ?before= for the page after (older entries)
    ideas: dict[int, tuple[str, bool]] = field(default_factory=dict)  # id -> (title, deleted)
    people: dict[int, str] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)


def _first_id_from(session: Session, moment: datetime) -> int | None:
    """The first entry recorded at or after `moment` (ix_audit_entry_created_at): dates become
    id bounds, so the page itself walks one index whatever the range."""
    return session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.created_at >= moment)
        .order_by(AuditEntry.created_at)
        .limit(1)
    )


def audit_page(
    session: Session,
    filters: AuditFilters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = AUDIT_PAGE,
) -> AuditPage:
    """One page of entries newest first, keyset on id: older than `before`, or the page just
    newer than `after`."""
    statement = select(AuditEntry, User.display_name).outerjoin(
        User, User.id == AuditEntry.actor_id
    )
    if filters.by_system:
        statement = statement.where(AuditEntry.actor_id.is_(None))
    elif filters.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.kind:
        statement = statement.where(AuditEntry.kind == filters.kind)
    if filters.since is not None:
        lowest = _first_id_from(session, filters.since)
        if lowest is None:
            return AuditPage(rows=[])
        statement = statement.where(AuditEntry.id >= lowest)
    if filters.until is not None:
        beyond = _first_id_from(session, filters.until)
        if beyond is not None:
            statement = statement.where(AuditEntry.id < beyond)
    if after is not None:
        rows = session.execute(
            statement.where(AuditEntry.id > after).order_by(AuditEntry.id).limit(size + 1)
        ).all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        page = AuditPage(rows=rows, newer=rows[0][0].id if rows and more_newer else None)
        page.older = rows[-1][0].id if rows else None
    else:
        if before is not None:
            statement = statement.where(AuditEntry.id < before)
        rows = session.execute(statement.order_by(AuditEntry.id.desc()).limit(size + 1)).all()
        more_older = len(rows) > size
        rows = list(rows[:size])
        page = AuditPage(rows=rows, older=rows[-1][0].id if rows and more_older else None)
        page.newer = rows[0][0].id if rows and before is not None else None
    _names(session, page)
    return page


def with_names(session: Session, rows: list[tuple[AuditEntry, str | None]]) -> AuditPage:
    """Entries read elsewhere (a person's history), with the names their sentences need."""
    page = AuditPage(rows=list(rows))
    _names(session, page)
    return page


def _names(session: Session, page: AuditPage) -> None:
    """The ideas, people and tags the entries speak of: one query each, by primary key."""
    idea_ids, person_ids, tag_ids = set(), set(), set()
    for entry, _name in page.rows:
        details = entry.details or {}
        if entry.target_type == "idea" and entry.target_id:
            idea_ids.add(entry.target_id)
        elif entry.target_type == "person" and entry.target_id:
            person_ids.add(entry.target_id)
        elif entry.target_type == "tag" and entry.target_id:
            tag_ids.add(entry.target_id)
        for key in ("idea", "into"):
            if isinstance(details.get(key), int) and entry.target_type in ("idea", "feedback"):
                idea_ids.add(details[key])
    if idea_ids:
        page.ideas = {
            idea_id: (title, deleted_at is not None)
            for idea_id, title, deleted_at in session.execute(
                select(Idea.id, Idea.title, Idea.deleted_at).where(Idea.id.in_(idea_ids))
            )
        }
    if person_ids:
        page.people = dict(
            session.execute(select(User.id, User.display_name).where(User.id.in_(person_ids))).all()
        )
    if tag_ids:
        page.tags = dict(session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(tag_ids))).all())


def actor_choices(session: Session, also: int | None = None) -> list[tuple[int, str]]:
    """Staff and admins by name (ix_user_account_role_name), and the person asked for if they
    are a customer (one who deleted their comment, say)."""
    people = list(
        session.execute(
            select(User.id, User.display_name)
            .where(User.role.in_(STAFF_ROLES))
            .order_by(User.role, User.display_name)
            .limit(ACTOR_CHOICES_LIMIT)
        ).all()
    )
    if also is not None and all(person_id != also for person_id, _ in people):
        person = session.get(User, also)
        if person is not None:
            people.append((person.id, person.display_name))
    return sorted(people, key=lambda row: row[1].casefold())
