"""Invitations to the team: a signed, single-use, expiring link that sets up the account."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit.models import AuditEntry
from portal.db import utcnow
from tests.conftest import PASSWORD


def invite(client, email, role="staff", name="Sam"):
    return client.post("/admin/people/invite", data={"email": email, "display_name": name,
                                                     "role": role})  # fmt: skip


def admin(make, sign_in):
    person = make.user("ada@vendor.example", name="Ada Admin", role=Role.admin)
    sign_in(person)
    return person


def test_an_invitee_follows_the_emailed_link_sets_a_password_and_is_staff(
    app, make, client, sign_in, deliver, smtp_server, session
):
    inviter = admin(make, sign_in)
    assert invite(client, "Sam@Vendor.example").status_code == 302
    assert "sam@vendor.example" in client.get("/admin/people/invite").text  # pending
    assert deliver() == 1
    [message] = smtp_server.to("sam@vendor.example")
    assert message["Subject"] == "Ada Admin invites you to the Feedloop team"
    link = smtp_server.link_in(message, "/invitation/")

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "sam@vendor.example" in page.text
    short = invitee.post(link, data={"display_name": "Sam", "password": "short"})
    assert short.status_code == 422
    accepted = invitee.post(link, data={"display_name": "Sam Staff", "password": "a long password",
                                        "confirm": "a long password"})  # fmt: skip
    assert accepted.status_code == 302
    assert invitee.get("/admin/inbox").status_code == 200  # signed in, as staff
    sam = session.scalar(select(User).filter_by(email="sam@vendor.example"))
    assert (sam.role, sam.display_name, sam.is_verified) == (Role.staff, "Sam Staff", True)
    assert sam.last_signed_in_at is not None
    assert (
        app.test_client()
        .post("/login", data={"email": sam.email, "password": "a long password"})
        .status_code
        == 302
    )
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"invitation.sent", "invitation.accepted"} <= actions
    assert "No pending invitations." in client.get("/admin/people/invite").text

    again = app.test_client().get(link)  # the link works once
    assert again.status_code == 400 and "used already" in again.text
    assert inviter.id


def test_a_forged_replaced_revoked_or_expired_link_does_not_work(
    app, make, client, sign_in, deliver, smtp_server, session
):
    admin(make, sign_in)
    invite(client, "sam@vendor.example")
    deliver()
    first = smtp_server.link_in(smtp_server.to("sam@vendor.example")[0], "/invitation/")
    assert client.get(first[:-3] + "abc").status_code == 400
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        assert app.test_client().get(first).status_code == 400

    from portal.people.models import Invitation

    invitation_id = session.scalar(select(Invitation.id))
    client.post(f"/admin/people/invitations/{invitation_id}/resend", data={"action": "on"})
    deliver()
    second = smtp_server.link_in(smtp_server.to("sam@vendor.example")[1], "/invitation/")
    assert app.test_client().get(first).status_code == 400  # replaced by the resent one
    assert app.test_client().get(second).status_code == 200
    client.post(f"/admin/people/invitations/{invitation_id}/revoke", data={"action": "off"})
    refused = app.test_client().post(second, data={"display_name": "Sam",
                                                   "password": "a long password",
                                                   "confirm": "a long password"})  # fmt: skip
    assert refused.status_code == 400
    assert session.scalar(select(User.id).filter_by(email="sam@vendor.example")) is None
    assert app.test_client().get("/invitation/%00%F0%9F%9A%80").status_code in (400, 404)


def test_inviting_an_existing_customer_upgrades_their_account_when_accepted(
    app, make, client, sign_in, deliver, smtp_server, session
):
    dana = make.user("dana@acme.example", name="Dana")
    admin(make, sign_in)
    invite(client, "dana@acme.example", role="admin")
    deliver()
    link = smtp_server.link_in(smtp_server.to("dana@acme.example")[0], "/invitation/")
    browser = app.test_client()
    assert "keeps its password" in browser.get(link).text
    assert browser.post(link, data={"display_name": "Dana D"}).status_code == 302
    make.fresh()
    upgraded = session.get(User, dana.id)
    assert (upgraded.role, upgraded.display_name) == (Role.admin, "Dana D")
    assert (
        app.test_client()
        .post("/login", data={"email": dana.email, "password": PASSWORD})
        .status_code
        == 302
    )


def test_inviting_someone_already_on_the_team_or_already_invited_is_refused(make, client, sign_in):
    make.staff(email="sam@vendor.example")
    admin(make, sign_in)
    assert "already on the team" in invite(client, "sam@vendor.example").text
    invite(client, "kim@vendor.example")
    assert "invited already" in invite(client, "kim@vendor.example").text
    assert invite(client, "not-an-email").status_code == 422
    assert invite(client, "x@vendor.example", role="owner").status_code == 422
