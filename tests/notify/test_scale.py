"""Email at scale: the worker keeps one SMTP connection for a whole backlog, and a release note
to a long subscriber list is enqueued in bounded memory, one outbox row per subscriber."""

from __future__ import annotations

import tracemalloc
from collections import Counter

from sqlalchemy import func, insert, select

from portal.changelog.models import Category, ReleaseNote
from portal.changelog.publishing import announce_if_due
from portal.db import utcnow
from portal.ideas.models import Visibility
from portal.notify.events import process_events
from portal.notify.models import OutboxMessage
from portal.notify.worker import BATCH_SIZE
from portal.subscribers import service as subscribers
from portal.subscribers.models import Subscriber
from tests.notify.test_delivery import enqueue, run_worker


def test_a_backlog_of_many_batches_goes_out_over_one_smtp_connection(app, smtp_server, deliver):
    count = 3 * BATCH_SIZE + 7
    enqueue(app, count)
    assert deliver() == count  # one pass of the worker drains the backlog
    assert smtp_server.sessions == 1
    received = Counter(message["To"] for message in smtp_server.messages)
    assert len(received) == count and set(received.values()) == {1}
    assert deliver() == 0


def test_one_batch_is_one_smtp_connection_and_each_message_is_recorded_once(
    app, smtp_server, session
):
    ids = enqueue(app, 30)
    assert run_worker(app) == 30
    assert smtp_server.sessions == 1 and len(smtp_server.messages) == 30
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    assert all(row.sent_at and row.attempts == 1 and not row.claimed_until for row in rows)


def _subscribers(session, first: int, count: int) -> None:
    now = utcnow()
    session.execute(insert(Subscriber), [
        {"email": f"reader{n}@example.com", "wants_changelog": True, "wants_roadmap": False,
         "language": "en", "confirmed_at": now}
        for n in range(first, first + count)
    ])  # fmt: skip
    session.commit()


def _publish_and_measure(app, session, title: str) -> int:
    """Publish a public note and turn its event into email; returns the peak traced bytes."""
    note = ReleaseNote(title=title, slug="release", body="Faster **exports**.",
                       category=Category.improved, visibility=Visibility.public,
                       published_at=utcnow())  # fmt: skip
    session.add(note)
    session.flush()
    announce_if_due(session, note)
    session.commit()
    with app.app_context():
        tracemalloc.start()
        try:
            process_events(session)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_a_release_to_many_subscribers_is_enqueued_in_bounded_memory_once_each(
    app, session, monkeypatch
):
    monkeypatch.setattr(subscribers, "SUBSCRIBER_BATCH", 200)
    _subscribers(session, 0, 50)
    _publish_and_measure(app, session, "Warm-up")  # first-use caches are not the list's cost
    _subscribers(session, 50, 950)
    few = _publish_and_measure(app, session, "To 1,000")
    _subscribers(session, 1000, 4000)
    many = _publish_and_measure(app, session, "To 5,000")
    # Five times the subscribers: a list held in memory would need about five times the peak.
    assert many < 2 * few, (few, many)

    per_address = select(OutboxMessage.to_address, func.count(OutboxMessage.id)).group_by(
        OutboxMessage.to_address
    )
    counts = Counter(dict(session.execute(per_address).all()))
    # Each of the first 1,000 heard of both real notes, the 4,000 later ones of the last only.
    assert counts["reader10@example.com"] == 3 and counts["reader999@example.com"] == 2
    assert counts["reader4999@example.com"] == 1 and len(counts) == 5000
    last = session.scalar(
        select(func.count(OutboxMessage.to_address.distinct())).where(
            OutboxMessage.context["note_title"].as_string() == "To 5,000"
        )
    )
    assert last == 5000


def _serve(app, mailbox):
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    return controller


def test_a_refused_address_fails_only_its_own_message_and_the_connection_goes_on(app, session):
    from tests.conftest import MailBox

    class RefusesOne(MailBox):
        async def handle_RCPT(self, server, smtp_session, envelope, address, options):  # noqa: N802
            if address == "person1@example.com":
                return "550 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    mailbox = RefusesOne()
    controller = _serve(app, mailbox)
    try:
        ids = enqueue(app, 4)
        assert run_worker(app) == 3
    finally:
        controller.stop()
    assert mailbox.sessions == 1
    assert sorted(m["To"] for m in mailbox.messages) == [
        "person0@example.com", "person2@example.com", "person3@example.com"
    ]  # fmt: skip
    refused = session.get(OutboxMessage, ids[1])
    assert refused.sent_at is None and refused.attempts == 1 and "550" in refused.last_error


def test_a_server_that_does_not_offer_pipelining_gets_one_command_at_a_time(app, session):
    from tests.conftest import MailBox

    class OneAtATime(MailBox):
        async def handle_EHLO(self, server, smtp_session, envelope, hostname, responses):  # noqa: N802
            smtp_session.host_name = hostname
            self.sessions += 1
            return responses

    mailbox = OneAtATime()
    controller = _serve(app, mailbox)
    try:
        enqueue(app, 5)
        assert run_worker(app) == 5
    finally:
        controller.stop()
    assert mailbox.sessions == 1 and len(mailbox.messages) == 5
