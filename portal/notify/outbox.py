"""Enqueue email inside the caller's transaction; the worker sends it after commit."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.events.models import DomainEvent
from portal.notify.models import DigestItem, OutboxMessage


def enqueue(
    session: Session, *, kind: str, to: str, context: dict, language: str | None = None
) -> OutboxMessage:
    """Add one email to the outbox; it leaves only if the surrounding transaction commits."""
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        language=language or "en",
        context=context,
        message_id=f"<{uuid.uuid4().hex}@{message_domain()}>",
    )
    session.add(message)
    session.flush()
    return message


def message_domain() -> str:
    """The right-hand side of our Message-IDs: the portal's own host name."""
    domain = current_app.config["BASE_URL"].split("://", 1)[-1].split("/")[0].split(":")[0]
    return domain or "feedloop"


def absolute_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """A link for an email, built from BASE_URL so it works outside a request too."""
    base = current_app.config["BASE_URL"]
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{base}{path}" + (f"#{_anchor}" if _anchor else "")


def drop_pending_about(session: Session, idea_id: int) -> int:
    """Email and digest news about an idea not yet sent are dropped (it was deleted as spam).
    A message a worker is sending right now may still leave. Returns how many were dropped."""
    events = select(DomainEvent.id).where(DomainEvent.idea_id == idea_id)
    dropped = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.event_id.in_(events), OutboxMessage.sent_at.is_(None)
        )
    ).rowcount
    session.execute(
        delete(DigestItem).where(DigestItem.event_id.in_(events), DigestItem.digested_at.is_(None))
    )
    return dropped
