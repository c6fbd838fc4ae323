"""HTTP: the one layer that touches request, g, current_user and flash."""

import functools
from datetime import date, datetime

from babel import Locale
from babel.dates import TIMEDELTA_UNITS, format_date, format_time, format_timedelta
from flask import Flask, g, request
from flask_babel import Domain, get_locale, get_timezone, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.local import LocalProxy

from portal import access
from portal.accounts.service import load_user_for_session
from portal.changelog.models import Category
from portal.db import db
from portal.extensions import babel, login_manager
from portal.lifecycle.stages import PUBLIC_STATUS, Stage
from portal.web.caching import register_caching
from portal.web.error_pages import register_error_pages
from portal.web.inputs import refuse_unstorable_input
from portal.web.money import register_money_filters
from portal.web.page_cache import register_page_cache
from portal.web.private import register_private_portal_gate
from portal.web.row_urls import row_url
from portal.web.security import register_security_headers
from portal.web.uploads import register_upload_limits


def select_locale() -> Locale:
    """The profile's language, else the browser's preference, else English."""
    from flask import current_app

    languages = list(current_app.config["LANGUAGES"])
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return _locale(current_user.language)
    from flask import session

    if session.get("language") in languages:
        return _locale(session["language"])
    return _locale(request.accept_languages.best_match(languages) or "en")


@functools.cache
def _locale(code: str) -> Locale:
    """One Locale object per language for the process: Flask-Babel would parse the code into a
    new one for every request (Babel's locale objects do not change once made)."""
    return Locale.parse(code)


def _zone_and_language() -> tuple:
    """The viewer's time zone and language, found once per request (again after
    flask_babel.refresh() or inside force_locale(), which change the locale object).

    Kept beside Flask-Babel's own per-request values (`g._flask_babel`), so that the common
    case (a list formatting a hundred dates) costs one lookup of `g`, not get_locale()'s
    several."""
    babel_values = g.get("_flask_babel")
    if babel_values is not None:
        found = getattr(babel_values, "feedloop_zone_and_language", None)
        if found is not None and found[0] is getattr(babel_values, "babel_locale", None):
            return found[1:]
    locale = get_locale()
    zone = get_timezone()
    found = (locale, zone, str(locale), str(zone))
    g._flask_babel.feedloop_zone_and_language = found  # made by get_locale()
    return found[1:]


# One date format and one date-and-time format per language, on every page and in every email:
# Babel's medium date ("Nov 30, 2026", "2026年11月30日"), and that date with the short time.
DATE_FORMAT = "medium"
TIME_FORMAT = "short"


@functools.lru_cache(maxsize=4096)
def _formatted_day(day: date, locale: str, zone: str) -> str:
    # `zone` is part of the key only: `day` is already the day in that zone.
    return format_date(day, format=DATE_FORMAT, locale=locale)


_AGE_UNITS = [seconds for _unit, seconds in TIMEDELTA_UNITS]


# Ages as Babel words them, by (unit in seconds, number, language): a few hundred at most.
_AGES: dict[tuple[int, int, str], str] = {}


@functools.lru_cache(maxsize=16384)
def _formatted_moment(moment: datetime, locale: str, zone: str) -> str:
    """`moment` is a wall-clock time in `zone` (naive): the language's medium date and short
    time, joined as the language joins them ("Nov 30, 2026, 3:04 PM")."""
    joined = get_datetime_pattern(DATE_FORMAT, locale)
    return joined.format(
        format_time(moment, format=TIME_FORMAT, locale=locale),
        format_date(moment, format=DATE_FORMAT, locale=locale),
    )


@functools.lru_cache(maxsize=16)
def get_datetime_pattern(format: str, locale: str) -> str:
    """How a language joins a date and a time ("{1}, {0}"; "{1} {0}")."""
    return str(_locale(locale).datetime_formats[format])


def workspace_time_zone() -> str:
    """Flask-Babel's time zone selector: the workspace's zone, read once per request (or app
    context, for the outbox worker) when the first date is shown."""
    from portal.settings.service import get_time_zone

    return get_time_zone(db.session)


class RequestCachedDomain(Domain):
    """Flask-Babel's message domain, finding a request's translations once: its own lookup
    rebuilds the locale's name and searches its cache on every call, which a list page makes
    hundreds of times (each label, each status, each lazy string). Kept with the locale object it
    belongs to, so flask_babel.refresh() (a new locale) is still obeyed."""

    def get_translations(self):
        try:
            context = g._get_current_object()  # once: each use of the proxy costs a lookup
        except RuntimeError:  # outside an app context
            return super().get_translations()
        locale = getattr(getattr(context, "_flask_babel", None), "babel_locale", None)
        found = getattr(context, "feedloop_translations", None)
        if locale is not None and found is not None and found[0] is locale:
            return found[1]
        translations = super().get_translations()
        context.feedloop_translations = (context._flask_babel.babel_locale, translations)
        return translations


def public_status_label(stage: str) -> str:
    """The customer-facing label of a stage code, in the current language (emails use it)."""
    return str(PUBLIC_STATUS[Stage(stage)])


def public_status_labels() -> dict[str, str]:
    """Every stage's customer-facing label, translated once per request: for lists that show
    one per row."""
    return _once_per_request(
        "public_status_labels",
        lambda: {stage: str(label) for stage, label in PUBLIC_STATUS.items()},
    )


def vote_button_parts() -> dict[str, str]:
    """What every vote button of a page shares (its words, the form's token, where to come
    back to), found once per request: a board page has twenty buttons."""
    return _once_per_request("vote_button_parts", lambda: {
        "remove": gettext("Remove my vote"), "vote": gettext("Vote for this idea"),
        "votes": gettext("Votes"),
        "csrf_token": generate_csrf(),
        "next": request.full_path if request.method == "GET" else request.form.get("next", ""),
    })  # fmt: skip


def _once_per_request(name: str, build):
    """`build()`, remembered for the rest of the request (for the language it was built in)."""
    locale = get_locale()
    found = g.get(f"feedloop_{name}")
    if found is None or found[0] is not locale:
        found = (locale, build())
        setattr(g, f"feedloop_{name}", found)
    return found[1]


def request_branding():
    """The portal's branding, read when a page first shows it and kept for the request (a page
    that never shows the header reads nothing). A page shown while the database fails (an error
    page) falls back to the product's own name."""
    found = g.get("feedloop_branding")
    if found is None:
        from portal.settings.service import Branding, get_branding

        try:
            found = get_branding(db.session)
        except Exception:  # the error page of a failing database must still render
            found = Branding()
        g.feedloop_branding = found
    return found


_LAZY_BRANDING = LocalProxy(request_branding)


def release_category_label(category: str) -> str:
    """The label of a release note category code, in the current language (emails use it)."""
    from portal.changelog.queries import CATEGORY_LABEL

    return str(CATEGORY_LABEL[Category(category)])


def register_blueprints(app: Flask) -> None:
    import portal.web.public.findable  # noqa: F401  (routes on the public blueprint)
    from portal.web.account import following, invitations, signin_links, solved  # noqa: F401
    from portal.web.account.views import bp as account_bp
    from portal.web.admin import bp as admin_bp
    from portal.web.health import bp as health_bp
    from portal.web.public import changelog, media, roadmap, subscribe  # noqa: F401  (public bp)
    from portal.web.public.views import bp as public_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)

    login_manager.login_view = "account.signin"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        # A POST reads with a session of its own: on SQLite its session takes the write lock
        # with its first statement, and who is asking is no reason to hold it (a sign-in's
        # password check runs next). A GET's reading session is the request's own (db.reading).
        # The person then joins the request's session without a query.
        with db.reading() as reading:
            user = load_user_for_session(reading, session_id)
            if user is not None:
                # What they may see is read in the same short session (build_viewer wants it
                # next): one session and one transaction per request for both, not two.
                g.viewer_of_loaded_user = access.viewer_for(reading, user)
        return db.session.merge(user, load=False) if user is not None else None

    babel.init_app(app, locale_selector=select_locale, timezone_selector=workspace_time_zone)
    # Flask-Babel builds its default domain on first use (a cached property); ours comes first.
    domain = babel.__dict__["domain_instance"] = RequestCachedDomain(
        domain=app.extensions["babel"].default_domain
    )
    # Templates ask the domain directly, not through Flask-Babel's per-call lookup of it.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["public_status"] = public_status_label
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["public_status_labels"] = public_status_labels
    app.jinja_env.globals["vote_button_parts"] = vote_button_parts
    app.jinja_env.globals["category_label"] = release_category_label

    app.before_request(refuse_unstorable_input)

    @app.before_request
    def build_viewer():
        if not current_user.is_authenticated:
            g.viewer = access.ANONYMOUS
            return
        viewer = g.pop("viewer_of_loaded_user", None)
        if viewer is None or viewer.user_id != current_user.id:
            with db.reading() as reading:
                viewer = access.viewer_for(reading, current_user)
        g.viewer = viewer

    register_private_portal_gate(app)
    register_page_cache(app)

    @app.context_processor
    def inject_layout():
        from flask_babel import get_locale

        viewer = g.get("viewer", access.ANONYMOUS)
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "branding": _LAZY_BRANDING,
            **access.abilities(viewer),
        }

    @app.template_filter("dateformat")
    def dateformat(moment):
        """Flask-Babel's dateformat, remembered per day and language: a list page shows the
        same few days many times, and each formatting costs more than the rest of its row."""
        zone, language, zone_name = _zone_and_language()
        day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
        return _formatted_day(day, language, zone_name)

    @app.template_filter("datetimeformat")
    def datetimeformat(moment, format=None):
        """A date and time in the workspace's zone, in the one format of the viewer's language
        (`format` is accepted from older templates and ignored), remembered per moment,
        language and zone (a page of comments formats hundreds)."""
        zone, language, zone_name = _zone_and_language()
        local = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        return _formatted_moment(local, language, zone_name)

    @app.template_filter("atom_time")
    def atom_time(moment):
        """RFC 3339 in UTC, as Atom wants it; the epoch for a feed with no entry yet."""
        from datetime import UTC, datetime

        return (moment or datetime(1970, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")

    @app.template_filter("age")
    def age(moment):
        """How long ago, in words and the viewer's language ("3 weeks"). Babel's wording,
        remembered per unit and number (a list of 50 ideas asks 100 times; each costs 60 µs):
        the unit and number are chosen here as Babel chooses them (threshold 1)."""
        from portal.db import utcnow

        delta = utcnow() - moment
        seconds = abs(delta.total_seconds())
        for unit_seconds in _AGE_UNITS:
            if seconds >= unit_seconds or unit_seconds == 1:
                amount = round(max(1, seconds / unit_seconds) if seconds else 0)
                break
        key = (unit_seconds, amount, _zone_and_language()[1])
        if key not in _AGES:  # the same unit and number always read the same
            _AGES[key] = format_timedelta(delta, threshold=1.0, locale=key[2])
        return _AGES[key]

    register_money_filters(app)
    register_error_pages(app)
    register_security_headers(app)
    register_caching(app)
    register_upload_limits(app)
