"""The public changelog: release notes, their permalinks, and an Atom feed."""

from flask import current_app, g, make_response, redirect, render_template, request, url_for

from portal import access
from portal.changelog import queries
from portal.changelog.models import Category
from portal.db import db
from portal.web.inputs import page_arg
from portal.web.public import findable
from portal.web.public.views import bp
from portal.web.render import render

NOTES_PER_PAGE = 10
FEED_SIZE = 20


@bp.get("/changelog")
def changelog():
    category = request.args.get("category")
    chosen = Category(category) if category in Category.__members__ else None
    page = queries.list_release_notes(
        db.session, g.viewer, category=chosen, page=page_arg(), page_size=NOTES_PER_PAGE
    )
    return render("public/changelog/list.html", page=page, category=chosen,
                  categories=list(queries.CATEGORY_LABEL.items()),
                  meta=findable.changelog_meta())  # fmt: skip


@bp.get("/changelog/<int:note_id>")
@bp.get("/changelog/<int:note_id>-<slug>")
def release_note_show(note_id: int, slug: str = ""):
    note = queries.get_release_note_or_404(db.session, g.viewer, note_id)
    if slug != note.slug:
        return redirect(url_for("public.release_note_show", note_id=note.id, slug=note.slug), 301)
    return render("public/changelog/show.html", note=note, meta=findable.release_note_meta(note))


@bp.get("/changelog.atom")
def changelog_feed():
    """Public notes only, whoever asks: feed readers share what they fetch."""
    notes = queries.list_release_notes(
        db.session, access.ANONYMOUS, category=None, page=1, page_size=FEED_SIZE, ideas=False
    ).items  # an entry does not list the ideas a note delivers
    base = current_app.config["BASE_URL"]
    body = render_template("public/changelog/feed.xml", notes=notes, base=base)
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response
