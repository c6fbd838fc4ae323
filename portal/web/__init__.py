"""HTTP: the one layer that touches request, g, current_user and flash."""

from flask import Flask, g, request
from flask_login import current_user

from portal import access
from portal.accounts.service import load_user_for_session
from portal.changelog.models import Category
from portal.db import db
from portal.extensions import babel, login_manager
from portal.lifecycle.stages import PUBLIC_STATUS, Stage
from portal.web.caching import register_caching
from portal.web.error_pages import register_error_pages
from portal.web.inputs import refuse_unstorable_input
from portal.web.security import register_security_headers


def select_locale() -> str:
    """The profile's language, else the browser's preference, else English."""
    from flask import current_app

    languages = list(current_app.config["LANGUAGES"])
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    from flask import session

    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or "en"


def public_status_label(stage: str) -> str:
    """The customer-facing label of a stage code, in the current language (emails use it)."""
    return str(PUBLIC_STATUS[Stage(stage)])


def release_category_label(category: str) -> str:
    """The label of a release note category code, in the current language (emails use it)."""
    from portal.changelog.queries import CATEGORY_LABEL

    return str(CATEGORY_LABEL[Category(category)])


def register_blueprints(app: Flask) -> None:
    import portal.web.public.findable  # noqa: F401  (routes on the public blueprint)
    from portal.web.account import following, solved  # noqa: F401  (routes on the account bp)
    from portal.web.account.views import bp as account_bp
    from portal.web.admin import bp as admin_bp
    from portal.web.health import bp as health_bp
    from portal.web.public import changelog, roadmap, subscribe  # noqa: F401  (public bp routes)
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
        # Read with a session of its own: on SQLite a POST's session takes the write lock with
        # its first statement, and who is asking is no reason to hold it (a sign-in's password
        # check runs next). The person then joins the request's session without a query.
        with db.reading() as reading:
            user = load_user_for_session(reading, session_id)
            if user is not None:
                # What they may see is read in the same short session (build_viewer wants it
                # next): one session and one transaction per request for both, not two.
                g.viewer_of_loaded_user = access.viewer_for(reading, user)
        return db.session.merge(user, load=False) if user is not None else None

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["public_status"] = public_status_label
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

    @app.context_processor
    def inject_layout():
        from flask_babel import get_locale

        viewer = g.get("viewer", access.ANONYMOUS)
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            **access.abilities(viewer),
        }

    @app.template_filter("atom_time")
    def atom_time(moment):
        """RFC 3339 in UTC, as Atom wants it; the epoch for a feed with no entry yet."""
        from datetime import UTC, datetime

        return (moment or datetime(1970, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")

    @app.template_filter("age")
    def age(moment):
        """How long ago, in words and the viewer's language ("3 weeks")."""
        from flask_babel import format_timedelta

        from portal.db import utcnow

        return format_timedelta(utcnow() - moment, threshold=1.0)

    register_error_pages(app)
    register_security_headers(app)
    register_caching(app)
