"""Members and roles at /admin/people: the list, role changes, blocking and the audit log."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import Role, User
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.errors import PersonBlocked
from portal.ideas import service as ideas
from portal.ideas.models import Comment, FollowReason
from portal.lifecycle.stages import Stage
from portal.notify.models import OutboxMessage
from portal.people.queries import PAGE_SIZE
from tests.conftest import PASSWORD


def admin_signed_in(make, sign_in, **kwargs):
    admin = make.user("ada@vendor.example", name="Ada Admin", role=Role.admin, **kwargs)
    sign_in(admin)
    return admin


def test_admins_see_everyone_with_role_organisation_last_sign_in_and_activity(
    make, client, sign_in
):
    acme = make.organisation("Acme", domain="acme.example")
    dana = make.user("dana@acme.example", name="Dana Doe")
    idea = make.idea("Export reports to CSV", author=dana)
    other = make.idea("Dark mode")
    ideas.cast_vote(make.session, idea=other, voter=dana)
    ideas.add_comment(make.session, idea=other, author=dana, body="Yes please")
    make.session.commit()
    sign_in(dana)
    admin_signed_in(make, sign_in)

    html = client.get("/admin/people").text
    row = html.split(f'id="person-{dana.id}"')[1].split("</tr>")[0]
    assert "Dana Doe" in row and "dana@acme.example" in row and acme.name in row
    assert '<option value="customer" selected>' in row
    assert "Never" not in row  # Dana signed in once
    cells = [c.split(">")[-1] for c in row.split("</td>")[-4:-1]]
    assert cells == ["1", "2", "1"]  # her idea, her two votes (her own idea's and one), a comment
    assert idea.id


def test_staff_are_refused_the_people_pages_and_customers_do_not_know_they_exist(
    make, client, sign_in
):
    sign_in(make.staff())
    assert client.get("/admin/people").status_code == 403
    sign_in(make.user())
    assert client.get("/admin/people").status_code == 404


def test_search_by_name_or_email_prefix_and_filter_by_role_and_block(make, client, sign_in):
    make.user("zoe@acme.example", name="Zoë Zed")
    make.user("yann@globex.example", name="Yann Young", role=Role.staff)
    admin_signed_in(make, sign_in)
    assert "Zoë Zed" in client.get("/admin/people?q=ZOE@").text
    found = client.get("/admin/people?q=yann y").text
    assert "Yann Young" in found and "Zoë Zed" not in found
    staff = client.get("/admin/people?role=staff").text
    assert "Yann Young" in staff and "Zoë Zed" not in staff
    assert "Nobody matches." in client.get("/admin/people?status=blocked").text
    assert "1 person" in client.get("/admin/people?q=zo").text


def test_the_list_pages_newest_first_in_a_fixed_number_of_statements(
    make, client, sign_in, count_queries
):
    admin_signed_in(make, sign_in)
    make.idea("One idea", author=make.user())

    def statements_for_page() -> int:
        with count_queries() as counter:
            assert client.get("/admin/people").status_code == 200
        return counter.count

    few = statements_for_page()
    for number in range(PAGE_SIZE + 5):
        person = make.user(f"p{number:03}@example.com", name=f"Person {number:03}")
        person.last_signed_in_at = utcnow()  # a date on both pages: the time zone is read once
    make.session.commit()
    many = statements_for_page()
    assert few == many
    first = client.get("/admin/people").text
    assert "Person 054" in first and "Person 004" not in first
    older = first.split('class="pagination"')[1].split('href="')[-1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).text
    assert "Person 004" in second and "Person 054" not in second
    assert person.id


def test_list_statements_read_indexes_not_whole_tables(app, make, session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN")
    from portal.people.queries import PeopleFilters, page_query

    for filters in (PeopleFilters(search="dan"), PeopleFilters(role=Role.staff),
                    PeopleFilters(blocked=True)):  # fmt: skip
        statement = page_query(filters)
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        plan = " | ".join(row[-1] for row in rows)
        whole_table = [step for step in plan.split(" | ") if step == "SCAN user_account"]
        assert not whole_table and "INDEX" in plan, (filters, plan)


def test_an_admin_changes_a_role_and_it_is_in_the_audit_log(make, client, sign_in, session):
    admin = admin_signed_in(make, sign_in)
    dana = make.user("dana@acme.example")
    response = client.post(f"/admin/people/{dana.id}/role", data={"role": "staff"})
    assert response.status_code == 302
    assert "The role is changed." in client.get(response.location).text
    make.fresh()
    assert session.get(User, dana.id).role == Role.staff
    entry = session.scalar(select(AuditEntry).filter_by(action="person.role_changed"))
    assert (entry.actor_id, entry.target_id) == (admin.id, dana.id)
    assert entry.details == {"previous": "customer", "role": "staff"}
    history = client.get(f"/admin/people/{dana.id}").text.split('id="history-heading"')[1]
    assert "Ada Admin changed the role of" in history and "from Customer to Staff" in history


def test_the_last_admin_cannot_demote_or_block_themself(make, client, sign_in, session):
    admin = admin_signed_in(make, sign_in)
    refused = client.post(f"/admin/people/{admin.id}/role", data={"role": "staff"},
                          follow_redirects=True)  # fmt: skip
    assert "There must always be an admin" in refused.text
    blocked = client.post(f"/admin/people/{admin.id}/block", data={}, follow_redirects=True)
    assert "You cannot block yourself." in blocked.text
    make.fresh()
    assert session.get(User, admin.id).role == Role.admin
    assert session.get(User, admin.id).blocked_at is None
    second = make.user("bo@vendor.example", role=Role.admin)
    client.post(f"/admin/people/{admin.id}/role", data={"role": "staff"})
    make.fresh()
    assert session.get(User, admin.id).role == Role.staff  # another admin remains
    assert session.get(User, second.id).role == Role.admin


def test_bad_role_values_and_unknown_people_never_fail(make, client, sign_in):
    admin_signed_in(make, sign_in)
    dana = make.user()
    for value in ("superuser", "", "🚀", "admin\r\nX: y"):
        response = client.post(f"/admin/people/{dana.id}/role", data={"role": value})
        assert response.status_code == 302
    assert client.get("/admin/people/99999999999999999999").status_code == 404
    assert client.get("/admin/people/2000000000").status_code == 404
    assert client.post("/admin/people/2000000000/block", data={}).status_code in (302, 404)
    assert client.get("/admin/people?role=%F0%9F%9A%80&before=-5&status=x").status_code == 200


def test_a_blocked_person_is_signed_out_and_cannot_sign_in(app, make, client, sign_in, session):
    dana = make.user("dana@acme.example")
    dana_browser = app.test_client()
    dana_browser.post("/login", data={"email": dana.email, "password": PASSWORD})
    assert dana_browser.get("/account").status_code == 200
    admin = admin_signed_in(make, sign_in)
    response = client.post(f"/admin/people/{dana.id}/block", data={"reason": "Spam"})
    assert "signed out" in client.get(response.location).text
    assert dana_browser.get("/account").status_code == 302  # sent to sign in

    wrong = dana_browser.post("/login", data={"email": dana.email, "password": "wrong password"})
    assert "do not match an account" in wrong.text and "blocked" not in wrong.text
    right = dana_browser.post("/login", data={"email": dana.email, "password": PASSWORD})
    assert right.status_code == 422 and "This account is blocked" in right.text
    entry = session.scalar(select(AuditEntry).filter_by(action="person.blocked"))
    assert (entry.actor_id, entry.target_id, entry.details) == (admin.id, dana.id,
                                                                {"reason": "Spam"})  # fmt: skip

    unblocked = client.post(f"/admin/people/{dana.id}/unblock", data={"action": "off"},
                            follow_redirects=True)  # fmt: skip
    assert "no longer blocked" in unblocked.text
    assert (
        dana_browser.post("/login", data={"email": dana.email, "password": PASSWORD}).status_code
        == 302
    )
    make.fresh()
    assert session.scalar(select(AuditEntry.id).filter_by(action="person.unblocked"))


def test_a_blocked_person_cannot_post_vote_comment_or_follow_and_keeps_their_past(
    app, make, session
):
    dana = make.user("dana@acme.example")
    idea = make.idea("Export reports to CSV", author=dana)
    board = make.board("Another")
    dana.blocked_at = func.now()
    session.commit()
    session.refresh(dana)
    other = make.idea("Dark mode")
    with app.test_request_context():
        refusals = [
            lambda: ideas.submit_idea(
                session, board=board, author=dana, title="Spam", body="", kind=idea.kind
            ),  # fmt: skip
            lambda: ideas.cast_vote(session, idea=other, voter=dana),
            lambda: ideas.add_comment(session, idea=other, author=dana, body="Spam"),
            lambda: ideas.follow_idea(session, idea=other, person=dana),
        ]
        for attempt in refusals:
            with pytest.raises(PersonBlocked):
                attempt()
            session.rollback()
    assert session.get(type(idea), idea.id).title == "Export reports to CSV"
    assert PersonBlocked.status == 403


def test_a_blocked_follower_gets_no_more_email(app, make, client, sign_in, session):
    dana = make.user("dana@acme.example")
    idea = make.idea("Export reports to CSV")
    ideas.follow_idea(session, idea=idea, person=dana, reason=FollowReason.chose)
    session.commit()
    admin_signed_in(make, sign_in)
    client.post(f"/admin/people/{dana.id}/block", data={})
    from portal.notify.models import Topic
    from portal.notify.recipients import followers_to_notify

    with app.app_context():
        recipients = followers_to_notify(session, idea, Topic.stage_changes, actor_id=None)
    assert dana.id not in {r.user_id for r in recipients}
    client.post("/password/forgot", data={"email": dana.email})
    assert session.scalar(select(OutboxMessage.id).filter_by(to_address=dana.email)) is None
    assert Stage.collect  # the idea still stands, with her follow row kept


def test_staff_may_still_hide_what_a_blocked_person_wrote(make, client, sign_in, session):
    dana = make.user("dana@acme.example")
    idea = make.idea("Export reports to CSV")
    comment = ideas.add_comment(session, idea=idea, author=dana, body="Buy cheap watches")
    session.commit()
    admin_signed_in(make, sign_in)
    client.post(f"/admin/people/{dana.id}/block", data={})
    assert "Buy cheap watches" in client.get(f"/ideas/{idea.id}", follow_redirects=True).text
    staff = make.staff()
    ideas.set_comment_hidden(session, comment=comment, staff=staff, hidden=True)
    make.fresh()
    assert session.get(Comment, comment.id).hidden_at is not None


def test_two_admins_demoting_each_other_at_once_leave_an_admin(app, make, session):
    first = make.user("ada@vendor.example", role=Role.admin)
    second = make.user("bo@vendor.example", role=Role.admin)
    clients = []
    for person in (first, second):
        browser = app.test_client()
        browser.post("/login", data={"email": person.email, "password": PASSWORD})
        clients.append(browser)
    barrier = threading.Barrier(2, timeout=60)
    statuses, errors = [], []

    def demote(browser, other):
        try:
            barrier.wait()
            response = browser.post(f"/admin/people/{other.id}/role", data={"role": "staff"})
            statuses.append(response.status_code)
        except Exception as error:  # recorded: a thread's exception must fail the test
            errors.append(repr(error))

    threads = [
        threading.Thread(target=demote, args=(clients[0], second)),
        threading.Thread(target=demote, args=(clients[1], first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors and all(status < 500 for status in statuses), (errors, statuses)
    make.fresh()
    admins = session.scalar(select(func.count()).where(User.role == Role.admin))
    assert admins == 1
