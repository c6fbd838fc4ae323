"""The admin's read model of the lists: counts, a page of addresses, and a streamed export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.subscribers.models import Subscriber

PAGE_SIZE = 50
EXPORT_BATCH = 500
# Sorts after every character an address may hold: the end of a prefix range on the index.
_PREFIX_END = "\U0010ffff"


@dataclass(frozen=True)
class Counts:
    changelog: int
    roadmap: int
    awaiting: int


@dataclass(frozen=True)
class SubscriberPage:
    rows: list[Subscriber]
    next_before: int | None  # the keyset of the next (older) page, if there is one


def counts(session: Session) -> Counts:
    """Confirmed addresses per list, and those awaiting confirmation: one statement, each count
    read from an index (ix_subscriber_changelog / _roadmap / _confirmed)."""

    def confirmed_on(flag):
        return (
            select(func.count())
            .select_from(Subscriber)
            .where(flag.is_(True), Subscriber.confirmed_at.is_not(None))
            .scalar_subquery()
        )

    awaiting = (
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.confirmed_at.is_(None))
        .scalar_subquery()
    )
    row = session.execute(
        select(
            confirmed_on(Subscriber.wants_changelog),
            confirmed_on(Subscriber.wants_roadmap),
            awaiting,
        )  # fmt: skip
    ).one()
    return Counts(*row)


def list_subscribers(session: Session, *, before: int | None, search: str = "") -> SubscriberPage:
    """Newest first, PAGE_SIZE at a time (keyset on id); or, with `search`, the addresses
    starting with it in address order (a range on the unique email index)."""
    query = select(Subscriber).limit(PAGE_SIZE + 1)
    prefix = search.strip().lower()
    if prefix:
        query = query.where(
            Subscriber.email >= prefix, Subscriber.email < prefix + _PREFIX_END
        ).order_by(Subscriber.email)
        rows = list(session.scalars(query))
        return SubscriberPage(rows[:PAGE_SIZE], None)
    if before is not None:
        query = query.where(Subscriber.id < before)
    rows = list(session.scalars(query.order_by(Subscriber.id.desc())))
    more = len(rows) > PAGE_SIZE
    return SubscriberPage(rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id if more else None)


def export_rows(session: Session, batch_size: int = EXPORT_BATCH) -> Iterator[tuple]:
    """Every subscriber as (email, changelog, roadmap, language, confirmed_at, created_at), read
    in batches by id so the whole list is never in memory. `session` is closed after each
    batch, so give the export a session of its own."""
    columns = (Subscriber.id, Subscriber.email, Subscriber.wants_changelog,
               Subscriber.wants_roadmap, Subscriber.language, Subscriber.confirmed_at,
               Subscriber.created_at)  # fmt: skip
    last_id = 0
    while True:
        batch = session.execute(
            select(*columns)
            .where(Subscriber.id > last_id)
            .order_by(Subscriber.id)
            .limit(batch_size)
        ).all()
        # Ended before the rows go out: a slow download (or an abandoned one, whose generator
        # is only collected later) holds no connection and no transaction between batches.
        session.close()
        for row in batch:
            yield tuple(row)[1:]
        if len(batch) < batch_size:
            return
        last_id = batch[-1].id
