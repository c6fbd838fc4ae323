"""Move the page generation on at the commit of every transaction that wrote to a table a page
may show, and read it.

Installed on the engine, not in the services: every statement SQLAlchemy sends to the driver
passes it (ORM flushes, Core UPDATEs such as a vote's count, bulk statements, text() and
exec_driver_sql), so no write path of the portal can forget it. Writes it cannot see (a raw driver
cursor, psql, a migration's own engine) show within PAGE_CACHE_SECONDS. The number
moves inside the writing transaction, as its last statement before COMMIT: a reader never sees
the new number with the old data, and on PostgreSQL the row is locked only for the commit
itself (taken last, it can be waited for but never deadlock with the rows a transaction wrote
first).
"""

from __future__ import annotations

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
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


def _forget(connection: Connection) -> None:
    connection.info.pop(_WROTE, None)
