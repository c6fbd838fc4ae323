"""Fixtures with real parts: a real SQLite file (or PostgreSQL), real HTTP through the test
client, a real SMTP server on localhost, and Chromium for browser journeys."""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, event, select, text

from portal import create_app
from portal.accounts.passwords import use_cheap_hashing_for_tests
from portal.db import Base
from portal.models import Base as _all_models  # noqa: F401  (registers every table)
from tests.factories import Factory

PASSWORD = "correct horse battery"
use_cheap_hashing_for_tests()
ON_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def require(condition: bool, reason: str) -> None:
    """Skip with a printed reason on a machine without the part; under CI, fail instead."""
    if condition:
        return
    if ON_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@contextmanager
def empty_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on the test server, dropped afterwards (for
    migrations run from empty)."""
    require(bool(POSTGRES_URL), "PORTAL_TEST_POSTGRES_URL is not set (no PostgreSQL server)")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reset_postgres(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _postgres_schema():
    """On PostgreSQL, the schema is made once per run; each test then starts from empty tables."""
    if not DATABASE_URL:
        return
    from sqlalchemy import create_engine

    engine = create_engine(DATABASE_URL)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.create_all(engine)
    engine.dispose()


@pytest.fixture
def app_config(tmp_path: Path, _postgres_schema) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": DATABASE_URL or f"sqlite:///{tmp_path / 'feedloop.sqlite3'}",
        "BASE_URL": "http://portal.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "MAIL_TIMEOUT": 5,
        "DIGEST_HOUR": 24,  # never due by itself: digest tests choose their moment
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    engine = app.extensions["feedloop_db"].engine
    if engine.dialect.name == "postgresql":
        _reset_postgres(engine)
    else:
        Base.metadata.create_all(engine)
    _seed_like_the_migrations(app)
    yield app
    engine.dispose()


def _seed_like_the_migrations(app) -> None:
    """Rows the migrations insert (the default priority factors), for schemas made by
    create_all; tests/test_migrations.py checks that the migrations insert the same."""
    from portal.pagecache.generation import STRIPES
    from portal.pagecache.models import PageGeneration
    from portal.priority.service import ensure_default_factors

    seed_session = app.extensions["feedloop_db"].session_factory()
    ensure_default_factors(seed_session)
    made = set(seed_session.scalars(select(PageGeneration.id)))  # PostgreSQL's: emptied per test
    seed_session.add_all(
        PageGeneration(id=row, number=0) for row in range(1, STRIPES + 1) if row not in made
    )
    seed_session.commit()
    seed_session.close()


@pytest.fixture
def session(app):
    """A session of the test's own, like a second process would have; commit to make data seen.

    No app context is held open here: the test client must push a fresh one per request, as a
    real server does, or requests would share one database session through `g`.
    """
    db_session = app.extensions["feedloop_db"].session_factory()
    yield db_session
    db_session.close()


@pytest.fixture
def make(session) -> Factory:
    return Factory(session)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sign_in(client):
    def sign_in_as(user, password: str = PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return response

    return sign_in_as


class MailBox:
    """Messages received by the real SMTP server, and how many SMTP sessions brought them (one
    EHLO or HELO each, i.e. one per connection)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        self.sessions += 1
        # aiosmtpd reads commands in order, so it may say it accepts them pipelined, as
        # common servers do (RFC 2920).
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: N802
        session.host_name = hostname
        self.sessions += 1
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link_in(self, message, path_prefix: str) -> str:
        match = re.search(rf"https?://\S+({re.escape(path_prefix)}\S+)", self.body(message))
        assert match, f"no {path_prefix} link in: {self.body(message)}"
        return match.group(1)


@pytest.fixture
def smtp_server(app) -> Iterator[MailBox]:
    mailbox = MailBox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield mailbox
    controller.stop()


@pytest.fixture
def deliver(app, smtp_server):
    """Run the outbox worker once, as `flask outbox-worker --once` would; returns how many
    messages were sent."""
    from portal.notify.worker import run_once

    def run(**options) -> int:
        with app.app_context():
            return run_once(app.extensions["feedloop_db"].writer_session_factory, **options).sent

    return run


@pytest.fixture
def count_queries(app):
    """Counts SQL statements sent while the returned context is open."""
    engine = app.extensions["feedloop_db"].engine

    class Counter:
        def __init__(self) -> None:
            self.count = 0
            self.statements: list[str] = []

        def __enter__(self):
            event.listen(engine, "before_cursor_execute", self._on_execute)
            return self

        def __exit__(self, *exc):
            event.remove(engine, "before_cursor_execute", self._on_execute)

        def _on_execute(self, conn, cursor, statement, *args):
            if statement.strip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "PRAGMA")):
                return
            self.count += 1
            self.statements.append(statement)

    return Counter


@pytest.fixture(scope="session")
def live_server_factory():
    """Serve an app over real HTTP on localhost, in a thread, for the browser."""
    from werkzeug.serving import make_server

    servers = []

    def start(app):
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(Path("/usr/bin/chromium").exists(), "Debian's chromium is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
