"""What subscribers receive and how they stop it; the account's own subscriptions; the admin's
list with its export; and the batched enqueue the release-note email uses."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.events.service import EventKind, record_event
from portal.ideas.models import Visibility
from portal.lifecycle.stages import Stage
from portal.notify.models import OutboxMessage
from portal.subscribers.models import Subscriber
from portal.subscribers.service import (
    SubscriberList,
    add_confirmed_subscriber,
    enqueue_for_subscribers,
)


def confirmed(app, session, email, *, changelog=False, roadmap=False, language="en"):
    with app.app_context():
        subscriber = add_confirmed_subscriber(
            session, email=email, changelog=changelog, roadmap=roadmap, language=language
        )
        session.commit()
    return subscriber


def move(client, idea, target, **extra):
    response = client.post(f"/admin/ideas/{idea.id}/stage", data={"target": target, **extra})
    assert response.status_code == 302, response.text
    return response


def one_click_url(message) -> str:
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)


@pytest.fixture
def staff_client(client, make, sign_in):
    sign_in(make.user("pm@vendor.example", role=Role.staff))
    return client


def test_roadmap_subscribers_hear_when_a_public_idea_is_planned_and_when_it_ships(
    app, make, session, staff_client, deliver, smtp_server
):
    confirmed(app, session, "road@example.com", roadmap=True)
    confirmed(app, session, "notes@example.com", changelog=True)
    idea = make.idea("Dark mode", stage=Stage.analyze)
    move(staff_client, idea, "plan", horizon="next", public_message="Coming this spring.")
    move(staff_client, idea, "execute")
    move(staff_client, idea, "verify")
    deliver()
    planned, shipped = smtp_server.to("road@example.com")
    assert planned["Subject"] == "On the roadmap: “Dark mode”"
    assert "Coming this spring." in smtp_server.body(planned)
    assert shipped["Subject"] == "Shipped: “Dark mode”"
    assert smtp_server.to("notes@example.com") == []


def test_roadmap_updates_never_mention_an_idea_an_anonymous_visitor_may_not_see(
    app, make, session, staff_client, deliver, smtp_server
):
    confirmed(app, session, "road@example.com", roadmap=True)
    for visibility in (Visibility.customers, Visibility.organisations, Visibility.internal):
        organisations = [make.organisation()] if visibility == Visibility.organisations else None
        idea = make.idea(f"Secret {visibility.value}", stage=Stage.analyze,
                         visibility=visibility, organisations=organisations)  # fmt: skip
        move(staff_client, idea, "plan", horizon="now")
    deliver()
    assert smtp_server.to("road@example.com") == []


def test_a_move_announced_by_a_release_note_sends_no_roadmap_update(
    app, make, session, deliver, smtp_server
):
    confirmed(app, session, "road@example.com", roadmap=True)
    idea = make.idea("Exports", stage=Stage.execute)
    record_event(session, EventKind.stage_changed, idea_id=idea.id, actor_id=None,
                 from_stage="execute", to_stage="verify", release_note_id=7)  # fmt: skip
    session.commit()
    deliver()
    assert smtp_server.to("road@example.com") == []


def test_a_follower_who_also_subscribed_gets_one_email_per_move(
    app, make, session, staff_client, deliver, smtp_server
):
    author = make.user("asker@example.com")
    confirmed(app, session, author.email, roadmap=True)
    idea = make.idea("Exports", author=author, stage=Stage.analyze)
    move(staff_client, idea, "plan", horizon="next")
    deliver()
    (only,) = smtp_server.to(author.email)
    assert only["Subject"] == "“Exports” is now Planned"


def test_one_click_unsubscribe_from_the_emails_header_stops_that_list(
    app, make, session, staff_client, deliver, smtp_server
):
    confirmed(app, session, "both@example.com", changelog=True, roadmap=True)
    idea = make.idea("Dark mode", stage=Stage.analyze)
    move(staff_client, idea, "plan", horizon="next")
    deliver()
    (mail,) = smtp_server.to("both@example.com")
    url = one_click_url(mail)
    assert url in smtp_server.body(mail)
    path = url.removeprefix("http://portal.test")

    mail_client = app.test_client()  # a mail client: no session, no CSRF token
    looked = mail_client.get(path)
    assert looked.status_code == 200 and "Stop roadmap updates" in looked.text
    session.commit()
    session.expire_all()
    assert session.scalar(select(Subscriber.wants_roadmap)) is True
    done = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails of this list" in done.text
    session.commit()
    session.expire_all()
    row = session.scalar(select(Subscriber))
    assert (row.wants_changelog, row.wants_roadmap) == (True, False)
    assert mail_client.post(path.replace("/stop/", "/stop/x")).status_code == 404


def test_the_last_list_stopped_forgets_the_address(app, session, client):
    subscriber = confirmed(app, session, "gone@example.com", roadmap=True)
    with app.app_context():
        from portal.subscribers.service import stop_url

        path = stop_url(subscriber.id, subscriber.email, None).removeprefix("http://portal.test")
    first = client.post(path)
    assert first.status_code == 200, first.text
    session.commit()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
    again = client.post(path)
    assert again.status_code == 200 and "Nothing to stop" in again.text


def test_a_signed_in_person_subscribes_with_their_account_address_without_confirming(
    make, session, client, sign_in, deliver, smtp_server
):
    person = make.user("member@acme.example")
    sign_in(person)
    changelog = client.get("/changelog").text
    assert 'action="/subscribe"' not in changelog and "/account/notifications" in changelog
    page = client.get("/account/notifications").text
    assert "Roadmap updates" in page and 'action="/account/notifications/lists"' in page
    saved = client.post("/account/notifications/lists", data={"roadmap": "y", "changelog": "y"})
    assert saved.status_code == 302
    row = session.scalar(select(Subscriber))
    assert (row.email, row.user_id, row.wants_roadmap, row.wants_changelog) == (
        person.email, person.id, True, True,
    )  # fmt: skip
    assert row.confirmed_at is not None and deliver() == 0
    assert 'checked id="roadmap"' in client.get("/account/notifications").text
    client.post("/account/notifications/lists", data={"changelog": "y"})
    make.fresh()
    assert session.scalar(select(Subscriber.wants_roadmap)) is False
    client.post("/account/notifications/lists", data={})
    make.fresh()
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_an_unverified_account_cannot_put_its_address_on_a_list(make, session, client, sign_in):
    sign_in(make.user("new@example.com", verified=False))
    refused = client.post("/account/notifications/lists", data={"roadmap": "y"})
    assert refused.status_code == 422 and "verify your email address" in refused.text
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0


@pytest.fixture
def admin_client(client, make, sign_in):
    sign_in(make.user("admin@vendor.example", role=Role.admin))
    return client


def test_the_admin_exports_every_address_as_csv_that_no_spreadsheet_runs(
    app, session, admin_client
):
    confirmed(app, session, "=HYPERLINK(1)@example.com", changelog=True)
    confirmed(app, session, "+sum@example.com", roadmap=True)
    confirmed(app, session, "-x@example.com", roadmap=True)
    confirmed(app, session, "plain@example.com", changelog=True, roadmap=True)
    response = admin_client.get("/admin/subscribers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["email", "changelog", "roadmap", "language", "confirmed_at", "created_at"]
    emails = [line[0] for line in table[1:]]
    assert emails == ["'=hyperlink(1)@example.com", "'+sum@example.com", "'-x@example.com",
                      "plain@example.com"]  # fmt: skip
    assert table[4][1:4] == ["yes", "yes", "en"]


def test_the_export_reads_in_batches(app, session, count_queries):
    from portal.subscribers.queries import export_rows

    for n in range(25):
        confirmed(app, session, f"reader{n}@example.com", changelog=True)
    with count_queries() as counter:
        exported = list(export_rows(session, batch_size=10))
    assert len(exported) == 25 and counter.count == 3


def test_an_export_read_slowly_holds_no_connection_between_batches(app, session):
    """Found by the PostgreSQL run: a crawled export left unread kept its transaction open,
    and the next test's TRUNCATE waited on it for ever."""
    from portal.subscribers.queries import export_rows

    for n in range(5):
        confirmed(app, session, f"reader{n}@example.com", changelog=True)
    engine = app.extensions["feedloop_db"].engine
    rows = export_rows(app.extensions["feedloop_db"].session_factory(), batch_size=2)
    first = next(rows)
    assert engine.pool.checkedout() == 0  # the client reads; the database is not held
    assert len([first, *rows]) == 5


def test_the_admin_removes_an_address_and_it_is_in_the_audit_log(app, session, admin_client):
    subscriber = confirmed(app, session, "remove-me@example.com", changelog=True)
    listed = admin_client.get("/admin/subscribers")
    assert "remove-me@example.com" in listed.text
    removed = admin_client.post(f"/admin/subscribers/{subscriber.id}/remove", data={"action": "on"})
    assert removed.status_code == 302
    assert "remove-me@example.com" not in admin_client.get("/admin/subscribers").text
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "subscriber.removed"))
    assert entry.target_id == subscriber.id
    again = admin_client.post(f"/admin/subscribers/{subscriber.id}/remove", data={"action": "on"})
    assert again.status_code == 404


def test_the_admin_list_pages_and_searches_by_address(app, session, admin_client, count_queries):
    for n in range(60):
        confirmed(app, session, f"reader{n:02d}@example.com", roadmap=True)
    first = admin_client.get("/admin/subscribers").text
    assert "reader59@example.com" in first and "reader09@example.com" not in first
    older = re.search(r'href="(/admin/subscribers\?before=\d+)"', first).group(1)
    second = admin_client.get(older).text
    assert "reader09@example.com" in second and "reader59@example.com" not in second
    found = admin_client.get("/admin/subscribers?q=READER1").text
    assert "reader15@example.com" in found and "reader25@example.com" not in found
    with count_queries() as few:
        admin_client.get("/admin/subscribers")
    for n in range(60, 120):
        confirmed(app, session, f"reader{n}@example.com", roadmap=True)
    with count_queries() as many:
        admin_client.get("/admin/subscribers")
    assert few.count == many.count


def test_the_subscriber_list_is_for_admins_only(app, session, make, client, sign_in):
    confirmed(app, session, "private@example.com", changelog=True)
    assert client.get("/admin/subscribers").status_code == 404
    sign_in(make.user("customer@example.com"))
    assert client.get("/admin/subscribers").status_code == 404
    assert client.get("/admin/subscribers.csv").status_code == 404
    sign_in(make.user("staff@vendor.example", role=Role.staff))
    refused = client.get("/admin/subscribers.csv")
    assert refused.status_code == 403 and "private@example.com" not in refused.text
    assert "/admin/subscribers" not in client.get("/admin/ideas").text  # not in staff's menu


def test_enqueue_for_subscribers_writes_one_message_per_confirmed_subscriber_in_batches(
    app, session, count_queries
):
    from sqlalchemy import insert

    from portal.db import utcnow

    now = utcnow()
    session.execute(insert(Subscriber), [
        {"email": f"s{n}@example.com", "wants_changelog": n % 5 != 0, "wants_roadmap": True,
         "language": "zh" if n % 2 else "en", "confirmed_at": None if n % 7 == 0 else now}
        for n in range(2500)
    ])  # fmt: skip
    event = record_event(session, EventKind.stage_changed, idea_id=None, actor_id=None)
    session.flush()
    told = OutboxMessage(kind="release_note", to_address="s1@example.com", event_id=event.id,
                         message_id="<told@portal.test>", context={})  # fmt: skip
    session.add(told)
    session.commit()
    expected = sum(1 for n in range(2500) if n % 5 != 0 and n % 7 != 0) - 1

    with app.app_context(), count_queries() as counter:
        count = enqueue_for_subscribers(
            session, wants=SubscriberList.changelog, kind="release_note",
            context={"title": "Version 2"}, event_id=event.id, batch_size=100,
        )  # fmt: skip
        session.commit()
    assert count == expected
    batches = -(-expected // 100)
    assert counter.count <= 2 * batches + 2, counter.statements[:5]
    sent = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_id == event.id).order_by(OutboxMessage.id)
    ).all()
    assert len(sent) == expected + 1
    assert len({m.to_address for m in sent}) == len(sent)  # s1 was told once, not twice
    message = next(m for m in sent if m.to_address == "s3@example.com")
    assert message.language == "zh" and message.context["subscriber"] is True
    assert message.context["title"] == "Version 2"
    assert "/subscriptions/stop/" in message.context["unsubscribe_url"]

    with app.app_context():  # a second run of the same event adds nobody
        again = enqueue_for_subscribers(
            session, wants=SubscriberList.changelog, kind="release_note", context={},
            event_id=event.id, batch_size=100,
        )  # fmt: skip
    assert again == 0


def test_the_list_queries_read_through_indexes_not_the_whole_table(app, session, admin_client):
    """SQLite's plan of every statement the admin page and a send run on the table: an index
    each time, no sort (a bare "SCAN subscriber" would read every row)."""
    from sqlalchemy import event

    engine = app.extensions["feedloop_db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    for n in range(30):
        confirmed(app, session, f"reader{n}@example.com", changelog=True, roadmap=n % 2 == 0)
    seen: list[tuple] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "FROM subscriber" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        admin_client.get("/admin/subscribers")
        admin_client.get("/admin/subscribers?q=reader1")
        admin_client.get("/admin/subscribers?before=20")
        with app.app_context():
            enqueue_for_subscribers(session, wants=SubscriberList.roadmap, kind="roadmap_update",
                                    context={}, event_id=None, batch_size=10)  # fmt: skip
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert len(seen) >= 6
    with engine.connect() as connection:
        for statement, parameters in seen:
            plan = " | ".join(
                row[3]
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )  # fmt: skip
            )
            # Walking the primary key in order up to a LIMIT reads only the rows shown.
            walks_the_key = "ORDER BY subscriber.id" in statement and "LIMIT" in statement
            full_scan = re.search(r"SCAN subscriber(?! USING)", plan) and not walks_the_key
            assert not full_scan and "TEMP B-TREE" not in plan, (statement, plan)
