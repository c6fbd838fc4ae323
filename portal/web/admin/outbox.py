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
        retry_form=ChoiceForm(),
    )  # fmt: skip


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
