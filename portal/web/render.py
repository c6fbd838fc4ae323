"""Render a whole page, or only one named block of it when htmx asks (ARCHITECTURE.md, habit 7)."""

from flask import current_app, make_response, render_template, request
from jinja2_fragments import render_block


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The full page normally; just `block` for an htmx request, so both share one template."""
    if block and request.headers.get("HX-Request") == "true":
        current_app.update_template_context(context)
        body = render_block(current_app.jinja_env, template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_fragment(template: str, block: str, **context):
    """Only one block: for endpoints that exist solely to feed an htmx swap."""
    current_app.update_template_context(context)
    response = make_response(render_block(current_app.jinja_env, template, block, **context))
    response.vary.add("HX-Request")
    return response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
