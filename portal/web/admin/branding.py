"""The portal's branding (admins): name, logo, accent colour and the home page's welcome text."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from portal.db import db
from portal.settings.service import Logo, get_branding, update_branding
from portal.web.admin.common import actor, bp, require_admin
from portal.web.admin.forms import BrandingForm
from portal.web.outcome import Refused
from portal.web.render import render
from portal.web.uploads import clean_uploads, commit_with_images, discard_keys


@bp.route("/settings/branding", methods=["GET", "POST"])
def branding_page():
    require_admin()
    branding = get_branding(db.session)
    form = BrandingForm(name=branding.name, accent=branding.accent or "", welcome=branding.welcome)
    if form.validate_on_submit():
        form.logo.data = [form.logo.data] if form.logo.data else []
        images = clean_uploads(form.logo, max_files=1)
        if images is not None:
            replaced = commit_with_images(form, images, lambda stored: update_branding(
                db.session, actor=actor(), name=form.name.data, accent=form.accent.data,
                welcome=form.welcome.data or "",
                logo=_logo(stored[0]) if stored else None,
                remove_logo=form.remove_logo.data,
            ))  # fmt: skip
            if not isinstance(replaced, Refused):
                if replaced:  # the old logo, now that nothing refers to it
                    discard_keys([replaced])
                flash(_("Branding saved."), "success")
                return redirect(url_for("admin.branding_page"))
    status = 422 if form.errors or form.form_errors else 200
    return render("admin/settings/branding.html", status=status, form=form, current=branding)


def _logo(stored) -> Logo:
    image = stored.image
    return Logo(key=stored.key, content_type=image.content_type, filename=image.filename,
                width=image.width, height=image.height)  # fmt: skip
