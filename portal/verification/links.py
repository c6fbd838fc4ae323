"""The signed links of the question "did this solve your need?" (THE interface the release-note
email calls), and who is asked.

A link names one person, one idea and the answer it pre-selects. It is signed with the portal's
secret under its own salt and expires after LINK_MAX_AGE (90 days): long enough for a late
answer, short enough that a forwarded email does not speak for its reader for ever. Opening it
(GET) records nothing, because mail scanners prefetch both links; the answer is sent from the
page (POST, with that page's CSRF token). Whoever follows it is checked again at use: still
asked (item below), idea still released.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.feedback.models import Feedback
from portal.ideas.models import Follower, Idea, Vote
from portal.notify.outbox import absolute_url

SALT = "verification-answer"
LINK_MAX_AGE = 90 * 24 * 3600


@dataclass(frozen=True)
class AnswerClaim:
    """What a valid link says: this person answers for this idea, `solved` pre-selected."""

    user_id: int
    idea_id: int
    solved: bool


class LinkExpired(Exception):
    """A genuine link, older than LINK_MAX_AGE."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def answer_url(user_id: int, idea_id: int, solved: bool) -> str:
    """Absolute link (BASE_URL, like portal/notify/links.py unsubscribe_url) to the page where
    this person answers "did it solve your need?" for this idea, pre-set to yes or no."""
    token = _serializer().dumps({"u": user_id, "i": idea_id, "s": 1 if solved else 0})
    return absolute_url("account.solved_answer", token=token)


def answer_links(user_id: int, idea_id: int) -> dict[str, str]:
    """Both links of one person's question, as an email's context wants them."""
    return {
        "yes_url": answer_url(user_id, idea_id, True),
        "no_url": answer_url(user_id, idea_id, False),
    }


def read_answer_token(token: str) -> AnswerClaim | None:
    """The claim of a genuine, unexpired link; None for anything forged or altered.
    Raises LinkExpired for a genuine link past its age."""
    try:
        claims = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as expired:
        raise LinkExpired from expired
    except BadSignature:
        return None
    try:
        return AnswerClaim(int(claims["u"]), int(claims["i"]), bool(int(claims["s"])))
    except (KeyError, TypeError, ValueError):
        return None


def asked_people(session: Session, idea: Idea) -> Select[tuple[int]]:
    """Who should be asked "did this solve your need?" about `idea`: a SELECT of user ids
    (`session.scalars(asked_people(session, idea))` lists them; `User.id.in_(...)` composes it).

    Those who asked for it — its author, its voters, and the customers whose feedback is linked
    to it — who still follow it, have a verified address and may still see it (the visibility
    rule, access.people_who_may_see). Their email cadence is not applied here: that is a choice
    about delivery, which the sender makes. Only these people may answer. `session` is not used
    to build the statement; it is taken so that callers need not know that."""
    del session
    following = select(Follower.user_id).where(
        Follower.idea_id == idea.id, Follower.unfollowed_at.is_(None)
    )
    voters = select(Vote.user_id).where(Vote.idea_id == idea.id)
    customers = select(Feedback.person_id).where(Feedback.idea_id == idea.id)
    return (
        select(User.id)
        .where(
            User.id.in_(following),
            or_(User.id == idea.author_id, User.id.in_(voters), User.id.in_(customers)),
            access.people_who_may_see(idea),
        )
        .order_by(User.id)
    )
