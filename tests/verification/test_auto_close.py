"""The workspace may close a released idea by itself once enough of those who asked said it
solved their need; staff see the released ideas by how many answered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from portal.ideas import service as ideas
from portal.ideas.models import Idea
from portal.lifecycle import service as lifecycle
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Stage
from portal.verification.service import record_answer

RELEASED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def released_idea(app, make, session, title: str, yes: int, no: int) -> Idea:
    """An idea released at RELEASED_AT, with `yes` and `no` answers from its voters."""
    idea = make.idea(title, stage=Stage.execute)
    people = [make.user(name=f"Voter {n}") for n in range(yes + no)]
    idea = session.get(Idea, idea.id)
    with app.app_context():
        for person in people:
            ideas.cast_vote(session, idea=idea, voter=person)
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.verify)
        for number, person in enumerate(people):
            record_answer(session, idea=idea, person=person, solved=number < yes)
    session.commit()
    return idea


def set_auto_close(client, **values):
    data = {"enabled": "y", "days": "14", "percent": "75", "min_answers": "2", **values}
    return client.post("/admin/settings/auto-close", data=data)


def stage_of(session, idea) -> Stage:
    session.commit()
    session.expire_all()
    return session.get(Idea, idea.id).stage


def test_a_released_idea_most_found_solved_closes_after_the_days_set(
    app, make, session, client, sign_in, deliver, smtp_server
):
    sign_in(make.user("admin@vendor.example", role="admin"))
    assert set_auto_close(client).status_code == 302
    with time_machine.travel(RELEASED_AT, tick=False):
        solved = released_idea(app, make, session, "Dark mode", yes=3, no=1)  # 75 %
        divided = released_idea(app, make, session, "Bulk edit", yes=1, no=1)  # 50 %
        lonely = released_idea(app, make, session, "Offline mode", yes=1, no=0)  # 1 answer

    with time_machine.travel(RELEASED_AT + timedelta(days=13), tick=False):
        deliver()
    assert stage_of(session, solved) == Stage.verify  # not before the 14 days

    with time_machine.travel(RELEASED_AT + timedelta(days=15), tick=False):
        deliver()
    assert stage_of(session, solved) == Stage.closed
    assert stage_of(session, divided) == Stage.verify  # below 75 %
    assert stage_of(session, lonely) == Stage.verify  # fewer answers than the minimum
    change = session.scalars(
        select(StageChange).filter_by(idea_id=solved.id).order_by(StageChange.id.desc())
    ).first()
    assert (change.from_stage, change.to_stage, change.actor_id) == (
        Stage.verify,
        Stage.closed,
        None,
    )
    # The followers hear of it through the normal pipeline, and staff see who moved it.
    closed_mail = [m for m in smtp_server.messages if "Dark mode" in m["Subject"]]
    assert any("is now Completed" in m["Subject"] for m in closed_mail)
    page = client.get(f"/admin/ideas/{solved.id}").text
    assert "by Feedloop, automatically" in page


def test_nothing_closes_while_the_setting_is_off(app, make, session, deliver):
    with time_machine.travel(RELEASED_AT, tick=False):
        idea = released_idea(app, make, session, "Dark mode", yes=5, no=0)
    with time_machine.travel(RELEASED_AT + timedelta(days=400), tick=False):
        deliver()
    assert stage_of(session, idea) == Stage.verify


def test_the_setting_refuses_numbers_out_of_range_with_a_message(make, client, sign_in):
    sign_in(make.user("admin@vendor.example", role="admin"))
    for values in ({"days": "0"}, {"percent": "101"}, {"min_answers": "0"},
                   {"days": "99999999999999999999"}, {"percent": "1e3"}, {"days": ""}):  # fmt: skip
        response = set_auto_close(client, **values)
        assert response.status_code == 422, values
        assert "Use a whole number from" in response.text
    assert set_auto_close(client, days="30", percent="80").status_code == 302
    page = client.get("/admin/settings").text
    assert re.search(r'name="days"[^>]*value="30"', page) or 'value="30"' in page


def test_staff_may_not_change_the_setting(make, client, sign_in):
    sign_in(make.staff())
    assert set_auto_close(client).status_code == 403


def test_the_review_queue_lists_released_ideas_by_how_many_answered(
    app, make, session, client, sign_in, count_queries
):
    quiet = released_idea(app, make, session, "Quiet idea", yes=0, no=0)
    busy = released_idea(app, make, session, "Busy idea", yes=2, no=1)
    some = released_idea(app, make, session, "Some idea", yes=1, no=0)
    sign_in(make.staff())
    with count_queries() as few:
        page = client.get("/admin/review").text
    section = page[page.index("Released — did it solve the need?") :]
    positions = [section.index(f"#{i.id} ") for i in (busy, some, quiet)]
    assert positions == sorted(positions)
    assert "67% yes · 3 answers" in section and "100% yes · 1 answer" in section
    assert "No answers yet" in section
    for n in range(5):
        released_idea(app, make, session, f"More {n}", yes=1, no=1)
    with count_queries() as many:
        assert "More 4" in client.get("/admin/review").text  # rendered again, not the kept page
    assert many.count == few.count


def test_the_queue_and_the_close_are_served_by_indexes(app, session):
    from portal.settings.service import AutoClose
    from portal.verification.queries import released_by_answers

    if session.get_bind().dialect.name != "sqlite":
        return  # EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by table size
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM idea" in statement and "verification_count" in statement:
            statements.append((statement, parameters))

    from sqlalchemy import event

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        released_by_answers(session)
        with app.app_context():
            from portal.settings.models import Setting
            from portal.verification.service import close_verified_ideas

            session.add(Setting(key="auto_close", value=AutoClose(enabled=True).__dict__))
            session.flush()
            close_verified_ideas(session)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) == 2
    for statement, parameters in statements:
        plan = " ".join(
            str(row[-1]) for row in session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        )  # fmt: skip
        assert "USING INDEX ix_idea_stage" in plan or "USING COVERING INDEX ix_idea_stage" in plan
        assert "USE TEMP B-TREE" not in plan, plan
