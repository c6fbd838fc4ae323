"""Release notes for staff: write, preview live, keep as a draft, schedule or publish."""

from datetime import UTC

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.changelog.models import Category, ReleaseNote, ReleaseNoteAudience, ReleaseNoteIdea
from portal.changelog.service import Draft, save_release_note
from portal.db import db, utcnow
from portal.ideas.models import Visibility
from portal.markdown import render_markdown
from portal.web.admin.common import actor, bp, organisation_choices
from portal.web.admin.forms import ReleaseNoteForm
from portal.web.outcome import commit_or_refuse
from portal.web.render import render, render_fragment

NOTES_PAGE = 50


@bp.get("/changelog")
def changelog_list():
    notes = list(
        db.session.scalars(
            select(ReleaseNote)
            .order_by(ReleaseNote.published_at.is_(None).desc(), ReleaseNote.published_at.desc())
            .limit(NOTES_PAGE)
        )
    )
    return render("admin/changelog/list.html", notes=notes, now=utcnow())


def _draft(form: ReleaseNoteForm) -> Draft:
    when = {"draft": None, "now": utcnow()}.get(form.publish.data)
    if form.publish.data == "later":
        when = form.publish_at.data.replace(tzinfo=UTC)
    return Draft(
        title=form.title.data, category=Category(form.category.data), body=form.body.data or "",
        why_it_matters=form.why_it_matters.data or "",
        visibility=Visibility(form.visibility.data), idea_ids=form.idea_ids(), published_at=when,
        organisation_ids=tuple(form.organisations.data or ()),
    )  # fmt: skip


def _editor(note: ReleaseNote | None):
    form = ReleaseNoteForm()
    form.organisations.choices = organisation_choices()
    if note is not None and not form.is_submitted():
        linked = db.session.scalars(
            select(ReleaseNoteIdea.idea_id).where(ReleaseNoteIdea.note_id == note.id)
        )
        audience = db.session.scalars(
            select(ReleaseNoteAudience.organisation_id).where(
                ReleaseNoteAudience.note_id == note.id
            )
        )
        form.process(
            data={
                "title": note.title, "category": note.category.value, "body": note.body,
                "why_it_matters": note.why_it_matters, "visibility": note.visibility.value,
                "ideas": ", ".join(f"#{i}" for i in linked),
                "publish": "draft" if note.published_at is None else "later",
                "publish_at": note.published_at, "organisations": list(audience),
            }
        )  # fmt: skip
    saved = form.validate_on_submit() and commit_or_refuse(
        form, lambda: save_release_note(db.session, actor=actor(), note=note, draft=_draft(form))
    )
    if saved:
        flash(_("Release note saved."), "success")
        return redirect(url_for("admin.changelog_edit", note_id=saved.id))
    status = 422 if form.errors or form.form_errors else 200
    preview = render_markdown(form.body.data or "")
    return render("admin/changelog/form.html", status=status, form=form, note=note,
                  preview=preview)  # fmt: skip


@bp.route("/changelog/new", methods=["GET", "POST"])
def changelog_new():
    return _editor(None)


@bp.route("/changelog/<int:note_id>", methods=["GET", "POST"])
def changelog_edit(note_id: int):
    note = db.session.get(ReleaseNote, note_id)
    if note is None:
        abort(404)
    return _editor(note)


@bp.post("/changelog/preview")
def changelog_preview():
    """The live preview while staff type: the body as customers will read it."""
    body = request.form.get("body", "")[:20000]
    return render_fragment("admin/changelog/form.html", "preview", preview=render_markdown(body))
