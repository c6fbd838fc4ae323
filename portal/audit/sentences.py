"""The audit log in words: one sentence for every action code `record()` is called with, in the
reader's language ("Ana moved “Export to CSV” from Planned to In progress").

`SENTENCES` is the registry: a code, or a code and a variant (`"comment.deleted:own"`), to a
translatable sentence whose `%(name)s` placeholders the reader's side fills (`describe`). A code
missing here still reads as `GENERIC`; tests/admin/test_audit_log.py fails for any code used in
portal/ without a sentence of its own. `KINDS` names each family (what comes before the dot) for
the log's "kind" filter.

No Flask request or database here: the admin view finds names and links, this module words them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

SENTENCES = {
    # Ideas
    "idea.moved": _l("%(actor)s moved %(idea)s from %(from_stage)s to %(to_stage)s"),
    "idea.merged": _l("%(actor)s merged %(idea)s into %(into)s"),
    "idea.rated": _l("%(actor)s rated %(idea)s %(value)s for “%(factor)s”"),
    "idea.graded": _l("%(actor)s set the grade of %(idea)s to %(grade)s: %(reason)s"),
    "idea.graded:cleared": _l("%(actor)s let the score set the grade of %(idea)s again"),
    "idea.enriched": _l("%(actor)s changed %(changes)s of %(idea)s"),
    "idea.visibility_changed": _l("%(actor)s made %(idea)s visible to %(visibility)s"),
    "idea.edited": _l("%(actor)s edited the title or details of %(idea)s"),
    "idea.deleted": _l("%(actor)s deleted the idea %(idea)s: %(reason)s"),
    "idea.restored": _l("%(actor)s restored the idea %(idea)s"),
    # Comments
    "comment.hidden": _l("%(actor)s hid a comment on %(idea)s"),
    "comment.shown": _l("%(actor)s showed a hidden comment on %(idea)s again"),
    "comment.deleted": _l("%(actor)s deleted a comment on %(idea)s"),
    "comment.deleted:own": _l("%(actor)s deleted their own comment on %(idea)s"),
    # Feedback
    "feedback.logged": _l("%(actor)s logged feedback from %(channel)s"),
    "feedback.linked": _l("%(actor)s linked feedback to %(idea)s"),
    "feedback.became_idea": _l("%(actor)s turned feedback into the idea %(idea)s"),
    # Roadmap
    "roadmap.placed": _l("%(actor)s put %(idea)s on the roadmap under %(horizon)s"),
    "roadmap.reordered": _l("%(actor)s moved %(idea)s to place %(position)s on the roadmap"),
    # People and invitations
    "person.role_changed": _l(
        "%(actor)s changed the role of %(person)s from %(previous)s to %(role)s"
    ),
    "person.blocked": _l("%(actor)s blocked %(person)s"),
    "person.blocked:reason": _l("%(actor)s blocked %(person)s: %(reason)s"),
    "person.unblocked": _l("%(actor)s unblocked %(person)s"),
    "invitation.sent": _l("%(actor)s invited %(email)s as %(role)s"),
    "invitation.sent:organisation": _l(
        "%(actor)s invited %(email)s as %(role)s of %(organisation)s"
    ),
    "invitation.resent": _l("%(actor)s sent the invitation to %(email)s again"),
    "invitation.revoked": _l("%(actor)s revoked the invitation to %(email)s"),
    "invitation.accepted": _l("%(actor)s accepted an invitation and joined as %(role)s"),
    "invitation.accepted:organisation": _l(
        "%(actor)s accepted an invitation and joined as %(role)s of %(organisation)s"
    ),
    # Tags
    "tag.created": _l("%(actor)s created the tag %(tag)s"),
    "tag.updated": _l("%(actor)s changed the colour or privacy of the tag %(tag)s"),
    "tag.updated:renamed": _l("%(actor)s renamed the tag %(old_name)s to %(tag)s"),
    "tag.merged": _l("%(actor)s merged the tag %(source_tag)s into %(tag)s"),
    "tag.deleted": _l("%(actor)s deleted the tag %(tag)s"),
    # Workspace
    "factor.saved": _l("%(actor)s saved the priority factor “%(factor)s” (weight %(weight)s)"),
    "organisation.saved": _l("%(actor)s saved the organisation %(organisation)s"),
    "release_note.saved": _l("%(actor)s saved the release note %(note)s"),
    "subscriber.removed": _l("%(actor)s removed a subscriber from the mailing list"),
    "outbox.retried": _l("%(actor)s sent a failed email again"),
    "settings.updated": _l("%(actor)s changed the workspace settings"),
    "settings.updated:currency": _l("%(actor)s set the currency to %(currency)s"),
    "settings.updated:auto_close": _l("%(actor)s changed when released ideas close by themselves"),
    "settings.updated:decision_days": _l("%(actor)s changed the review age and the SLA hours"),
    "settings.updated:time_zone": _l("%(actor)s set the time zone to %(time_zone)s"),
    "settings.updated:private": _l("%(actor)s changed who may open the portal and sign up"),
    "branding.updated": _l("%(actor)s changed the portal's branding"),
}

# Any code without a sentence of its own (recorded by a newer version, say).
GENERIC = _l("%(actor)s: %(action)s (%(target)s)")

KINDS = {
    "idea": _l("Ideas"),
    "comment": _l("Comments"),
    "feedback": _l("Feedback"),
    "roadmap": _l("Roadmap"),
    "person": _l("People"),
    "invitation": _l("Invitations"),
    "tag": _l("Tags"),
    "factor": _l("Priority factors"),
    "organisation": _l("Organisations"),
    "release_note": _l("Release notes"),
    "subscriber": _l("Subscribers"),
    "outbox": _l("Emails"),
    "settings": _l("Settings"),
    "branding": _l("Branding"),
}

# Which of the settings a "settings.updated" entry changed, by the first detail it holds.
_SETTINGS_VARIANTS = ("currency", "auto_close", "decision_days", "time_zone", "private")


def _variant(action: str, details: Mapping) -> str | None:
    if action == "comment.deleted":
        return "own" if details.get("own") else None
    if action == "person.blocked":
        return "reason" if details.get("reason") else None
    if action == "tag.updated":
        return "renamed" if "name" in details else None
    if action == "idea.graded":
        return None if details.get("grade") else "cleared"
    if action in ("invitation.sent", "invitation.accepted"):
        return "organisation" if details.get("organisation_name") else None
    if action == "settings.updated":
        return next((key for key in _SETTINGS_VARIANTS if key in details), None)
    return None


def sentence_key(action: str, details: Mapping) -> str:
    """The registry key an entry reads with: its code, or its code and a variant."""
    variant = _variant(action, details)
    key = f"{action}:{variant}" if variant else action
    return key if key in SENTENCES else action


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def describe(action: str, details: Mapping, values: Mapping) -> Markup:
    """The entry as a sentence in the current language. `values` fills the placeholders
    (escaped unless already Markup); one it lacks reads as a dash."""
    template = str(SENTENCES.get(sentence_key(action, details), GENERIC))
    values = {"action": action, **values}
    filled = {name: values.get(name, "—") for name in _PLACEHOLDER.findall(template)}
    return Markup(template) % filled


def placeholders(key: str) -> set[str]:
    """The names a registry sentence needs (tests check every one is filled)."""
    return set(_PLACEHOLDER.findall(str(SENTENCES[key])))
