"""Email that could not be delivered: admins see why, and send it again."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from portal.db import db, utcnow
from portal.notify import queries, service
from portal.web.admin.common import actor, bp, require_admin
from portal.web.inputs import page_arg
from portal.web.public.forms import ChoiceForm
from portal.web.render import render


@bp.get("/outbox")
def outbox():
    require_admin()
    page = page_arg()
    dead, has_next = queries.list_dead_messages(db.session, page=page)
    backlog = queries.outbox_backlog(db.session, utcnow())
    return render(
        "admin/outbox.html", dead=dead, page=page, has_next=has_next, backlog=backlog,
        retry_form=ChoiceForm(), email_kinds=email_kind_labels(),
    )  # fmt: skip


def email_kind_labels() -> dict[str, str]:
    """What each kind of email is, in words (templates/email/<kind>.txt)."""
    return {
        "account_exists": _("Someone signed up with an existing address"),
        "digest": _("Digest"),
        "idea_declined": _("Idea declined"),
        "idea_merged": _("Ideas merged"),
        "invitation": _("Invitation"),
        "new_comment": _("New comment"),
        "release_published": _("Release note"),
        "reset_password": _("Password reset"),
        "roadmap_update": _("Roadmap update"),
        "solved_no": _("“Not solved” answer"),
        "solved_question": _("“Did it solve your need?” question"),
        "staff_reply": _("Staff reply"),
        "stage_changed": _("Idea moved"),
        "subscription_confirm": _("Subscription confirmation"),
        "verify_email": _("Email address check"),
    }


@bp.post("/outbox/<int:message_id>/retry")
def outbox_retry(message_id: int):
    require_admin()
    if not ChoiceForm().validate():
        abort(400)
    if not service.retry_dead_message(db.session, message_id, actor=actor()):
        abort(404)
    db.session.commit()
    flash(_("The message will be sent again in a moment."), "success")
    return redirect(url_for("admin.outbox"))
