"""Review of the pages kept for signed-in people (portal/web/page_cache.py): what a person sees
must change at once when who they are, what they may see or the page changes, and nobody gets a
page kept for someone else."""

from __future__ import annotations

from sqlalchemy import delete, text

from portal.accounts.models import Membership
from portal.ideas.models import Visibility
from portal.settings.models import Setting
from tests.public.test_page_cache_signed_in import signed_in


def test_without_the_generation_row_a_signed_in_page_is_not_kept(app, make, session):
    """A database made without the page generation's row keeps no visitor's page (there is no
    generation to tell a kept page is still right); nor may it keep a signed-in person's."""
    session.execute(text("DELETE FROM page_generation"))
    session.commit()
    board = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=board)
    casey = signed_in(app, make.user())
    assert "Remove my vote" not in casey.get(f"/boards/{board.slug}").text
    assert "Remove my vote" not in casey.get(f"/boards/{board.slug}").text
    assert casey.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code == 302
    assert "Remove my vote" in casey.get(f"/boards/{board.slug}").text


def test_a_person_taken_out_of_an_organisation_no_longer_sees_its_ideas(app, make, session):
    acme = make.organisation("Acme")
    board = make.board("Web app")
    make.idea("Acme's own plan", board=board, visibility=Visibility.organisations,
              organisations=[acme])  # fmt: skip
    casey = make.user(organisation=acme)
    browser = signed_in(app, casey)
    assert "Acme&#39;s own plan" in browser.get(f"/boards/{board.slug}").text
    assert "Acme&#39;s own plan" in browser.get(f"/boards/{board.slug}").text  # kept
    session.execute(delete(Membership).where(Membership.user_id == casey.id))
    session.commit()
    assert "Acme&#39;s own plan" not in browser.get(f"/boards/{board.slug}").text


def test_a_person_added_to_an_organisation_sees_its_ideas_at_once(app, make, session):
    acme = make.organisation("Acme")
    board = make.board("Web app")
    make.idea("Acme's own plan", board=board, visibility=Visibility.organisations,
              organisations=[acme])  # fmt: skip
    casey = make.user()
    browser = signed_in(app, casey)
    assert "Acme&#39;s own plan" not in browser.get(f"/boards/{board.slug}").text
    assert "Acme&#39;s own plan" not in browser.get(f"/boards/{board.slug}").text  # kept
    session.add(Membership(user_id=casey.id, organisation_id=acme.id))
    session.commit()
    assert "Acme&#39;s own plan" in browser.get(f"/boards/{board.slug}").text


def test_an_address_no_longer_proved_closes_a_private_portal_at_once(app, make, session):
    board = make.board("Web app")
    session.add(Setting(key="access", value={"private": True, "signup": "anyone"}))
    session.commit()
    casey = make.user()
    browser = signed_in(app, casey)
    assert browser.get(f"/boards/{board.slug}").status_code == 200
    assert browser.get(f"/boards/{board.slug}").status_code == 200  # kept
    session.execute(text("UPDATE user_account SET email_verified_at = NULL WHERE id = :id"),
                    {"id": casey.id})  # fmt: skip
    session.commit()
    assert browser.get(f"/boards/{board.slug}").status_code == 403


def test_a_copy_of_the_session_cookie_is_worthless_after_signing_out(app, make):
    board = make.board("Web app")
    browser = signed_in(app, make.user(name="Casey Customer"))
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text  # kept
    copy = browser.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert "Casey Customer" not in thief.get(f"/boards/{board.slug}").text


def test_a_head_request_answers_as_the_page_does(app, make):
    board = make.board("Web app")
    browser = signed_in(app, make.user(name="Casey Customer"))
    page = browser.get(f"/boards/{board.slug}")
    assert browser.get(f"/boards/{board.slug}").status_code == 200  # kept
    head = browser.head(f"/boards/{board.slug}")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == page.headers["Content-Type"]


def test_an_admin_taking_away_the_staff_role_closes_the_kept_lists_at_once(app, make):
    from portal.accounts.models import Role

    make.idea("Export reports to CSV", board=make.board("Web app"))
    sam = make.staff()
    staff = signed_in(app, sam)
    admin = signed_in(app, make.user(role=Role.admin, name="Ada Admin"))
    for path in ("/admin/ideas", "/admin/review"):
        assert staff.get(path).status_code == 200
        assert staff.get(path).status_code == 200  # kept
    assert admin.post(f"/admin/people/{sam.id}/role", data={"role": "customer"}).status_code == 302
    assert staff.get("/admin/ideas").status_code == 404
    assert staff.get("/admin/review").status_code == 404


def test_a_person_blocked_by_an_admin_is_signed_out_of_kept_pages_at_once(app, make):
    from portal.accounts.models import Role

    board = make.board("Web app")
    casey = make.user(name="Casey Customer")
    browser = signed_in(app, casey)
    admin = signed_in(app, make.user(role=Role.admin, name="Ada Admin"))
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text  # kept
    assert admin.post(f"/admin/people/{casey.id}/block", data={}).status_code == 302
    assert "Casey Customer" not in browser.get(f"/boards/{board.slug}").text


def test_the_authors_edit_link_goes_within_the_cache_seconds_of_its_window(app, make):
    """What changes with the clock alone shows within PAGE_CACHE_SECONDS for a signed-in
    person too (the edit is refused after the window in any case)."""
    from datetime import timedelta

    import time_machine

    from portal.db import utcnow

    casey = make.user()
    idea = make.idea("Export reports to CSV", author=casey)
    browser = signed_in(app, casey)
    path = f"/ideas/{idea.id}-{idea.slug}"
    window = app.config["IDEA_EDIT_WINDOW_SECONDS"]
    with time_machine.travel(utcnow() + timedelta(seconds=window - 1), tick=False):
        assert "Edit this idea" in browser.get(path).text
        assert "Edit this idea" in browser.get(path).text  # kept
    later = timedelta(seconds=window + app.config["PAGE_CACHE_SECONDS"] + 1)
    with time_machine.travel(utcnow() + later, tick=False):
        assert "Edit this idea" not in browser.get(path).text


def test_a_block_written_by_hand_ends_the_kept_pages_within_the_cache_seconds(app, make):
    """A write the hook cannot see (psql, a program of its own): the person's kept page may be
    served until it expires, never longer. (Before signed-in pages were kept, such a block took
    effect at the next request.)"""
    from datetime import timedelta

    import time_machine
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from portal.db import utcnow

    board = make.board("Web app")
    casey = make.user(name="Casey Customer")
    browser = signed_in(app, casey)
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text  # kept
    engine = create_engine(app.config["DATABASE_URL"])
    with Session(engine) as by_hand:
        by_hand.execute(text("UPDATE user_account SET blocked_at = :now WHERE id = :id"),
                        {"now": utcnow(), "id": casey.id})  # fmt: skip
        by_hand.commit()
    engine.dispose()
    later = utcnow() + timedelta(seconds=app.config["PAGE_CACHE_SECONDS"] + 1)
    with time_machine.travel(later, tick=False):
        assert "Casey Customer" not in browser.get(f"/boards/{board.slug}").text


def test_a_session_restored_by_the_remember_cookie_gets_its_pages_kept(app, make, client,
                                                                      count_queries):  # fmt: skip
    """The browser was closed and opened again: Flask-Login restored the session from the
    remember-me cookie, not fresh and without the address-and-browser mark of a sign-in; its
    session protection then leaves it as it is, so its pages may be kept like any other's."""
    from tests.conftest import PASSWORD

    board = make.board("Web app")
    casey = make.user(name="Casey Customer")
    assert client.post("/login", data={"email": casey.email, "password": PASSWORD,
                                       "remember": "y"}).status_code == 302  # fmt: skip
    client.delete_cookie("session")
    assert "Casey Customer" in client.get(f"/boards/{board.slug}").text  # restored
    first = client.get(f"/boards/{board.slug}")
    with count_queries() as queries:
        again = client.get(f"/boards/{board.slug}")
    assert "Casey Customer" in again.text and "Set-Cookie" not in again.headers
    assert queries.count == 0, queries.statements
    assert len(again.text) == len(first.text)


def test_strong_session_protection_signs_out_a_session_used_elsewhere(app, make):
    app.config["SESSION_PROTECTION"] = "strong"
    board = make.board("Web app")
    browser = signed_in(app, make.user(name="Casey Customer"), **{"User-Agent": "Firefox"})
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text  # kept
    browser.environ_base["HTTP_USER_AGENT"] = "Someone else's browser"
    assert "Casey Customer" not in browser.get(f"/boards/{board.slug}").text
    browser.environ_base["HTTP_USER_AGENT"] = "Firefox"
    assert "Casey Customer" not in browser.get(f"/boards/{board.slug}").text  # signed out
