"""Configuration from the environment, with safe defaults for a single-machine install."""

import os
import secrets
from pathlib import Path


def _instance_secret_key(instance_path: Path) -> str:
    """A random key generated once and kept beside the database, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: Path) -> dict:
    """Settings read from environment variables; see the README's configuration table."""
    env = os.environ.get
    return {
        "SECRET_KEY": env("SECRET_KEY") or _instance_secret_key(instance_path),
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{instance_path / 'feedloop.sqlite3'}",
        "BASE_URL": env("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_FROM": env("MAIL_FROM", "Feedloop <no-reply@feedloop.localhost>"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        # The remember-me cookie is a login too: it is as Secure as the session cookie.
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "TRUSTED_PROXIES": _whole_number("TRUSTED_PROXIES", 0),
        "DIGEST_HOUR": min(_whole_number("DIGEST_HOUR", 7), 23),
        "OUTBOX_MAX_ATTEMPTS": max(_whole_number("OUTBOX_MAX_ATTEMPTS", 10), 1),
        # Uploaded images: "local" keeps them in MEDIA_ROOT (default: <instance>/media).
        "MEDIA_STORAGE": env("MEDIA_STORAGE", "local"),
        "MEDIA_ROOT": env("MEDIA_ROOT") or str(instance_path / "media"),
        # Pages kept for visitors who are not signed in (portal/web/page_cache.py): at most this
        # many seconds (0 keeps none), at most this many megabytes per process.
        "PAGE_CACHE_SECONDS": _whole_number("PAGE_CACHE_SECONDS", 10),
        "PAGE_CACHE_BYTES": _whole_number("PAGE_CACHE_MEGABYTES", 32) * 1024 * 1024,
    }


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


DEFAULTS = {
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": {"en": "English", "zh": "简体中文"},
    "VERIFY_LINK_MAX_AGE": 3 * 24 * 3600,
    "RESET_LINK_MAX_AGE": 2 * 3600,
    "INVITATION_LINK_MAX_AGE": 7 * 24 * 3600,
    "SIGN_IN_LINK_MAX_AGE": 15 * 60,
    "COMMENT_EDIT_WINDOW_SECONDS": 15 * 60,
    "IDEA_EDIT_WINDOW_SECONDS": 30 * 60,
    # An idea deleted as spam may be restored by an admin for this many days.
    "IDEA_RESTORE_DAYS": 30,
    "IDEAS_PER_PAGE": 20,
    "RATELIMIT_HEADERS_ENABLED": True,
    "MAIL_TIMEOUT": 30,
    # How long a worker may hold a claimed message before another may send it.
    "OUTBOX_LEASE_SECONDS": 300,
    # Nothing a person sends is larger (forms are text); refuse before parsing anything bigger.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    # Forms that carry images (screenshots, a logo) take up to this many, each this large;
    # their requests may be as large as all of them together (portal/web/uploads.py).
    "UPLOAD_MAX_FILES": 5,
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "UPLOAD_MAX_PIXELS": 40_000_000,
}
