"""The audit log at /admin/audit: every action recorded anywhere reads as a sentence in the
reader's language, filtered by person, kind and date, newest first, a page at a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.audit.queries import AUDIT_PAGE
from portal.audit.sentences import GENERIC, KINDS, SENTENCES, describe, placeholders
from portal.audit.service import record
from portal.ideas import moderation, tags
from portal.ideas import service as ideas
from portal.lifecycle.service import move_idea
from portal.lifecycle.stages import PUBLIC_STATUS, Stage
from portal.people import service as people
from portal.settings.service import update_time_zone

PORTAL = Path(__file__).resolve().parents[2] / "portal"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def action_codes_in_source() -> set[str]:
    """Every action code a `record(...)` call in portal/ passes (both sides of an `if`)."""
    codes = set()
    for path in PORTAL.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        calls = re.finditer(r"(?<!def )\brecord\(\s*[\w.]+,(.*?)(?:# fmt: skip|\n\n)", source, re.S)
        for call in calls:
            action = re.search(r"action=(.*?)(?:,\s*target_type=)", call.group(1), re.S)
            assert action, f"{path}: a record() call without action=…, target_type=…"
            codes |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', action.group(1)))
    return codes


def test_the_source_scan_finds_the_codes_we_know_of():
    codes = action_codes_in_source()
    assert {"idea.moved", "person.blocked", "invitation.accepted", "tag.merged"} <= codes
    assert {"comment.hidden", "comment.shown", "idea.deleted", "settings.updated"} <= codes
    assert len(codes) >= 34


def test_every_action_code_recorded_in_portal_has_a_sentence_and_a_kind():
    missing = sorted(code for code in action_codes_in_source() if code not in SENTENCES)
    assert missing == []
    assert sorted({code.partition(".")[0] for code in action_codes_in_source()} - set(KINDS)) == []


@pytest.mark.parametrize("key", sorted(SENTENCES))
def test_every_sentence_reads_in_english_and_in_chinese(app, key):
    action = key.partition(":")[0]
    values = {name: f"<{name}>" for name in placeholders(key)}
    with app.test_request_context(), force_locale("en"):
        english = describe(action, {}, values) if ":" not in key else str(SENTENCES[key])
        assert not _CJK.search(str(english))
    with app.test_request_context(), force_locale("zh"):
        chinese = str(SENTENCES[key]) % {name: "x" for name in placeholders(key)}
        assert _CJK.search(chinese), f"{key} has no Chinese sentence"
    assert placeholders(key) >= {"actor"}


def test_placeholders_are_escaped_unless_they_are_links(app):
    with app.test_request_context(), force_locale("en"):
        sentence = describe(
            "person.blocked",
            {},
            {"actor": "<b>Eve</b>", "person": Markup('<a href="/admin/people/3">Carl</a>')},
        )
    assert sentence == '&lt;b&gt;Eve&lt;/b&gt; blocked <a href="/admin/people/3">Carl</a>'


def test_an_unknown_code_still_reads_as_a_sentence(app):
    with app.test_request_context(), force_locale("en"):
        sentence = describe("widget.polished", {}, {"actor": "Ana", "target": "widget 4"})
    assert str(sentence) == "Ana: widget.polished (widget 4)"
    assert "%(actor)s" in str(GENERIC)


def admin_signed_in(make, sign_in, name="Ana Li"):
    admin = make.user("ana@vendor.example", name=name, role=Role.admin)
    sign_in(admin)
    return admin


def test_the_log_reads_as_sentences_in_english_and_chinese(make, session, client, sign_in):
    ana = admin_signed_in(make, sign_in)
    bo = make.user("bo@vendor.example", name="Bo", role=Role.admin)
    carl = make.user("carl@acme.example", name="Carl")
    idea = make.idea("Export to CSV", stage=Stage.plan)
    move_idea(session, idea=idea, actor=ana, target=Stage.execute)
    comment = ideas.add_comment(session, idea=idea, author=carl, body="Yes please")
    people.block(session, actor=bo, person_id=carl.id, reason="")
    spam = make.idea("Cheap watches")
    moderation.delete_idea(session, idea=spam, staff=ana, reason="spam")
    tag = tags.create_tag(session, actor=ana, name="Billing", colour="grey")
    session.commit()
    tags.update_tag(session, actor=ana, tag=tag, name="Invoices", colour="grey", is_private=False)
    session.commit()
    people.unblock(session, actor=bo, person_id=carl.id)
    moderation.delete_comment(session, comment=comment, person=bo)
    own = ideas.add_comment(session, idea=idea, author=ana, body="Noted")
    moderation.delete_comment(session, comment=own, person=ana)
    update_time_zone(session, actor=ana, time_zone="Asia/Shanghai")
    record(session, actor_id=None, action="widget.polished", target_type="widget", target_id=4)
    session.commit()

    html = client.get("/admin/audit").text
    text = re.sub(r"<[^>]+>", "", html)
    assert "Ana Li moved “Export to CSV” from Planned to In progress" in text
    assert f'<a href="/admin/ideas/{idea.id}">“Export to CSV”</a>' in html
    assert "Bo blocked Carl" in text and "Bo unblocked Carl" in text
    assert "Ana Li deleted the idea “Cheap watches”: spam" in text
    assert f'/admin/ideas/{spam.id}"' not in html  # deleted: named, not linked
    assert "Ana Li created the tag “Invoices”" in text
    assert "Ana Li renamed the tag “Billing” to “Invoices”" in text
    assert "Bo deleted a comment on “Export to CSV”" in text
    assert "Ana Li deleted their own comment on “Export to CSV”" in text
    assert "Ana Li set the time zone to Asia/Shanghai" in text
    assert "Feedloop: widget.polished (widget 4)" in text
    assert "idea.moved" not in text and "person.blocked" not in text

    ana.language = "zh"
    session.commit()
    chinese = re.sub(r"<[^>]+>", "", client.get("/admin/audit").text)
    assert "Ana Li" in chinese and "“Export to CSV”" in chinese
    assert "moved" not in chinese and "blocked" not in chinese and "deleted" not in chinese
    with client.application.test_request_context(), force_locale("zh"):
        planned, in_progress = str(PUBLIC_STATUS[Stage.plan]), str(PUBLIC_STATUS[Stage.execute])
    assert planned in chinese and in_progress in chinese and planned != "Planned"


def _entries(session, count, **kwargs):
    for number in range(count):
        record(session, action=kwargs.get("action", "outbox.retried"), target_type="outbox_message",
               target_id=number + 1, actor_id=kwargs.get("actor_id"))  # fmt: skip
    session.commit()


def test_filters_by_person_kind_and_dates_in_the_workspace_zone(make, session, client, sign_in):
    ana = admin_signed_in(make, sign_in)
    bo = make.user("bo@vendor.example", name="Bo", role=Role.staff)
    _entries(session, 2, actor_id=ana.id, action="subscriber.removed")
    _entries(session, 3, actor_id=bo.id, action="outbox.retried")
    _entries(session, 1, actor_id=None, action="idea.moved")
    early = session.query(AuditEntry).order_by(AuditEntry.id).first()
    early.created_at = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)  # Jan 11 in Shanghai
    session.commit()

    def sentences(query):
        page = client.get(f"/admin/audit?{query}")
        assert page.status_code == 200
        return page.text.count('class="audit-sentence"')

    assert sentences("") == 6
    assert sentences(f"person={bo.id}") == 3
    assert sentences("person=system") == 1
    assert sentences("kind=subscriber") == 2
    assert sentences(f"kind=outbox&person={ana.id}") == 0
    assert sentences("since=2026-01-10&until=2026-01-10") == 1
    update_time_zone(session, actor=ana, time_zone="Asia/Shanghai")
    session.commit()
    assert sentences("since=2026-01-10&until=2026-01-10") == 0
    assert sentences("since=2026-01-11&until=2026-01-11") == 1
    assert sentences("since=2026-01-12") == 6  # five, and the time zone change just now
    page = client.get(f"/admin/audit?person={bo.id}&kind=outbox").text
    assert f'<option value="{bo.id}" selected>Bo</option>' in page
    assert '<option value="outbox" selected>' in page


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday", "until=2026-02-30", "since=9999-12-31&until=9999-12-31",
        "since=0001-01-01", "person=-1", "person=99999999999999999999", "kind=../../etc",
        "before=99999999999999999999", "after=-5", "person=%F0%9F%98%80", "since=%0D%0A",
        "kind=idea%00",
    ],
)  # fmt: skip
def test_no_filter_typed_into_the_url_breaks_the_page(make, client, sign_in, query):
    admin_signed_in(make, sign_in)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code in (200, 400, 422)


def test_pages_walk_older_and_back_newer_with_the_filters_kept(make, session, client, sign_in):
    ana = admin_signed_in(make, sign_in)
    _entries(session, AUDIT_PAGE * 2 + 5, actor_id=ana.id)
    first = client.get(f"/admin/audit?person={ana.id}").text
    assert first.count('class="audit-sentence"') == AUDIT_PAGE
    assert "Newer" not in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert f"person={ana.id}" in older
    second = client.get(older).text
    assert second.count('class="audit-sentence"') == AUDIT_PAGE
    third = client.get(
        re.search(r'href="([^"]+)" rel="next"', second).group(1).replace("&amp;", "&")
    ).text
    assert third.count('class="audit-sentence"') == 5
    assert 'rel="next"' not in third
    back = client.get(
        re.search(r'href="([^"]+)" rel="prev"', third).group(1).replace("&amp;", "&")
    ).text
    assert re.findall(r"<time[^>]*>", back) == re.findall(r"<time[^>]*>", second)


def test_a_page_runs_the_same_queries_however_many_entries(
    make, session, client, sign_in, count_queries
):
    ana = admin_signed_in(make, sign_in)
    idea = make.idea("Export to CSV")
    for _ in range(3):
        record(session, actor_id=ana.id, action="idea.moved", target_type="idea",
               target_id=idea.id, from_stage="collect", to_stage="plan")  # fmt: skip
    session.commit()
    query = "kind=idea&since=2020-01-01&until=2100-01-01"
    client.get(f"/admin/audit?{query}")
    with count_queries() as few:
        client.get(f"/admin/audit?{query}")
    people.block(session, actor=ana, person_id=make.user("x@acme.example").id)
    for number in range(AUDIT_PAGE + 10):
        other = make.idea(f"Idea {number}")
        record(session, actor_id=ana.id, action="idea.moved", target_type="idea",
               target_id=other.id, from_stage="collect", to_stage="plan")  # fmt: skip
    session.commit()
    with count_queries() as many:
        client.get(f"/admin/audit?{query}")
    assert many.count == few.count


def test_the_filtered_page_reads_along_indexes(make, session, client, sign_in):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    from sqlalchemy import event

    ana = admin_signed_in(make, sign_in)
    _entries(session, 5, actor_id=ana.id)
    engine = session.get_bind()
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM audit_entry" in statement and statement.lstrip().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for query in (f"person={ana.id}", "kind=outbox", "since=2020-01-01&until=2100-01-01", ""):
            assert client.get(f"/admin/audit?{query}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    connection = session.connection()
    assert len(captured) >= 6
    for statement, parameters in captured:
        steps = [
            str(row[-1])
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
        walks = [step for step in steps if "audit_entry" in step]
        assert walks and all(
            step.startswith("SEARCH") or step == "SCAN audit_entry"  # the newest, by id
            for step in walks
        ), steps
        assert not any("TEMP B-TREE" in step for step in steps), steps
        if "WHERE" in statement:
            assert all(step.startswith("SEARCH") for step in walks), (statement, steps)


def test_staff_are_refused_and_customers_do_not_know_the_log_exists(make, client, sign_in):
    sign_in(make.staff())
    assert client.get("/admin/audit").status_code == 403
    sign_in(make.user())
    assert client.get("/admin/audit").status_code == 404
