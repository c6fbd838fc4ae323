"""The email lines of the benchmark, on a database of their own (the demo plus what each adds).

- "worker emails": N followers of one idea, one move of that idea (one event), then the outbox
  worker's own passes (`run_once`, as `flask outbox-worker` runs them) deliver to a local SMTP
  server in another process that counts sessions, messages and recipients; every message must
  arrive once (as many messages as outbox rows, no recipient twice).
- "release to subscribers": a public release note published to M confirmed subscribers: the time
  to turn its event into M outbox rows, and the peak memory of doing it (tracemalloc, on a second
  note of the same size); each subscriber must have exactly one row per note.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, update

FOLLOWER_DOMAIN = "followers.bench.example"
SUBSCRIBER_DOMAIN = "subscribers.bench.example"
CHUNK = 10_000


@dataclass
class MailResult:
    """One email line: how many, how long, and what was checked."""

    count: int
    seconds: float
    errors: int = 0
    peak_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def prepare_database(url: str, root: Path, secret: str) -> None:
    """A fresh database at `url` (an SQLite file is deleted first): migrations and the demo."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([*flask, *command], env=env, check=True, cwd=root,
                       stdout=subprocess.DEVNULL)  # fmt: skip


def _settle(app) -> None:
    """Process what the demo left (its events, its email) so the lines count only their own."""
    from portal.db import utcnow
    from portal.notify.events import process_events
    from portal.notify.models import OutboxMessage

    session = app.extensions["feedloop_db"].writer_session_factory()
    while process_events(session):
        pass
    session.execute(
        update(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).values(sent_at=utcnow())
    )
    session.commit()
    session.close()


def _add_people(session, count: int, domain: str) -> list[int]:
    """`count` verified customers, inserted in bulk; returns their ids."""
    from portal.accounts.models import User
    from portal.db import utcnow

    now = utcnow()
    password_hash = session.scalar(select(User.password_hash).order_by(User.id).limit(1))
    first = (session.scalar(select(func.max(User.id))) or 0) + 1
    ids = list(range(first, first + count))
    for start in range(0, count, CHUNK):
        session.execute(insert(User), [
            {"id": u, "email": f"person{u}@{domain}", "password_hash": password_hash,
             "display_name": f"Person {u}", "role": "customer",
             "session_token": secrets.token_hex(8), "email_verified_at": now, "created_at": now}
            for u in ids[start : start + CHUNK]
        ])  # fmt: skip
    return ids


@contextmanager
def _mail_sink(app):
    """The counting SMTP server in its own process; yields a function returning its summary."""
    sink = subprocess.Popen([sys.executable, "-m", "portal.bench.mailsink"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        port = int(sink.stdout.readline().split()[1])
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                          MAIL_USERNAME="")  # fmt: skip
        summary: dict = {}

        def finish() -> dict:
            sink.stdin.close()
            summary.update(json.loads(sink.stdout.readline()))
            sink.wait(timeout=30)
            return summary

        yield finish
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()


def worker_emails(app, followers: int) -> MailResult:
    """N follower emails for one event, delivered by the worker's passes; checked on arrival."""
    from portal.accounts.models import User
    from portal.db import utcnow
    from portal.events.models import DomainEvent
    from portal.ideas.models import Follower, Idea, Visibility
    from portal.lifecycle.service import move_idea
    from portal.lifecycle.stages import Stage
    from portal.notify.events import process_events
    from portal.notify.models import OutboxMessage
    from portal.notify.worker import run_once

    factory = app.extensions["feedloop_db"].writer_session_factory
    with app.app_context():
        _settle(app)
        session = factory()
        idea = session.scalar(
            select(Idea).where(Idea.stage == Stage.collect, Idea.visibility == Visibility.public)
            .order_by(Idea.id).limit(1)
        )  # fmt: skip
        staff = session.scalar(select(User).where(User.email == "sam@feedloop.example"))
        people = _add_people(session, followers, FOLLOWER_DOMAIN)
        now = utcnow()
        for start in range(0, len(people), CHUNK):
            session.execute(insert(Follower), [
                {"idea_id": idea.id, "user_id": u, "reason": "voted", "created_at": now}
                for u in people[start : start + CHUNK]
            ])  # fmt: skip
        move_idea(session, idea=idea, actor=staff, target=Stage.analyze)
        session.commit()
        event_id = session.scalar(select(func.max(DomainEvent.id)))
        session.close()

        with _mail_sink(app) as finish:
            started = time.monotonic()
            session = factory()
            process_events(session)  # the event becomes one outbox row per follower
            session.close()
            enqueued = time.monotonic() - started
            while run_once(factory).sent:
                pass
            took = time.monotonic() - started
            received = finish()
        session = factory()
        rows, unsent = session.execute(
            select(func.count(OutboxMessage.id),
                   func.count(OutboxMessage.id).filter(OutboxMessage.sent_at.is_(None)))
            .where(OutboxMessage.event_id == event_id)
        ).one()  # fmt: skip
        session.close()
    result = MailResult(rows, took)
    if received["messages"] != rows or received["duplicates"] or received["recipients"] != rows:
        result.errors += 1
        result.notes.append(f"MISMATCH: {rows:,} outbox rows, received {received}")
    if unsent:
        result.errors += 1
        result.notes.append(f"{unsent:,} rows left unsent")
    if not result.errors:
        result.notes.append(f"{received['messages']:,} arrived, each recipient once")
    result.notes.append(f"{received['sessions']} SMTP session(s); event → {rows:,} outbox rows "
                        f"in {enqueued:.1f} s")  # fmt: skip
    return result


def release_to_subscribers(app, subscribers: int) -> MailResult:
    """A public release note to M subscribers: enqueue time, then peak memory on a second note."""
    from portal.changelog.models import Category, ReleaseNote
    from portal.changelog.publishing import announce_if_due
    from portal.db import utcnow
    from portal.ideas.models import Visibility
    from portal.notify.events import process_events
    from portal.notify.models import OutboxMessage
    from portal.subscribers.models import Subscriber

    factory = app.extensions["feedloop_db"].writer_session_factory
    with app.app_context():
        _settle(app)
        session = factory()
        now = utcnow()
        for start in range(0, subscribers, CHUNK):
            session.execute(insert(Subscriber), [
                {"email": f"reader{n}@{SUBSCRIBER_DOMAIN}", "wants_changelog": True,
                 "wants_roadmap": False, "language": "zh" if n % 3 == 0 else "en",
                 "confirmed_at": now, "created_at": now}
                for n in range(start, min(start + CHUNK, subscribers))
            ])  # fmt: skip
        session.commit()

        def publish(number: int) -> int:
            note = ReleaseNote(title=f"Release {number}", slug=f"release-{number}",
                               body="**Faster** exports.", why_it_matters="Less waiting.",
                               category=Category.improved, visibility=Visibility.public,
                               published_at=utcnow())  # fmt: skip
            session.add(note)
            session.flush()
            announce_if_due(session, note)
            session.commit()
            return note.id

        publish(1)
        started = time.monotonic()
        process_events(session)
        took = time.monotonic() - started
        publish(2)
        tracemalloc.start()
        process_events(session)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows, addresses = session.execute(
            select(func.count(OutboxMessage.id), func.count(OutboxMessage.to_address.distinct()))
            .where(OutboxMessage.to_address.like(f"%@{SUBSCRIBER_DOMAIN}"))
        ).one()  # fmt: skip
        session.close()
    result = MailResult(subscribers, took, peak_mb=peak / 2**20)
    if rows != 2 * subscribers or addresses != subscribers:
        result.errors += 1
        result.notes.append(f"MISMATCH: {rows:,} rows for {addresses:,} addresses, two notes")
    else:
        result.notes.append("each subscriber got exactly one outbox row per note")
    return result
