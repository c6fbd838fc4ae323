"""GET /healthz for load balancers and monitoring: is the database reachable, and is email
leaving? JSON, no sign-in, and nothing about anyone's data."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.db import db, utcnow
from portal.notify.queries import outbox_backlog

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        backlog = outbox_backlog(db.session, utcnow())
    except SQLAlchemyError as failure:
        body = {"status": "error", "database": f"unreachable: {type(failure).__name__}"}
        return jsonify(body), 503
    outbox = {
        "due": backlog.due,
        "dead": backlog.dead,
        "oldest_due_seconds": backlog.oldest_due_seconds,
    }
    response = jsonify(status="ok", database="ok", outbox=outbox)
    response.headers["Cache-Control"] = "no-store"
    return response
