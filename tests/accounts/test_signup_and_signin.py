import pytest
from sqlalchemy import select

from portal.accounts.models import Membership, User
from portal.notify.models import OutboxMessage


def sign_up(client, email="dana@acme.example", password="a long enough password"):
    return client.post(
        "/signup", data={"display_name": "Dana", "email": email, "password": password}
    )


def test_customer_signs_up_verifies_by_email_and_joins_their_organisation(
    make, client, deliver, smtp_server, session
):
    acme = make.organisation("Acme", domain="acme.example")
    response = sign_up(client, email="Dana@Acme.example")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)

    assert deliver() == 1
    [message] = smtp_server.to("dana@acme.example")
    assert message["Subject"] == "Confirm your email address for Feedloop"
    link = smtp_server.link_in(message, "/verify/")

    verified = client.get(link, follow_redirects=True)
    assert "Your email address is verified" in verified.get_data(as_text=True)
    user = session.scalar(select(User).filter_by(email="dana@acme.example"))
    assert user.email_verified_at is not None
    assert session.scalar(select(Membership.organisation_id).filter_by(user_id=user.id)) == acme.id


def test_signing_up_with_a_registered_email_reveals_nothing_and_warns_the_owner(
    make, client, deliver, smtp_server, session
):
    owner = make.user("owner@example.com")
    response = sign_up(client, email="owner@example.com")
    assert "Check your inbox" in response.get_data(as_text=True)
    deliver()
    [message] = smtp_server.to("owner@example.com")
    assert "already has an account" in smtp_server.body(message)
    assert session.scalar(select(User.id).filter_by(email="owner@example.com")) == owner.id


def test_sign_up_form_errors_are_shown_and_nothing_is_saved(client, session):
    response = sign_up(client, email="not-an-email", password="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid email address." in html and "Use at least 10 characters." in html
    assert session.scalar(select(User.id)) is None
    assert session.scalar(select(OutboxMessage.id)) is None


def test_tampered_or_expired_verification_link_is_refused(make, client, app, deliver, smtp_server):
    sign_up(client)
    deliver()
    link = smtp_server.link_in(smtp_server.to("dana@acme.example")[0], "/verify/")
    assert client.get(link[:-3] + "abc").status_code == 400
    app.config["VERIFY_LINK_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "invalid or has expired" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message(make, client):
    user = make.user()
    wrong = client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    unknown = client.post("/login", data={"email": "who@example.com", "password": "nope"})
    message = "That email and password do not match an account."
    assert wrong.status_code == unknown.status_code == 422
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_and_remember_me_sets_a_cookie(make, client):
    user = make.user()
    response = client.post(
        "/login?next=/boards/x",
        data={"email": user.email, "password": "correct horse battery", "remember": "y"},
    )
    assert response.headers["Location"] == "/boards/x"
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None


def test_sign_in_refuses_to_redirect_off_site(make, client):
    user = make.user()
    response = client.post(
        "/login?next=//evil.example",
        data={"email": user.email, "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/"


def test_password_reset_by_email_works_once_and_signs_out_other_sessions(
    make, app, client, deliver, smtp_server
):
    user = make.user("reset@example.com")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert "reset@example.com" not in client.get("/account").get_data(as_text=True)

    response = client.post("/password/forgot", data={"email": "reset@example.com"})
    assert "If reset@example.com has an account" in response.get_data(as_text=True)
    client.post("/password/forgot", data={"email": "nobody@example.com"})
    deliver()
    assert smtp_server.to("nobody@example.com") == []
    link = smtp_server.link_in(smtp_server.to("reset@example.com")[0], "/password/reset/")

    mismatch = client.post(link, data={"password": "brand new password", "confirm": "other"})
    assert mismatch.status_code == 422
    done = client.post(
        link, data={"password": "brand new password", "confirm": "brand new password"}
    )
    assert done.status_code == 302
    assert client.get(link).status_code == 400  # used once
    assert other_device.get("/account").status_code == 302  # signed out elsewhere
    client.post("/logout")
    ok = client.post("/login", data={"email": user.email, "password": "brand new password"})
    assert ok.status_code == 302


def test_profile_changes_name_and_language(make, client, sign_in, session):
    user = make.user()
    sign_in(user)
    response = client.post("/account", data={"display_name": "New Name", "language": "zh"})
    assert response.status_code == 302
    make.fresh()
    changed = session.get(User, user.id)
    assert changed.display_name == "New Name" and changed.language == "zh"
    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account"])
def test_private_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_unverified_user_can_ask_for_the_link_again(make, client, sign_in, deliver, smtp_server):
    user = make.user("late@example.com", verified=False)
    sign_in(user)
    assert "Please confirm your email address" in client.get("/").get_data(as_text=True)
    client.post("/verify/resend")
    deliver()
    link = smtp_server.link_in(smtp_server.to("late@example.com")[0], "/verify/")
    client.get(link)
    assert "Please confirm your email address" not in client.get("/").get_data(as_text=True)
