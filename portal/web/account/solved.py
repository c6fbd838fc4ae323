"""The page behind the links of "did this solve your need?": no sign-in needed, the signed link
is the person's authority. Opening it records nothing (mail scanners open both links); the
answer is sent from the page, with its CSRF token."""

from flask import abort, request
from flask_babel import gettext as _

from portal.db import db
from portal.verification import queries
from portal.verification import service as verification
from portal.verification.links import LinkExpired, read_answer_token
from portal.web import limits
from portal.web.account.forms import SolvedForm
from portal.web.account.views import bp
from portal.web.outcome import commit_or_refuse
from portal.web.render import render

PAGE = "account/solved.html"


@bp.route("/solved/<token>", methods=["GET", "POST"])
@limits.limit_writes(limits.ANSWER)
def solved_answer(token: str):
    try:
        claim = read_answer_token(token)
    except LinkExpired:
        message = _("This link has expired. Your answer is still welcome: write to the team.")
        return render("account/invalid_link.html", status=400, message=message)
    page = queries.answer_page(db.session, claim) if claim else None
    if page is None:
        abort(404)  # forged, or about an idea this person may not (or no longer) see
    if not page.is_asked:
        refusal = verification.NotAsked() if page.is_released else verification.NotReleased()
        return render(PAGE, status=refusal.status, page=page, refusal=refusal.message, form=None)
    if request.method == "GET":
        chosen = {"solved": "yes" if claim.solved else "no"}
        form = SolvedForm(data={**chosen, "comment": page.current.comment if page.current else ""})
        return render(PAGE, page=page, form=form, sent=False)
    form = SolvedForm()
    if form.validate():
        saved = commit_or_refuse(form, lambda: verification.record_answer(
            db.session, idea=page.idea, person=page.person,
            solved=form.solved.data == "yes", comment=form.comment.data or "",
        ))  # fmt: skip
        if saved:
            return render(PAGE, page=page, form=None, sent=True, solved=saved.solved)
    return render(PAGE, status=422, page=page, form=form, sent=False)
