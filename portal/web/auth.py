"""Signing a person in and out: the one wrapper around Flask-Login (STACK.md)."""

from flask import session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import OperationalError

from portal.accounts import service
from portal.accounts.models import User
from portal.db import db

# Kept across sign-in and sign-out: the visitor's own choice, not tied to who is signed in.
KEPT_ON_SIGN_IN = ("language",)


def _fresh_session() -> None:
    """Drop everything the anonymous session held, the CSRF secret included, so a token or
    value planted before sign-in is worthless after it (session fixation)."""
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def sign_in(user: User, *, remember: bool = False) -> None:
    """Sign the person in and note when, in a write of its own that another writer's lock does
    not hold up: the time of a sign-in is not worth making the person wait."""
    try:
        with db.impatient() as writing:
            service.record_sign_in(writing, user.id)
    except OperationalError:
        pass
    _fresh_session()
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this person's sessions everywhere, so a copied session or "remember me" cookie stops
    working as well; the caller commits."""
    if current_user.is_authenticated:
        service.end_all_sessions(db.session, current_user._get_current_object())
    _fresh_session()
    logout_user()  # after the clear: it leaves the flag that deletes the remember-me cookie
