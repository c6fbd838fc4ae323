"""Sign up, verify, sign in and out, reset a password, edit the profile."""

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts import service
from portal.accounts.passwords import hash_password, upgraded_hash
from portal.db import db, writes_on_get
from portal.errors import InvalidLink
from portal.extensions import limiter
from portal.web import auth, limits
from portal.web.account.forms import (
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SigninForm,
    SignupForm,
    VerifyAgainForm,
)
from portal.web.outcome import REFUSED, commit_or_refuse
from portal.web.redirects import local_path, safe_next
from portal.web.render import render

bp = Blueprint("account", __name__)

CHECK_INBOX = "account/check_inbox.html"
BLOCKED = _l("This account is blocked. If you think this is a mistake, contact the portal's team.")
SIGNED_UP_AS = "signed_up_as"


def _languages() -> dict:
    return current_app.config["LANGUAGES"]


def _current_language() -> str:
    from flask_babel import get_locale

    return str(get_locale())


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = SignupForm()
    next_path = local_path(request.values.get("next"))
    if form.validate_on_submit():
        password_hash = hash_password(form.password.data)  # slow: before the write lock
        registered = commit_or_refuse(form, lambda: service.register_customer(
            db.session, email=form.email.data, password_hash=password_hash,
            display_name=form.display_name.data, language=_current_language(),
            next_path=next_path,
        ))  # fmt: skip
        if registered is REFUSED:
            return render("account/signup.html", status=422, form=form, next_path=next_path)
        # The verification link signs in only the browser that signed up: anyone else's would
        # let a stranger's link sign a victim into the stranger's account.
        session[SIGNED_UP_AS] = service.normalise_email(form.email.data)
        # The same answer whether or not the address already had an account.
        return render(CHECK_INBOX, email=service.normalise_email(form.email.data))
    status = 422 if form.errors else 200
    return render("account/signup.html", status=status, form=form, next_path=next_path)


@bp.get("/verify/<token>")
@writes_on_get
def verify_email(token: str):
    try:
        user, next_path = service.verify_email(db.session, token)
    except InvalidLink as refusal:
        return render(
            "account/invalid_link.html", status=400, message=refusal.message,
            offer_verification=True, form=VerifyAgainForm(),
        )  # fmt: skip
    db.session.commit()
    destination = local_path(next_path) or url_for("public.home")
    if session.get(SIGNED_UP_AS) != user.email:
        flash(_("Your email address is verified. Sign in to continue."), "success")
        return redirect(url_for("account.signin", next=destination))
    auth.sign_in(user)
    flash(_("Your email address is verified. Welcome!"), "success")
    # Where they were going when they signed up (the new-idea form, say).
    return redirect(destination)


@bp.post("/verify/again")
@limiter.limit("3 per minute;10 per hour")
def verification_again():
    """From an expired or used link: a new one, if the address still waits for it."""
    form = VerifyAgainForm()
    if not form.validate_on_submit():
        return render(
            "account/invalid_link.html", status=422, message="", offer_verification=True,
            form=form,
        )  # fmt: skip
    service.send_verification_again(db.session, form.email.data)
    db.session.commit()
    return render(CHECK_INBOX, email=service.normalise_email(form.email.data))


@bp.post("/verify/resend")
@limiter.limit("3 per minute;10 per hour")
@login_required
def resend_verification():
    if not current_user.is_verified:
        service.send_verification(db.session, current_user)
        db.session.commit()
    return render(CHECK_INBOX, email=current_user.email)


@bp.route("/login", methods=["GET", "POST"])
@limits.limit_sign_in
def signin():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("public.home")))
    form = SigninForm()
    if form.validate_on_submit():
        with db.reading() as reading:  # the slow hash check holds no write lock
            user = service.authenticate(reading, email=form.email.data, password=form.password.data)
        if user is not None and user.is_blocked:
            # Only after the right password: this says no more than a sign-in would.
            form.form_errors.append(BLOCKED)
        elif user is not None:
            upgraded = upgraded_hash(user.password_hash, form.password.data)
            if upgraded:
                service.store_password_hash(db.session, user.id, upgraded)
                db.session.commit()
            auth.sign_in(user, remember=form.remember.data)
            response = redirect(safe_next(url_for("public.home")))
            limits.remember_device(response, user.email, upgraded or user.password_hash)
            return response
        form.form_errors.append(_("That email and password do not match an account."))
    status = 422 if form.errors or form.form_errors else 200
    next_path = local_path(request.values.get("next"))
    return render("account/signin.html", status=status, form=form, next_path=next_path)


@bp.post("/logout")
def signout():
    auth.sign_out()
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(db.session, form.email.data)
        db.session.commit()
        return render(CHECK_INBOX, email=service.normalise_email(form.email.data), reset=True)
    return render("account/forgot.html", status=422 if form.errors else 200, form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    try:
        with db.reading() as reading:
            service.user_for_reset_token(reading, token)
    except InvalidLink as refusal:
        return render("account/invalid_link.html", status=400, message=refusal.message)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        password_hash = hash_password(form.password.data)  # slow: before the write lock
        user = service.reset_password(db.session, token, password_hash)
        db.session.commit()
        auth.sign_in(user)
        flash(_("Your password is changed."), "success")
        return redirect(url_for("public.home"))
    return render("account/reset.html", status=422 if form.errors else 200, form=form)


@bp.route("/account", methods=["GET", "POST"])
@limits.limit_writes(limits.SETTINGS)
@login_required
def profile():
    # The language "" stands for "same as my browser" (stored as no language).
    form = ProfileForm(
        data={"display_name": current_user.display_name, "language": current_user.language or ""}
    )
    if form.validate_on_submit():
        service.update_profile(
            db.session,
            current_user,
            display_name=form.display_name.data,
            language=form.language.data,
            browser_language=request.accept_languages.best_match(list(_languages())),
        )
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("account.profile"))
    return render("account/profile.html", status=422 if form.errors else 200, form=form)
