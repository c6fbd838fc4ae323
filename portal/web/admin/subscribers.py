"""The mailing lists: how many confirmed addresses each has, the addresses, an export, removal.

Admins only: the addresses are personal data."""

import csv
import io

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal.db import db
from portal.subscribers import queries, service
from portal.web.admin.common import actor, bp, require_admin
from portal.web.inputs import clean_text, int_arg
from portal.web.public.forms import ChoiceForm
from portal.web.render import render

EXPORT_HEADER = ("email", "changelog", "roadmap", "language", "confirmed_at", "created_at")
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.get("/subscribers")
def subscribers_list():
    require_admin()
    search = clean_text(request.args.get("q", ""), multiline=False)[:255]
    page = queries.list_subscribers(db.session, before=int_arg("before", None), search=search)
    return render(
        "admin/subscribers.html", counts=queries.counts(db.session), page=page, search=search,
        remove_form=ChoiceForm(),
    )  # fmt: skip


@bp.get("/subscribers.csv")
def subscribers_export():
    require_admin()
    # The rows are read while the response is sent, by a session of the export's own: the
    # request's ends with the view.
    factory = current_app.extensions["feedloop_db"].session_factory
    response = Response(_export(factory), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
    return response


@bp.post("/subscribers/<int:subscriber_id>/remove")
def subscriber_remove(subscriber_id: int):
    require_admin()
    if not ChoiceForm().validate():
        abort(400)
    if not service.remove_subscriber(db.session, subscriber_id, actor=actor()):
        abort(404)
    db.session.commit()
    flash(_("The address is removed from every list."), "success")
    return redirect(url_for("admin.subscribers_list"))


def safe_cell(value) -> str:
    """A CSV cell that spreadsheets show as text, never run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _export(session_factory):
    session = session_factory()
    try:
        yield from _csv_lines(queries.export_rows(session))
    finally:
        session.close()


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
