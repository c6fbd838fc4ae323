"""Where a form may send a person afterwards: only to a path on this site (issue 6, defect 2).

Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so "/\\t/evil" and
"/\\\\evil" both lead off-site. The target is judged as the browser will read it, by one function
used for every `next` and `back` value.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask import request

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TARGET_LENGTH = 2000


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, as a browser would follow it; otherwise None."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return None
    if _CONTROL.search(target) or "\\" in target:
        return None
    if any(unicodedata.category(char) in ("Cc", "Zs", "Zl", "Zp", "Cf") for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def safe_next(default: str, field: str = "next") -> str:
    """The request's `field` (form or query) if it is a path on this site, else `default`."""
    return local_path(request.values.get(field)) or default
