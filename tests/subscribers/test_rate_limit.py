"""Subscribing sends a stranger an email: a flood from one address is refused, politely."""

from __future__ import annotations

import pytest

from portal.extensions import limiter


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


def test_a_flood_of_sign_ups_from_one_address_is_answered_politely(app, client):
    limiter.reset()
    statuses = [
        client.post(
            "/subscribe",
            data={"email": f"r{n}@example.com", "changelog": "y"},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        ).status_code  # fmt: skip
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    refused = client.post("/subscribe", data={"email": "x@example.com", "changelog": "y"},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})  # fmt: skip
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    elsewhere = client.post("/subscribe", data={"email": "y@example.com", "changelog": "y"},
                            environ_base={"REMOTE_ADDR": "10.0.0.10"})  # fmt: skip
    assert elsewhere.status_code == 200
