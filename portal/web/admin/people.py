"""Members and roles: everyone who has an account, invitations (to the team, or as customers),
roles and blocking.

Admins only (staff are refused, everyone else gets 404 from the admin area's guard)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal.audit.queries import with_names
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.people import queries, service
from portal.roles import Role
from portal.web.admin.audit import audit_lines
from portal.web.admin.common import (
    actor,
    back,
    bp,
    flash_refusal,
    organisation_choices,
    require_admin,
)
from portal.web.admin.forms import ROLE_LABELS, BlockForm, InviteForm, RoleForm
from portal.web.inputs import clean_text, int_arg
from portal.web.outcome import commit_or_refuse
from portal.web.public.forms import ChoiceForm
from portal.web.render import render

STATUS_FILTERS = {"blocked": True, "active": False}


def _filters() -> queries.PeopleFilters:
    search = clean_text(request.args.get("q", ""), multiline=False)[:255]
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    return queries.PeopleFilters(
        search=search,
        role=Role(role) if role in Role.__members__ else None,
        blocked=STATUS_FILTERS.get(status),
    )


@bp.get("/people")
def people_list():
    require_admin()
    filters = _filters()
    page = queries.list_people(db.session, filters, before=int_arg("before", None))
    return render(
        "admin/people/list.html", page=page, filters=filters, role_form=RoleForm(),
        role_labels={role.value: str(label) for role, label in ROLE_LABELS.items()},
        status_filter=request.args.get("status", "") if filters.blocked is not None else "",
        me=actor().id,
    )  # fmt: skip


@bp.get("/people/<int:user_id>")
def person_detail(user_id: int):
    require_admin()
    person = queries.get_person(db.session, user_id)
    if person is None:
        abort(404)
    role_form = RoleForm(data={"role": person.role.value})
    return render(
        "admin/people/detail.html", person=person, role_form=role_form, block_form=BlockForm(),
        unblock_form=ChoiceForm(),
        history=audit_lines(with_names(db.session, queries.history(db.session, user_id))),
        role_labels={role.value: str(label) for role, label in ROLE_LABELS.items()},
        me=actor().id,
    )  # fmt: skip


def _change(user_id: int, form, change, done: str):
    """A person's change, then back to where the form was (the list or the person's page)."""
    _validate_commit_and_flash(form, change, done)
    return back("admin.person_detail", user_id=user_id)


def _validate_commit_and_flash(form, change, done: str) -> None:
    """For the small forms that answer with a redirect: validate, run one service call and
    commit, flashing `done` or the refusal (whose changes are rolled back)."""
    if not form.validate_on_submit():
        flash(_("That cannot be done."), "error")
        return
    try:
        change()
    except DomainError as refusal:
        db.session.rollback()
        flash_refusal(refusal)
    else:
        db.session.commit()
        flash(done, "success")


@bp.post("/people/<int:user_id>/role")
def person_role(user_id: int):
    require_admin()
    form = RoleForm()
    return _change(user_id, form, lambda: service.change_role(
        db.session, actor=actor(), person_id=user_id, role=Role(form.role.data),
    ), _("The role is changed."))  # fmt: skip


@bp.post("/people/<int:user_id>/block")
def person_block(user_id: int):
    require_admin()
    form = BlockForm()
    return _change(user_id, form, lambda: service.block(
        db.session, actor=actor(), person_id=user_id, reason=form.reason.data or "",
    ), _("The person is blocked and signed out."))  # fmt: skip


@bp.post("/people/<int:user_id>/unblock")
def person_unblock(user_id: int):
    require_admin()
    return _change(user_id, ChoiceForm(), lambda: service.unblock(
        db.session, actor=actor(), person_id=user_id,
    ), _("The person is no longer blocked."))  # fmt: skip


@bp.route("/people/invite", methods=["GET", "POST"])
def people_invite():
    require_admin()
    form = InviteForm()
    form.organisation_id.choices = [("", "—"), *organisation_choices()]
    sent = form.validate_on_submit() and commit_or_refuse(form, lambda: service.invite(
        db.session, actor=actor(), email=form.email.data, display_name=form.display_name.data,
        role=Role(form.role.data), organisation_id=form.organisation_id.data,
    ))  # fmt: skip
    if sent:
        flash(_("The invitation is on its way to %(email)s.", email=sent.email), "success")
        return redirect(url_for("admin.people_invite"))
    expired_before = utcnow() - timedelta(seconds=current_app.config["INVITATION_LINK_MAX_AGE"])
    return render(
        "admin/people/invite.html", status=422 if form.errors or form.form_errors else 200,
        form=form, invitations=queries.pending_invitations(db.session),
        expired_before=expired_before, action_form=ChoiceForm(),
        role_labels={role.value: str(label) for role, label in ROLE_LABELS.items()},
    )  # fmt: skip


def _invitation_action(invitation_id: int, change, done: str):
    _validate_commit_and_flash(ChoiceForm(), change, done)
    return redirect(url_for("admin.people_invite"))


@bp.post("/people/invitations/<int:invitation_id>/resend")
def invitation_resend(invitation_id: int):
    require_admin()
    return _invitation_action(invitation_id, lambda: service.resend_invitation(
        db.session, actor=actor(), invitation_id=invitation_id,
    ), _("A new link is on its way; the earlier one no longer works."))  # fmt: skip


@bp.post("/people/invitations/<int:invitation_id>/revoke")
def invitation_revoke(invitation_id: int):
    require_admin()
    return _invitation_action(invitation_id, lambda: service.revoke_invitation(
        db.session, actor=actor(), invitation_id=invitation_id,
    ), _("The invitation is revoked: its link no longer works."))  # fmt: skip
