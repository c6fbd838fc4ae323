"""CSRF, rate limits and security headers, with the protections switched on as in production."""

import re

import pytest

from portal.extensions import limiter


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True}


@pytest.fixture
def protected_app(app):
    limiter.reset()
    return app


def test_forms_without_the_csrf_token_are_refused(protected_app, make):
    client = protected_app.test_client()
    user = make.user()
    refused = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert refused.status_code == 400
    assert "Your form expired" in refused.get_data(as_text=True)

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert accepted.status_code == 302


def sign_in_with_token(client, user) -> str:
    """Sign in as a browser would, with the CSRF token of the page; returns the token."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302
    return re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").text).group(1)


def test_htmx_requests_carry_the_csrf_token_in_a_header(protected_app, make):
    client = protected_app.test_client()
    idea = make.idea()
    voter = make.user()
    token = sign_in_with_token(client, voter)
    response = client.post(
        f"/ideas/{idea.id}/vote",
        data={"action": "on"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200 and '<span class="vote-count">2</span>' in response.text


def test_sign_up_is_rate_limited(protected_app):
    client = protected_app.test_client()
    statuses = []
    for n in range(6):
        page = client.get("/signup").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"display_name": "X", "email": f"x{n}@example.com", "password": "long password!"}
        statuses.append(client.post("/signup", data={**data, "csrf_token": token}).status_code)
    assert statuses == [200] * 5 + [429]


def test_voting_is_rate_limited_per_person(protected_app, make):
    client = protected_app.test_client()
    idea = make.idea()
    voter = make.user()
    token = sign_in_with_token(client, voter)
    headers = {"X-CSRFToken": token}
    statuses = [
        client.post(
            f"/ideas/{idea.id}/vote", data={"action": "on" if n % 2 else "off"}, headers=headers
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [302] * 30 and statuses[30] == 429


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script to allow
