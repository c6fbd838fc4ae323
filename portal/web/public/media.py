"""Images served to people: screenshots through the visibility rule, and the portal's logo.

An image is only ever served from the re-encoded bytes in storage, with the content type we
wrote it as, `nosniff`, a sanitised file name and a policy that lets it run nothing."""

from __future__ import annotations

from flask import Response, abort, g

from portal import access
from portal.db import db
from portal.media.queries import attachment_to_serve
from portal.media.service import thumbnail_key
from portal.media.storage import is_key, storage
from portal.settings.service import get_branding
from portal.web.public.views import bp

# A year: a key names one image for ever (a new upload gets a new key).
IMMUTABLE = 365 * 24 * 3600


def image_response(data: bytes, content_type: str, filename: str, *, public: bool) -> Response:
    response = Response(data, mimetype=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Screenshots depend on who asks: no shared cache may keep them.
    scope = "public" if public else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age={IMMUTABLE}, immutable"
    return response


def _attachment(idea_id: int, key: str, thumbnail: bool) -> Response:
    if not is_key(key):
        abort(404)
    idea = access.get_visible_idea_or_404(db.session, g.viewer, idea_id)
    attachment = attachment_to_serve(db.session, g.viewer, idea.id, key)
    if attachment is None:
        abort(404)
    data = storage().get(thumbnail_key(key) if thumbnail else key)
    if data is None:
        abort(404)
    content_type = attachment.thumbnail_type if thumbnail else attachment.content_type
    return image_response(data, content_type, attachment.filename, public=False)


@bp.get("/ideas/<int:idea_id>/images/<key>")
def attachment_image(idea_id: int, key: str):
    return _attachment(idea_id, key, thumbnail=False)


@bp.get("/ideas/<int:idea_id>/images/<key>/thumbnail")
def attachment_thumbnail(idea_id: int, key: str):
    return _attachment(idea_id, key, thumbnail=True)


@bp.get("/branding/logo/<key>")
def branding_logo(key: str):
    """The portal's logo (shown to everyone, and in emails); only the current one is served."""
    logo = get_branding(db.session).logo
    if logo is None or not is_key(key) or key != logo.key:
        abort(404)
    data = storage().get(key)
    if data is None:
        abort(404)
    return image_response(data, logo.content_type, logo.filename, public=True)


@bp.get("/branding.css")
def branding_css():
    """The accent colour as CSS custom properties (a stylesheet, as the CSP allows no inline
    style); its URL carries the colour, so it is cached for ever."""
    accent = get_branding(db.session).accent
    body = ""
    if accent:
        # Text on the accent: black or white, whichever reads better (WCAG relative luminance).
        inverse = "#000" if _luminance(accent) > 0.179 else "#fff"
        # Pico sets its colours on ":root:not([data-theme=dark])"; an id outranks that.
        body = (
            ":root:not(#feedloop-branding){"
            f"--feedloop-accent:{accent};--pico-primary-background:{accent};"
            f"--pico-primary-border:{accent};--pico-primary-hover-background:{accent};"
            f"--pico-primary-hover-border:{accent};--pico-primary-inverse:{inverse};"
            "}\n"
        )
    response = Response(body, mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={IMMUTABLE}, immutable"
    return response


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
