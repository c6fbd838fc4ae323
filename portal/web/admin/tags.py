"""Module tags: list with usage, create, rename, colour, private, merge and delete (staff)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.db import db
from portal.ideas import tags
from portal.ideas.models import Tag
from portal.web.admin.common import actor, bp
from portal.web.admin.forms import TAG_COLOUR_LABELS, MergeTagForm, TagDeleteForm, TagForm
from portal.web.outcome import Refused, commit_or_refuse
from portal.web.render import render


def _tag_or_404(tag_id: int) -> Tag:
    tag = tags.get_tag(db.session, tag_id)
    if tag is None:
        abort(404)
    return tag


def _status(*forms) -> int:
    return 422 if any(form.errors or form.form_errors for form in forms) else 200


@bp.route("/tags", methods=["GET", "POST"])
def tags_list():
    form = TagForm()
    created = form.validate_on_submit() and commit_or_refuse(form, lambda: tags.create_tag(
        db.session, actor=actor(), name=form.name.data, colour=form.colour.data,
        is_private=form.is_private.data,
    ))  # fmt: skip
    if created:
        flash(_("The tag “%(name)s” is created.", name=created.name), "success")
        return redirect(url_for("admin.tags_list"))
    return render(
        "admin/tags/list.html", status=_status(form), form=form,
        tags=tags.list_tags_with_usage(db.session), colour_labels=_colour_labels(),
    )  # fmt: skip


@bp.route("/tags/<int:tag_id>", methods=["GET", "POST"])
def tag_edit(tag_id: int):
    tag = _tag_or_404(tag_id)
    form = TagForm(obj=tag)
    saved = form.validate_on_submit() and commit_or_refuse(form, lambda: tags.update_tag(
        db.session, actor=actor(), tag=tag, name=form.name.data, colour=form.colour.data,
        is_private=form.is_private.data,
    ))  # fmt: skip
    if saved:
        flash(_("The tag is saved."), "success")
        return redirect(url_for("admin.tag_edit", tag_id=tag_id))
    return _edit_page(tag, form, _merge_form(tag))


@bp.post("/tags/<int:tag_id>/merge")
def tag_merge(tag_id: int):
    source = _tag_or_404(tag_id)
    form = _merge_form(source)
    if form.validate_on_submit():
        target = tags.get_tag(db.session, form.target_id.data)
        if target is None:  # deleted since the page was shown
            form.target_id.errors.append(_l("There is no such tag."))
        else:
            done = _("“%(source)s” is merged into “%(target)s”.", source=source.name,
                     target=target.name)  # fmt: skip
            merged = commit_or_refuse(form, lambda: tags.merge_tags(
                db.session, actor=actor(), source=source, target=target,
            ))  # fmt: skip
            if not isinstance(merged, Refused):
                flash(done, "success")
                return redirect(url_for("admin.tag_edit", tag_id=target.id))
    return _edit_page(source, TagForm(obj=source), form)


@bp.route("/tags/<int:tag_id>/delete", methods=["GET", "POST"])
def tag_delete(tag_id: int):
    tag = _tag_or_404(tag_id)
    form = TagDeleteForm()
    done = _("The tag “%(name)s” is deleted.", name=tag.name)
    if form.validate_on_submit() and not isinstance(commit_or_refuse(form, lambda: tags.delete_tag(
        db.session, actor=actor(), tag=tag,
    )), Refused):  # fmt: skip
        flash(done, "success")
        return redirect(url_for("admin.tags_list"))
    usage = next((row for row in tags.list_tags_with_usage(db.session) if row.id == tag.id), None)
    return render("admin/tags/delete.html", status=_status(form), tag=tag, form=form,
                  idea_count=usage.idea_count if usage else 0)  # fmt: skip


def _merge_form(source: Tag) -> MergeTagForm:
    form = MergeTagForm()
    private = _("private")
    form.target_id.choices = [
        (row.id, f"{row.name} ({private})" if row.is_private else row.name)
        for row in tags.list_tags_with_usage(db.session)
        if row.id != source.id
    ]
    return form


def _edit_page(tag: Tag, form: TagForm, merge_form: MergeTagForm):
    return render(
        "admin/tags/edit.html", status=_status(form, merge_form), tag=tag, form=form,
        merge_form=merge_form,
    )  # fmt: skip


def _colour_labels() -> dict[str, str]:
    return {colour.value: str(label) for colour, label in TAG_COLOUR_LABELS.items()}
