"""Admin ideas: the sortable list with bulk moves, and one idea's workbench."""

from datetime import date
from typing import NamedTuple

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import false, literal, select, union_all

from portal import access
from portal.accounts.models import User
from portal.db import db
from portal.errors import DomainError
from portal.ideas import moderation, staff_queries
from portal.ideas import service as ideas_service
from portal.ideas.models import Board, Grade, Idea, IdeaAudience, Kind, Severity, Tag, Visibility
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import PUBLIC_STATUS, Stage
from portal.priority import service as priority
from portal.roles import STAFF_ROLES
from portal.settings.service import get_settings
from portal.web.admin.common import (
    actor,
    board_choices,
    bp,
    flash_refusal,
    get_idea_or_404,
    organisation_choices,
)
from portal.web.admin.forms import (
    BulkMoveForm,
    DeleteIdeaForm,
    EnrichForm,
    GradeForm,
    IdeaTextForm,
    IdeaVisibilityForm,
    MoveForm,
    NoteForm,
)
from portal.web.inputs import ids_in, int_arg, page_arg
from portal.web.outcome import commit_or_refuse
from portal.web.redirects import safe_next
from portal.web.render import is_htmx, render

STAGE_CHOICES = [(s.value, PUBLIC_STATUS[s]) for s in Stage]


def _enum_arg(name, enum_type):
    value = request.args.get(name) or None
    return enum_type(value) if value in enum_type.__members__ else None


def _staff_filters() -> staff_queries.StaffFilters:
    return staff_queries.StaffFilters(
        sort=_enum_arg("sort", staff_queries.StaffSort) or staff_queries.StaffSort.score,
        stage=_enum_arg("stage", Stage),
        board_id=int_arg("board", None),
        tag=request.args.get("tag") or None,
        owner_id=int_arg("owner", None),
        grade=_enum_arg("grade", Grade),
        kind=_enum_arg("kind", Kind),
        search=request.args.get("q", "")[:100],
    )


# Built once: building it costs more than SQLite running it.
_STAFF_PEOPLE = (
    select(User.id, User.display_name).where(User.role.in_(STAFF_ROLES)).order_by(User.display_name)
)


def staff_people():
    return db.session.connection().execute(_STAFF_PEOPLE).all()


class TagChoice(NamedTuple):
    slug: str
    name: str
    is_private: bool


class PersonChoice(NamedTuple):
    id: int
    display_name: str


# The list's filter choices in one statement (boards by position, staff and tags by name):
# three tiny reads would cost three statements' fixed work.
_FILTER_CHOICES = union_all(
    select(literal("board").label("list"), Board.id.label("id"), literal("").label("slug"),
           Board.name.label("name"), false().label("is_private"), Board.position.label("place")),
    select(literal("owner"), User.id, literal(""), User.display_name, false(), literal(0))
    .where(User.role.in_(STAFF_ROLES)),
    select(literal("tag"), Tag.id, Tag.slug, Tag.name, Tag.is_private, literal(0)),
).order_by("list", "place", "name")  # fmt: skip


def filter_choices() -> tuple[list, list[TagChoice], list[PersonChoice]]:
    """(boards, tags, staff) for the list's filters: boards as board_choices() and staff as
    staff_people() give them, tags as (slug, name, is_private) by name."""
    boards, tags, owners = [], [], []
    rows = db.session.connection().execute(_FILTER_CHOICES)
    for kind, choice_id, slug, name, is_private, _place in rows:
        if kind == "board":
            boards.append((choice_id, name))
        elif kind == "tag":
            tags.append(TagChoice(slug, name, is_private))
        else:
            owners.append(PersonChoice(choice_id, name))
    return boards, tags, owners


@bp.get("/ideas")
def ideas_list():
    filters = _staff_filters()
    page = staff_queries.list_staff_ideas(db.session, filters, page_arg())
    # An htmx request for the table alone shows no filter: it reads no choices.
    boards, tags, owners = ([], [], []) if is_htmx() else filter_choices()
    # The bulk move's form is written out in the template (its CSRF token, its fields); the
    # form object only checks what is posted (ideas_bulk_move).
    return render(
        "admin/ideas/list.html",
        block="idea_table",
        page=page,
        filters=filters,
        stages=STAGE_CHOICES,
        boards=boards,
        tags=tags,
        owners=owners,
        sorts=list(staff_queries.StaffSort),
        grades=list(Grade),
    )


@bp.post("/ideas/bulk")
def ideas_bulk_move():
    form = BulkMoveForm()
    form.target.choices = STAGE_CHOICES
    selected = ids_in(request.form.getlist("idea_id"))
    if not form.validate() or not selected:
        flash(_("Choose ideas and a stage to move them to."), "error")
        return redirect(url_for("admin.ideas_list"))
    chosen = list(
        db.session.scalars(select(Idea).where(Idea.id.in_(selected), access.not_deleted()))
    )
    result = lifecycle.bulk_move(
        db.session,
        ideas=chosen,
        actor=actor(),
        target=Stage(form.target.data),
        public_message=form.public_message.data or "",
        horizon=MoveForm.horizon_value(form),
    )
    db.session.commit()
    if result.moved:
        flash(_("Moved %(count)d ideas.", count=len(result.moved)), "success")
    for idea_id, reason in result.refused.items():
        flash(_("#%(id)d not moved: %(reason)s", id=idea_id, reason=reason), "error")
    return redirect(safe_next(url_for("admin.ideas_list"), field="back"))


def _workbench_context(idea: Idea, **forms):
    settings = get_settings(db.session)
    bench = staff_queries.workbench(db.session, idea, actor().role, settings)
    move = forms.get("move_form") or MoveForm()
    move.target.choices = [(s.value, PUBLIC_STATUS[s]) for s in bench.allowed_targets]
    enrich = forms.get("enrich_form") or EnrichForm(
        board_id=idea.board_id,
        kind=idea.kind.value,
        severity=idea.severity.value if idea.severity else "",
        owner_id=idea.owner_id,
        tags=", ".join(t.name for t in bench.tags),
    )
    enrich.board_id.choices = board_choices()
    enrich.owner_id.choices = [("", "—")] + [(p.id, p.display_name) for p in staff_people()]
    grade = forms.get("grade_form") or GradeForm(
        grade=idea.grade.value if idea.grade_override_reason and idea.grade else "",
        reason=idea.grade_override_reason,
    )
    return {
        "bench": bench,
        "idea": idea,
        "visibility_form": forms.get("visibility_form") or _visibility_form(idea),
        "factors": priority.active_factors(db.session),
        "move_form": move,
        "enrich_form": enrich,
        "grade_form": grade,
        "note_form": forms.get("note_form") or NoteForm(),
        "text_form": forms.get("text_form") or IdeaTextForm(title=idea.title, body=idea.body),
        "delete_form": forms.get("delete_form") or DeleteIdeaForm(),
        "duplicate": forms.get("duplicate"),
        "revisions": moderation.revisions(db.session, idea.id),
        "merge_picks": forms.get("merge_picks") or [],
    }


def _visibility_form(idea: Idea, submitted: bool = False) -> IdeaVisibilityForm:
    if submitted:
        form = IdeaVisibilityForm()
    else:
        audience = db.session.scalars(
            select(IdeaAudience.organisation_id).where(IdeaAudience.idea_id == idea.id)
        )
        form = IdeaVisibilityForm(
            visibility=idea.own_visibility.value if idea.own_visibility else "",
            organisations=list(audience),
        )
    form.organisations.choices = organisation_choices()
    return form


@bp.post("/ideas/<int:idea_id>/visibility")
def idea_visibility(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = _visibility_form(idea, submitted=True)
    if not form.validate():
        return _rerender(idea, visibility_form=form)
    ideas_service.change_visibility(
        db.session, idea=idea, actor=actor(),
        visibility=Visibility(form.visibility.data) if form.visibility.data else None,
        organisation_ids=form.organisations.data or [],
    )  # fmt: skip
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea.id))


@bp.get("/ideas/<int:idea_id>")
def idea_show(idea_id: int):
    idea = get_idea_or_404(idea_id)
    return render("admin/ideas/show.html", **_workbench_context(idea))


def _rerender(idea, status=422, **forms):
    return render("admin/ideas/show.html", status=status, **_workbench_context(idea, **forms))


@bp.post("/ideas/<int:idea_id>/stage")
def idea_move(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = MoveForm()
    form.target.choices = [(s.value, s.value) for s in Stage]
    if not form.validate():
        return _rerender(idea, move_form=form)
    merge_into = None
    if form.target.data == Stage.merged:
        merge_into, picks = _merge_target(idea, form)
        if merge_into is None:
            return _rerender(idea, move_form=form, merge_picks=picks)
    moved = commit_or_refuse(form, lambda: lifecycle.move_idea(
        db.session, idea=idea, actor=actor(), target=Stage(form.target.data),
        public_message=form.public_message.data or "",
        internal_note=form.internal_note.data or "", horizon=form.horizon_value(),
        target_date=form.target_date.data if isinstance(form.target_date.data, date) else None,
        merge_into=merge_into,
    ))  # fmt: skip
    if not moved:
        return _rerender(get_idea_or_404(idea_id), move_form=form)
    flash(_("Moved to “%(status)s”.", status=PUBLIC_STATUS[idea.stage]), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea.id))


def _merge_target(idea: Idea, form: MoveForm):
    """The idea to merge into, picked (merge_into) or typed (merge_q) — one the viewer may see,
    open, not deleted, not this one (the picker's rule) — or (None, suggestions to pick from)
    with the form's error set: a plain form without JavaScript picks on a second submit."""
    if form.merge_into.data:
        found = staff_queries.pick_ideas(
            db.session, g.viewer, f"#{form.merge_into.data}", exclude_id=idea.id
        )
        if found:
            return db.session.get(Idea, found[0].id), []
        missing = _("There is no idea #%(id)d to merge into.", id=form.merge_into.data)
        form.merge_q.errors = [missing]
        return None, []
    typed = (form.merge_q.data or "").strip()
    if not typed:
        form.merge_q.errors = [_("Type the words or #number of the idea to merge into.")]
        return None, []
    picks = staff_queries.pick_ideas(db.session, g.viewer, typed, exclude_id=idea.id)
    if len(picks) == 1:
        return db.session.get(Idea, picks[0].id), []
    form.merge_q.errors = [_("Pick the idea to merge into.")] if picks else [_("No idea matches.")]
    return None, picks


@bp.post("/ideas/<int:idea_id>/enrich")
def idea_enrich(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = EnrichForm()
    form.board_id.choices = board_choices()
    form.owner_id.choices = [("", "—")] + [(p.id, p.display_name) for p in staff_people()]
    if not form.validate():
        return _rerender(idea, enrich_form=form)
    ideas_service.enrich_idea(
        db.session,
        idea=idea,
        actor=actor(),
        board=db.session.get(Board, form.board_id.data),
        kind=Kind(form.kind.data),
        severity=Severity(form.severity.data) if form.severity.data else None,
        owner_id=form.owner_id.data,
        tag_names=[t for t in (form.tags.data or "").split(",") if t.strip()],
    )
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea.id))


@bp.post("/ideas/<int:idea_id>/notes")
def idea_note(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = NoteForm()
    if not form.validate():
        return _rerender(idea, note_form=form)
    ideas_service.add_internal_note(db.session, idea=idea, author=actor(), body=form.body.data)
    db.session.commit()
    return redirect(url_for("admin.idea_show", idea_id=idea.id, _anchor="notes"))


@bp.post("/ideas/<int:idea_id>/ratings")
def idea_rate(idea_id: int):
    idea = get_idea_or_404(idea_id)
    factor_id = next(iter(ids_in([request.form.get("factor_id", "")])), 0)
    raw = request.form.get("value", "").strip()
    try:
        value = int(raw) if raw else None
        priority.rate_idea(db.session, idea=idea, factor_id=factor_id, value=value, actor=actor())
    except (ValueError, DomainError) as refusal:
        db.session.rollback()
        idea = get_idea_or_404(idea_id)
        flash_refusal(refusal if not isinstance(refusal, ValueError) else _("Enter a number."))
        context = _workbench_context(idea)
        return render("admin/ideas/show.html", block="score_panel", status=422, **context)
    db.session.commit()
    if not is_htmx():
        return redirect(url_for("admin.idea_show", idea_id=idea.id, _anchor="score"))
    context = _workbench_context(idea)
    return render("admin/ideas/show.html", block="score_panel", **context)


@bp.post("/ideas/<int:idea_id>/grade")
def idea_grade(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = GradeForm()
    if not form.validate():
        return _rerender(idea, grade_form=form)
    overridden = commit_or_refuse(form, lambda: priority.override_grade(
        db.session, idea=idea, grade=Grade(form.grade.data) if form.grade.data else None,
        reason=form.reason.data or "", actor=actor(),
    ))  # fmt: skip
    if not overridden:
        return _rerender(get_idea_or_404(idea_id), grade_form=form)
    return redirect(url_for("admin.idea_show", idea_id=idea.id, _anchor="score"))
