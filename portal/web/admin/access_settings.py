"""Who may open the portal and who may sign up: its own settings page, admins only."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from portal.db import db
from portal.settings.service import get_access, update_access
from portal.web.admin.common import actor, bp, require_admin
from portal.web.admin.forms import AccessForm
from portal.web.render import render


@bp.route("/settings/access", methods=["GET", "POST"])
def access_settings():
    require_admin()
    current = get_access(db.session)
    form = AccessForm(data={"is_private": current.is_private, "signup": current.signup.value})
    if form.validate_on_submit():
        update_access(db.session, actor=actor(), access=form.access())
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.access_settings"))
    status = 422 if form.errors else 200
    return render("admin/access_settings.html", status=status, form=form)
