"""Delivery that never blocks the portal and never doubles: leases, one SMTP connection per
batch, back-off, dead letters, several workers, crashed workers — against real SMTP servers."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.db import utcnow
from portal.notify.models import OutboxMessage
from portal.notify.worker import claim_due
from tests.conftest import PASSWORD, MailBox, free_port


def enqueue(app, count: int, kind: str = "reset_password") -> list[int]:
    """`count` messages in the outbox, as services would write them."""
    from portal.notify.outbox import enqueue as write

    with app.app_context():
        session = app.extensions["feedloop_db"].writer_session_factory()
        ids = [
            write(session, kind=kind, to=f"person{n}@example.com",
                  context={"name": f"P{n}", "reset_url": "http://portal.test/x", "minutes": 5}).id
            for n in range(count)
        ]  # fmt: skip
        session.commit()
        session.close()
    return ids


def run_worker(app, **options) -> int:
    from portal.notify.worker import deliver_due

    with app.app_context():
        return deliver_due(app.extensions["feedloop_db"].writer_session_factory, **options)


def test_a_stalled_mail_server_never_slows_a_sign_in_or_a_vote(app, make, client):
    idea = make.idea()
    voter = make.user()
    enqueue(app, 3)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, then says nothing at all
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=4)
    worker = threading.Thread(target=run_worker, args=(app,))
    worker.start()
    try:
        time.sleep(0.5)  # the worker is now waiting for a greeting that never comes
        started = time.monotonic()
        signed_in = client.post("/login", data={"email": voter.email, "password": PASSWORD})
        voted = client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
        took = time.monotonic() - started
        assert worker.is_alive(), "the worker should still be stuck on the mail server"
    finally:
        worker.join(timeout=30)
        listener.close()
    assert signed_in.status_code == 302 and voted.status_code == 302
    assert took < 2, f"the portal waited {took:.1f} s for the mail server"


def test_mail_server_stopping_mid_batch_then_returning_delivers_each_message_once(app, session):
    ids = enqueue(app, 8)
    mailbox = MailBox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)

    class StopsAfterThree(MailBox):
        async def handle_DATA(self, server, smtp_session, envelope):  # noqa: N802
            if len(mailbox.messages) == 3:
                threading.Thread(target=controller.stop).start()  # the server goes away
                return "421 Shutting down"
            return await mailbox.handle_DATA(server, smtp_session, envelope)

    controller.handler = StopsAfterThree()
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    assert run_worker(app) == 3
    time.sleep(0.5)
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    assert len(pending) == 5 and all(row.attempts == 1 and row.last_error for row in pending)

    restarted = Controller(mailbox, hostname="127.0.0.1", port=port)
    restarted.start()
    try:
        assert run_worker(app) == 0  # backing off: nothing is due yet
        assert run_worker(app, now=utcnow() + timedelta(minutes=5)) == 5
        assert run_worker(app, now=utcnow() + timedelta(hours=1)) == 0
    finally:
        restarted.stop()
    received = Counter(message["Message-ID"] for message in mailbox.messages)
    assert len(received) == 8 and set(received.values()) == {1}
    session.rollback()  # a fresh read, past the workers' commits
    sent = session.scalars(select(OutboxMessage.sent_at).where(OutboxMessage.id.in_(ids))).all()
    assert all(sent)


def test_two_workers_at_once_never_send_a_message_twice(app, smtp_server, session):
    enqueue(app, 40)
    results = []

    def work(name):
        total = 0
        for _ in range(30):
            sent = run_worker(app, worker=name, limit=4)
            total += sent
            if not sent:
                break
        results.append(total)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 40
    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert len(received) == 40 and set(received.values()) == {1}


def test_a_worker_killed_after_claiming_leaves_its_messages_to_the_next_after_the_lease(
    app, smtp_server, session
):
    enqueue(app, 3)
    with app.app_context():
        crashed = app.extensions["feedloop_db"].writer_session_factory()
        assert len(claim_due(crashed, "worker-that-dies", utcnow())) == 3
        crashed.close()  # ...and the process dies before sending anything
    assert run_worker(app) == 0  # still leased
    later = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert run_worker(app, now=later) == 3
    assert len(smtp_server.messages) == 3


def test_a_message_that_keeps_failing_goes_dead_and_an_admin_can_retry_it(
    app, make, client, sign_in, smtp_server, session
):
    [message_id] = enqueue(app, 1)
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    assert run_worker(app) == 0
    assert run_worker(app, now=utcnow() + timedelta(hours=1)) == 0
    session.rollback()
    row = session.get(OutboxMessage, message_id)
    assert row.dead_at is not None and row.attempts == 2
    assert run_worker(app, now=utcnow() + timedelta(days=2)) == 0  # dead: not tried again

    sign_in(make.user(role="admin"))
    page = client.get("/admin/outbox")
    assert "person0@example.com" in page.text and "ConnectionRefusedError" in page.text
    health = client.get("/healthz").get_json()
    assert health["outbox"]["dead"] == 1
    assert (
        client.post(f"/admin/outbox/{message_id}/retry", data={"action": "on"}).status_code == 302
    )
    app.config["MAIL_PORT"] = port
    assert run_worker(app) == 1
    assert len(smtp_server.to("person0@example.com")) == 1
    sign_in(make.staff())
    assert client.get("/admin/outbox").status_code == 403


def test_health_check_reports_the_database_and_the_backlog(app, client):
    enqueue(app, 2)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["outbox"]["due"] == 2 and body["outbox"]["dead"] == 0


def test_without_a_mail_server_email_is_printed_as_readable_text(app, capsys):
    enqueue(app, 1)
    app.config["MAIL_SERVER"] = ""
    assert run_worker(app) == 1
    printed = capsys.readouterr().err
    assert "Choose a new Feedloop password" in printed
    assert "Open this link to choose a new password:" in printed  # decoded, not quoted-printable
    assert "=\n" not in printed and "=E2" not in printed


def test_a_worker_whose_lease_ran_out_mid_batch_does_not_send_what_another_took_over(
    app, smtp_server
):
    from portal.notify.worker import send_claimed

    enqueue(app, 3)
    with app.app_context():
        factory = app.extensions["feedloop_db"].writer_session_factory
        slow = factory()
        claimed_by_slow = claim_due(slow, "slow-worker", utcnow())
        slow.close()
        # The slow worker's lease runs out (its mail server crawled); another takes the rows.
        later = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
        assert run_worker(app, worker="quick-worker", now=later) == 3
        assert send_claimed(factory, claimed_by_slow, "slow-worker") == 0
    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert len(received) == 3 and set(received.values()) == {1}
