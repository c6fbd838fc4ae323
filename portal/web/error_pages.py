"""Error pages for people, JSON errors for the API."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from portal.errors import DomainError
from portal.web.uploads import UPLOAD_ENDPOINTS


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Your form expired"),
            message=_("Please go back, reload the page and try again."),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error={"status": error.code, "message": error.description}), error.code
        titles = {
            400: _("That request could not be read"),
            404: _("Page not found"),
            405: _("Not allowed"),
            413: _("That is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            404: _("There is nothing here, or you may need to sign in."),
            413: _("A form may send at most 1 MB. Shorten the text and try again."),
            429: _("Please wait a minute before trying again."),
        }
        if error.code == 413 and request.endpoint in UPLOAD_ENDPOINTS:
            messages[413] = _("Attach at most 5 images of at most 5 MB each, then try again.")
        return render_template(
            "errors/error.html",
            code=error.code,
            title=titles.get(error.code, error.name),
            message=messages.get(error.code, error.description),
        ), error.code

    @app.errorhandler(DomainError)
    def refused(refusal: DomainError):
        """Any refusal no view caught to re-render a form: the same message, as the asker
        needs it (a JSON error, an htmx fragment, or a page)."""
        message = str(refusal.message)
        if request.path.startswith("/api/"):
            return jsonify(error={"status": refusal.status, "message": message}), refusal.status
        if request.headers.get("HX-Request") == "true":
            return render_template("errors/_refusal.html", message=message), refusal.status
        page = render_template(
            "errors/error.html", code=refusal.status, title=_("That cannot be done"),
            message=message,
        )  # fmt: skip
        return page, refusal.status

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):
        """SQLite's busy timeout ran out: say so and ask for a retry, rather than a 500."""
        if "database is locked" not in str(error.orig):
            raise error
        page = render_template(
            "errors/error.html",
            code=503,
            title=_("Busy for a moment"),
            message=_("Many people are saving at once. Please try again in a few seconds."),
        )
        return page, 503, {"Retry-After": "5"}
