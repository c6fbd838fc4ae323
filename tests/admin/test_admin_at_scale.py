"""The admin ideas list and the review queue cost the same whatever the number of ideas: counting
stops at 1,000, paging stops with it, demand is stored, and each list reads along an index."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from portal.accounts.models import Tier
from portal.accounts.service import join_organisation_by_domain, save_organisation
from portal.ideas import service as ideas
from portal.ideas.models import Idea, Kind, Severity
from portal.ideas.queries import COUNT_CAP


def _many_ideas(session, make, count):
    board, author = make.board(), make.user()
    session.add_all(
        Idea(board_id=board.id, author_id=author.id, title=f"Bulk idea {n}", slug=f"bulk-{n}")
        for n in range(count)
    )
    session.commit()


def test_past_1000_ideas_staff_see_more_than_1000_and_pages_stop_where_counting_stops(
    make, client, sign_in, session
):
    _many_ideas(session, make, COUNT_CAP + 60)
    sign_in(make.staff())
    first = client.get("/admin/ideas").text
    assert "More than 1000 ideas" in first
    assert "Page 1</span>" in first and "Page 1 of" not in first and 'rel="next"' in first
    last = client.get("/admin/ideas?page=21").text
    assert "Page 21</span>" in last and 'rel="prev"' in last and 'rel="next"' not in last
    assert last.count('name="idea_id"') == 50
    beyond = client.get("/admin/ideas?page=9999").text
    assert "Page 21</span>" in beyond


def test_up_to_1000_ideas_staff_see_the_exact_number_and_every_page(make, client, sign_in, session):
    _many_ideas(session, make, 120)
    sign_in(make.staff())
    first = client.get("/admin/ideas").text
    assert "120 ideas" in first and "Page 1 of 3" in first
    last = client.get("/admin/ideas?page=3").text
    assert last.count('name="idea_id"') == 20 and 'rel="next"' not in last


def test_a_filter_matching_few_ideas_lists_them_in_the_chosen_order(make, client, sign_in, session):
    _many_ideas(session, make, 80)
    owner = make.staff()
    mine = [make.idea(f"Owned idea {n}") for n in range(3)]
    session.execute(update(Idea).where(Idea.id.in_([i.id for i in mine])).values(owner_id=owner.id))
    session.commit()
    sign_in(owner)
    page = client.get(f"/admin/ideas?owner={owner.id}&sort=newest").text
    assert "3 ideas" in page
    positions = [page.index(f"Owned idea {n}<") for n in (2, 1, 0)]
    assert positions == sorted(positions)


def test_the_arr_sort_follows_an_organisation_whose_arr_changes(make, client, sign_in, session):
    small = make.organisation("Small Co", arr=10_000)
    large = make.organisation("Large Co", arr=50_000)
    board = make.board()
    first = make.idea("Wanted by Small", board=board)
    second = make.idea("Wanted by Large", board=board)
    ideas.cast_vote(session, idea=first, voter=make.user(organisation=small))
    ideas.cast_vote(session, idea=second, voter=make.user(organisation=large))
    session.commit()
    staff = make.staff()
    sign_in(staff)
    listing = client.get("/admin/ideas?sort=arr").text
    assert listing.index("Wanted by Large") < listing.index("Wanted by Small")
    assert "$50K" in listing  # the ARR column, short, in the workspace currency
    save_organisation(session, actor=staff, organisation=small, name="Small Co", domains=[],
                      tier=Tier.key, arr=900_000, industry="", region="")  # fmt: skip
    session.commit()
    listing = client.get("/admin/ideas?sort=arr").text
    assert listing.index("Wanted by Small") < listing.index("Wanted by Large")
    assert "$900K" in listing and "1 key<" in listing  # under the organisations count


def test_a_voter_joining_an_organisation_brings_its_arr_to_the_ideas_they_voted_for(
    make, client, sign_in, session
):
    voter = make.user("lee@newco.example")
    idea = make.idea("Asked before joining")
    ideas.cast_vote(session, idea=idea, voter=voter)
    session.commit()
    make.organisation("NewCo", domain="newco.example", arr=77_000)
    join_organisation_by_domain(session, voter)
    session.commit()
    make.fresh()
    stored = session.get(Idea, idea.id)
    assert (stored.demand_organisations, stored.demand_arr) == (1, 77_000)


def _plans(session, statements):
    connection = session.connection()
    return [
        (
            statement,
            " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ),
        )  # fmt: skip
        for statement, parameters in statements
    ]


@pytest.fixture
def idea_statements(app):
    """The SELECTs reading rows of `idea` that the block sends, with their parameters."""
    engine = app.extensions["feedloop_db"].engine
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"FROM idea\b", statement) and statement.lstrip().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    yield captured
    event.remove(engine, "before_cursor_execute", capture)


@pytest.mark.parametrize("sort", ["score", "grade", "arr", "votes", "oldest", "newest"])
def test_each_sort_of_the_admin_list_reads_along_an_index(
    make, client, sign_in, session, idea_statements, sort
):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by table size")
    _many_ideas(session, make, COUNT_CAP + 10)
    sign_in(make.staff())
    idea_statements.clear()
    assert client.get(f"/admin/ideas?sort={sort}").status_code == 200
    plans = _plans(session, idea_statements)
    assert plans
    for statement, plan in plans:
        assert not re.search(r"SCAN idea(?! USING)", plan), (statement, plan)
        assert "TEMP B-TREE" not in plan, (statement, plan)


def test_the_review_queue_reads_each_stage_along_an_index(
    make, client, sign_in, session, idea_statements
):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by table size")
    waiting = make.idea("Waiting long")
    bug = make.idea("Old crash", kind=Kind.bug)
    long_ago = datetime.now(UTC) - timedelta(days=90)
    session.execute(update(Idea).where(Idea.id.in_([waiting.id, bug.id]))
                    .values(stage_changed_at=long_ago, created_at=long_ago))  # fmt: skip
    session.execute(update(Idea).where(Idea.id == bug.id).values(severity=Severity.s1))
    session.commit()
    sign_in(make.staff())
    idea_statements.clear()
    page = client.get("/admin/review").text
    assert "Waiting long" in page and "Old crash" in page
    plans = " ".join(plan for _statement, plan in _plans(session, idea_statements))
    assert "ix_idea_stage_changed (stage=? AND stage_changed_at<?)" in plans
    assert "ix_idea_bug_sla (kind=? AND severity=? AND stage=? AND created_at<?)" in plans
    assert not re.search(r"SCAN idea(?! USING)", plans)
