"""What browsers and caches may keep.

Static files are linked with a hash of their content (`?v=`): a browser keeps them a year
without asking again, and a changed file gets a new address. Pages say what they vary on: the
signed-in person (Cookie), the language (Accept-Language) and htmx's fragment requests.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request

YEAR = 31_536_000
PAGE_VARY = ("Cookie", "Accept-Language", "HX-Request")


def register_caching(app: Flask) -> None:
    hashes: dict[str, tuple[float, str]] = {}

    def content_hash(filename: str) -> str | None:
        known = hashes.get(filename)
        if known is not None and not app.debug:
            return known[1]  # deployed files do not change under a running process
        path = Path(app.static_folder, filename)
        try:
            modified = path.stat().st_mtime
        except (OSError, ValueError):
            return None
        if known is None or known[0] != modified:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            hashes[filename] = known = (modified, digest)
        return known[1]

    @app.url_defaults
    def version_static_files(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = content_hash(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_headers(response):
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename", "")
            version = request.args.get("v")
            if response.status_code == 200 and version and version == content_hash(filename):
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
                response.cache_control.no_cache = None
            return response
        if response.mimetype == "text/html":
            for header in PAGE_VARY:
                response.vary.add(header)
        return response
