"""The review queue: what would otherwise be forgotten."""

from portal.db import db
from portal.ideas import staff_queries
from portal.settings.service import get_settings
from portal.verification.queries import released_by_answers
from portal.web.admin.common import bp
from portal.web.render import render

QUEUE_LIMIT = 50


@bp.get("/review")
def review_queue():
    settings = get_settings(db.session)
    return render(
        "admin/review.html",
        settings=settings,
        feedback=staff_queries.untriaged_feedback(db.session, QUEUE_LIMIT),
        undecided=staff_queries.undecided_ideas(db.session, settings, QUEUE_LIMIT),
        breaches=staff_queries.sla_breaches(db.session, settings, QUEUE_LIMIT),
        released=released_by_answers(db.session, limit=QUEUE_LIMIT),
    )
