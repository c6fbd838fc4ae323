"""Findable public pages: robots.txt, the sitemap, the favicon, and the meta description and
Open Graph card of the public pages (home, boards, ideas, roadmap, changelog, release notes).

Everything listed here is what an anonymous visitor may see, whoever asks: a crawler never
signs in, and a sitemap fetched by staff must not list an internal idea.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import Response, current_app, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from portal import access
from portal.changelog.models import ReleaseNote
from portal.changelog.queries import is_published
from portal.db import db
from portal.ideas.models import Board, Idea
from portal.lifecycle.stages import Stage
from portal.markdown import html_text, plain_text, shorten
from portal.web.private import is_private
from portal.web.public.views import bp

SITE_NAME = "Feedloop"
# The sitemap protocol's limit for one file; beyond it the oldest ideas are left out.
SITEMAP_LIMIT = 50_000
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Listed only once they exist: the roadmap and changelog pages are being built.
OPTIONAL_PAGES = ("public.roadmap", "public.changelog")


@dataclass(frozen=True)
class PageMeta:
    """What a shared link's card shows: the meta description and Open Graph tags of a page."""

    title: str
    description: str
    url: str
    type: str = "website"
    site_name: str = SITE_NAME


def absolute_url(endpoint: str, **values) -> str:
    """The public address of a page, from BASE_URL (a crawler's view, not the request's host)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{current_app.config['BASE_URL']}{path}"


def board_meta(board: Board) -> PageMeta:
    """The card of a board the viewer may see: its name and description."""
    return PageMeta(
        title=board.name,
        description=shorten(board.description) or _("Ideas on %(board)s", board=board.name),
        url=absolute_url("public.board_show", slug=board.slug),
    )


def idea_meta(idea: Idea) -> PageMeta:
    """The card of an idea the viewer may see: its title and the start of its text."""
    return PageMeta(
        title=idea.title,
        description=plain_text(idea.body) or idea.title,
        url=absolute_url("public.idea_show", **_idea_address(idea.id, idea.slug)),
        type="article",
    )


def page_meta(title: str, description: str, endpoint: str) -> PageMeta:
    """The card of a page that lists things (home, roadmap, changelog)."""
    return PageMeta(title=title, description=shorten(description), url=absolute_url(endpoint))


def home_meta() -> PageMeta:
    return page_meta(
        _("Feedback and ideas"),
        _("Suggest ideas, vote for what matters to you, see what is planned and what shipped."),
        "public.home",
    )


def roadmap_meta() -> PageMeta:
    return page_meta(
        _("Roadmap"), _("What we are working on now, next and later, and what shipped lately."),
        "public.roadmap",
    )  # fmt: skip


def changelog_meta() -> PageMeta:
    return page_meta(
        _("Changelog"), _("What is new, improved and fixed, and why it matters."),
        "public.changelog",
    )  # fmt: skip


def release_note_meta(note) -> PageMeta:
    """The card of a release note the viewer may read."""
    return PageMeta(
        title=note.title,
        description=shorten(note.why_it_matters) or html_text(note.body_html) or note.title,
        url=absolute_url("public.release_note_show", note_id=note.id, slug=note.slug),
        type="article",
    )


def _idea_address(idea_id: int, slug: str) -> dict:
    # Ideas made before slugs were never empty live at /ideas/<id>.
    return {"idea_id": idea_id, "slug": slug} if slug else {"idea_id": idea_id}


@bp.get("/robots.txt")
def robots_txt():
    if is_private():  # nothing to crawl: every page but the sign-in form needs a person
        return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin",
        "Disallow: /account",
        f"Sitemap: {absolute_url('public.sitemap_xml')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap_xml():
    body = "".join(_sitemap_lines(list(_sitemap_entries())))
    return Response(body, mimetype="application/xml")


def _sitemap_entries() -> Iterator[tuple[str, datetime | None]]:
    """(address, last change) of every page an anonymous visitor may see, at most the limit:
    one query for the boards, one for the ideas."""
    pages = [absolute_url("public.home"), *_existing_pages(OPTIONAL_PAGES)]
    for address in pages:
        yield address, None
    room = SITEMAP_LIMIT - len(pages)
    boards = db.session.scalars(
        select(Board.slug)
        .where(access.boards_visible_to(access.ANONYMOUS))
        .order_by(Board.position, Board.id)
        .limit(room)
    ).all()
    for slug in boards:
        yield absolute_url("public.board_show", slug=slug), None
    room -= len(boards)
    notes = db.session.execute(
        select(ReleaseNote.id, ReleaseNote.slug, ReleaseNote.updated_at)
        .where(is_published(), access.release_notes_visible_to(access.ANONYMOUS))
        .order_by(ReleaseNote.published_at.desc())
        .limit(room)
    ).all()
    for note_id, slug, updated_at in notes:
        yield absolute_url("public.release_note_show", note_id=note_id, slug=slug), updated_at
    ideas = db.session.execute(
        select(Idea.id, Idea.slug, Idea.updated_at, Idea.stage_changed_at)
        .where(access.ideas_visible_to(access.ANONYMOUS), Idea.stage != Stage.merged)
        .order_by(Idea.id.desc())
        .limit(room - len(notes))
    )
    adapter = current_app.url_map.bind("localhost")
    base = current_app.config["BASE_URL"]
    for idea_id, slug, updated_at, stage_changed_at in ideas:
        path = adapter.build("public.idea_show", _idea_address(idea_id, slug))
        yield f"{base}{path}", max(updated_at, stage_changed_at)


def _existing_pages(endpoints) -> Iterator[str]:
    """The addresses of those pages the app has today (asked at each request, not at start)."""
    for endpoint in endpoints:
        try:
            yield absolute_url(endpoint)
        except BuildError:
            continue


def _sitemap_lines(entries: list[tuple[str, datetime | None]]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<urlset xmlns="{SITEMAP_NAMESPACE}">\n'
    for address, changed_at in entries:
        lastmod = ""
        if changed_at is not None:
            moment = changed_at.astimezone(UTC).isoformat(timespec="seconds")
            lastmod = f"<lastmod>{moment}</lastmod>"
        yield f"<url><loc>{escape(address)}</loc>{lastmod}</url>\n"
    yield "</urlset>\n"


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)
