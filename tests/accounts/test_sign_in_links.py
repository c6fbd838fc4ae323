"""Signing in with a one-time link sent by email: works once, for 15 minutes, in the asking
browser at once or elsewhere with the emailed code; the form never tells who has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.accounts.models import Membership, SignInLink, User
from portal.db import utcnow
from portal.notify.models import OutboxMessage


def ask_for_link(client, email, **extra):
    return client.post("/login/link", data={"email": email, **extra})


def emailed_link_and_code(smtp_server, email):
    [message] = smtp_server.to(email)
    body = smtp_server.body(message)
    code = re.search(r"type this code: (\d{6})", body).group(1)
    return smtp_server.link_in(message, "/login/link/"), code, message


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_customer_signs_in_from_the_link_in_the_browser_that_asked_and_only_once(
    make, client, deliver, smtp_server
):
    dana = make.user("dana@acme.example", name="Dana")
    page = client.get("/login")
    assert "Email me a sign-in link" in page.text

    asked = ask_for_link(client, "Dana@Acme.example", next="/roadmap")
    assert asked.status_code == 200 and "Check your inbox" in asked.text
    assert deliver() == 1
    link, _code, message = emailed_link_and_code(smtp_server, dana.email)
    assert message["Subject"] == "Your Feedloop sign-in link"
    assert "15 minutes" in smtp_server.body(message)

    opened = client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/roadmap"
    assert is_signed_in(client)

    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 400 and "invalid, used or expired" in again.text
    assert not is_signed_in(client)


def test_another_browser_must_type_the_code_and_a_wrong_code_is_refused(
    app, make, client, deliver, smtp_server, session
):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, code, _ = emailed_link_and_code(smtp_server, "dana@acme.example")

    phone = app.test_client()
    asked = phone.get(link)
    assert asked.status_code == 200 and "Type the code from the email" in asked.text
    assert not is_signed_in(phone)
    assert session.scalar(select(SignInLink.used_at)) is None, "opening it elsewhere uses nothing"

    wrong = phone.post(link, data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and "not the code in the email" in wrong.text
    assert not is_signed_in(phone)

    right = phone.post(link, data={"code": f" {code} "})
    assert right.status_code == 302 and is_signed_in(phone)
    assert phone.post(link, data={"code": code}).status_code == 400  # used


def test_too_many_wrong_codes_kill_the_link(app, make, client, deliver, smtp_server):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, code, _ = emailed_link_and_code(smtp_server, "dana@acme.example")
    wrong = "000000" if code != "000000" else "111111"
    stranger = app.test_client()
    for _ in range(5):
        assert stranger.post(link, data={"code": wrong}).status_code == 422
    refused = stranger.post(link, data={"code": code})
    assert refused.status_code == 400 and not is_signed_in(stranger)
    assert client.get(link).status_code == 400, "not even the asking browser may use it now"


def test_an_expired_link_is_refused(make, client, deliver, smtp_server):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, _code, _ = emailed_link_and_code(smtp_server, "dana@acme.example")
    with time_machine.travel(utcnow() + timedelta(minutes=15, seconds=5)):
        expired = client.get(link)
    assert expired.status_code == 400 and "invalid, used or expired" in expired.text
    assert not is_signed_in(client)


def test_a_link_still_works_just_before_it_expires(make, client, deliver, smtp_server):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, _code, _ = emailed_link_and_code(smtp_server, "dana@acme.example")
    with time_machine.travel(utcnow() + timedelta(minutes=14)):
        assert client.get(link).status_code == 302


def test_an_unknown_address_gets_the_same_page_and_no_email(make, client, session):
    make.user("dana@acme.example")
    known = ask_for_link(client, "dana@acme.example")
    unknown = ask_for_link(client, "nobody@acme.example")
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace("nobody@acme.example", "X") == known.text.replace(
        "dana@acme.example", "X"
    )
    assert session.scalars(select(OutboxMessage.to_address)).all() == ["dana@acme.example"]


def test_a_blocked_person_gets_no_link_and_cannot_use_one_sent_before(
    make, client, deliver, smtp_server, session
):
    dana = make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, _code, _ = emailed_link_and_code(smtp_server, dana.email)
    dana = session.get(User, dana.id)
    dana.blocked_at = utcnow()
    session.commit()

    refused = client.get(link)
    assert refused.status_code == 403 and "This account is blocked" in refused.text
    assert not is_signed_in(client)
    asked = ask_for_link(client, "dana@acme.example")
    assert "Check your inbox" in asked.text
    assert deliver() == 0


def test_following_the_link_proves_the_address_and_joins_the_organisation(
    make, client, deliver, smtp_server, session
):
    acme = make.organisation("Acme", domain="acme.example")
    dana = make.user("dana@acme.example", verified=False)
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, _code, _ = emailed_link_and_code(smtp_server, dana.email)
    assert client.get(link).status_code == 302
    session.expire_all()
    assert session.get(User, dana.id).is_verified
    assert session.scalar(select(Membership.organisation_id).filter_by(user_id=dana.id)) == acme.id


def test_only_hashes_of_the_token_and_code_are_stored(make, client, deliver, smtp_server, session):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    deliver()
    link, code, _ = emailed_link_and_code(smtp_server, "dana@acme.example")
    token = link.rsplit("/", 1)[1]
    stored = session.scalar(select(SignInLink))
    columns = (stored.token_hash, stored.code_hash, stored.browser_hash)
    assert all(token not in value and code not in value for value in columns)


def test_the_request_form_re_renders_with_its_message(client):
    response = ask_for_link(client, "not an address")
    assert response.status_code == 422 and "Enter a valid email address." in response.text


def test_a_forged_token_is_refused_and_its_code_form_too(client):
    assert client.get("/login/link/forged").status_code == 400
    assert client.post("/login/link/forged", data={"code": "123456"}).status_code == 400
    assert client.post("/login/link/forged", data={}).status_code == 400


def test_someone_already_signed_in_is_not_asked_again(make, client, sign_in):
    sign_in(make.user("dana@acme.example"))
    assert client.get("/login/link?next=/roadmap").headers["Location"] == "/roadmap"


def test_asking_again_clears_the_persons_expired_links(make, client, session):
    make.user("dana@acme.example")
    ask_for_link(client, "dana@acme.example")
    with time_machine.travel(utcnow() + timedelta(minutes=20)):
        ask_for_link(client, "dana@acme.example")
    assert len(session.scalars(select(SignInLink.id)).all()) == 1
