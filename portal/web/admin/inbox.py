"""Triage: the inbox of new ideas and unlinked feedback, and logging feedback for a customer."""

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.db import db
from portal.errors import DomainError
from portal.feedback import service as feedback_service
from portal.feedback.models import Feedback
from portal.ideas import staff_queries
from portal.ideas.models import Board, Channel, Idea, Kind
from portal.lifecycle.stages import PUBLIC_STATUS, Stage
from portal.web.admin.common import actor, board_choices, bp
from portal.web.admin.forms import FeedbackForm, LinkFeedbackForm, NewIdeaFromFeedbackForm
from portal.web.inputs import int_arg, page_arg
from portal.web.outcome import commit_or_refuse
from portal.web.render import render


def organisation_choices():
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by("name"))
    return [("", "—")] + [(row.id, row.name) for row in rows]


@bp.get("/inbox")
def inbox():
    new_ideas = staff_queries.list_staff_ideas(
        db.session,
        staff_queries.StaffFilters(sort=staff_queries.StaffSort.oldest, stage=Stage.collect),
        page_arg(),
    )
    link_form, idea_form = LinkFeedbackForm(), NewIdeaFromFeedbackForm()
    idea_form.board_id.choices = board_choices()
    # A browser without JavaScript asks for suggestions by submitting words: they show here.
    picking, typed = int_arg("pick", None), request.args.get("q", "")[:200]
    return render(
        "admin/inbox.html",
        new_ideas=new_ideas,
        feedback=feedback_service.unlinked_feedback(db.session),
        picking=picking,
        typed=typed,
        picks=staff_queries.pick_ideas(db.session, g.viewer, typed) if picking else [],
        link_form=link_form,
        idea_form=idea_form,
        stages=[(s.value, PUBLIC_STATUS[s]) for s in (Stage.analyze, Stage.declined)],
    )


@bp.route("/feedback/new", methods=["GET", "POST"])
def feedback_new():
    form = FeedbackForm()
    form.organisation_id.choices = organisation_choices()
    feedback = form.validate_on_submit() and commit_or_refuse(form, lambda: _log(form))
    if feedback:
        flash(_("Feedback logged. Link it to an idea or turn it into one."), "success")
        return redirect(url_for("admin.inbox", _anchor=f"feedback-{feedback.id}"))
    status = 422 if form.errors or form.form_errors else 200
    return render("admin/feedback/new.html", status=status, form=form)


def _log(form: FeedbackForm) -> Feedback:
    organisation = _organisation_from(form)
    person = feedback_service.find_or_create_person(
        db.session, email=form.email.data, name=form.name.data or "", organisation=organisation
    )
    return feedback_service.log_feedback(
        db.session, person=person, organisation=organisation,
        channel=Channel(form.channel.data), original_words=form.original_words.data,
        logged_by=actor(), source_reference=form.source_reference.data or "",
    )  # fmt: skip


def _organisation_from(form: FeedbackForm) -> Organisation | None:
    if form.new_organisation.data and form.new_organisation.data.strip():
        from portal.accounts.models import Tier
        from portal.accounts.service import save_organisation

        return save_organisation(
            db.session, actor=actor(), organisation=None, name=form.new_organisation.data,
            domains=[], tier=Tier.standard, arr=0, industry="", region="",
        )  # fmt: skip
    if form.organisation_id.data:
        return db.session.get(Organisation, form.organisation_id.data)
    return None


def _feedback_or_404(feedback_id: int) -> Feedback:
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None:
        from flask import abort

        abort(404)
    return feedback


# The pickers' fields: linking feedback (the inbox) and merging (the admin idea page).
PICK_NAMES = ("idea_id", "merge_into")


@bp.get("/ideas/pick")
def idea_picker():
    """Suggestions while staff type an idea's words or number (htmx), as radio buttons of the
    form they sit in (`name`: its field; `exclude`: the idea being merged); the same list the
    inbox and the idea page show a browser without JavaScript."""
    text = request.args.get("q") or request.args.get("merge_q") or ""
    name = request.args.get("name", PICK_NAMES[0])
    return render(
        "admin/_idea_picker.html",
        picks=staff_queries.pick_ideas(
            db.session, g.viewer, text, exclude_id=int_arg("exclude", None)
        ),
        typed=bool(text.strip()),
        pick_name=name if name in PICK_NAMES else PICK_NAMES[0],
    )


@bp.post("/feedback/<int:feedback_id>/link")
def feedback_link(feedback_id: int):
    feedback = _feedback_or_404(feedback_id)
    form = LinkFeedbackForm()
    if not form.validate():
        flash(_("There is no such idea."), "error")
        return redirect(url_for("admin.inbox", _anchor=f"feedback-{feedback_id}"))
    idea_id = form.idea_id.data
    if idea_id is None:  # typed, not picked: one idea it points at, or pick among them
        picks = staff_queries.pick_ideas(db.session, g.viewer, form.q.data or "")
        if len(picks) != 1:
            if not picks:
                flash(_("There is no such idea."), "error")
            return redirect(url_for("admin.inbox", pick=feedback_id, q=form.q.data or None,
                                    _anchor=f"feedback-{feedback_id}"))  # fmt: skip
        idea_id = picks[0].id
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.deleted_at is not None:  # deleted as spam: gone for staff too
        flash(_("There is no such idea."), "error")
        return redirect(url_for("admin.inbox", _anchor=f"feedback-{feedback_id}"))
    try:
        feedback_service.link_feedback(db.session, feedback=feedback, idea=idea, actor=actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("admin.inbox", _anchor=f"feedback-{feedback_id}"))
    db.session.commit()
    flash(_("Linked to #%(id)d; the customer's vote was added.", id=idea.id), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea.id))


@bp.post("/feedback/<int:feedback_id>/idea")
def feedback_to_idea(feedback_id: int):
    feedback = _feedback_or_404(feedback_id)
    form = NewIdeaFromFeedbackForm()
    form.board_id.choices = board_choices()
    if not form.validate() or feedback.idea_id is not None:
        flash(_("Give the new idea a title of 6 to 160 characters and a board."), "error")
        return redirect(url_for("admin.inbox", _anchor=f"feedback-{feedback_id}"))
    board = db.session.get(Board, form.board_id.data)
    idea = feedback_service.idea_from_feedback(
        db.session, feedback=feedback, actor=actor(), board=board,
        title=form.title.data, kind=Kind(form.kind.data),
    )  # fmt: skip
    db.session.commit()
    flash(_("Idea #%(id)d created from the feedback.", id=idea.id), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea.id))
