"""The admin area: inbox, ideas, review queue, organisations, settings and audit log.

Staff and admins only: anyone else gets 404, as if the area did not exist."""

from collections.abc import Callable
from datetime import datetime

from babel.dates import format_timedelta
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from sqlalchemy import select

from portal import access
from portal.accounts.models import Organisation
from portal.db import db, utcnow
from portal.ideas.models import Board, Idea
from portal.web.redirects import safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def staff_only():
    if not access.can_use_admin(g.viewer):
        abort(404)


@bp.context_processor
def translations_of_page():
    """The admin pages' `_()` and `ngettext()`: the words Jinja's own give (a trusted
    translation, its values escaped, "%%" read as "%"), from the language's catalogue found
    once per page. Jinja's pass each of the seventy-odd labels of a page through three calls of
    the template context and format it as Markup even when it has no value: together more than
    the page's SQL."""
    translations = get_translations()
    translate, translate_plural = translations.ugettext, translations.ungettext

    @pass_eval_context
    def _(eval_ctx, message: str, **variables):
        if not eval_ctx.autoescape:
            return translate(message) % variables
        if variables:
            return Markup(translate(message)) % variables
        return Markup(translate(message) % variables)  # nothing to escape

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        translated = translate_plural(singular, plural, num)
        return (Markup(translated) if eval_ctx.autoescape else translated) % variables

    return {"_": _, "ngettext": ngettext}


def require_admin():
    """Staff know the admin-only pages exist; they are refused, not hidden."""
    if not access.can_change_settings(g.viewer):
        abort(403)


def get_idea_or_404(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.deleted_at is not None:  # deleted as spam: gone for staff too
        abort(404)
    return idea


# Built once: building a statement costs more than SQLite running these.
_BOARD_CHOICES = select(Board.id, Board.name).order_by(Board.position)


def board_choices():
    # Columns only: through the session's connection, without the ORM's work per statement.
    return [(board_id, name) for board_id, name in db.session.connection().execute(_BOARD_CHOICES)]


AUDIENCE_CHOICES_LIMIT = 500  # beyond this the picker needs a search (issue 10's pickers)


def organisation_choices():
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .order_by(Organisation.name)
        .limit(AUDIENCE_CHOICES_LIMIT)
    )
    return [(organisation_id, name) for organisation_id, name in rows]


def refusal_message(refusal: Exception) -> str:
    return str(getattr(refusal, "message", refusal))


@bp.get("/")
def index():
    return redirect(url_for("admin.inbox"))


def flash_refusal(refusal) -> None:
    flash(refusal_message(refusal), "error")


def actor():
    return current_user._get_current_object()


def back(default_endpoint: str, **values):
    return redirect(safe_next(url_for(default_endpoint, **values)))


@bp.app_template_filter("channel")
def channel_label(value) -> str:
    """The readable name of a feedback channel ("lost_deal" -> "Lost deal")."""
    from portal.ideas.models import Channel
    from portal.web.admin.forms import CHANNEL_LABELS

    return str(CHANNEL_LABELS.get(Channel(value), value))


@bp.app_template_filter("visibility_label")
def visibility_label(value) -> str:
    """Who may see something, in words ("internal" -> "Staff only")."""
    from portal.web.admin.forms import VISIBILITY_LABELS

    return str(VISIBILITY_LABELS.get(str(value), value))


@bp.app_template_filter("horizon_label")
def horizon_label(value) -> str:
    """A roadmap horizon, in words ("next" -> "Next")."""
    from portal.lifecycle.stages import HORIZON_LABEL, Horizon

    try:
        return str(HORIZON_LABEL[Horizon(value)])
    except ValueError:
        return str(value)


@bp.app_template_filter("stage_label")
def stage_label(value) -> str:
    """A stage by the name everyone reads ("collect" -> "Open"): the public status label."""
    from portal.lifecycle.stages import PUBLIC_STATUS, Stage

    try:
        return str(PUBLIC_STATUS[Stage(value)])
    except ValueError:
        return str(value)


@bp.app_template_global()
def key_accounts_label() -> Markup:
    """The words "%(n)d key" in the viewer's language, their number not yet filled: a list
    translates them once and fills them per row with |format (a template's _() fills at once)."""
    return Markup(gettext("%(n)d key"))


@bp.app_template_global()
def label_parts(message: Markup, placeholder: str) -> tuple[Markup, Markup]:
    """A label a list translates once with its placeholder kept (`_("Opened %(age)s ago",
    age="%(age)s")`, "%(age)s"), cut where the value goes: each row writes the two parts around
    its own (escaped) value. Formatting the whole label again per row (Markup's %, which
    escapes through a helper object) costs more than the rest of a row's words."""
    before, found, after = message.partition(placeholder)
    if not found:  # a translation without the placeholder: the value follows the label
        return Markup(message), Markup("")
    return Markup(before), Markup(after)


@bp.app_template_global()
def escaped_labels(labels: dict) -> dict:
    """`labels` with each value HTML-escaped once, for a list that writes them as they are in
    every row (template code under `autoescape false`)."""
    return {key: escape(value) for key, value in labels.items()}


# The admin area's navigation: (endpoint, label, the endpoint prefixes of the pages it is the
# current section for; None: only its own page); the last four are for admins only.
NAV_SECTIONS = (
    ("admin.inbox", _l("Inbox"), None),
    ("admin.ideas_list", _l("Ideas"), ("admin.idea",)),
    ("admin.review_queue", _l("Review queue"), None),
    ("admin.organisations_list", _l("Organisations"), ("admin.organisation",)),
    ("admin.roadmap_plan", _l("Roadmap planning"), ("admin.roadmap",)),
    ("admin.tags_list", _l("Tags"), ("admin.tag",)),
    ("admin.changelog_list", _l("Release notes"), ("admin.changelog",)),
    ("admin.settings_page", _l("Settings"), None),
)
ADMIN_NAV_SECTIONS = (
    ("admin.people_list", _l("People"), ("admin.people", "admin.person", "admin.invitation")),
    ("admin.audit_log", _l("Audit log"), None),
    ("admin.outbox", _l("Outgoing email"), None),
    ("admin.subscribers_list", _l("Subscribers"), ("admin.subscriber",)),
)


@bp.app_template_global()
def admin_nav() -> list[tuple[str, Markup, bool]]:
    """The admin navigation's links for this request, as (address, label, whether the page is
    in that section): found in one pass here rather than by a dozen translations, addresses and
    comparisons written out in the layout. The labels are trusted translations, as `_()` makes
    them in a template."""
    here = request.endpoint or ""
    sections = NAV_SECTIONS + (ADMIN_NAV_SECTIONS if access.can_change_settings(g.viewer) else ())
    return [
        (url_for(endpoint), Markup(label),
         here == endpoint if prefixes is None else here.startswith(prefixes))
        for endpoint, label, prefixes in sections
    ]  # fmt: skip


@bp.app_template_global()
def age_of_page() -> Callable[[datetime], str]:
    """The `age` filter (portal/web) with the clock and the viewer's language read once, for a
    list that shows an age per row: finding them costs three times the rest of the filter.
    The same unit and number as the filter (tests/admin/test_admin_lists_render.py), from its
    same remembered wordings."""
    from portal.web import _AGE_UNITS, _AGES, _zone_and_language

    now, language = utcnow(), _zone_and_language()[1]

    def age(moment: datetime) -> str:
        delta = now - moment
        seconds = abs(delta.total_seconds())
        for unit_seconds in _AGE_UNITS:
            if seconds >= unit_seconds or unit_seconds == 1:
                amount = round(max(1, seconds / unit_seconds) if seconds else 0)
                break
        key = (unit_seconds, amount, language)
        if key not in _AGES:
            _AGES[key] = format_timedelta(delta, threshold=1.0, locale=language)
        return _AGES[key]

    return age
