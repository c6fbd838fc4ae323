"""Deliver due outbox rows without ever holding a lock while talking to the mail server.

1. Claim: in one short transaction, lease a batch of due rows to this worker (`claimed_until`,
   `claimed_by`; `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), and commit.
2. Send: render and send each message over one SMTP connection, with no transaction open; a
   pass drains batch after batch over that same connection.
3. Record: one short transaction per batch for the messages sent (one per message that failed,
   with back-off, or dead); leases are renewed for the whole batch in one statement.

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
from portal.notify.compose import compose, sender
from portal.notify.models import OutboxMessage
from portal.settings.service import Branding, get_branding

BATCH_SIZE = 50
# A pass sends for at most this long before the worker looks for new events again.
DRAIN_SECONDS = 60.0
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


def _write(session_factory: SessionFactory, statement, *, returning: bool = False):
    """One short transaction; retried while the database is busy (the portal's own writers
    come first), so a sent message is not left unrecorded. Returns the rows it matched (their
    ids, with `returning`)."""
    for attempt in range(RECORD_ATTEMPTS):
        session = session_factory()
        try:
            result = session.execute(statement)
            matched = list(result.scalars()) if returning else result.rowcount
            session.commit()
            return matched
        except OperationalError:
            session.rollback()
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * 2**attempt)
        finally:
            session.close()
    return [] if returning else 0


def _renew_leases(session_factory: SessionFactory, ids: list[int], worker: str) -> set[int]:
    """Extend this worker's lease on the rows, in one statement, and learn which it still holds.
    A slow mail server can outlast a lease, and then another worker owns the row."""
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    return set(
        _write(
            session_factory,
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.sent_at.is_(None),
            )
            .values(claimed_until=utcnow() + lease)
            .returning(OutboxMessage.id),
            returning=True,
        )
    )


def _record_sent(session_factory: SessionFactory, ids: list[int], worker: str) -> None:
    """Mark many sent rows in one statement, only those this worker still holds."""
    if ids:
        _write(
            session_factory,
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker)
            .values(
                claimed_until=None,
                attempts=OutboxMessage.attempts + 1,
                sent_at=utcnow(),
                last_error="",
            ),  # fmt: skip
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


def send_claimed(session_factory: SessionFactory, claimed: list[Claimed], worker: str,
                 mailer: smtp.Mailer | None = None) -> int:  # fmt: skip
    """Send leased rows over one connection (`mailer`'s, kept open for the caller, or one of
    its own), holding no transaction; returns how many went.

    The leases are renewed in one statement before the first message and again whenever half a
    lease has passed, so every message starts with at least half a lease left; a row another
    worker took over meanwhile is skipped. Sent rows are recorded together, at the end of the
    batch (or before a renewal): a crash in between leaves them leased, and sent again after
    the lease (delivery is at-least-once, with one Message-ID)."""
    if mailer is None:
        with smtp.Mailer() as own:
            return send_claimed(session_factory, claimed, worker, own)
    branding = _branding(session_factory)
    half_lease = current_app.config["OUTBOX_LEASE_SECONDS"] / 2
    held: set[int] = set()
    renewed_at = None
    sent: list[int] = []
    total = 0
    for index, row in enumerate(claimed):
        if renewed_at is None or time.monotonic() - renewed_at > half_lease:
            _record_sent(session_factory, sent, worker)
            total, sent = total + len(sent), []
            renewed_at = time.monotonic()
            held = _renew_leases(session_factory, [r.id for r in claimed[index:]], worker)
        if row.id not in held:
            continue  # the lease ran out while earlier messages went slowly: not ours now
        try:
            mailer.send(build_message(row, branding))
        except Exception as failure:  # any failure: keep the row and try again later
            _record(session_factory, row, worker, **_failed(row, failure, utcnow()))
        else:
            sent.append(row.id)
    _record_sent(session_factory, sent, worker)
    return total + len(sent)


def _branding(session_factory: SessionFactory) -> Branding:
    """The portal's name and logo for a batch's messages, read in a short session of its own."""
    session = session_factory()
    try:
        return get_branding(session)
    finally:
        session.close()


def build_message(row: Claimed, branding: Branding | None = None) -> EmailMessage:
    message = compose(row.kind, row.language, row.context, branding)
    message["From"] = sender(branding)
    message["To"] = row.to_address
    message["Message-ID"] = row.message_id
    message["Date"] = formatdate(localtime=False)
    return message


def deliver_due(session_factory: SessionFactory, *, worker: str | None = None,
                now: datetime | None = None, limit: int = BATCH_SIZE,
                mailer: smtp.Mailer | None = None) -> int:  # fmt: skip
    """Claim, send and record one batch (over `mailer`'s connection when given, so several
    batches share one). Returns how many messages were sent."""
    return _deliver_batch(session_factory, worker or worker_name(), now, limit, mailer)[1]


def _deliver_batch(session_factory, worker, now, limit, mailer) -> tuple[int, int]:
    """(claimed, sent) for one batch."""
    session = session_factory()
    try:
        claimed = claim_due(session, worker, now or utcnow(), limit)
    finally:
        session.close()
    if not claimed:
        return 0, 0
    return len(claimed), send_claimed(session_factory, claimed, worker, mailer)


def deliver_all_due(session_factory: SessionFactory, *, worker: str | None = None,
                    now: datetime | None = None, limit: int = BATCH_SIZE,
                    seconds: float = DRAIN_SECONDS) -> int:  # fmt: skip
    """Batch after batch over one SMTP connection, while full batches keep coming and some of
    them go (a mail server refusing everything is left to the back-off), for at most `seconds`
    (then the worker's other steps get their turn). Returns how many messages were sent."""
    worker = worker or worker_name()
    deadline = time.monotonic() + seconds
    total = 0
    with smtp.Mailer() as mailer:
        while True:
            claimed, sent = _deliver_batch(session_factory, worker, now, limit, mailer)
            total += sent
            if claimed < limit or not sent or time.monotonic() > deadline:
                return total


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
    return Pass(events, digests, deliver_all_due(session_factory, worker=worker, now=now), closed)
