"""Forms that carry images: the size a request may have, reading the chosen files through the
image pipeline, and a write that leaves no file behind when it does not commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal.db import db
from portal.errors import ImageRefused
from portal.media import images
from portal.media.images import CleanImage
from portal.media.service import StoredImage, discard, store_images, thumbnail_key
from portal.media.storage import storage
from portal.web.outcome import Refused, commit_or_refuse

T = TypeVar("T")

# The views whose forms carry images; every other request stays within MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = {"public.idea_new", "public.comment_create", "admin.branding_page"}


def register_upload_limits(app: Flask) -> None:
    @app.before_request
    def allow_images():
        if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
            config = current_app.config
            request.max_content_length = (
                config["UPLOAD_MAX_FILES"] * (config["UPLOAD_MAX_BYTES"] + 4096)
                + config["MAX_CONTENT_LENGTH"]
            )

    # Before every other before_request function: the first to read the form fixes the limit.
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(0, funcs.pop())


def chosen_files(field) -> list[FileStorage]:
    """The files a multiple file field received (a form sent with none chosen has one empty
    part, which is no file)."""
    return [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]


def clean_uploads(field, max_files: int | None = None) -> list[CleanImage] | None:
    """Every chosen file, checked and re-encoded; None when one is refused or there are too
    many (the reason is then on the field, for the form to show)."""
    config = current_app.config
    max_files = config["UPLOAD_MAX_FILES"] if max_files is None else max_files
    files = chosen_files(field)
    if len(files) > max_files:
        field.errors = [*field.errors, _("Attach at most %(num)d images.", num=max_files)]
        return None
    if files:
        # Decoding and encoding images is slow: not while holding the write lock a POST's
        # session took with its first statement (ARCHITECTURE.md, habit 14). Nothing is
        # written yet; the service call opens a new transaction.
        db.session.commit()
    cleaned = []
    for upload in files:
        try:
            data = images.read_limited(upload.stream, config["UPLOAD_MAX_BYTES"])
            cleaned.append(
                images.clean_image(
                    data,
                    upload.filename or "",
                    max_bytes=config["UPLOAD_MAX_BYTES"],
                    max_pixels=config["UPLOAD_MAX_PIXELS"],
                )
            )
        except ImageRefused as refusal:
            name = images.safe_filename(upload.filename or "", "").rstrip(".")
            field.errors = [*field.errors, f"{name}: {refusal.message}"]
            return None
    return cleaned


def commit_with_images(
    form, cleaned: list[CleanImage], change: Callable[[list[StoredImage]], T]
) -> T | Refused:
    """Store the images, run `change` (one service call given the stored images) and commit;
    if it is refused or fails, the stored files are removed again."""
    backend = storage()
    stored = store_images(backend, cleaned)
    try:
        result = commit_or_refuse(form, lambda: change(stored))
    except BaseException:
        discard(backend, stored)
        raise
    if isinstance(result, Refused):
        discard(backend, stored)
    return result


def discard_keys(keys: list[str]) -> None:
    """Delete committed-away images (and their thumbnails) from storage."""
    backend = storage()
    for key in keys:
        backend.delete(key)
        backend.delete(thumbnail_key(key))
