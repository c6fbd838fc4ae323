"""Move the page generation on at the commit of every transaction that wrote to a table a page
may show, and read it.

Installed on the engine, not in the services: ORM flushes, Core UPDATEs (a vote's count), bulk
statements and hand-written SQL all go through it, so no write path can forget it. The number
moves inside the writing transaction, as its last statement before COMMIT: a reader never sees
the new number with the old data, and on PostgreSQL the row is locked only for the commit
itself (taken last, it can be waited for but never deadlock with the rows a transaction wrote
first).
"""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import DDL, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from portal.pagecache.models import PageGeneration

# Tables no page shows anything of: writing them (an email sent, an audit line, a sign-in link)
# leaves every page as it was.
QUIET_TABLES = frozenset(
    {"outbox_message", "audit_entry", "sign_in_link", "digest_item", "page_generation"}
)
_WROTE = "feedloop_page_write"
_READS = (
    "select",
    "with",
    "pragma",
    "begin",
    "explain",
    "savepoint",
    "release",
    "rollback",
    "set ",
    "show",
)
_BUMP = "UPDATE page_generation SET number = number + 1 WHERE id = 1"
_READ = "SELECT number FROM page_generation WHERE id = 1"

event.listen(
    PageGeneration.__table__,
    "after_create",
    DDL("INSERT INTO page_generation (id, number) VALUES (1, 0)"),
)


def watch_writes(engine: Engine) -> None:
    # At the cursor: the one event every statement passes, exec_driver_sql's strings included
    # (before_execute does not see those).
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _move_on)
    event.listen(engine, "rollback", _forget)


def current_generation(engine: Engine) -> int | None:
    """The page generation, or None where the row is missing (a database made without it).
    Read on a connection of its own, through the driver: it is the one statement a kept page
    needs, and what is read after it is at least as new whichever connection reads it."""
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
    by the page cache) stays the same: for what every page reads and writes rarely change (the
    settings). Built afresh when the request has no generation."""
    generation = g.get("page_generation")
    if generation is None:
        return build()
    kept = current_app.extensions.setdefault("feedloop_remembered", {})
    found = kept.get(name)
    if found is None or found[0] != generation:
        found = kept[name] = (generation, build())
    return found[1]


def _writes_pages(construct, sql: str) -> bool:
    """Whether a statement may change what a page shows: `construct` is SQLAlchemy's statement
    when it built it (None for a string handed to the driver), `sql` what the driver runs."""
    if isinstance(construct, UpdateBase):
        table = getattr(construct, "table", None)
        return getattr(table, "name", None) not in QUIET_TABLES
    if construct is not None and not isinstance(construct, TextClause):
        return False  # SELECTs; DDL (schema changes come with a restart)
    # Hand-written SQL: a write unless it plainly reads.
    return not sql.lstrip().lower().startswith(_READS)


def _note_write(connection: Connection, cursor, sql, parameters, context, executemany) -> None:
    if connection.info.get(_WROTE):
        return
    compiled = getattr(context, "compiled", None)
    construct = getattr(compiled, "statement", None)
    if _writes_pages(construct, sql):
        connection.info[_WROTE] = True


def _move_on(connection: Connection) -> None:
    if connection.info.pop(_WROTE, False):
        # The driver's own cursor: a statement of SQLAlchemy's here would run these hooks again.
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


def _forget(connection: Connection) -> None:
    connection.info.pop(_WROTE, None)
