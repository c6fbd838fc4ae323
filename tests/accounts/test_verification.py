"""After verifying, a newcomer lands where they were going; a dead link offers a new one."""

from sqlalchemy import select

from portal.accounts.models import User


def test_verifying_leads_back_to_the_new_idea_form_the_newcomer_started_on(
    make, client, deliver, smtp_server
):
    board = make.board("Mobile app")
    start = client.get(f"/boards/{board.slug}/ideas/new")
    assert start.status_code == 302 and "/login?next=" in start.headers["Location"]
    signin_page = client.get(start.headers["Location"]).text
    assert f"next=/boards/{board.slug}/ideas/new" in signin_page  # the "create an account" link
    client.post(
        f"/signup?next=/boards/{board.slug}/ideas/new",
        data={"display_name": "Nia", "email": "nia@example.com", "password": "long enough pw"},
    )
    deliver()
    link = smtp_server.link_in(smtp_server.to("nia@example.com")[0], "/verify/")
    landed = client.get(link)
    assert landed.headers["Location"] == f"/boards/{board.slug}/ideas/new"
    assert client.get(landed.headers["Location"]).status_code == 200


def test_a_sign_up_cannot_smuggle_an_off_site_destination_into_the_link(
    client, deliver, smtp_server
):
    client.post(
        "/signup?next=//evil.example/",
        data={"display_name": "Eve", "email": "eve@example.com", "password": "long enough pw"},
    )
    deliver()
    link = smtp_server.link_in(smtp_server.to("eve@example.com")[0], "/verify/")
    assert client.get(link).headers["Location"] == "/"


def test_an_expired_link_offers_a_new_one_that_works(app, client, deliver, smtp_server, session):
    client.post(
        "/signup",
        data={"display_name": "Oli", "email": "oli@example.com", "password": "long enough pw"},
    )
    deliver()
    old_link = smtp_server.link_in(smtp_server.to("oli@example.com")[0], "/verify/")
    app.config["VERIFY_LINK_MAX_AGE"] = -1
    expired = client.get(old_link)
    assert expired.status_code == 400 and "Send a new link" in expired.text
    app.config["VERIFY_LINK_MAX_AGE"] = 3600
    again = client.post("/verify/again", data={"email": "oli@example.com"})
    assert again.status_code == 200 and "Check your inbox" in again.text
    deliver()
    new_link = smtp_server.link_in(smtp_server.to("oli@example.com")[-1], "/verify/")
    assert client.get(new_link).status_code == 302
    assert session.scalar(select(User.email_verified_at).filter_by(email="oli@example.com"))


def test_asking_for_a_new_link_reveals_nothing_about_other_addresses(
    make, client, deliver, smtp_server
):
    make.user("known@example.com")  # verified already
    for email in ("known@example.com", "nobody@example.com"):
        answer = client.post("/verify/again", data={"email": email})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert deliver() == 0
