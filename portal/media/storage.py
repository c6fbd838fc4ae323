"""Where uploaded files live: a small interface (put, get, delete by an opaque key) with one
backend today, `LocalStorage`, a folder under the app's instance folder. A store for S3 or
another object store implements the same four methods and is chosen in `portal/config.py`.

Keys are made here, random and unguessable (`new_key`); a backend never derives a path or a URL
a person could guess from anything else, and nothing stored is under the static folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key() -> str:
    """An opaque random key: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def is_key(value: str) -> bool:
    """Whether `value` can be a key at all (checked before any backend sees it)."""
    return bool(_KEY.match(value or ""))


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (replacing nothing: keys are new)."""

    def get(self, key: str) -> bytes | None:
        """The bytes stored under `key`, or None if there are none."""

    def delete(self, key: str) -> None:
        """Forget `key`; no error if it is already gone."""


class LocalStorage:
    """Files in one folder, two levels of sub-folders by the key's first characters."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file and renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(ValueError):
            self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The app's storage backend, made once per app from its configuration."""
    app = current_app._get_current_object()
    found = app.extensions.get("feedloop_storage")
    if found is None:
        backend = app.config.get("MEDIA_STORAGE", "local")
        if backend != "local":
            raise RuntimeError(f"unknown MEDIA_STORAGE {backend!r}")
        root = app.config.get("MEDIA_ROOT") or Path(app.instance_path) / "media"
        found = app.extensions["feedloop_storage"] = LocalStorage(root)
    return found
