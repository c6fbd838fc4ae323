"""Signing in with a one-time link sent by email (the design: portal/accounts/signin_links.py)."""

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import signin_links as links
from portal.accounts.service import normalise_email
from portal.db import db, writes_on_get
from portal.errors import InvalidLink, PersonBlocked
from portal.web import auth, limits
from portal.web.account.forms import SignInCodeForm, SignInLinkForm
from portal.web.account.views import BLOCKED, bp
from portal.web.redirects import local_path, safe_next
from portal.web.render import render

# The asking browser's nonce, in its signed session cookie (cleared by signing in).
BROWSER_NONCE = "sign_in_link_browser"


@bp.route("/login/link", methods=["GET", "POST"])
@limits.limit_sign_in_links
def signin_link_request():
    """Ask for a sign-in link; the answer never tells whether the address has an account."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("public.home")))
    form = SignInLinkForm()
    next_path = local_path(request.values.get("next"))
    if form.validate_on_submit():
        nonce = session.get(BROWSER_NONCE) or links.new_browser_nonce()
        links.request_sign_in_link(
            db.session, email=form.email.data, browser_nonce=nonce, next_path=next_path
        )
        db.session.commit()
        session[BROWSER_NONCE] = nonce
        return render("account/signin_link_sent.html", email=normalise_email(form.email.data),
                      minutes=_minutes())  # fmt: skip
    status = 422 if form.errors else 200
    return render("account/signin_link.html", status=status, form=form, next_path=next_path,
                  minutes=_minutes())  # fmt: skip


def _minutes() -> int:
    return current_app.config["SIGN_IN_LINK_MAX_AGE"] // 60


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@writes_on_get
@limits.limit_sign_in_codes
def signin_link(token: str):
    """Open an emailed link: the asking browser is signed in at once, any other asks for the
    code (a GET from elsewhere writes nothing, so a mail scanner cannot use the link up)."""
    form = SignInCodeForm()
    nonce = session.get(BROWSER_NONCE)
    try:
        if request.method == "GET":
            link = links.get_sign_in_link(db.session, token)
            if not links.is_same_browser(link, nonce):
                return render("account/signin_code.html", form=form)
            return _signed_in(links.use_sign_in_link(db.session, token=token, browser_nonce=nonce))
        if not form.validate_on_submit():
            links.get_sign_in_link(db.session, token)  # a dead link says so, not "type the code"
            return render("account/signin_code.html", status=422, form=form)
        used = links.use_sign_in_link(db.session, token=token, code=form.code.data)
    except PersonBlocked:
        db.session.rollback()
        return render("account/invalid_link.html", status=403, message=BLOCKED)
    except InvalidLink as refusal:
        db.session.rollback()
        return render("account/invalid_link.html", status=400, message=refusal.message,
                      offer_sign_in_link=True)  # fmt: skip
    if used is None:
        db.session.commit()  # the wrong code counts
        form.code.errors.append(_("That is not the code in the email."))
        return render("account/signin_code.html", status=422, form=form)
    return _signed_in(used)


def _signed_in(used):
    user, next_path = used
    db.session.commit()
    auth.sign_in(user)
    flash(_("You are signed in."), "success")
    return redirect(local_path(next_path) or url_for("public.home"))
