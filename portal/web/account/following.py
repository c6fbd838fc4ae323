"""What a person follows and hears about: my activity, email choices, and unsubscribe links
that work without signing in."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import access
from portal.db import db
from portal.extensions import csrf, limiter
from portal.ideas import queries
from portal.ideas import service as ideas
from portal.notify import service as notify
from portal.notify.links import read_unsubscribe
from portal.notify.models import Cadence, Topic
from portal.subscribers import service as subscribers
from portal.web import limits
from portal.web.account.forms import NotificationsForm, SubscriptionsForm
from portal.web.account.views import bp
from portal.web.inputs import page_arg
from portal.web.outcome import REFUSED, commit_or_refuse
from portal.web.public.forms import ChoiceForm
from portal.web.render import render

ACTIVITY_PAGE = 50


@bp.get("/account/activity")
@login_required
def activity():
    page = page_arg()
    rows = queries.list_my_ideas(db.session, g.viewer, page=page, page_size=ACTIVITY_PAGE)
    return render("account/activity.html", page=rows, unfollow_form=ChoiceForm())


@bp.post("/account/activity/<int:idea_id>/unfollow")
@limits.limit_writes(limits.FOLLOW)
@login_required
def activity_unfollow(idea_id: int):
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    if not ChoiceForm().validate():
        abort(400)
    ideas.unfollow_idea(db.session, idea=idea, person=current_user)
    db.session.commit()
    flash(_("You no longer follow “%(title)s”.", title=idea.title), "success")
    return redirect(url_for("account.activity"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@limits.limit_writes(limits.SETTINGS)
@login_required
def notifications():
    chosen = notify.preferences_of(db.session, current_user.id)
    form = NotificationsForm(data={topic.value: cadence.value for topic, cadence in chosen.items()})
    if form.validate_on_submit():
        for topic in Topic:
            cadence = Cadence(form[topic.value].data)
            notify.set_cadence(db.session, current_user.id, topic, cadence)
        db.session.commit()
        flash(_("Your email choices are saved."), "success")
        return redirect(url_for("account.notifications"))
    return _notifications_page(form, _lists_form(), status=422 if form.errors else 200)


def _lists_form() -> SubscriptionsForm:
    subscriber = subscribers.account_subscription(db.session, current_user)
    return SubscriptionsForm(data={
        "changelog": bool(subscriber and subscriber.confirmed_at and subscriber.wants_changelog),
        "roadmap": bool(subscriber and subscriber.confirmed_at and subscriber.wants_roadmap),
    })  # fmt: skip


def _notifications_page(form, lists_form, status: int = 200):
    return render("account/notifications.html", status=status, form=form, lists_form=lists_form,
                  lists_allowed=current_user.is_verified)  # fmt: skip


@bp.post("/account/notifications/lists")
@limits.limit_writes(limits.SETTINGS)
@login_required
def subscriptions():
    """Release notes and roadmap updates for the account's own, verified address."""
    # Only what was sent: an unticked box is absent, and absent means "no".
    lists_form = SubscriptionsForm(formdata=request.form)
    if lists_form.validate_on_submit():
        done = commit_or_refuse(lists_form, lambda: subscribers.set_account_subscription(
            db.session, current_user, changelog=lists_form.changelog.data,
            roadmap=lists_form.roadmap.data,
        ))  # fmt: skip
        if done is not REFUSED:
            flash(_("Your email choices are saved."), "success")
            return redirect(url_for("account.notifications"))
    chosen = notify.preferences_of(db.session, current_user.id)
    form = NotificationsForm(data={topic.value: cadence.value for topic, cadence in chosen.items()})
    return _notifications_page(form, lists_form, status=422)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority, and mail clients POST without a session
@limiter.limit("30 per minute", methods=["POST"])
def unsubscribe(token: str):
    claim = read_unsubscribe(token)
    if claim is None:
        abort(404)
    if request.method == "GET":  # link scanners follow GETs: only a POST changes anything
        choice = notify.describe_unsubscribe(db.session, claim)
        return render("account/unsubscribe.html", claim=claim, choice=choice, done=None)
    done = notify.unsubscribe(db.session, claim, whole_topic=request.form.get("scope") == "topic")
    db.session.commit()
    return render("account/unsubscribe.html", claim=claim, done=done)
