from datetime import timedelta

from sqlalchemy import select

from portal.db import utcnow
from portal.notify.models import OutboxMessage


def test_mail_waits_in_the_outbox_while_the_server_is_down_then_goes_out_once(
    app, client, session, smtp_server, deliver
):
    client.post(
        "/signup",
        data={"display_name": "Dana", "email": "dana@example.com", "password": "long password!"},
    )
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    assert deliver() == 0
    row = session.scalar(select(OutboxMessage))
    assert row.sent_at is None and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    message_id = row.message_id

    app.config["MAIL_PORT"] = port
    assert deliver() == 0  # not due yet: backing off
    session.execute(
        OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert deliver() == 1
    assert deliver() == 0
    [message] = smtp_server.to("dana@example.com")
    assert message["Message-ID"] == message_id


def test_nothing_is_queued_when_the_request_fails(app, client, session):
    response = client.post(
        "/signup", data={"display_name": "", "email": "dana@example.com", "password": "x"}
    )
    assert response.status_code == 422
    assert session.scalar(select(OutboxMessage.id)) is None


def test_email_is_written_in_the_recipients_language(make, client, deliver, smtp_server):
    make.user("zh@example.com", language="zh")
    client.post("/password/forgot", data={"email": "zh@example.com"})
    deliver()
    [message] = smtp_server.to("zh@example.com")
    assert message["Subject"] != "Choose a new Feedloop password"
    assert "/password/reset/" in smtp_server.body(message)
