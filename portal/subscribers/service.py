"""Subscribing (double opt-in), confirming, stopping, and writing list email to the outbox.

Choices change only with proof of the mailbox: a confirmation link for an address typed into a
public form, the verified account address for a signed-in person. A form never tells whether
an address was already on a list.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import and_, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.service import normalise_email
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import EmailNotVerified, InvalidLink
from portal.notify.models import OutboxMessage
from portal.notify.outbox import absolute_url, enqueue, message_domain
from portal.subscribers.models import Subscriber

CONFIRM_SALT = "subscription-confirm"
STOP_SALT = "subscription-stop"
CONFIRM_DAYS = 7
BOTH = "all"
SUBSCRIBER_BATCH = 1000


class SubscriberList(StrEnum):
    changelog = "changelog"
    roadmap = "roadmap"


LIST_LABEL = {
    SubscriberList.changelog: _l("Release notes (changelog)"),
    SubscriberList.roadmap: _l("Roadmap updates"),
}

_WANTS = {
    SubscriberList.changelog: Subscriber.wants_changelog,
    SubscriberList.roadmap: Subscriber.wants_roadmap,
}


class ExpiredConfirmation(InvalidLink):
    message = _l("This confirmation link has expired. Subscribe again to get a new one.")


class InvalidConfirmation(InvalidLink):
    message = _l("This confirmation link is not valid. Subscribe again to get a new one.")


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation link asks for: these lists for this address, in this language."""

    email: str
    changelog: bool
    roadmap: bool
    language: str


@dataclass(frozen=True)
class Stop:
    """What a one-click link stops: one list (`which`) or both (None) for one subscriber."""

    subscriber_id: int
    fingerprint: str
    which: SubscriberList | None


# Links ------------------------------------------------------------------------------------------


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _stop_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STOP_SALT)


def _fingerprint(email: str) -> str:
    """Ties a stop link to the address, so a reused id can never stop someone else's email."""
    return hashlib.sha256(email.encode()).hexdigest()[:12]


def confirm_url(confirmation: Confirmation) -> str:
    claims = {"e": confirmation.email, "c": confirmation.changelog,
              "r": confirmation.roadmap, "l": confirmation.language}  # fmt: skip
    return absolute_url("public.subscription_confirm", token=_confirm_serializer().dumps(claims))


def read_confirmation(token: str) -> Confirmation:
    """The request a confirmation link carries; refused once CONFIRM_DAYS have passed."""
    try:
        claims = _confirm_serializer().loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
        return Confirmation(
            str(claims["e"]), bool(claims["c"]), bool(claims["r"]), str(claims["l"])[:8]
        )
    except SignatureExpired as expired:
        raise ExpiredConfirmation() from expired
    except (BadSignature, KeyError, TypeError, ValueError) as invalid:
        raise InvalidConfirmation() from invalid


def stop_url(subscriber_id: int, email: str, which: SubscriberList | None) -> str:
    """The page (and RFC 8058 one-click target) that takes this address off one list, or both.

    No expiry: an old email's link must still work. It grants nothing but silence."""
    claims = {"s": subscriber_id, "f": _fingerprint(email), "l": which.value if which else BOTH}
    return absolute_url("public.subscription_stop", token=_stop_serializer().dumps(claims))


def read_stop(token: str) -> Stop | None:
    try:
        claims = _stop_serializer().loads(token)
        which = None if claims["l"] == BOTH else SubscriberList(claims["l"])
        return Stop(int(claims["s"]), str(claims["f"]), which)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# Subscribing -----------------------------------------------------------------------------------


def _find_or_add(session: Session, email: str, language: str) -> Subscriber:
    """The row of `email`, added (unconfirmed, on no list) if missing. Two requests adding the
    same new address at once: the unique index refuses the second, which then uses the first's."""
    found = session.scalar(select(Subscriber).where(Subscriber.email == email))
    if found is not None:
        return found
    row = Subscriber(email=email, language=language)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
    return row


def request_subscription(session: Session, *, email: str, changelog: bool, roadmap: bool,
                         language: str) -> None:  # fmt: skip
    """Email a confirmation link for these lists. Nothing about the address changes before it
    is followed, whoever typed the address and whatever lists it is already on."""
    address = normalise_email(email)
    _find_or_add(session, address, language)
    wanted = Confirmation(address, changelog, roadmap, language)
    enqueue(
        session, kind="subscription_confirm", to=address, language=language,
        context={"confirm_url": confirm_url(wanted), "changelog": changelog,
                 "roadmap": roadmap, "days": CONFIRM_DAYS},
    )  # fmt: skip


def confirm_subscription(session: Session, confirmation: Confirmation) -> Subscriber:
    """Add the address to the lists it asked for (keeping those it is already on)."""
    subscriber = _find_or_add(session, confirmation.email, confirmation.language)
    subscriber.wants_changelog = subscriber.wants_changelog or confirmation.changelog
    subscriber.wants_roadmap = subscriber.wants_roadmap or confirmation.roadmap
    subscriber.language = confirmation.language
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
    session.flush()
    return subscriber


def add_confirmed_subscriber(session: Session, *, email: str, changelog: bool = True,
                             roadmap: bool = True, language: str = "en") -> Subscriber:  # fmt: skip
    """A subscriber who has already proved the address (demo data, imports)."""
    return confirm_subscription(
        session, Confirmation(normalise_email(email), changelog, roadmap, language)
    )


def account_subscription(session: Session, user: User) -> Subscriber | None:
    """The list entry of a person's account address, if any."""
    return session.scalar(select(Subscriber).where(Subscriber.email == user.email))


def set_account_subscription(session: Session, user: User, *, changelog: bool,
                             roadmap: bool) -> None:  # fmt: skip
    """A signed-in person's choice for their verified address: no confirmation needed. Neither
    list chosen: the address is forgotten."""
    if not user.is_verified:
        raise EmailNotVerified()
    subscriber = account_subscription(session, user)
    if not (changelog or roadmap):
        if subscriber is not None:
            session.delete(subscriber)
        session.flush()
        return
    subscriber = subscriber or _find_or_add(session, user.email, user.email_language)
    subscriber.wants_changelog, subscriber.wants_roadmap = changelog, roadmap
    subscriber.user_id = user.id
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
        subscriber.language = user.email_language
    session.flush()


# Stopping --------------------------------------------------------------------------------------


def subscriber_of(session: Session, stop: Stop) -> Subscriber | None:
    """The subscriber a stop link names, if the address it was signed for still has it."""
    subscriber = session.get(Subscriber, stop.subscriber_id)
    if subscriber is None or _fingerprint(subscriber.email) != stop.fingerprint:
        return None
    return subscriber


def stop_subscription(session: Session, stop: Stop) -> str:
    """Take the address off the list(s) the link names; off every list, it is forgotten.
    Returns what was done, to show the person."""
    subscriber = subscriber_of(session, stop)
    if subscriber is None or not (subscriber.wants_changelog or subscriber.wants_roadmap):
        return str(_l("Nothing to stop: this address is on none of our lists."))
    if stop.which in (None, SubscriberList.changelog):
        subscriber.wants_changelog = False
    if stop.which in (None, SubscriberList.roadmap):
        subscriber.wants_roadmap = False
    if not (subscriber.wants_changelog or subscriber.wants_roadmap):
        session.delete(subscriber)
    session.flush()
    if stop.which is None:
        return str(_l("You will get no more emails from our lists."))
    return str(_l("You will get no more emails of this list: %(list)s.",
                  list=LIST_LABEL[stop.which]))  # fmt: skip


def remove_subscriber(session: Session, subscriber_id: int, *, actor: User) -> bool:
    """An admin takes an address off every list. Returns whether there was one."""
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return False
    session.delete(subscriber)
    record(session, actor_id=actor.id, action="subscriber.removed", target_type="subscriber",
           target_id=subscriber_id)  # fmt: skip
    session.flush()
    return True


# Sending ---------------------------------------------------------------------------------------


def enqueue_for_subscribers(
    session: Session,
    *,
    wants: SubscriberList,
    kind: str,
    context: dict,
    event_id: int | None,
    batch_size: int | None = None,
) -> int:
    """Add one outbox message of `kind` per confirmed subscriber of `wants`, in batches
    (keyset by id, bulk insert per batch: never all subscribers in memory), each context being
    {**context, "unsubscribe_url": <their one-click link for that list>, "subscriber": True};
    skipping any address that already has an outbox message for `event_id` (of `kind` or any
    other: a follower already told of the same event) so each person gets one email. Each
    message is in the subscriber's language. Returns how many.

    Two statements per batch: one read, one insert; memory holds one batch (SUBSCRIBER_BATCH
    rows unless `batch_size` says otherwise), however long the list."""
    batch_size = batch_size or SUBSCRIBER_BATCH
    wanted = _WANTS[wants]
    query = (
        select(Subscriber.id, Subscriber.email, Subscriber.language)
        .where(wanted.is_(True), Subscriber.confirmed_at.is_not(None))
        .order_by(Subscriber.id)
        .limit(batch_size)
    )
    if event_id is not None:
        told = and_(
            OutboxMessage.event_id == event_id, OutboxMessage.to_address == Subscriber.email
        )
        query = query.where(~exists().where(told))
    domain, last_id, count = message_domain(), 0, 0
    while True:
        rows = session.execute(query.where(Subscriber.id > last_id)).all()
        if not rows:
            break
        session.execute(insert(OutboxMessage), [
            {"kind": kind, "to_address": row.email, "language": row.language,
             "event_id": event_id, "message_id": f"<{uuid.uuid4().hex}@{domain}>",
             "context": {**context, "unsubscribe_url": stop_url(row.id, row.email, wants),
                         "subscriber": True}}
            for row in rows
        ])  # fmt: skip
        count += len(rows)
        last_id = rows[-1].id
        if len(rows) < batch_size:
            break
    return count
