"""Organisations: the customer companies, their domains, tier, ARR, industry and region."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.models import Membership, Organisation, OrganisationDomain, Tier, User
from portal.accounts.service import save_organisation
from portal.db import db
from portal.web.admin.common import actor, bp
from portal.web.admin.forms import OrganisationForm
from portal.web.money import workspace_currency
from portal.web.outcome import commit_or_refuse
from portal.web.render import render


@bp.get("/organisations")
def organisations_list():
    members = (
        select(Membership.organisation_id, func.count(Membership.id).label("members"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.organisation_id == Organisation.id)
        .order_by(Organisation.arr.desc(), Organisation.name)
    ).all()
    domains: dict[int, list[str]] = {}
    for organisation_id, domain in db.session.execute(
        select(OrganisationDomain.organisation_id, OrganisationDomain.domain)
    ):
        domains.setdefault(organisation_id, []).append(domain)
    return render("admin/organisations/list.html", rows=rows, domains=domains)


def _form_page(organisation: Organisation | None):
    form = OrganisationForm()
    form.arr.description = _("In %(currency)s, whole units.", currency=workspace_currency())
    if organisation is not None and not form.is_submitted():
        form.process(
            name=organisation.name,
            arr=organisation.arr,
            industry=organisation.industry,
            region=organisation.region,
            domains=", ".join(
                db.session.scalars(
                    select(OrganisationDomain.domain).where(
                        OrganisationDomain.organisation_id == organisation.id
                    )
                )
            ),
            tier=organisation.tier.value,
        )
    saved = form.validate_on_submit() and commit_or_refuse(form, lambda: save_organisation(
        db.session, actor=actor(), organisation=organisation, name=form.name.data,
        domains=(form.domains.data or "").split(","), tier=Tier(form.tier.data),
        arr=form.arr.data or 0, industry=form.industry.data or "", region=form.region.data or "",
    ))  # fmt: skip
    if saved:
        flash(_("Organisation saved."), "success")
        return redirect(url_for("admin.organisation_edit", organisation_id=saved.id))
    members = []
    if organisation is not None:
        members = db.session.execute(
            select(User.display_name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id)
            .order_by(User.display_name)
        ).all()
    status = 422 if form.errors or form.form_errors else 200
    return render(
        "admin/organisations/form.html",
        status=status,
        form=form,
        organisation=organisation,
        members=members,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new():
    return _form_page(None)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation_edit(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return _form_page(organisation)
