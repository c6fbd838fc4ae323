"""The audit log (admins): every recorded action as a sentence in the reader's language, filtered
by person, kind and dates (in the workspace's time zone), newest first, a page at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from portal.audit.queries import AuditFilters, actor_choices, audit_page
from portal.audit.sentences import KINDS, describe
from portal.db import db
from portal.lifecycle.stages import HORIZON_LABEL, PUBLIC_STATUS
from portal.settings.service import get_time_zone
from portal.web.admin.common import bp, require_admin
from portal.web.admin.forms import CHANNEL_LABELS, ROLE_LABELS, VISIBILITY_LABELS
from portal.web.inputs import MAX_ID, int_arg
from portal.web.render import render

# What an `idea.enriched` entry may have changed, in the order the sentence names them.
_CHANGED_FIELDS = ("board", "kind", "severity", "owner", "tags")


def _field_labels() -> dict[str, str]:
    return {
        "board": _("the board"),
        "kind": _("the kind"),
        "severity": _("the severity"),
        "owner": _("the owner"),
        "tags": _("the tags"),
    }


def _day_arg(name: str, errors: list[str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors.append(_("Enter dates as year-month-day, such as 2026-11-30."))
    return day


def _start_of(day: date, zone: ZoneInfo) -> datetime | None:
    """Midnight of `day` in the workspace's zone, in UTC (None past the calendar's end)."""
    try:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


class _Labels:
    """Everything the sentences name, translated once per page."""

    def __init__(self) -> None:
        self.system = _("Feedloop")
        self.stages = {stage.value: str(label) for stage, label in PUBLIC_STATUS.items()}
        self.roles = {role.value: str(label) for role, label in ROLE_LABELS.items()}
        self.channels = {channel.value: str(label) for channel, label in CHANNEL_LABELS.items()}
        self.horizons = {horizon.value: str(label) for horizon, label in HORIZON_LABEL.items()}
        self.visibility = {value: str(label) for value, label in VISIBILITY_LABELS.items()}
        self.fields = _field_labels()
        self.ideas_href = url_for("admin.ideas_list")
        self.people_href = url_for("admin.people_list")


def _quoted(text) -> str:
    return f"“{text}”"


def _idea(idea_id, page, labels: _Labels, fallback_title=None):
    if not isinstance(idea_id, int):
        return "—"
    title, deleted = page.ideas.get(idea_id, (fallback_title, True))
    if title is None:
        return f"#{idea_id}"
    if deleted:
        return _quoted(title)
    return Markup('<a href="{}/{}">{}</a>').format(labels.ideas_href, idea_id, _quoted(title))


def sentence_values(entry, actor_name, page, labels: _Labels) -> dict:
    """The placeholders of an entry's sentence: names, linked where the thing still exists."""
    details = entry.details if isinstance(entry.details, dict) else {}
    values = {
        "actor": actor_name or labels.system,
        "action": entry.action,
        "target": f"{entry.target_type} {entry.target_id or ''}".strip(),
    }
    for key in ("email", "reason", "value", "grade", "weight", "position", "currency"):
        if details.get(key) not in (None, ""):
            values[key] = str(details[key])
    if details.get("time_zone"):
        values["time_zone"] = str(details["time_zone"])
    if entry.target_type in ("idea", "feedback"):
        idea_id = entry.target_id if entry.target_type == "idea" else details.get("idea")
        values["idea"] = _idea(idea_id, page, labels, details.get("title"))
        if "into" in details:
            values["into"] = _idea(details.get("into"), page, labels)
    for key in ("from_stage", "to_stage"):
        if key in details:
            values[key] = labels.stages.get(details[key], details[key] or "—")
    for key in ("role", "previous"):
        if key in details:
            values[key] = labels.roles.get(details[key], details[key])
    if "channel" in details:
        values["channel"] = labels.channels.get(details["channel"], details["channel"])
    if "horizon" in details:
        values["horizon"] = labels.horizons.get(details["horizon"], details["horizon"])
    if "effective" in details:
        values["visibility"] = labels.visibility.get(details["effective"], details["effective"])
    if entry.action == "idea.enriched":
        changed = [labels.fields[key] for key in _CHANGED_FIELDS if key in details]
        values["changes"] = ", ".join(changed) or "—"
    if entry.target_type == "person" and entry.target_id:
        name = page.people.get(entry.target_id)
        values["person"] = (
            Markup('<a href="{}/{}">{}</a>').format(labels.people_href, entry.target_id, name)
            if name is not None
            else f"#{entry.target_id}"
        )
    if entry.target_type == "tag":
        name = page.tags.get(entry.target_id) or details.get("into")
        renamed = details.get("name")
        if isinstance(renamed, list) and len(renamed) == 2:
            values["old_name"] = _quoted(renamed[0])
            name = name or renamed[1]
        elif isinstance(renamed, str):
            name = name or renamed
        values["tag"] = _quoted(name) if name else f"#{entry.target_id}"
        if details.get("source_name"):
            values["source_tag"] = _quoted(details["source_name"])
    if entry.target_type == "factor":
        values["factor"] = str(details.get("name") or "—")
    elif "factor" in details:
        values["factor"] = str(details["factor"])
    if entry.target_type == "organisation":
        values["organisation"] = _quoted(details.get("name") or f"#{entry.target_id}")
    elif details.get("organisation_name"):  # a customer's invitation into an organisation
        values["organisation"] = _quoted(details["organisation_name"])
    if entry.target_type == "release_note":
        values["note"] = _quoted(details.get("title") or f"#{entry.target_id}")
    return values


def audit_lines(page) -> list[dict]:
    """Each entry of a page as its moment and its sentence."""
    labels = _Labels()
    return [
        {
            "entry": entry,
            "sentence": describe(
                entry.action, entry.details or {}, sentence_values(entry, name, page, labels)
            ),
        }
        for entry, name in page.rows
    ]


@bp.get("/audit")
def audit_log():
    require_admin()
    errors: list[str] = []
    person = request.args.get("person", "").strip()
    by_system = person == "system"
    actor_id = int(person) if person.isdigit() and 0 < int(person) <= MAX_ID else None
    kind = request.args.get("kind", "").strip()
    kind = kind if kind in KINDS else None
    zone = ZoneInfo(get_time_zone(db.session))
    since_day, until_day = _day_arg("since", errors), _day_arg("until", errors)
    since = _start_of(since_day, zone) if since_day else None
    until = None
    if until_day and until_day < date.max:
        until = _start_of(until_day + timedelta(days=1), zone)
    filters = AuditFilters(
        actor_id=actor_id, by_system=by_system, kind=kind, since=since, until=until
    )
    page = audit_page(
        db.session, filters, before=int_arg("before", None), after=int_arg("after", None)
    )
    kept = {
        "person": "system" if by_system else (actor_id or None),
        "kind": kind,
        "since": since_day.isoformat() if since_day else None,
        "until": until_day.isoformat() if until_day else None,
    }
    kept = {key: value for key, value in kept.items() if value}
    return render_audit(page, kept, errors, actor_id)


def render_audit(page, kept, errors, actor_id):
    return render(
        "admin/audit.html",
        status=422 if errors else 200,
        lines=audit_lines(page),
        people=actor_choices(db.session, also=actor_id),
        kinds=sorted(((key, str(label)) for key, label in KINDS.items()), key=lambda k: k[1]),
        filters=kept,
        errors=errors,
        newer_url=url_for("admin.audit_log", after=page.newer, **kept) if page.newer else None,
        older_url=url_for("admin.audit_log", before=page.older, **kept) if page.older else None,
    )
