"""Signing in with a one-time link sent by email, instead of a password.

The design, and why:

* Asking: the person types their address on /login/link. If it belongs to an account that is
  not blocked, a `SignInLink` row is written and an email is put in the outbox (the worker sends
  it after the commit: no SMTP inside the request). The page that follows says the same thing
  whether or not the address has an account, and rate limits (per address typed and per client
  address, portal/web/limits.py) keep the form from flooding a mailbox.
* The email carries a link with a random token (32 bytes) and a 6-digit code. Only SHA-256
  hashes are stored: of the token, of the code (together with the token, so the code's hash
  cannot be guessed from the database without the token), and of a random nonce that the asking
  browser keeps in its (signed) session cookie.
* Opening the link in the browser that asked (its nonce matches) signs in at once. Opening it
  anywhere else (another device, a mail scanner following links, or a victim sent an attacker's
  own link to sign them into the attacker's account) shows a form that asks for the code in the
  email and writes nothing; a mail scanner therefore cannot use the link up.
* A link works once (an UPDATE that only succeeds while `used_at` is empty decides, so two
  requests at once cannot both sign in), for SIGN_IN_LINK_MAX_AGE (15 minutes), and dies after
  MAX_WRONG_CODES wrong codes. A person blocked after asking is refused.
* Following the link proves the mailbox, as a password reset does: an unverified account becomes
  verified and joins its organisation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import SignInLink, User
from portal.accounts.service import _greeting_name, get_user_by_email, join_organisation_by_domain
from portal.db import utcnow
from portal.errors import PersonBlocked, SignInLinkRefused
from portal.notify.outbox import absolute_url, enqueue

MAX_WRONG_CODES = 5
CODE_DIGITS = 6


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def new_browser_nonce() -> str:
    """A random value the asking browser keeps, to recognise it when the link is opened."""
    return secrets.token_urlsafe(16)


def request_sign_in_link(
    session: Session, *, email: str, browser_nonce: str, next_path: str | None = None
) -> SignInLink | None:
    """Email a one-time sign-in link and code to `email` if it belongs to an account that may
    sign in; otherwise nothing (the caller answers the same either way)."""
    user = get_user_by_email(session, email)
    if user is None or user.is_blocked:
        return None
    # The person's dead links go (served by the index on user_id): rows stay few per person.
    session.execute(
        delete(SignInLink).where(SignInLink.user_id == user.id, SignInLink.expires_at < utcnow())
    )
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    max_age = current_app.config["SIGN_IN_LINK_MAX_AGE"]
    link = SignInLink(
        user_id=user.id,
        token_hash=_digest(token),
        code_hash=_digest(token, code),
        browser_hash=_digest(browser_nonce),
        next_path=(next_path or "")[:500],
        expires_at=utcnow() + timedelta(seconds=max_age),
    )
    session.add(link)
    session.flush()
    enqueue(
        session,
        kind="sign_in_link",
        to=user.email,
        language=user.email_language,
        context={
            "name": _greeting_name(user),
            "link_url": absolute_url("account.signin_link", token=token),
            "code": code,
            "minutes": max_age // 60,
        },
    )
    return link


def get_sign_in_link(session: Session, token: str) -> SignInLink:
    """The live link `token` stands for; SignInLinkRefused if unknown, used, expired or dead
    of wrong codes."""
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _digest(token)))
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= utcnow()
        or link.wrong_codes >= MAX_WRONG_CODES
    ):
        raise SignInLinkRefused()
    return link


def is_same_browser(link: SignInLink, browser_nonce: str | None) -> bool:
    """Whether the browser opening the link is the one that asked for it."""
    return bool(browser_nonce) and secrets.compare_digest(
        link.browser_hash, _digest(str(browser_nonce))
    )


def use_sign_in_link(
    session: Session, *, token: str, browser_nonce: str | None = None, code: str | None = None
) -> tuple[User, str] | None:
    """The person the link signs in and where they were going, using the link up. The browser
    that asked needs no code; any other must give the emailed `code`. None when the code is
    wrong (counted: the caller commits). SignInLinkRefused for a dead link, PersonBlocked for a
    blocked person."""
    link = get_sign_in_link(session, token)
    if not is_same_browser(link, browser_nonce):
        given = "".join((code or "").split())
        if not secrets.compare_digest(link.code_hash, _digest(token, given)):
            session.execute(
                update(SignInLink)
                .where(SignInLink.id == link.id)
                .values(wrong_codes=SignInLink.wrong_codes + 1)
                .execution_options(synchronize_session=False)
            )
            return None
    now = utcnow()
    taken = session.execute(
        update(SignInLink)
        .where(
            SignInLink.id == link.id,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
            SignInLink.wrong_codes < MAX_WRONG_CODES,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise SignInLinkRefused()
    user = session.get(User, link.user_id)
    if user is None:
        raise SignInLinkRefused()
    if user.is_blocked:
        raise PersonBlocked()
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link went to the address: that proves it
        join_organisation_by_domain(session, user)
    session.flush()
    return user, link.next_path
