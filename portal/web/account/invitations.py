"""Accepting an invitation (to the team, or as a customer): the link sets up the account and
signs the person in."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from portal.accounts.passwords import hash_password
from portal.accounts.service import get_user_by_email
from portal.db import db
from portal.errors import InvalidLink
from portal.extensions import limiter
from portal.people import service
from portal.roles import Role
from portal.web import auth
from portal.web.account.forms import AcceptInvitationForm
from portal.web.account.views import bp
from portal.web.outcome import commit_or_refuse
from portal.web.render import render


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token: str):
    try:
        with db.reading() as reading:
            invitation = service.invitation_for_token(reading, token)
            existing = get_user_by_email(reading, invitation.email)
            email, name = invitation.email, invitation.display_name
            as_customer = invitation.role == Role.customer
            has_account = existing is not None
            if existing is not None:
                name = existing.display_name
    except InvalidLink as refusal:
        return render("account/invalid_link.html", status=400, message=refusal.message)
    form = AcceptInvitationForm(data={"display_name": name})
    if form.validate_on_submit():
        if not has_account and not form.password.data:
            form.password.errors.append(_("Choose a password."))
        else:
            # Slow: hashed before the write transaction opens.
            password_hash = hash_password(form.password.data) if form.password.data else None
            person = commit_or_refuse(form, lambda: service.accept_invitation(
                db.session, token=token, display_name=form.display_name.data,
                password_hash=password_hash,
            ))  # fmt: skip
            if person:
                auth.sign_in(person)
                flash(_("Welcome!") if as_customer else _("Welcome to the team!"), "success")
                destination = "admin.index" if person.is_staff else "public.home"
                return redirect(url_for(destination))
    status = 422 if form.errors or form.form_errors else 200
    return render("account/invitation.html", status=status, form=form, email=email,
                  has_account=has_account, as_customer=as_customer)  # fmt: skip
