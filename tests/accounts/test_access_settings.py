"""Admins choose, on their own settings page, whether the portal needs sign-in and who may sign
up; a sign-up the rule refuses re-renders the form with the reason and creates nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit.models import AuditEntry
from portal.notify.models import OutboxMessage
from portal.settings.models import Setting


def sign_up(client, email):
    return client.post(
        "/signup",
        data={"display_name": "Dana", "email": email, "password": "a long enough password"},
    )


def set_access(session, *, private=False, signup="anyone"):
    session.add(Setting(key="access", value={"private": private, "signup": signup}))
    session.commit()


def nothing_created(session) -> bool:
    nothing = session.scalar(select(User.id)) is None
    nothing = nothing and session.scalar(select(OutboxMessage.id)) is None
    session.rollback()  # end the read, so later reads see later commits
    return nothing


def test_an_admin_makes_the_portal_private_and_the_change_is_in_the_audit_log(
    make, client, sign_in, session
):
    ada = make.user("ada@vendor.example", role=Role.admin)
    sign_in(ada)
    settings = client.get("/admin/settings")
    assert "/admin/settings/access" in settings.text
    page = client.get("/admin/settings/access")
    assert page.status_code == 200 and "Private portal" in page.text

    saved = client.post("/admin/settings/access", data={"is_private": "y", "signup": "domains"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"])
    assert "Settings saved." in page.text
    assert re.search(
        r'<input[^>]*checked[^>]*name="is_private"|<input[^>]*name="is_private"[^>]*checked',
        page.text,
    )
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "settings.updated"))
    assert entry.actor_id == ada.id
    assert entry.details == {"private": True, "signup": "domains"}

    anonymous = client.application.test_client()
    assert anonymous.get("/").status_code == 302


def test_a_form_without_a_choice_is_re_rendered_with_its_message(make, client, sign_in, session):
    sign_in(make.user("ada@vendor.example", role=Role.admin))
    refused = client.post("/admin/settings/access", data={"is_private": "y", "signup": "nobody"})
    assert refused.status_code == 422 and "Not a valid choice" in refused.text
    assert session.scalar(select(Setting).where(Setting.key == "access")) is None


def test_staff_are_refused_and_customers_do_not_know_the_page_exists(make, client, sign_in):
    sign_in(make.user("sam@vendor.example", role=Role.staff))
    assert client.get("/admin/settings/access").status_code == 403
    assert "/admin/settings/access" not in client.get("/admin/settings").text
    assert client.post("/admin/settings/access", data={"signup": "anyone"}).status_code == 403
    sign_in(make.user("casey@acme.example"))
    assert client.get("/admin/settings/access").status_code == 404


def test_anyone_may_sign_up_by_default(client, session):
    assert "Check your inbox" in sign_up(client, "dana@anywhere.example").text
    assert session.scalar(select(User.email)) == "dana@anywhere.example"


@pytest.mark.parametrize("private", [False, True])
def test_invited_only_refuses_the_sign_up_form_and_creates_nothing(client, session, private):
    set_access(session, private=private, signup="invited")
    refused = sign_up(client, "dana@acme.example")
    assert refused.status_code == 422
    assert "Sign-up is by invitation only" in refused.text
    assert 'value="dana@acme.example"' in refused.text  # the form keeps what was typed
    assert nothing_created(session)


def test_invited_only_still_lets_an_invitation_set_up_the_account(
    app, make, client, sign_in, deliver, smtp_server, session
):
    sign_in(make.user("ada@vendor.example", role=Role.admin))
    set_access(session, private=True, signup="invited")
    invited = client.post(
        "/admin/people/invite",
        data={"email": "sam@vendor.example", "display_name": "Sam", "role": "staff"},
    )
    assert invited.status_code == 302
    deliver()
    link = smtp_server.link_in(smtp_server.to("sam@vendor.example")[0], "/invitation/")
    invitee = app.test_client()
    assert invitee.get(link).status_code == 200
    accepted = invitee.post(
        link,
        data={"display_name": "Sam", "password": "a long password", "confirm": "a long password"},
    )
    assert accepted.status_code == 302
    assert invitee.get("/").status_code == 200


def test_known_domains_only_admits_an_organisations_address(make, client, session):
    make.organisation("Acme", domain="acme.example")
    set_access(session, signup="domains")

    refused = sign_up(client, "dana@elsewhere.example")
    assert refused.status_code == 422
    assert "only to email addresses of the organisations" in refused.text
    assert nothing_created(session)

    admitted = sign_up(client, "Dana@ACME.example")
    assert admitted.status_code == 200 and "Check your inbox" in admitted.text
    assert session.scalar(select(User.email)) == "dana@acme.example"


def test_a_refused_sign_up_says_the_same_whether_or_not_the_address_has_an_account(
    make, client, session
):
    make.user("owner@elsewhere.example")
    set_access(session, signup="domains")
    known = sign_up(client, "owner@elsewhere.example")
    unknown = sign_up(client, "stranger@elsewhere.example")
    assert known.status_code == unknown.status_code == 422
    assert known.text.replace("owner", "X") == unknown.text.replace("stranger", "X")
    assert session.scalar(select(OutboxMessage.id)) is None
