"""Every route × every kind of person × a thing of every visibility: allowed, sent to sign in,
refused or not found — never a leak, never a server error.

The routes come from the app's URL map, so a new route is walked the day it is added; one whose
parameter the world cannot fill fails until tests/security/conftest.py learns to fill it.
"""

from __future__ import annotations

import inspect
import traceback
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.ideas.models import Board, Comment, Idea, Visibility
from portal.priority.models import PriorityFactor
from portal.settings.models import Setting
from tests.security.conftest import MAY_SEE, VIEWERS

# What a page may answer; anything else (a 500 above all) is a defect.
ALLOWED_STATUSES = {200, 201, 204, 301, 302, 303, 400, 403, 404, 405, 422}
REDIRECTS = {301, 302, 303, 307, 308}
# Parameters that point at a thing with a visibility: who may not see it must get a 404.
OBJECT_PARAMETERS = {"idea_id", "comment_id", "note_id", "slug"}
# Values of those parameters that point at nothing: a hidden thing must answer like these.
NOTHING_THERE = {
    "idea_id": 2_000_000_000,
    "comment_id": 2_000_000_000,
    "note_id": 2_000_000_000,
    "slug": "no-such-board",
}
STAFF = {"staff", "admin"}


def walked_routes(app):
    """(rule, method) for every route but static files, in a stable order."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    for rule in rules:
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def unfilled_parameters(rule, params) -> set[str]:
    return set(rule.arguments) - set(params)


def build(rule, params) -> str:
    return rule.build(params, append_unknown=False)[1]


def is_admin_area(rule) -> bool:
    return rule.rule == "/admin" or rule.rule.startswith("/admin/")


def redirect_target(response):
    return urlsplit(response.headers.get("Location", ""))


def is_sent_to_sign_in(response) -> bool:
    if response.status_code not in REDIRECTS:
        return False
    target = redirect_target(response)
    return target.path == "/login" and "next" in parse_qs(target.query)


def signed_in(client) -> bool:
    with client.session_transaction() as cookie_session:
        return "_user_id" in cookie_session


@dataclass
class Answer:
    status: int
    body: str
    location: str
    sent_to_sign_in: bool
    error: str = ""


def raised_at(error: Exception) -> str:
    """Where in the portal's own code an exception was raised."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/portal/" in f.filename]
    if not frames:
        return "?"
    return f"portal/{frames[-1].filename.rsplit('/portal/', 1)[1]}:{frames[-1].lineno}"


def ask(client, method: str, url: str) -> Answer:
    """One request; a server error raised through the test client is recorded, not raised."""
    try:
        response = client.open(url, method=method, data={} if method != "GET" else None)
    except Exception as error:  # any exception here is a 500 for the person
        where = raised_at(error)
        return Answer(500, "", "", False, f"raised {type(error).__name__}: {error} at {where}")
    return Answer(
        response.status_code,
        response.get_data().decode("utf-8", "replace"),  # images are bytes
        response.headers.get("Location", ""),
        is_sent_to_sign_in(response),
    )


def secrets_of(session, world, visibility: Visibility) -> list[str]:
    """Text that tells a thing of `visibility` exists: its idea's title and slug, its board's
    name, its comment."""
    thing = world.things[visibility]
    idea = session.get(Idea, thing.idea_id)
    board = session.scalar(select(Board).where(Board.slug == thing.board_slug))
    comment = session.get(Comment, thing.comment_id)
    return [thing.idea_title, idea.slug, board.name, comment.body]


def general_problem(viewer: str, rule, answer: Answer, exists: bool = True) -> str | None:
    """What is wrong with an answer whatever it was asked about (`exists`: about a thing of the
    world, not one that is not there)."""
    if answer.error:
        return answer.error
    if answer.status >= 500 or answer.status not in ALLOWED_STATUSES:
        return "status outside the allowed answers"
    if answer.status in REDIRECTS:
        target = urlsplit(answer.location)
        if target.netloc not in ("", "localhost") or not target.path.startswith("/"):
            return f"redirects off the site to {answer.location!r}"
    if is_admin_area(rule) and viewer not in STAFF and answer.status != 404:
        return "the admin area must answer 404 to anyone but staff"
    if is_admin_area(rule) and viewer in STAFF and exists and answer.status == 404:
        return "staff must reach every admin page of a thing that exists"
    return None


def hidden_problem(viewer: str, rule, answer: Answer, nothing_there: Answer) -> str | None:
    """A thing the viewer may not see must answer exactly as a thing that does not exist."""
    may_redirect_to_sign_in = viewer == "anonymous" and answer.sent_to_sign_in
    if answer.status != 404 and not may_redirect_to_sign_in:
        return f"hidden thing must be 404 (a missing one answers {nothing_there.status})"
    if (answer.status, answer.sent_to_sign_in) != (
        nothing_there.status,
        nothing_there.sent_to_sign_in,
    ):
        return f"answers unlike a thing that does not exist ({nothing_there.status})"
    return None


def visible_problem(rule, method: str, answer: Answer) -> str | None:
    """A public page about a thing the viewer may see must show it (or lead to it)."""
    if method == "GET" and not is_admin_area(rule) and answer.status not in (200, 301, 302):
        return "a thing the viewer may see must be shown (200/301/302)"
    return None


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_route_answers_each_person_without_leaking_or_failing(
    app, world, as_viewer, session, viewer
):
    client = as_viewer(viewer)
    secrets = {
        visibility: secrets_of(session, world, visibility)
        for visibility in Visibility
        if viewer not in MAY_SEE[visibility]
    }
    failures: list[str] = []
    missing_parameters: set[str] = set()

    def check(method, url, answer, *problems):
        for problem in problems:
            if problem:
                failures.append(f"({viewer}, {method}, {url}, {answer.status}): {problem}")
        for visibility, texts in secrets.items():
            for text in texts:
                if text in answer.body or text in answer.location:
                    failures.append(
                        f"({viewer}, {method}, {url}, {answer.status}): shows {text!r} "
                        f"of the {visibility.value} idea, board or comment"
                    )

    def request(method, url):
        nonlocal client
        answer = ask(client, method, url)
        if viewer != "anonymous" and not signed_in(client):
            client = as_viewer(viewer)  # that route signed the viewer out; go on signed in
        return answer

    # Reading first, then writing, so a write cannot change what a later read finds.
    walk = sorted(walked_routes(app), key=lambda pair: pair[1] != "GET")
    for rule, method in walk:
        unfilled = unfilled_parameters(rule, world.params_for(Visibility.public))
        if unfilled:
            missing_parameters |= unfilled
            failures.append(f"{rule.rule}: the world cannot fill {sorted(unfilled)}")
            continue
        if not OBJECT_PARAMETERS & set(rule.arguments):
            url = build(rule, world.params_for(Visibility.public))
            answer = request(method, url)
            check(method, url, answer, general_problem(viewer, rule, answer))
            continue
        nothing_url = build(rule, {**world.params_for(Visibility.public), **NOTHING_THERE})
        nothing_there = request(method, nothing_url)
        check(
            method,
            nothing_url,
            nothing_there,
            general_problem(viewer, rule, nothing_there, exists=False),
        )
        for visibility in Visibility:
            url = build(rule, world.params_for(visibility))
            answer = request(method, url)
            if viewer in MAY_SEE[visibility]:
                judged = visible_problem(rule, method, answer)
            else:
                judged = hidden_problem(viewer, rule, answer, nothing_there)
            check(method, url, answer, general_problem(viewer, rule, answer), judged)

    assert not missing_parameters, (
        f"routes take parameters {sorted(missing_parameters)} that the world cannot fill: add "
        "them to World.params_for in tests/security/conftest.py (a thing of each visibility) "
        "so the new route is checked"
    )
    assert not failures, f"{len(failures)} bad answers for {viewer}:\n" + "\n".join(failures)


def test_the_world_fills_every_parameter_of_every_route(app, world):
    unfilled = {
        rule.rule: sorted(unfilled_parameters(rule, world.params_for(visibility)))
        for rule, _method in walked_routes(app)
        for visibility in Visibility
        if unfilled_parameters(rule, world.params_for(visibility))
    }
    assert not unfilled, (
        f"the security world cannot fill {unfilled}: add a value for each such parameter to "
        "World.params_for in tests/security/conftest.py, pointing at a thing of the given "
        "visibility, so the new route is walked by the route matrix"
    )


# Valid forms for the admin-only writes, so a missing check would show as a change.
ADMIN_ONLY_FORMS = {
    "admin.settings_save": {
        "decision_days": "9",
        **{f"s{n}_{kind}": str(50 + n) for n in range(1, 5) for kind in ("first", "resolve")},
    },
    "admin.factor_save": {
        "name": "Changed by the test",
        "weight": "7",
        "scale_max": "9",
        "direction": "benefit",
        "is_active": "y",
    },
    "admin.outbox_retry": {"action": "on"},
    "admin.subscriber_remove": {"action": "on"},
    "admin.auto_close_save": {"enabled": "y", "days": "21", "percent": "70", "min_answers": "3"},
    "admin.people_invite": {"email": "invited@vendor.example", "role": "staff"},
    "admin.person_role": {"role": "staff"},
    "admin.person_block": {"reason": "Changed by the test"},
    "admin.person_unblock": {"action": "off"},
    "admin.invitation_resend": {"action": "on"},
    "admin.invitation_revoke": {"action": "off"},
    "admin.currency_save": {"currency": "EUR"},
    "admin.access_settings": {"signup": "domains"},
    "admin.time_zone_save": {"time_zone": "Asia/Shanghai"},
    "admin.branding_page": {"name": "Changed by the test", "accent": "#123456"},
}


def admin_only_routes(app):
    """Every route whose view asks for an admin, found in the code rather than listed."""
    return [
        (rule, method)
        for rule, method in walked_routes(app)
        if "require_admin(" in inspect.getsource(app.view_functions[rule.endpoint])
    ]


def workspace_state(session):
    session.expire_all()
    settings = sorted((row.key, repr(row.value)) for row in session.scalars(select(Setting)))
    factors = sorted(
        (f.id, f.name, f.weight, f.scale_max, f.is_active)
        for f in session.scalars(select(PriorityFactor))
    )
    session.rollback()
    return settings, factors


def admin_only_form(rule, url: str) -> dict:
    form = dict(ADMIN_ONLY_FORMS.get(rule.endpoint, {}))
    if "name" in form:
        form["name"] = f"{form['name']} {url}"  # factor names are unique
    return form


def test_admin_only_pages_refuse_staff_and_serve_admins(app, world, as_viewer, session):
    routes = admin_only_routes(app)
    assert {"admin.settings_save", "admin.factor_save", "admin.audit_log"} <= {
        rule.endpoint for rule, _method in routes
    }, "the settings writes and the audit log must be admin-only"
    staff, admin = as_viewer("staff"), as_viewer("admin")
    assert staff.get("/admin/settings").status_code == 200, "staff may look at the settings"
    params = world.params_for(Visibility.internal)
    before = workspace_state(session)

    failures = []
    for rule, method in routes:
        url = build(rule, params)
        data = admin_only_form(rule, url)
        refused = staff.open(url, method=method, data=data if method != "GET" else None)
        if refused.status_code != 403:
            failures.append(f"(staff, {method}, {url}, {refused.status_code}): must be 403")
    changed_by_staff = workspace_state(session) != before

    for rule, method in routes:
        url = build(rule, params)
        data = admin_only_form(rule, url)
        served = admin.open(url, method=method, data=data if method != "GET" else None)
        if served.status_code >= 400:
            failures.append(f"(admin, {method}, {url}, {served.status_code}): must be served")
    changed_by_admin = workspace_state(session) != before

    assert not changed_by_staff, "a staff member changed admin-only settings or factors"
    assert changed_by_admin, "the admin's valid forms changed nothing: the test proves nothing"
    assert not failures, "\n".join(failures)
