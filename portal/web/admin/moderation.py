"""Staff edit any idea and delete spam; admins list deleted ideas and restore them."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from portal.db import db
from portal.errors import DomainError
from portal.ideas import moderation
from portal.web.admin.common import actor, bp, flash_refusal, get_idea_or_404, require_admin
from portal.web.admin.forms import DeleteIdeaForm, IdeaTextForm
from portal.web.admin.ideas import _rerender
from portal.web.inputs import page_arg
from portal.web.outcome import Refused, commit_or_refuse, duplicate_of
from portal.web.public.forms import ConfirmForm
from portal.web.render import render


@bp.post("/ideas/<int:idea_id>/edit")
def idea_edit(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = IdeaTextForm()
    if not form.validate():
        return _rerender(idea, text_form=form)
    edited = commit_or_refuse(form, lambda: moderation.edit_idea(
        db.session, idea=idea, editor=actor(), title=form.title.data, body=form.body.data or "",
    ))  # fmt: skip
    if not edited:
        return _rerender(get_idea_or_404(idea_id), text_form=form, duplicate=duplicate_of(form))
    flash(_("Saved."), "success")
    return redirect(url_for("admin.idea_show", idea_id=idea_id, _anchor="text"))


@bp.post("/ideas/<int:idea_id>/delete")
def idea_delete(idea_id: int):
    idea = get_idea_or_404(idea_id)
    form = DeleteIdeaForm()
    if not form.validate():
        return _rerender(idea, delete_form=form)
    deleted = commit_or_refuse(form, lambda: moderation.delete_idea(
        db.session, idea=idea, staff=actor(), reason=form.reason.data,
    ))  # fmt: skip
    if isinstance(deleted, Refused):
        return _rerender(get_idea_or_404(idea_id), delete_form=form)
    flash(_("Idea #%(id)d is deleted.", id=idea_id), "success")
    return redirect(url_for("admin.ideas_list"))


@bp.get("/ideas/deleted")
def ideas_deleted():
    require_admin()
    page = page_arg()
    rows, has_next = moderation.deleted_ideas(db.session, page)
    return render("admin/ideas/deleted.html", rows=rows, page=page, has_next=has_next,
                  restore_form=ConfirmForm())  # fmt: skip


@bp.post("/ideas/<int:idea_id>/restore")
def idea_restore(idea_id: int):
    require_admin()
    if not ConfirmForm().validate():
        abort(400)
    try:
        restored = moderation.restore_idea(db.session, idea_id=idea_id, admin=actor())
    except DomainError as refusal:
        db.session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("admin.ideas_deleted"))
    db.session.commit()
    if restored:
        flash(_("Idea #%(id)d is restored.", id=idea_id), "success")
    return redirect(url_for("admin.ideas_deleted"))
