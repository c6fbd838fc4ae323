"""Rate limits (issue 6, defect 6): every write a customer can make, and sign-in counted so that
one flood cannot lock other people out."""

from __future__ import annotations

import pytest

from portal.extensions import limiter
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


@pytest.fixture
def limited_app(app):
    limiter.reset()
    return app


def attempt(app, email, password, address, client=None):
    client = client or app.test_client()
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return response


def test_guesses_at_one_account_from_many_addresses_are_stopped(limited_app, make):
    user = make.user()
    statuses = [
        attempt(limited_app, user.email, "wrong guess", f"10.0.0.{n}").status_code for n in range(7)
    ]
    assert statuses == [422] * 6 + [429]
    refused = attempt(limited_app, user.email, PASSWORD, "10.0.1.1")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.text


def test_guesses_from_one_address_at_many_accounts_are_stopped(limited_app, make):
    statuses = [
        attempt(limited_app, f"nobody{n}@example.com", "wrong", "10.9.8.7").status_code
        for n in range(21)
    ]
    assert statuses == [422] * 20 + [429]
    elsewhere = make.user()
    assert attempt(limited_app, elsewhere.email, PASSWORD, "10.9.8.6").status_code == 302


def test_correct_sign_ins_are_not_counted(limited_app, make):
    user = make.user()
    statuses = {
        attempt(limited_app, user.email, PASSWORD, "10.1.1.1").status_code for _ in range(25)
    }
    assert statuses == {302}


def test_owner_signs_in_on_their_own_device_during_a_flood_against_their_account(limited_app, make):
    owner = make.user()
    own_browser = limited_app.test_client()
    assert attempt(limited_app, owner.email, PASSWORD, "192.0.2.10", own_browser).status_code == 302
    own_browser.post("/logout")
    for n in range(8):  # the attacker, from many addresses, locks the account for strangers
        attempt(limited_app, owner.email, "guess", f"198.51.100.{n}")
    assert attempt(limited_app, owner.email, PASSWORD, "198.51.100.99").status_code == 429
    back_in = attempt(limited_app, owner.email, PASSWORD, "192.0.2.10", own_browser)
    assert back_in.status_code == 302


def test_a_flood_from_a_shared_office_address_spares_a_colleague_on_their_device(limited_app, make):
    colleague = make.user()
    laptop = limited_app.test_client()
    assert attempt(limited_app, colleague.email, PASSWORD, "203.0.113.5", laptop).status_code == 302
    laptop.post("/logout")
    for n in range(25):  # someone at the same office address sprays guesses
        attempt(limited_app, f"target{n}@example.com", "guess", "203.0.113.5")
    assert attempt(limited_app, "new@example.com", "guess", "203.0.113.5").status_code == 429
    assert attempt(limited_app, colleague.email, PASSWORD, "203.0.113.5", laptop).status_code == 302


def test_behind_a_trusted_proxy_the_client_address_comes_from_the_forwarded_header(
    app_config, make
):
    from portal import create_app

    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    limiter.reset()
    for n in range(20):  # one flooding client behind the proxy
        app.test_client().post(
            "/login",
            data={"email": f"x{n}@example.com", "password": "wrong"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
    user = make.user()
    other = app.test_client().post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": "198.51.100.8"},
    )
    assert other.status_code == 302


def test_comments_are_limited_per_account(limited_app, make, sign_in, client):
    idea = make.idea()
    sign_in(make.user())
    statuses = [
        client.post(f"/ideas/{idea.id}/comments", data={"body": f"Comment {n}"}).status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    # A different address does not reset a signed-in person's count.
    elsewhere = client.post(
        f"/ideas/{idea.id}/comments",
        data={"body": "From my phone"},
        environ_base={"REMOTE_ADDR": "10.7.7.7"},
    )
    assert elsewhere.status_code == 429


def test_new_ideas_are_limited_per_account(limited_app, make, sign_in, client):
    board = make.board()
    sign_in(make.user())
    statuses = [
        client.post(
            f"/boards/{board.slug}/ideas/new",
            data={"title": f"Distinct idea number {n}", "kind": "feature"},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_following_is_limited_per_account(limited_app, make, sign_in, client):
    idea = make.idea()
    sign_in(make.user())
    statuses = [
        client.post(
            f"/ideas/{idea.id}/follow", data={"action": "on" if n % 2 else "off"}
        ).status_code
        for n in range(31)
    ]
    assert statuses == [302] * 30 + [429]


def test_profile_language_and_email_choices_are_limited_per_account(
    limited_app, make, sign_in, client
):
    sign_in(make.user())
    writes = [
        ("/account", {"display_name": "Renamed", "language": ""}),
        ("/account/notifications",
         {"stage_changes": "instant", "replies": "instant", "comments": "off"}),
        ("/language", {"language": "en", "next": "/"}),
    ]  # fmt: skip
    for path, data in writes:
        statuses = [client.post(path, data=data).status_code for _ in range(21)]
        assert statuses == [302] * 20 + [429], path


def test_a_password_reset_ends_a_devices_trust(limited_app, make, session):
    from sqlalchemy import update

    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password

    owner = make.user()
    old_laptop = limited_app.test_client()
    assert attempt(limited_app, owner.email, PASSWORD, "192.0.2.20", old_laptop).status_code == 302
    old_laptop.post("/logout")
    session.execute(  # the password is changed (a reset): the old laptop is a stranger now
        update(User).where(User.id == owner.id).values(password_hash=hash_password("new pw 1234"))
    )
    session.commit()
    statuses = [
        attempt(limited_app, owner.email, "guess", "192.0.2.20", old_laptop).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 6
    # Those guesses counted against the account, not against a trusted device of its own.
    assert attempt(limited_app, owner.email, "guess", "198.51.100.1").status_code == 429


def ask_for_sign_in_link(app, email, address):
    return app.test_client().post(
        "/login/link", data={"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def test_sign_in_links_to_one_address_are_limited_whoever_asks(limited_app, make, session):
    from sqlalchemy import func, select

    from portal.notify.models import OutboxMessage

    user = make.user()
    statuses = [
        ask_for_sign_in_link(limited_app, user.email, f"10.3.0.{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert session.scalar(select(func.count(OutboxMessage.id))) == 3
    unknown = [
        ask_for_sign_in_link(limited_app, "nobody@example.com", f"10.4.0.{n}").status_code
        for n in range(4)
    ]
    assert unknown == statuses, "an unknown address is limited exactly alike"


def test_sign_in_links_from_one_client_are_limited(limited_app):
    statuses = [
        ask_for_sign_in_link(limited_app, f"person{n}@example.com", "10.5.5.5").status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_codes_typed_for_sign_in_links_are_limited(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post(
            "/login/link/guessed", data={"code": "123456"}, environ_base={"REMOTE_ADDR": "10.6.6.6"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]
