"""Move the page generation on at the commit of every transaction that wrote to a table a page
may show, and read it.

Installed on the engine, not in the services: every statement SQLAlchemy sends to the driver
passes it (ORM flushes, Core UPDATEs such as a vote's count, bulk statements, text() and
exec_driver_sql), so no write path of the portal can forget it. Writes it cannot see (a raw driver
cursor, psql, a migration's own engine) show within PAGE_CACHE_SECONDS.

The generation is the SUM of STRIPES rows: a writing transaction adds one to ONE row, chosen at
random, so writers committing at the same moment seldom queue on the same row lock. With one
row every writing transaction of the database queued on it for its whole commit (its WAL flush
included). Measured, 16 threads of small write transactions on PostgreSQL: ~520-650 commits/s
on one row, ~1,400-1,750 on 16 rows, ~2,450 without the hook; reading 16 rows instead of one
costs ~1-6 µs more a read on PostgreSQL, ~1 µs on SQLite.

The sum rises by exactly one per committed writing transaction and never falls. It still names
one state of the database: the commits a statement sees form a prefix of one order, the same
for every reader (SQLite has one writer at a time; PostgreSQL takes a snapshot of the
transactions that had ended, and they end one after another), so two reads giving the same sum
saw the same commits.

The row moves inside the writing transaction, as its last statement before COMMIT, through the
driver's own cursor: a reader never sees the new sum with the old data, and on PostgreSQL the
row is locked only for the commit itself. Taken last, and only one, the lock can be waited for
but never deadlock with the rows a transaction wrote first (whoever holds it has nothing left
to wait for). `number = number + 1` under READ COMMITTED (the portal's isolation) reads the
row as the holder committed it, so waiting loses no count and fails nothing.
"""

from __future__ import annotations

import random
import re
import time

from flask import current_app, g
from sqlalchemy import DDL, event
from sqlalchemy.engine import Connection, Engine

from portal.pagecache.models import PageGeneration

# Tables no page shows anything of: writing them (an email sent, an audit line, a sign-in link)
# leaves every page as it was.
QUIET_TABLES = frozenset(
    {"outbox_message", "audit_entry", "sign_in_link", "digest_item", "page_generation"}
)
_WROTE = "feedloop_page_write"
# Statements that change no row (schema changes come with a restart).
NOT_WRITES = (
    *("select", "pragma", "begin", "explain", "savepoint", "release", "rollback", "set ", "show"),
    *("values", "create", "drop", "alter", "analyze", "vacuum"),
)
# How many rows the generation is spread over: writers committing together each pick one at
# random (64 measured no faster than 16 with 16 writers). The rows are made with the table
# (below, and by the migrations); ids 1..STRIPES.
STRIPES = 16
_BUMPS = tuple(
    f"UPDATE page_generation SET number = number + 1 WHERE id = {row}"
    for row in range(1, STRIPES + 1)
)
# SUM of BIGINTs is NUMERIC on PostgreSQL: read back as an int on both. NULL (None) without rows.
_READ = "SELECT CAST(SUM(number) AS BIGINT) FROM page_generation"

event.listen(
    PageGeneration.__table__,
    "after_create",
    DDL(
        "INSERT INTO page_generation (id, number) VALUES "
        + ", ".join(f"({row}, 0)" for row in range(1, STRIPES + 1))
    ),
)


def watch_writes(engine: Engine) -> None:
    # At the cursor: the one event every statement passes, exec_driver_sql's strings included
    # (before_execute does not see those).
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _move_on)
    event.listen(engine, "rollback", _forget)


def current_generation(engine: Engine) -> int | None:
    """The page generation (the sum of its rows), or None where the rows are missing (a
    database made without them). Read on a connection of its own, through the driver, in one
    statement (one snapshot of every row): it is the one statement a kept page needs, and what
    is read after it is at least as new whichever connection reads it."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_READ)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return row[0] if row else None


def remembered(name: str, build):
    """`build()`, kept by the process for as long as the page generation of this request (read
    by the page cache) stays the same, and at most PAGE_CACHE_SECONDS (what changes without the
    hook: by hand, by a process without it, by a migration): for what every page reads and
    writes rarely change (the settings). Built afresh when the request has no generation."""
    generation = g.get("page_generation")
    if generation is None:
        return build()
    kept = current_app.extensions.setdefault("feedloop_remembered", {})
    found = kept.get(name)
    now = time.time()
    if found is None or found[0] != generation or found[1] <= now:
        found = kept[name] = (generation, now + current_app.config["PAGE_CACHE_SECONDS"], build())
    return found[2]


_DML_WORD = re.compile(r"\b(insert|update|delete|merge|replace)\b", re.I)
_LEADING_NOISE = re.compile(r"^(\s+|--[^\n]*\n?|/\*.*?\*/|\()+", re.S)


def _writes_pages(sql: str, context) -> bool:
    """Whether a statement sent to the driver may change what a page shows."""
    compiled = getattr(context, "compiled", None)
    if compiled is not None and (context.isinsert or context.isupdate or context.isdelete):
        table = getattr(compiled.statement, "table", None)
        return getattr(table, "name", None) not in QUIET_TABLES
    # Anything else, hand-written SQL included: a write unless it plainly changes no row.
    text = _LEADING_NOISE.sub("", sql[:4096]).lower()
    if text.startswith("with"):  # a CTE may carry an INSERT, UPDATE or DELETE
        return bool(_DML_WORD.search(sql))
    return not text.startswith(NOT_WRITES)


def _note_write(connection: Connection, cursor, sql, parameters, context, executemany) -> None:
    """Every statement sent to the driver: ORM, Core, text(), exec_driver_sql, executemany."""
    if not connection.info.get(_WROTE) and _writes_pages(sql, context):
        connection.info[_WROTE] = True


def _move_on(connection: Connection) -> None:
    if connection.info.pop(_WROTE, False):
        # The driver's own cursor: a statement of SQLAlchemy's here would run these hooks again.
        # A row at random rather than one per connection: pools of several processes would pair
        # connections on a row for good, and the driver knows no backend id on SQLite.
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMPS[random.randrange(len(_BUMPS))])
        finally:
            cursor.close()


def _forget(connection: Connection) -> None:
    connection.info.pop(_WROTE, None)
