"""The daily digest: one email per person listing the news they chose to receive once a day."""

from __future__ import annotations

import itertools
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.notify.links import unsubscribe_url
from portal.notify.models import DigestItem
from portal.notify.outbox import absolute_url, enqueue
from portal.settings.models import Setting

LAST_RUN_KEY = "digest_last_run"
DIGEST_BATCH = 5000


def digest_due(session: Session, now: datetime) -> bool:
    """Once a day, from DIGEST_HOUR (UTC) on."""
    if now.hour < current_app.config["DIGEST_HOUR"]:
        return False
    row = session.get(Setting, LAST_RUN_KEY)
    return row is None or row.value.get("date") != now.date().isoformat()


def send_digests(session: Session, now: datetime) -> int:
    """Enqueue one digest per person with pending items, mark the items and the day done, and
    commit. Returns how many digests were enqueued."""
    query = (
        select(DigestItem)
        .where(DigestItem.digested_at.is_(None))
        .order_by(DigestItem.user_id, DigestItem.id)
        .limit(DIGEST_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    items = list(session.scalars(query))
    people = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_({i.user_id for i in items})))
    }
    count = 0
    for user_id, pending in itertools.groupby(items, key=lambda item: item.user_id):
        pending = list(pending)
        person = people.get(user_id)
        if person is not None and person.is_verified:
            enqueue(
                session, kind="digest", to=person.email, language=person.language,
                context={
                    "name": person.display_name,
                    "items": [{"kind": i.kind, "context": i.context} for i in pending],
                    "unsubscribe_url": unsubscribe_url(user_id, None),
                    "preferences_url": absolute_url("account.notifications"),
                },
            )  # fmt: skip
            count += 1
        for item in pending:
            item.digested_at = now
    if len(items) < DIGEST_BATCH:  # else the next pass goes on with the rest
        _mark_run(session, now)
    session.commit()
    return count


def _mark_run(session: Session, now: datetime) -> None:
    row = session.get(Setting, LAST_RUN_KEY)
    if row is None:
        session.add(Setting(key=LAST_RUN_KEY, value={"date": now.date().isoformat()}))
    else:
        row.value = {"date": now.date().isoformat()}
