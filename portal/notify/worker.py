"""Deliver due outbox rows: render, send, and back off on failure. At-least-once delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from flask_babel import force_locale
from jinja2_fragments import render_block
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.notify import smtp
from portal.notify.models import OutboxMessage

BATCH_SIZE = 50
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at six hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def compose(row: OutboxMessage) -> EmailMessage:
    """Render `templates/email/<kind>.txt` in the recipient's language."""
    template = f"email/{row.kind}.txt"
    with force_locale(row.language):
        environment = current_app.jinja_env
        subject = render_block(environment, template, "subject", **row.context).strip()
        body = render_block(environment, template, "body", **row.context).strip() + "\n"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Message-ID"] = row.message_id
    message["Date"] = formatdate(localtime=False)
    message.set_content(body)
    return message


def _claim_due(session: Session, now: datetime) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(BATCH_SIZE)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def deliver_due(session: Session, now: datetime | None = None) -> int:
    """Send what is due; commit after each message. Returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for row in _claim_due(session, now):
        try:
            smtp.send(compose(row))
        except Exception as failure:  # any failure: keep the row and try again later
            row.attempts += 1
            row.last_error = f"{type(failure).__name__}: {failure}"[:2000]
            row.next_attempt_at = now + backoff(row.attempts)
            current_app.logger.warning("outbox %s not sent: %s", row.id, row.last_error)
        else:
            row.sent_at = utcnow()
            row.attempts += 1
            sent += 1
        session.commit()
    return sent
