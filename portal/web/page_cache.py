"""Pages kept and served again while nothing they show has changed.

Everyone who is not signed in sees the same thing (the visibility rule gives them all the same
viewer), so such a page, once rendered, is the page for the next such visitor who asks for the
same address in the same language, until a write moves the page generation on
(portal/pagecache). Only the visitor's own CSRF token differs: the page is kept with a stand-in
and each visitor's token is put in its place.

A signed-in person's pages are theirs alone (their votes, what they may see, their name in the
header): they are kept for that person only, under the session's user id and token, and served
before the person is even loaded. That is exact for the same reason: who the person is, what
they may see and the settings are all rows, and a change to any of them moves the generation on,
so a kept page's key can only match while the person, their rights and the page are as they were
when it was rendered. A session the sign-in's protection would touch (another address or
browser) is not served from the cache.

What changes with the clock alone (a scheduled release note's time coming, "released lately"
ageing, a date turning) shows after at most PAGE_CACHE_SECONDS. Each process keeps its own
pages, at most PAGE_CACHE_BYTES of them, the least recently served going first.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.db import db
from portal.pagecache.generation import current_generation

# Pages that are the same for every visitor who is not signed in.
KEPT_PAGES = frozenset(
    {
        "public.home",
        "public.board_show",
        "public.idea_show",
        "public.ideas_similar",
        "public.roadmap",
        "public.changelog",
        "public.changelog_feed",
        "public.release_note_show",
    }
)
# A signed-in person's own copies: those pages, and the staff's lists they come back to between
# decisions.
KEPT_FOR_THE_SIGNED_IN = KEPT_PAGES | {"admin.ideas_list", "admin.review_queue"}
KEPT_TYPES = frozenset({"text/html", "application/atom+xml"})
# The request headers a page's rendering depends on besides its address and language (htmx asks
# for a fragment of the same address).
KEY_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted")
_TOKEN_STAND_IN = "\x00csrf-token\x00"  # no page can contain NUL: inputs refuse it


@dataclass(frozen=True)
class KeptPage:
    body: str
    status: int
    headers: tuple[tuple[str, str], ...]
    expires: float
    size: int
    has_token: bool


class PageStore:
    """Least recently served first out, bounded by the bytes kept; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, KeptPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> KeptPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires <= time.time():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: KeptPage) -> None:
        if page.size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= self._pages.pop(key).size


def register_page_cache(app: Flask) -> None:
    """Install the cache; call it right after the private-portal gate is installed.
    `note_generation` runs before anything reads what a page shows (the gate reads the
    settings), `serve_kept_page` after the gate (a private portal shows its pages to nobody who
    is not signed in)."""
    if not app.config.get("PAGE_CACHE_SECONDS"):
        return
    app.extensions["feedloop_pages"] = PageStore(app.config["PAGE_CACHE_BYTES"])
    app.before_request_funcs.setdefault(None, []).insert(0, note_generation)
    app.before_request(serve_kept_page)
    app.after_request(keep_page)


def note_generation():
    """before_request, first of all: the page generation, read before anything reads what the
    page shows (what the page then reads is at least as new); and a signed-in person's kept
    page, served before they are loaded."""
    if request.method != "GET" or "_flashes" in session:  # a message waits to be shown once
        return None
    signed_in_as = session.get("_user_id")
    if signed_in_as is None:
        if request.endpoint in KEPT_PAGES:
            g.page_generation = current_generation(db.engine)
        return None
    if request.endpoint not in KEPT_FOR_THE_SIGNED_IN or not _session_is_this_browsers():
        return None
    g.page_generation = generation = current_generation(db.engine)
    if generation is None:  # no generation to tell a kept page is still right: keep none
        return None
    g.page_key = key = (
        generation,
        signed_in_as,  # their id and the token that a new password or "sign out everywhere" changes
        session.get("language"),
        request.headers.get("Accept-Language"),
        request.full_path,
        tuple(request.headers.get(name) for name in KEY_HEADERS),
    )
    return _served(key)


def _session_is_this_browsers() -> bool:
    """Whether Flask-Login's session protection would leave the session as it is. It compares the
    session with the address and browser asking; on a mismatch, "basic" marks the session no
    longer fresh (nothing to change when it is already not: a session restored from the
    remember-me cookie, which carries no such mark, or one used since from another address),
    "strong" signs the person out (as "basic" does for a permanent session)."""
    manager = current_app.login_manager
    if session.get("_id") == manager._session_identifier_generator():
        return True
    mode = current_app.config.get("SESSION_PROTECTION", manager.session_protection)
    if mode not in ("basic", "strong"):
        return True  # no protection: nothing is compared
    return (mode == "basic" or session.permanent) and session.get("_fresh") is False


def serve_kept_page():
    """before_request, after the private-portal gate: the kept page for a visitor who is not
    signed in, if there is one."""
    generation = g.get("page_generation")
    if generation is None or "page_key" in g or current_user.is_authenticated:
        return None
    g.page_key = key = (
        generation,
        str(get_locale()),
        request.full_path,
        tuple(request.headers.get(name) for name in KEY_HEADERS),
    )
    return _served(key)


def _served(key: tuple) -> Response | None:
    page = current_app.extensions["feedloop_pages"].get(key)
    if page is None:
        return None
    g.page_served_kept = True
    body = page.body.replace(_TOKEN_STAND_IN, generate_csrf()) if page.has_token else page.body
    return Response(body, page.status, list(page.headers))


def keep_page(response: Response) -> Response:
    key = g.get("page_key")
    if (
        key is None
        or g.get("page_served_kept")
        or response.status_code != 200
        or response.mimetype not in KEPT_TYPES
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or not _rendered_for_the_key(key)
    ):
        return response
    body = response.get_data(as_text=True)
    token = g.get("csrf_token")  # Flask-WTF's, for this visitor, if the page asked for it
    has_token = bool(token) and token in body
    if has_token:
        body = body.replace(token, _TOKEN_STAND_IN)
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name not in ("Content-Length", "Date")
    )
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    expires = time.time() + seconds
    # What the entry really holds: the body as Python keeps it, its key and headers, and the
    # objects around them (about 1.5 kB besides those), so that long addresses or htmx headers
    # cannot grow a process past PAGE_CACHE_BYTES.
    size = (
        sys.getsizeof(body)
        + _key_size(key)
        + sum(len(name) + len(value) + 120 for name, value in headers)
        + 1024
    )
    page = KeptPage(body, response.status_code, headers, expires, size, has_token)
    current_app.extensions["feedloop_pages"].put(key, page)
    return response


def _rendered_for_the_key(key: tuple) -> bool:
    """A page kept for a visitor must have been rendered for no one in particular; one kept for a
    signed-in person, for that person (a session whose person is gone or blocked renders a
    visitor's page, which is not theirs to keep)."""
    if len(key) == 4:
        return not current_user.is_authenticated
    return current_user.is_authenticated and current_user.get_id() == key[1]


def _key_size(key: tuple) -> int:
    """The characters a key holds (its address, htmx headers, language header...)."""
    return sum(
        _key_size(part) if isinstance(part, tuple) else len(part) if isinstance(part, str) else 8
        for part in key
    )
