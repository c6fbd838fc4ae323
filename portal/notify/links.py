"""Signed links in follower email that work without signing in: stop one idea, or one topic."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.notify.models import Topic
from portal.notify.outbox import absolute_url

SALT = "unsubscribe"


DIGEST = "digest"


@dataclass(frozen=True)
class Unsubscribe:
    """Stop one idea's news (`idea_id`), one topic, or (topic None) the daily digest."""

    user_id: int
    topic: Topic | None
    idea_id: int | None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_url(user_id: int, topic: Topic | None, idea_id: int | None = None) -> str:
    """The page (and RFC 8058 one-click target) that stops this kind of email for this person.

    No expiry: an old email's link must still work. It grants nothing but silence."""
    token = _serializer().dumps({"u": user_id, "t": topic.value if topic else DIGEST, "i": idea_id})
    return absolute_url("account.unsubscribe", token=token)


def read_unsubscribe(token: str) -> Unsubscribe | None:
    try:
        claims = _serializer().loads(token)
        topic = None if claims["t"] == DIGEST else Topic(claims["t"])
        idea_id = claims.get("i")
        return Unsubscribe(int(claims["u"]), topic, int(idea_id) if idea_id else None)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
