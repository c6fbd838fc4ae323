"""Deliver due outbox rows without ever holding a lock while talking to the mail server.

1. Claim: in one short transaction, lease a batch of due rows to this worker (`claimed_until`,
   `claimed_by`; `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), and commit.
2. Send: render and send each message over one SMTP connection, with no transaction open.
3. Record: one short transaction per message: sent, or failed with back-off, or dead.

A worker that dies after claiming leaves its lease to expire; another worker then sends the row.
Delivery is at-least-once, with one Message-ID per message across retries.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.notify import smtp
from portal.notify.compose import compose
from portal.notify.models import OutboxMessage

BATCH_SIZE = 50
MAX_BACKOFF = timedelta(hours=6)
RECORD_ATTEMPTS = 5

SessionFactory = Callable[[], Session]


def worker_name() -> str:
    """Unique per process: the lease says who holds a row."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:64]


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at six hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Claimed:
    """What the sending step needs, copied out of the row so no session stays open."""

    id: int
    kind: str
    to_address: str
    language: str
    context: dict
    message_id: str
    attempts: int


def is_due(now: datetime):
    """WHERE clause: rows waiting to be sent now and not leased to a live worker."""
    return (
        OutboxMessage.sent_at.is_(None)
        & OutboxMessage.dead_at.is_(None)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    )


def claim_due(session: Session, worker: str, now: datetime, limit: int = BATCH_SIZE):
    """Lease up to `limit` due rows to `worker` and commit; returns copies of them."""
    due = select(OutboxMessage.id).where(is_due(now)).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        session.commit()
        return []
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(claimed_until=now + lease, claimed_by=worker)
    )
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    claimed = [
        Claimed(r.id, r.kind, r.to_address, r.language, dict(r.context), r.message_id, r.attempts)
        for r in sorted(rows, key=lambda r: r.id)
    ]
    session.commit()
    return claimed


def _write(session_factory: SessionFactory, statement) -> int:
    """One short transaction; retried while the database is busy (the portal's own writers
    come first), so a sent message is not left unrecorded. Returns the rows it matched."""
    for attempt in range(RECORD_ATTEMPTS):
        session = session_factory()
        try:
            matched = session.execute(statement).rowcount
            session.commit()
            return matched
        except OperationalError:
            session.rollback()
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * 2**attempt)
        finally:
            session.close()
    return 0


def _renew_lease(session_factory: SessionFactory, claimed: Claimed, worker: str) -> bool:
    """Just before sending: extend this worker's lease on the row, and learn whether it still
    holds it. A slow mail server can outlast a lease, and then another worker owns the row."""
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    return bool(
        _write(
            session_factory,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.sent_at.is_(None),
            )
            .values(claimed_until=utcnow() + lease),
        )
    )


def _record(session_factory: SessionFactory, claimed: Claimed, worker: str, **values) -> None:
    """Write one result, only if this worker still holds the lease."""
    _write(
        session_factory,
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.claimed_by == worker)
        .values(claimed_until=None, attempts=claimed.attempts + 1, **values),
    )


def _failed(claimed: Claimed, failure: Exception, now: datetime) -> dict:
    attempts = claimed.attempts + 1
    error = f"{type(failure).__name__}: {failure}"[:2000]
    current_app.logger.warning("outbox %s not sent (attempt %d): %s", claimed.id, attempts, error)
    if attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        return {"last_error": error, "dead_at": now}
    return {"last_error": error, "next_attempt_at": now + backoff(attempts)}


def send_claimed(session_factory: SessionFactory, claimed: list[Claimed], worker: str) -> int:
    """Send leased rows over one connection, holding no transaction; returns how many went."""
    sent = 0
    with smtp.Mailer() as mailer:
        for row in claimed:
            if not _renew_lease(session_factory, row, worker):
                continue  # the lease ran out while earlier messages went slowly: not ours now
            try:
                mailer.send(build_message(row))
            except Exception as failure:  # any failure: keep the row and try again later
                _record(session_factory, row, worker, **_failed(row, failure, utcnow()))
            else:
                _record(session_factory, row, worker, sent_at=utcnow(), last_error="")
                sent += 1
    return sent


def build_message(row: Claimed) -> EmailMessage:
    message = compose(row.kind, row.language, row.context)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Message-ID"] = row.message_id
    message["Date"] = formatdate(localtime=False)
    return message


def deliver_due(session_factory: SessionFactory, *, worker: str | None = None,
                now: datetime | None = None, limit: int = BATCH_SIZE) -> int:  # fmt: skip
    """Claim, send and record one batch. Returns how many messages were sent."""
    worker = worker or worker_name()
    session = session_factory()
    try:
        claimed = claim_due(session, worker, now or utcnow(), limit)
    finally:
        session.close()
    return send_claimed(session_factory, claimed, worker) if claimed else 0


@dataclass(frozen=True)
class Pass:
    events: int
    digests: int
    sent: int
    closed: int = 0  # released ideas closed by the workspace's automatic close


def run_once(session_factory: SessionFactory, *, worker: str | None = None,
             now: datetime | None = None) -> Pass:  # fmt: skip
    """One pass of `flask outbox-worker`: scheduled release notes whose time has come take
    effect, released ideas that most found solved are closed (when the workspace says so),
    events become deliveries, the day's digests are written when due, then due email is sent.
    Each step commits on its own."""
    from portal.changelog.publishing import announce_due_release_notes
    from portal.notify.digest import digest_due, send_digests
    from portal.notify.events import process_events
    from portal.verification.service import close_verified_ideas

    moment = now or utcnow()
    session = session_factory()
    try:
        # Its own short transaction, first, so the followers hear of these closes in this pass.
        try:
            closed = close_verified_ideas(session, now=moment)
            session.commit()
        except Exception:  # a close that fails must not hold back the mail: retried next pass
            session.rollback()
            current_app.logger.exception("automatic close of released ideas failed")
            closed = 0
        announce_due_release_notes(session, moment)  # its event is processed just below
        events = process_events(session, now=moment)
        digests = send_digests(session, moment) if digest_due(session, moment) else 0
        session.commit()
    finally:
        session.close()
    # A clock read after the rows above were written, so what they enqueued is due at once.
    return Pass(events, digests, deliver_due(session_factory, worker=worker, now=now), closed)
