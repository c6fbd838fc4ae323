"""Feedloop: a self-hosted feedback portal for B2B SaaS companies."""

from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI and error pages."""
    from portal import config as settings
    from portal.cli import register_cli
    from portal.db import db
    from portal.extensions import csrf, htmx, limiter, login_manager
    from portal.i18n import compile_translations
    from portal.pagecache.generation import watch_writes
    from portal.web import register_blueprints

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(settings.DEFAULTS)
    if config and "INSTANCE_PATH" in config:
        app.instance_path = config["INSTANCE_PATH"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.from_environment(Path(app.instance_path)))
    app.config.update(config or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")

    compile_translations(PROJECT_ROOT / "translations")
    db.init_app(app)
    watch_writes(app.extensions["feedloop_db"].engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from portal.web.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter
    register_blueprints(app)
    register_cli(app)
    return app
