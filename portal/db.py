"""Database plumbing: the declarative base, the engine, and one session per request or CLI run.

Services receive the session and only flush; the request (or the worker) commits. The session is
closed at teardown, which rolls back anything not committed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _configure_sqlite(engine: Engine) -> None:
    """WAL (synchronous NORMAL), foreign keys, a busy timeout, and BEGIN IMMEDIATE for writes
    (SQLAlchemy's recipe)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process
        # loses nothing, a power cut may undo the last commits but never corrupts the file
        # (SQLite's own advice for WAL). A vote or a sent mail's record costs no fsync.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Writers take the write lock up front, so two of them wait for each other instead of
        # one failing with "database is locked" when it upgrades a read lock.
        if connection.get_execution_options().get(WRITER_OPTION, False):
            _begin_immediate(connection.connection.dbapi_connection)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, trying again every half millisecond at most while another writer holds
    the lock (up to the busy timeout). SQLite's own busy handler sleeps 1, 2, 5, 10… ms between
    tries: measured, a waiter got a lock held for 4 ms a median 4.2 ms after its release (the
    lock idle half the time when writers queue), with this loop 0.06 ms."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.0001
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.0005)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


WRITER_OPTION = "feedloop_writer"
BUSY_TIMEOUT_MS = 5000
WRITES_ON_GET = "feedloop_writes_on_get"


def writes_on_get(view):
    """Mark a view that writes although it answers GET (a link followed from an email), so
    its session takes the write lock from its first statement, as every POST's does."""
    setattr(view, WRITES_ON_GET, True)
    return view


def _request_writes() -> bool:
    from flask import current_app

    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, WRITES_ON_GET, False))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Holds the engine of one app and hands out the request-scoped session as `db.session`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.writer_session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(**{WRITER_OPTION: True})
        self.writer_session_factory = sessionmaker(writer, expire_on_commit=False)
        app.extensions["feedloop_db"] = self
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _current() -> Database:
        from flask import current_app

        return current_app.extensions["feedloop_db"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            current = self._current()
            reading = has_request_context() and not _request_writes()
            factory = current.session_factory if reading else current.writer_session_factory
            g.db_session = factory()
        return g.db_session

    @staticmethod
    def _close_session(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads, closed on leaving: for slow work (a password check) that
        must not hold the write lock a POST's own session takes with its first statement.
        A request that only reads is given its own session, which takes no lock: a second
        session would cost a page a connection checkout and a transaction more."""
        if has_request_context() and not _request_writes():
            yield self.session
            return
        reader = self._current().session_factory()
        try:
            yield reader
        finally:
            reader.close()

    @contextmanager
    def impatient(self, wait_ms: int = 250) -> Iterator[Session]:
        """A short write transaction of its own, committed on leaving, that gives up (raises
        OperationalError) rather than wait more than `wait_ms` for another writer's lock: for
        writes worth skipping rather than waiting for (the time of a sign-in)."""
        session = self._current().session_factory()
        try:
            connection = session.connection()
            raw = connection.connection.dbapi_connection
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            else:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_ms)}ms'")
            try:
                yield session
                session.flush()
            finally:
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            session.commit()
        finally:
            session.close()

    def new_session(self) -> Session:
        """A writing session outside the request's, for workers that own their transactions."""
        return self._current().writer_session_factory()


db = Database()
