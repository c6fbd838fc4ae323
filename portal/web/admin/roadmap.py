"""Roadmap planning: staff move cards between horizons, order them, and set target dates."""

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _

from portal.db import db
from portal.roadmap import queries, service
from portal.web.admin.common import actor, bp, get_idea_or_404
from portal.web.admin.forms import RoadmapMoveForm, RoadmapPlaceForm
from portal.web.outcome import commit_or_refuse
from portal.web.render import is_htmx, render


def _board(status: int = 200, **forms):
    columns = queries.list_roadmap(db.session, g.viewer)
    return render(
        "admin/roadmap/show.html",
        block="roadmap_board",
        status=status,
        columns=columns,
        horizons=[c for c in columns if c.key != queries.RELEASED],
        place_form=forms.get("place_form") or RoadmapPlaceForm(formdata=None),
        move_form=RoadmapMoveForm(formdata=None),
    )


@bp.get("/roadmap")
def roadmap_plan():
    return _board()


@bp.post("/roadmap/<int:idea_id>/place")
def roadmap_place(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = RoadmapPlaceForm()
    placed = form.validate() and commit_or_refuse(form, lambda: service.place_on_roadmap(
        db.session, idea=idea, actor=actor(), horizon=form.horizon_value(),
        target_date=form.target_date.data,
    ))  # fmt: skip
    if not placed:
        message = " ".join([*form.form_errors, *sum(form.errors.values(), [])])
        if not is_htmx():
            flash(message or _("Check the horizon and the date."), "error")
            return redirect(url_for("admin.roadmap_plan"))
        return _board(status=422)
    return _done()


@bp.post("/roadmap/<int:idea_id>/move")
def roadmap_move(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = RoadmapMoveForm()
    moved = form.validate() and commit_or_refuse(form, lambda: service.move_card(
        db.session, idea=idea, actor=actor(), steps=-1 if form.direction.data == "up" else 1,
    ))  # fmt: skip
    if not moved:
        if not is_htmx():
            flash(" ".join(form.form_errors) or _("That card cannot move."), "error")
            return redirect(url_for("admin.roadmap_plan"))
        return _board(status=422)
    return _done()


def _done():
    """htmx swaps the board in place; without JavaScript, back to the page (PRG)."""
    if is_htmx():
        return _board()
    return redirect(url_for("admin.roadmap_plan"))
