"""Settings (priority factors, SLA hours, review age, currency, time zone). Staff may look;
only admins change anything."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.db import db
from portal.ideas.models import Severity
from portal.priority import service as priority
from portal.priority.models import Direction, PriorityFactor
from portal.settings.service import (
    MAX_DECISION_DAYS,
    MAX_SLA_HOURS,
    get_currency,
    get_settings,
    get_time_zone,
    time_zone_names,
    update_auto_close,
    update_currency,
    update_settings,
    update_time_zone,
)
from portal.web.admin.common import actor, bp, require_admin
from portal.web.admin.forms import AutoCloseForm, CurrencyForm, FactorForm, TimeZoneForm
from portal.web.outcome import commit_or_refuse
from portal.web.render import render


def _settings_page(
    status=200, factor_form=None, errors=(), close_form=None, currency_form=None, zone_form=None
):
    settings = get_settings(db.session)
    close = settings.auto_close
    return render(
        "admin/settings.html",
        status=status,
        factors=list(db.session.scalars(select(PriorityFactor).order_by(PriorityFactor.position))),
        factor_form=factor_form or FactorForm(formdata=None),
        close_form=close_form
        or AutoCloseForm(
            formdata=None,
            enabled=close.enabled,
            days=close.days,
            percent=close.percent,
            min_answers=close.min_answers,
        ),  # fmt: skip
        currency_form=currency_form
        or CurrencyForm(formdata=None, currency=get_currency(db.session)),
        zone_form=zone_form or TimeZoneForm(formdata=None, time_zone=get_time_zone(db.session)),
        time_zone_names=time_zone_names(),
        settings=settings,
        severities=list(Severity),
        factor_sources={
            "rating": _("Staff rating"),
            "demand": _("Computed: demand"),
            "persistence": _("Computed: asked again over months"),
            "freshness": _("Computed: freshness of bug reports"),
        },
        errors=errors,
    )


@bp.get("/settings")
def settings_page():
    return _settings_page()


@bp.post("/settings/workspace")
def settings_save():
    require_admin()
    try:
        decision_days = int(request.form["decision_days"])
        sla = {
            s: (int(request.form[f"{s.value}_first"]), int(request.form[f"{s.value}_resolve"]))
            for s in Severity
        }
        if not 1 <= decision_days <= MAX_DECISION_DAYS or any(
            not 1 <= hours <= MAX_SLA_HOURS for pair in sla.values() for hours in pair
        ):
            raise ValueError
    except (KeyError, ValueError):
        message = _(
            "Use whole numbers: days from 1 to %(days)d, hours from 1 to %(hours)d.",
            days=MAX_DECISION_DAYS,
            hours=MAX_SLA_HOURS,
        )
        return _settings_page(422, errors=[message])
    update_settings(db.session, actor=actor(), decision_days=decision_days, sla_hours=sla)
    db.session.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.settings_page"))


@bp.post("/settings/auto-close")
def auto_close_save():
    require_admin()
    form = AutoCloseForm()
    if not form.validate():
        return _settings_page(422, close_form=form)
    update_auto_close(db.session, actor=actor(), auto_close=form.auto_close())
    db.session.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.settings_page", _anchor="auto-close-heading"))


@bp.post("/settings/currency")
def currency_save():
    require_admin()
    form = CurrencyForm()
    if not form.validate():
        return _settings_page(422, currency_form=form)
    update_currency(db.session, actor=actor(), currency=form.currency.data)
    db.session.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.settings_page", _anchor="currency-heading"))


@bp.post("/settings/time-zone")
def time_zone_save():
    require_admin()
    form = TimeZoneForm()
    if not form.validate():
        return _settings_page(422, zone_form=form)
    update_time_zone(db.session, actor=actor(), time_zone=form.time_zone.data)
    db.session.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for("admin.settings_page", _anchor="time-zone-heading"))


@bp.post("/settings/factors", defaults={"factor_id": None})
@bp.post("/settings/factors/<int:factor_id>")
def factor_save(factor_id):
    require_admin()
    factor = db.session.get(PriorityFactor, factor_id) if factor_id else None
    if factor_id and factor is None:
        abort(404)
    form = FactorForm()
    if not form.validate():
        return _settings_page(422, factor_form=form, errors=[_("Check the factor's fields.")])
    saved = commit_or_refuse(form, lambda: priority.save_factor(
        db.session, actor=actor(), factor=factor, name=form.name.data,
        weight=form.weight.data, scale_max=form.scale_max.data,
        direction=Direction(form.direction.data), is_urgency=form.is_urgency.data,
        is_active=form.is_active.data,
    ))  # fmt: skip
    if not saved:
        return _settings_page(422, factor_form=form, errors=form.form_errors)
    flash(_("Factor saved; every idea was re-scored."), "success")
    return redirect(url_for("admin.settings_page"))
