"""Workspace settings: review-queue age, bug SLA hours, the automatic close of released ideas,
the currency of ARR amounts, the time zone dates are shown in, who may open the portal and sign
up, and the portal's branding. Only admins change them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.access import can_change_settings
from portal.accounts.models import User
from portal.audit.service import record
from portal.errors import DomainError, NotAllowed
from portal.ideas.models import Severity
from portal.pagecache.generation import remembered
from portal.settings.models import Setting

DEFAULT_SLA_HOURS = {
    Severity.s1: (4, 24),
    Severity.s2: (8, 72),
    Severity.s3: (24, 240),
    Severity.s4: (72, 720),
}
DEFAULT_DECISION_DAYS = 30
# Beyond these a clock never runs out in practice, and date arithmetic would overflow.
MAX_DECISION_DAYS = 3650
MAX_SLA_HOURS = 5 * 366 * 24
MAX_CLOSE_DAYS = 3650
MAX_MIN_ANSWERS = 100_000
# The currencies ARR may be kept in (ISO 4217 codes); amounts are whole units of it.
CURRENCIES = ("USD", "EUR", "GBP", "CNY", "JPY", "CHF", "CAD", "AUD", "SGD", "INR")
DEFAULT_CURRENCY = "USD"
DEFAULT_TIME_ZONE = "UTC"


@dataclass(frozen=True)
class AutoClose:
    """Close a released idea after `days` in `verify` when at least `percent` of its answers
    (and at least `min_answers` of them) say it solved the need. Off unless an admin turns it on."""

    enabled: bool = False
    days: int = 30
    percent: int = 80
    min_answers: int = 1


@dataclass(frozen=True)
class WorkspaceSettings:
    decision_days: int
    # severity -> (first response hours, resolution hours)
    sla_hours: dict[Severity, tuple[int, int]]
    auto_close: AutoClose = AutoClose()


def get_settings(session: Session) -> WorkspaceSettings:
    stored = {row.key: row.value for row in session.query(Setting).all()}
    decision = stored.get("decision_days", {}).get("days", DEFAULT_DECISION_DAYS)
    sla = dict(DEFAULT_SLA_HOURS)
    for severity, hours in stored.get("sla_hours", {}).items():
        sla[Severity(severity)] = (int(hours[0]), int(hours[1]))
    auto_close = _auto_close(stored.get("auto_close", {}))
    return WorkspaceSettings(decision_days=int(decision), sla_hours=sla, auto_close=auto_close)


def get_auto_close(session: Session) -> AutoClose:
    """Only the automatic-close setting (one row read), for the worker."""
    row = session.get(Setting, "auto_close")
    return _auto_close(row.value if row is not None else {})


def _auto_close(close: dict) -> AutoClose:
    return AutoClose(
        enabled=bool(close.get("enabled", False)),
        days=int(close.get("days", AutoClose.days)),
        percent=int(close.get("percent", AutoClose.percent)),
        min_answers=int(close.get("min_answers", AutoClose.min_answers)),
    )


def update_auto_close(session: Session, *, actor: User, auto_close: AutoClose) -> None:
    """Admin-only: store when a released idea closes by itself (ranges checked by the form)."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    value = {
        "enabled": auto_close.enabled,
        "days": auto_close.days,
        "percent": auto_close.percent,
        "min_answers": auto_close.min_answers,
    }
    _put(session, "auto_close", value)
    record(session, actor_id=actor.id, action="settings.updated", target_type="settings",
           auto_close=value)  # fmt: skip
    session.flush()


def update_settings(
    session: Session,
    *,
    actor: User,
    decision_days: int,
    sla_hours: dict[Severity, tuple[int, int]],
) -> None:
    """Admin-only: store the review-queue age and the SLA hours of each severity."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    _put(session, "decision_days", {"days": decision_days})
    _put(session, "sla_hours", {s.value: list(hours) for s, hours in sla_hours.items()})
    record(session, actor_id=actor.id, action="settings.updated", target_type="settings",
           decision_days=decision_days,
           sla_hours={s.value: list(h) for s, h in sla_hours.items()})  # fmt: skip
    session.flush()


def get_currency(session: Session) -> str:
    """The ISO code of the currency organisations' ARR is kept in."""
    code = _page_setting(session, "currency").get("code")
    return code if code in CURRENCIES else DEFAULT_CURRENCY


def update_currency(session: Session, *, actor: User, currency: str) -> None:
    """Admin-only: the currency every ARR amount is shown in (the amounts stay as they are)."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    if currency not in CURRENCIES:
        raise DomainError(_l("Choose one of the listed currencies."))
    _put(session, "currency", {"code": currency})
    record(session, actor_id=actor.id, action="settings.updated", target_type="settings",
           currency=currency)  # fmt: skip
    session.flush()


# The settings a page may need (the private-portal gate, the header's branding, dates, ARR):
# read together, once per request, however many of them the page uses.
PAGE_SETTINGS = ("access", "branding", "currency", "time_zone")
# Built once: every page runs it, and building a statement costs more than SQLite running it.
# Equalities rather than IN: an IN list is expanded again at every execution.
_PAGE_SETTINGS_STATEMENT = select(Setting.__table__.c.key, Setting.__table__.c.value).where(
    or_(*(Setting.__table__.c.key == key for key in PAGE_SETTINGS))
)


def _page_setting(session: Session, key: str) -> dict:
    """The stored value of one of PAGE_SETTINGS ({} when never set). In a request, all of them
    are read in one statement the first time one is asked for."""
    if not has_request_context():
        row = session.get(Setting, key)
        values = {key: row.value} if row is not None else {}
    else:
        values = g.get("page_settings")
        if values is None:
            values = g.page_settings = remembered(
                "page_settings",
                lambda: dict(session.connection().execute(_PAGE_SETTINGS_STATEMENT).all()),
            )
    value = values.get(key)
    return value if isinstance(value, dict) else {}


def _put(session: Session, key: str, value: dict) -> None:
    if has_request_context():
        g.pop("page_settings", None)  # read again after the change
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


class SignupRule(StrEnum):
    """Who may create an account from the sign-up form."""

    anyone = "anyone"
    invited = "invited"  # only through an invitation's link (portal/people)
    domains = "domains"  # only addresses of a known organisation's email domain


SIGNUP_RULE_LABEL = {
    SignupRule.anyone: _l("Anyone"),
    SignupRule.invited: _l("Invited people only"),
    SignupRule.domains: _l("People with an email address of a known organisation's domain"),
}


@dataclass(frozen=True)
class PortalAccess:
    """Whether the whole portal needs a signed-in, verified person (`is_private`) and who may
    sign up. Off and "anyone" unless an admin changes them."""

    is_private: bool = False
    signup: SignupRule = SignupRule.anyone


def get_access(session: Session) -> PortalAccess:
    """The portal's access setting."""
    value = _page_setting(session, "access")
    signup = value.get("signup")
    return PortalAccess(
        is_private=value.get("private") is True,
        signup=SignupRule(signup) if signup in SignupRule.__members__ else SignupRule.anyone,
    )


def update_access(session: Session, *, actor: User, access: PortalAccess) -> None:
    """Admin-only: make the portal private (or public again) and choose who may sign up;
    recorded in the audit log."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    value = {"private": bool(access.is_private), "signup": SignupRule(access.signup).value}
    _put(session, "access", value)
    record(session, actor_id=actor.id, action="settings.updated", target_type="settings",
           private=value["private"], signup=value["signup"])  # fmt: skip
    session.flush()


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows ("Europe/Paris"), sorted, for the settings form.
    Read once per process: zoneinfo walks the whole time zone database on disk to list them."""
    return tuple(sorted(available_timezones() | {DEFAULT_TIME_ZONE}))


def valid_time_zone(name: object) -> bool:
    """An IANA zone name zoneinfo can load; nothing else (no paths, no "../", no offsets)."""
    if not isinstance(name, str) or not 1 <= len(name) <= 60 or name.startswith(("/", ".")):
        return False
    if ".." in name or "\\" in name or "\x00" in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def get_time_zone(session: Session) -> str:
    """The IANA name of the zone every date and time is shown in."""
    name = _page_setting(session, "time_zone").get("name")
    return name if valid_time_zone(name) else DEFAULT_TIME_ZONE


def update_time_zone(session: Session, *, actor: User, time_zone: str) -> None:
    """Admin-only: the zone dates and times are shown in, on every page and in emails."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    if not valid_time_zone(time_zone):
        raise DomainError(_l("Choose a time zone from the list, such as Europe/Paris."))
    _put(session, "time_zone", {"name": time_zone})
    record(session, actor_id=actor.id, action="settings.updated", target_type="settings",
           time_zone=time_zone)  # fmt: skip
    session.flush()


# Branding: the portal's name, logo, accent colour and welcome text, under the key "branding".
DEFAULT_PORTAL_NAME = "Feedloop"
MAX_PORTAL_NAME = 60
MAX_WELCOME = 5000
_ACCENT = re.compile(r"^#[0-9a-f]{6}$")


@dataclass(frozen=True)
class Logo:
    """The uploaded logo, re-encoded, in storage under `key` (served at /branding/logo/<key>)."""

    key: str
    content_type: str
    filename: str
    width: int
    height: int


@dataclass(frozen=True)
class Branding:
    name: str = DEFAULT_PORTAL_NAME
    accent: str | None = None  # "#rrggbb", lower case; None keeps the product's colours
    welcome: str = ""  # Markdown, shown on the home page
    logo: Logo | None = None
    is_custom_name: bool = False  # an admin chose the name (emails then send under it)


def get_branding(session: Session) -> Branding:
    """The portal's branding."""
    value = _page_setting(session, "branding")
    name = value.get("name") if isinstance(value.get("name"), str) else ""
    accent = value.get("accent")
    logo = value.get("logo")
    return Branding(
        name=name or DEFAULT_PORTAL_NAME,
        accent=accent if isinstance(accent, str) and _ACCENT.match(accent) else None,
        welcome=value.get("welcome") if isinstance(value.get("welcome"), str) else "",
        logo=Logo(**logo) if isinstance(logo, dict) else None,
        is_custom_name=bool(name),
    )


def normalise_accent(value: str | None) -> str | None:
    """ "#RRGGBB" (any case, blanks around) as "#rrggbb"; empty as None; anything else refused."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not _ACCENT.match(text):
        raise DomainError(_l("Give the colour as # and six hexadecimal digits, like #3b5bdb."))
    return text


def update_branding(
    session: Session,
    *,
    actor: User,
    name: str,
    accent: str | None,
    welcome: str,
    logo: Logo | None = None,
    remove_logo: bool = False,
) -> str | None:
    """Admin-only: store the portal's name, accent colour, welcome text and (when given) a new
    logo, already re-encoded and stored; `remove_logo` goes back to no logo. Returns the key of
    a logo no longer used, for the caller to delete from storage once this is committed."""
    if not can_change_settings(actor):
        raise NotAllowed(_l("Only an admin may change the workspace settings."))
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_PORTAL_NAME:
        raise DomainError(_l("Give the portal a name of 1 to %(num)d characters.",
                             num=MAX_PORTAL_NAME))  # fmt: skip
    accent = normalise_accent(accent)
    welcome = (welcome or "").strip()
    if len(welcome) > MAX_WELCOME:
        raise DomainError(_l("Keep the welcome text under %(num)d characters.", num=MAX_WELCOME))
    before = get_branding(session)
    new_logo = logo if logo is not None else (None if remove_logo else before.logo)
    value = {
        "name": name,
        "accent": accent,
        "welcome": welcome,
        "logo": asdict(new_logo) if new_logo is not None else None,
    }
    _put(session, "branding", value)
    changes = {}
    if name != before.name:
        changes["name"] = name
    if accent != before.accent:
        changes["accent"] = accent or ""
    if welcome != before.welcome:
        changes["welcome"] = "changed"
    if (new_logo and new_logo.key) != (before.logo and before.logo.key):
        changes["logo"] = "replaced" if new_logo else "removed"
    record(session, actor_id=actor.id, action="branding.updated", target_type="settings",
           **changes)  # fmt: skip
    session.flush()
    replaced = before.logo.key if before.logo and before.logo != new_logo else None
    return replaced
