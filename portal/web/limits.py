"""Rate limits (issue 6): every write a customer can make, and sign-in, keyed so that one
flood cannot lock other people out.

Writes are counted per account when signed in and per client address otherwise. Sign-in counts
only failures, three ways: per address (a spray of guesses from one place), per account (many
places guessing one password), and, for a browser that has signed in to that account before,
per that browser instead of the first two, so a flood against an account or from a shared office
address does not refuse its owner's correct password on their own device (OWASP's "device
cookie" defence).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import db
from portal.extensions import limiter

DEVICE_COOKIE = "feedloop_device"
DEVICE_SALT = "trusted-device"
DEVICE_MAX_AGE = 180 * 24 * 3600

# The write limits, per person (or address): generous for a person, tight for a script.
SUBMIT_IDEA = "5 per minute;30 per hour"
COMMENT = "10 per minute;120 per hour"
VOTE = "30 per minute;600 per hour"
FOLLOW = "30 per minute;600 per hour"
# Answering "did this solve your need?" from an emailed link, often without signing in.
ANSWER = "10 per minute;60 per hour"
# Profile, language and email choices: a person clicks these a few times, a script thousands.
SETTINGS = "20 per minute;200 per hour"
# Subscribing sends a stranger an email: a few per address, so the form cannot flood a mailbox.
SUBSCRIBE = "5 per minute;20 per hour"
# Emailed sign-in links: each request sends a mail, so few per address typed (whoever asks)
# and per client address; codes typed for a link, per client address.
SIGN_IN_LINK_PER_EMAIL = "3 per 15 minutes;10 per day"
SIGN_IN_LINK_PER_CLIENT = "5 per minute;30 per hour"
SIGN_IN_CODE_PER_CLIENT = "10 per minute;60 per hour"
SIGN_IN_PER_ADDRESS = "20 per minute;200 per hour"
SIGN_IN_PER_ACCOUNT = "6 per minute;30 per hour"
SIGN_IN_PER_DEVICE = "6 per minute;30 per hour"


def person_or_address() -> str:
    """The account when signed in (the same person from many addresses), else the address."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"


def limit_writes(rule: str):
    """Decorator: `rule` applies to the POSTs of a view, per person or address."""
    return limiter.limit(rule, key_func=person_or_address, methods=["POST"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def _submitted_email() -> str:
    return request.form.get("email", "").strip().lower()[:255]


def _trusted_device() -> str | None:
    """The browser's device id if it signed in before to the account it now tries, with the
    password that account still has (a reset ends the trust: a thief keeps nothing)."""
    if "trusted_device" not in g:
        g.trusted_device = _read_device_cookie()
    return g.trusted_device


def _read_device_cookie() -> str | None:
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    try:
        claims = _serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or claims.get("email") != _submitted_email():
        return None
    with db.reading() as reading:
        password_hash = reading.scalar(
            select(User.password_hash).where(User.email == _submitted_email())
        )
    if password_hash is None or claims.get("password") != _fingerprint(password_hash):
        return None
    return str(claims.get("device", ""))[:64] or None


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def remember_device(response: Response, email: str, password_hash: str) -> None:
    """After a correct sign-in: this browser may later sign in to `email` under its own limit."""
    claims = {
        "email": email,
        "device": secrets.token_hex(16),
        "password": _fingerprint(password_hash),
    }
    token = _serializer().dumps(claims)
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _failed(response: Response) -> bool:
    return response.status_code != 302


def limit_sign_in(view):
    """Decorator for the sign-in view: the three failure counts above."""
    untrusted = limiter.limit(
        SIGN_IN_PER_ADDRESS,
        key_func=lambda: f"address:{get_remote_address()}",
        methods=["POST"],
        deduct_when=_failed,
        exempt_when=lambda: _trusted_device() is not None,
    )(view)
    per_account = limiter.limit(
        SIGN_IN_PER_ACCOUNT,
        key_func=lambda: f"email:{_submitted_email()}",
        methods=["POST"],
        deduct_when=_failed,
        exempt_when=lambda: _trusted_device() is not None,
    )(untrusted)
    return limiter.limit(
        SIGN_IN_PER_DEVICE,
        key_func=lambda: f"device:{_trusted_device()}",
        methods=["POST"],
        deduct_when=_failed,
        exempt_when=lambda: _trusted_device() is None,
    )(per_account)


def limit_sign_in_links(view):
    """Decorator for the form that emails a sign-in link: per address typed and per client."""
    per_client = limiter.limit(
        SIGN_IN_LINK_PER_CLIENT,
        key_func=lambda: f"link-client:{get_remote_address()}",
        methods=["POST"],
    )(view)
    return limiter.limit(
        SIGN_IN_LINK_PER_EMAIL,
        key_func=lambda: f"link-email:{_submitted_email()}",
        methods=["POST"],
    )(per_client)


def limit_sign_in_codes(view):
    """Decorator for the form that takes a sign-in link's code: per client address."""
    return limiter.limit(
        SIGN_IN_CODE_PER_CLIENT,
        key_func=lambda: f"code-client:{get_remote_address()}",
        methods=["POST"],
    )(view)
