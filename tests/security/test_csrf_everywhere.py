"""Every state-changing route refuses a request without its session's CSRF token, and changes
nothing; the same request with the right token goes through.

The routes come from the app's URL map, so a new form is checked the day it is added.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.db import Base
from portal.ideas.models import Follower, Idea, Visibility
from tests.conftest import PASSWORD
from tests.security.conftest import csrf_token_from

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_REFUSAL = "Your form expired"
# Routes a mail client calls without a session (RFC 8058 one-click unsubscribe): a signed token
# in the URL is their authority instead of a CSRF token. Each must take such a token, and a
# forged one must change nothing.
SIGNED_LINK_ROUTES = {"account.unsubscribe", "public.subscription_stop"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False}


def sign_in_with_token(app, user):
    """A client signed in as a browser would be; the token its pages carry once signed in, and
    the one the sign-in page carried before."""
    client = app.test_client()
    before = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302, f"{user.email} could not sign in with a CSRF token"
    return client, csrf_token_from(client.get("/account").get_data(as_text=True)), before


def signed_in(client) -> bool:
    with client.session_transaction() as cookie_session:
        return "_user_id" in cookie_session


def state_changing_routes(app):
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    for rule in rules:
        for method in sorted(rule.methods & WRITES):
            yield rule, method


def database_state(app) -> dict[str, list[tuple]]:
    """Every row of every table, read on a connection of its own."""
    engine = app.extensions["feedloop_db"].engine
    with engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(select(table)).all()))
            for table in Base.metadata.sorted_tables
        }


def changed_tables(before, after) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def would_change_something(world) -> dict:
    """A form with a plausible value for every field the portal's forms read, so that a check
    that let the request through would show up as a change in the database."""
    public = world.things[Visibility.public]
    return {
        "action": "on",
        "title": "A title written by the CSRF test",
        "body": "A body written by the CSRF test",
        "kind": "bug",
        "severity": "s1",
        "display_name": "Renamed by a forged form",
        "language": "en",  # the refusal page is then in English whatever got through
        "email": "forged@acme.example",
        "password": "a forged new password",
        "confirm": "a forged new password",
        "name": "Forged organisation",
        "domains": "forged.example",
        "new_organisation": "Forged organisation two",
        "tier": "key",
        "arr": "123456",
        "industry": "Forgery",
        "region": "Nowhere",
        "weight": "9",
        "scale_max": "7",
        "direction": "cost",
        "is_active": "y",
        "decision_days": "9",
        **{f"s{n}_{kind}": "99" for n in range(1, 5) for kind in ("first", "resolve")},
        "target": "analyze",
        "public_message": "Forged public message",
        "internal_note": "Forged internal note",
        "grade": "A",
        "reason": "Forged reason",
        "idea_id": str(public.idea_id),
        "board_id": "1",
        "organisation_id": str(world.organisation_ids[0]),
        "channel": "support",
        "original_words": "Forged words",
        "factor_id": str(world.factor_id),
        "value": "3",
        "tags": "forged",
        "role": "admin",
        "is_private": "y",
        "signup": "invited",
        "code": "123456",
    }


def test_every_write_refuses_a_missing_or_foreign_csrf_token_and_changes_nothing(app, world, make):
    admin, _own_token, before_sign_in = sign_in_with_token(app, world.people["admin"])
    _other, foreign_token, _ = sign_in_with_token(app, world.people["staff"])
    params = world.params_for(Visibility.public)
    form = would_change_something(world)
    attempts = {
        "no token": ({}, {}),
        "another session's token in the form": ({"csrf_token": foreign_token}, {}),
        "another session's token in the header": ({}, {"X-CSRFToken": foreign_token}),
        # The secret must change at sign-in, or a token planted before it works after (issue 6, 7).
        "the token from before sign-in": ({"csrf_token": before_sign_in}, {}),
    }

    failures = []
    routes = list(state_changing_routes(app))
    assert routes, "the URL map has no state-changing routes: the walk is broken"
    for rule, method in routes:
        url = rule.build(params, append_unknown=False)[1]
        before = database_state(app)
        if rule.endpoint in SIGNED_LINK_ROUTES:
            assert "token" in rule.arguments, f"{rule.endpoint} is exempt but takes no token"
            forged = admin.open(url, method=method, data={"scope": "topic"})
            if forged.status_code != 404 or changed_tables(before, database_state(app)):
                failures.append(f"(admin, {method}, {url}): a forged signed link was obeyed")
            continue
        for attempt, (extra, headers) in attempts.items():
            response = admin.open(url, method=method, data={**form, **extra}, headers=headers)
            if response.status_code != 400 or CSRF_REFUSAL not in response.get_data(as_text=True):
                failures.append(
                    f"(admin, {method}, {url}, {attempt}): answered {response.status_code}, "
                    "not the 400 'form expired' page"
                )
        changed = changed_tables(before, database_state(app))
        if changed:
            failures.append(f"(admin, {method}, {url}): refused requests changed {changed}")
        if not signed_in(admin):
            failures.append(f"(admin, {method}, {url}): a refused request signed the admin out")
            admin, _own_token, before_sign_in = sign_in_with_token(app, world.people["admin"])

    assert not failures, f"{len(failures)} writes not refused:\n" + "\n".join(failures)


def test_a_write_with_its_own_sessions_token_goes_through(app, world, session):
    member, token, _ = sign_in_with_token(app, world.people["member"])
    voted_on = world.things[Visibility.organisations].idea_id
    followed = world.things[Visibility.customers].idea_id
    votes_before = session.scalar(select(Idea.vote_count).where(Idea.id == voted_on))
    session.rollback()

    vote = member.post(f"/ideas/{voted_on}/vote", data={"action": "on", "csrf_token": token})
    follow = member.post(
        f"/ideas/{followed}/follow",
        data={"action": "on"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    assert vote.status_code == 302, "a vote carrying the form's token must be accepted"
    assert follow.status_code == 200, "a follow carrying the htmx header's token must be accepted"
    assert session.scalar(select(Idea.vote_count).where(Idea.id == voted_on)) == votes_before + 1
    follower = session.scalar(
        select(Follower).where(
            Follower.idea_id == followed, Follower.user_id == world.people["member"].id
        )
    )
    assert follower is not None and follower.unfollowed_at is None
