"""Customer-facing pages: boards, ideas, votes, comments, follows."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access
from portal.db import db
from portal.errors import DomainError
from portal.ideas import moderation, queries, service
from portal.ideas.models import Kind
from portal.lifecycle.stages import FILTERABLE_STAGES, PUBLIC_STATUS, Stage
from portal.markdown import render_markdown
from portal.media.queries import keys_of_comment
from portal.web import limits, request_branding
from portal.web.inputs import int_arg, page_arg
from portal.web.outcome import commit_or_refuse, duplicate_of
from portal.web.public.forms import (
    ChoiceForm,
    CommentForm,
    ConfirmForm,
    IdeaEditForm,
    IdeaForm,
)
from portal.web.redirects import safe_next
from portal.web.render import is_htmx, render, render_fragment
from portal.web.uploads import clean_uploads, commit_with_images, discard_keys

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    boards = queries.list_boards(db.session, g.viewer)
    welcome = request_branding().welcome
    return render("public/home.html", boards=boards, meta=_findable().home_meta(),
                  welcome_html=render_markdown(welcome) if welcome else None)  # fmt: skip


def _findable():
    # findable.py adds its routes to this blueprint, so it is imported when first needed.
    from portal.web.public import findable

    return findable


def _filters_from_args() -> queries.IdeaFilters:
    sort = request.args.get("sort", queries.Sort.top)
    stage = request.args.get("status") or None
    return queries.IdeaFilters(
        sort=queries.Sort(sort) if sort in queries.Sort.__members__ else queries.Sort.top,
        stage=Stage(stage) if stage in FILTERABLE_STAGES else None,
        tag=request.args.get("tag") or None,
        search=request.args.get("q", "")[:200],
        show_finished=request.args.get("finished") == "1",
        voted_by=g.viewer.user_id if request.args.get("voted") == "1" else None,
    )


@bp.get("/boards/<slug>")
def board_show(slug: str):
    board = access.get_visible_board_or_404(db.session, g.viewer, slug)
    filters = _filters_from_args()
    page = queries.list_ideas(
        db.session,
        g.viewer,
        board=board,
        filters=filters,
        page=page_arg(),
        page_size=current_app.config["IDEAS_PER_PAGE"],
    )
    return render(
        "public/boards/show.html",
        block="idea_list",
        board=board,
        meta=_findable().board_meta(board),
        page=page,
        filters=filters,
        sorts=[(s.value, s) for s in queries.Sort],
        statuses=[(s.value, PUBLIC_STATUS[s]) for s in FILTERABLE_STAGES],
        tags=queries.list_tags(db.session, g.viewer, board),
        vote_form=ChoiceForm(),
    )


@bp.route("/boards/<slug>/ideas/new", methods=["GET", "POST"])
@limits.limit_writes(limits.SUBMIT_IDEA)
@login_required
def idea_new(slug: str):
    board = access.get_visible_board_or_404(db.session, g.viewer, slug)
    # Without JavaScript, "Look for similar ideas" sends the title back here by GET.
    form = IdeaForm(title=request.args.get("title", "")[:160] or None)
    similar = []
    if form.validate_on_submit() and (images := clean_uploads(form.screenshots)) is not None:
        idea = commit_with_images(form, images, lambda stored: service.submit_idea(
            db.session, board=board, author=current_user, title=form.title.data,
            body=form.body.data or "", kind=Kind(form.kind.data), screenshots=stored,
        ))  # fmt: skip
        if idea:
            flash(_("Thanks! Your idea is posted and you are following it."), "success")
            return redirect(url_for("public.idea_show", idea_id=idea.id, slug=idea.slug))
    if form.title.data:
        similar = queries.similar_ideas(db.session, g.viewer, form.title.data)
    status = 422 if form.errors or form.form_errors else 200
    return render("public/ideas/new.html", status=status, board=board, form=form, similar=similar,
                  duplicate=duplicate_of(form))  # fmt: skip


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@limits.limit_writes(limits.SUBMIT_IDEA)
@login_required
def idea_edit(idea_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    if not moderation.can_edit_idea(idea, g.viewer):
        flash(_("Ideas can only be edited by their author for 30 minutes after posting."),
              "warning")  # fmt: skip
        return _back_to_idea(idea)
    form = IdeaEditForm(obj=idea)
    if form.validate_on_submit():
        edited = commit_or_refuse(form, lambda: moderation.edit_idea(
            db.session, idea=idea, editor=current_user, title=form.title.data,
            body=form.body.data or "",
        ))  # fmt: skip
        if edited:
            flash(_("Your changes are saved."), "success")
            return _back_to_idea(edited)
        idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    status = 422 if form.errors or form.form_errors else 200
    return render("public/ideas/edit.html", status=status, idea=idea, form=form,
                  duplicate=duplicate_of(form))  # fmt: skip


@bp.get("/ideas/similar")
def ideas_similar():
    similar = queries.similar_ideas(db.session, g.viewer, request.args.get("title", "")[:160])
    return render_fragment("public/ideas/new.html", "similar_ideas", similar=similar)


@bp.get("/ideas/<int:idea_id>-")
def idea_show_without_slug(idea_id: int):
    """Links made while titles in Chinese or emoji got an empty slug."""
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    return redirect(url_for("public.idea_show", idea_id=idea.id, slug=idea.slug), 301)


@bp.get("/ideas/<int:idea_id>")
@bp.get("/ideas/<int:idea_id>-<slug>")
def idea_show(idea_id: int, slug: str = ""):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    if idea.stage == Stage.merged and idea.merged_into_id:
        target = access.get_visible_idea_or_404(db.session, g.viewer, idea.merged_into_id)
        flash(_("Idea #%(id)d was merged into this one.", id=idea.id), "success")
        return redirect(url_for("public.idea_show", idea_id=target.id, slug=target.slug))
    if slug != idea.slug:
        return redirect(url_for("public.idea_show", idea_id=idea.id, slug=idea.slug), 301)
    page = queries.idea_page(db.session, g.viewer, idea, comments_before=int_arg("before", None))
    return render(
        "public/ideas/show.html",
        page=page,
        idea=page.idea,
        meta=_findable().idea_meta(idea),
        # Forms are built only where the page shows them (the vote button builds its own parts).
        comment_form=CommentForm() if page.viewer_can_comment else None,
    )


def _back_to_idea(idea):
    return redirect(url_for("public.idea_show", idea_id=idea.id, slug=idea.slug))


@bp.post("/ideas/<int:idea_id>/vote")
@limits.limit_writes(limits.VOTE)
@login_required
def idea_vote(idea_id: int):
    # The form is read before the idea: the idea's SELECT takes the write lock, held to the
    # commit, and checking the form (its CSRF token again) need not hold it.
    form = ChoiceForm()
    valid = form.validate()
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    if not valid:
        abort(400)
    try:
        if form.action.data == "on":
            service.cast_vote(db.session, idea=idea, voter=current_user)
        else:
            service.withdraw_vote(db.session, idea=idea, voter=current_user)
    except DomainError as refusal:
        db.session.rollback()
        message = str(refusal.message)
    else:
        db.session.commit()
        message = None
    if not is_htmx():
        if message:
            flash(message, "warning")
        return redirect(safe_next(url_for("public.idea_show", idea_id=idea_id)))
    # htmx swaps only the button, so a refusal is said inside it, not flashed to a later page.
    # Read after the commit by a session that only reads: the request's own would take the
    # write lock again, and hold it while the button renders.
    with db.reading() as reader:
        row = queries.vote_button(reader, g.viewer, idea_id)
    return render(
        "public/ideas/_vote.html",
        block="vote_button",
        status=422 if message else 200,
        idea=row,
        vote_form=form,
        vote_message=message,
    )


@bp.post("/ideas/<int:idea_id>/follow")
@limits.limit_writes(limits.FOLLOW)
@login_required
def idea_follow(idea_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    form = ChoiceForm()
    if not form.validate():
        abort(400)
    if form.action.data == "on":
        service.follow_idea(db.session, idea=idea, person=current_user)
        message = _("You are following this idea: we will email you when it moves.")
    else:
        service.unfollow_idea(db.session, idea=idea, person=current_user)
        message = _("You no longer follow this idea.")
    db.session.commit()
    if not is_htmx():
        flash(message, "success")
        return _back_to_idea(idea)
    page = queries.idea_page(db.session, g.viewer, idea)
    return render(
        "public/ideas/show.html", block="follow_button", page=page, idea=page.idea, vote_form=form
    )


@bp.post("/ideas/<int:idea_id>/comments")
@limits.limit_writes(limits.COMMENT)
@login_required
def comment_create(idea_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    form = CommentForm()
    comment = None
    if form.validate_on_submit() and (images := clean_uploads(form.screenshots)) is not None:
        comment = commit_with_images(form, images, lambda stored: service.add_comment(
            db.session, idea=idea, author=current_user, body=form.body.data, screenshots=stored,
        ))  # fmt: skip
    if comment:
        flash(_("Your comment is posted."), "success")
        return redirect(
            url_for("public.idea_show", idea_id=idea.id, slug=idea.slug, _anchor="comments")
        )
    page = queries.idea_page(db.session, g.viewer, idea)
    return render(
        "public/ideas/show.html",
        status=422,
        page=page,
        idea=page.idea,
        comment_form=form,
        vote_form=ChoiceForm(),
    )


def _comment_or_404(idea, comment_id: int):
    comment = queries.get_comment_on_idea(db.session, idea, comment_id)
    if comment is None or (comment.hidden_at is not None and not access.can_moderate(g.viewer)):
        abort(404)
    return comment


@bp.route("/ideas/<int:idea_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@limits.limit_writes(limits.COMMENT)
@login_required
def comment_edit(idea_id: int, comment_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    comment = _comment_or_404(idea, comment_id)
    if not service.can_edit_comment(comment, current_user.id):
        flash(_("Comments can only be edited by their author for 15 minutes."), "warning")
        return _back_to_idea(idea)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        service.edit_comment(db.session, comment=comment, editor=current_user, body=form.body.data)
        db.session.commit()
        flash(_("Your comment is updated."), "success")
        return _back_to_idea(idea)
    status = 422 if form.errors else 200
    return render("public/ideas/edit_comment.html", status=status, idea=idea, form=form)


@bp.post("/ideas/<int:idea_id>/comments/<int:comment_id>/delete")
@limits.limit_writes(limits.COMMENT)
@login_required
def comment_delete(idea_id: int, comment_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    comment = _comment_or_404(idea, comment_id)
    if not moderation.can_delete_comment(comment, g.viewer):
        abort(404)
    if not ConfirmForm().validate():
        abort(400)
    images = keys_of_comment(db.session, comment.id)
    moderation.delete_comment(db.session, comment=comment, person=current_user)
    db.session.commit()
    discard_keys(images)  # their rows went with the comment; now the files
    flash(_("The comment is deleted."), "success")
    return redirect(
        url_for("public.idea_show", idea_id=idea.id, slug=idea.slug, _anchor="comments")
    )


@bp.post("/ideas/<int:idea_id>/comments/<int:comment_id>/hide")
@login_required
def comment_hide(idea_id: int, comment_id: int):
    if not access.can_moderate(g.viewer):
        abort(404)
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    comment = _comment_or_404(idea, comment_id)
    form = ChoiceForm()
    if not form.validate():
        abort(400)
    service.set_comment_hidden(
        db.session, comment=comment, staff=current_user, hidden=form.action.data == "on"
    )
    db.session.commit()
    return _back_to_idea(idea)


@bp.post("/language")
@limits.limit_writes(limits.SETTINGS)
def choose_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
    return redirect(safe_next("/"))
