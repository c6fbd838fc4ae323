"""Email updates without an account: subscribe (double opt-in), confirm, and stop in one click."""

from flask import abort, g, request
from flask_babel import get_locale

from portal.db import db
from portal.errors import InvalidLink
from portal.extensions import csrf, limiter
from portal.subscribers import service
from portal.web import limits
from portal.web.public.forms import ConfirmSubscriptionForm, SubscribeForm
from portal.web.public.views import bp
from portal.web.render import render

PAGE = "public/subscribe/page.html"


@bp.app_template_global()
def subscribe_form(chosen: str) -> SubscribeForm | None:
    """The form for the changelog and roadmap pages, with `chosen` ticked; None for a signed-in
    person, who chooses under their email settings instead."""
    if g.get("viewer") is not None and g.viewer.is_signed_in:
        return None
    return SubscribeForm(formdata=None, data={chosen: True})


@bp.post("/subscribe")
@limits.limit_writes(limits.SUBSCRIBE)
def subscribe():
    form = SubscribeForm()
    if not form.validate_on_submit():
        return render(PAGE, block="subscribe_form", status=422, form=form, sent_to=None)
    service.request_subscription(
        db.session, email=form.email.data, changelog=form.changelog.data,
        roadmap=form.roadmap.data, language=str(get_locale()),
    )  # fmt: skip
    db.session.commit()
    # The same answer whether or not the address was on a list already.
    sent_to = service.normalise_email(form.email.data)
    return render(PAGE, block="subscribe_form", form=form, sent_to=sent_to)


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@limits.limit_writes(limits.SETTINGS)
def subscription_confirm(token: str):
    """A GET only shows the button (mail scanners open links); the POST confirms."""
    try:
        wanted = service.read_confirmation(token)
    except InvalidLink as refusal:
        return render("public/subscribe/invalid.html", status=400, message=refusal.message)
    form = ConfirmSubscriptionForm()
    if form.validate_on_submit():
        service.confirm_subscription(db.session, wanted)
        db.session.commit()
        return render("public/subscribe/confirm.html", wanted=wanted, form=form, done=True)
    return render("public/subscribe/confirm.html", wanted=wanted, form=form, done=False)


@bp.route("/subscriptions/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority, and mail clients POST without a session
@limiter.limit("30 per minute", methods=["POST"])
def subscription_stop(token: str):
    stop = service.read_stop(token)
    if stop is None:
        abort(404)
    if request.method == "GET":  # link scanners follow GETs: only a POST changes anything
        subscriber = service.subscriber_of(db.session, stop)
        return render("public/subscribe/stop.html", stop=stop, subscriber=subscriber, done=None)
    done = service.stop_subscription(db.session, stop)
    db.session.commit()
    return render("public/subscribe/stop.html", stop=stop, subscriber=None, done=done)
