"""Error pages for people, JSON errors for the API."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
            404: _("Page not found"),
            405: _("Not allowed"),
            429: _("Too many attempts"),
        }
        messages = {
            404: _("There is nothing here, or you may need to sign in."),
            429: _("Please wait a minute before trying again."),
        }
        return render_template(
            "errors/error.html",
            code=error.code,
            title=titles.get(error.code, error.name),
            message=messages.get(error.code, error.description),
        ), error.code
