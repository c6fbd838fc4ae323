"""The review queue: what would otherwise be forgotten."""

from datetime import timedelta

from sqlalchemy import and_, or_, select

from portal.db import db, utcnow
from portal.feedback import service as feedback_service
from portal.ideas.models import Idea, Kind
from portal.ideas.staff_queries import decision_overdue_condition
from portal.lifecycle.stages import OPEN_STAGES
from portal.settings.service import get_settings
from portal.verification.queries import released_by_answers
from portal.web.admin.common import bp
from portal.web.render import render

QUEUE_LIMIT = 50


def sla_breach_condition(settings):
    """Open bugs past a deadline: unanswered past the first-response hours, or unresolved past
    the resolution hours of their severity."""
    now = utcnow()
    clauses = []
    for severity, (first_hours, resolve_hours) in settings.sla_hours.items():
        clauses.append(
            and_(
                Idea.severity == severity,
                or_(
                    and_(
                        Idea.first_response_at.is_(None),
                        Idea.created_at < now - timedelta(hours=first_hours),
                    ),
                    and_(
                        Idea.resolved_at.is_(None),
                        Idea.created_at < now - timedelta(hours=resolve_hours),
                    ),
                ),
            )
        )
    return and_(Idea.kind == Kind.bug, Idea.stage.in_(OPEN_STAGES), or_(*clauses))


def _ideas(condition, order):
    return list(
        db.session.scalars(select(Idea).where(condition).order_by(order).limit(QUEUE_LIMIT))
    )


@bp.get("/review")
def review_queue():
    settings = get_settings(db.session)
    return render(
        "admin/review.html",
        settings=settings,
        feedback=feedback_service.unlinked_feedback(db.session, limit=QUEUE_LIMIT),
        undecided=_ideas(decision_overdue_condition(settings), Idea.stage_changed_at),
        breaches=_ideas(sla_breach_condition(settings), Idea.created_at),
        released=released_by_answers(db.session, limit=QUEUE_LIMIT),
    )
