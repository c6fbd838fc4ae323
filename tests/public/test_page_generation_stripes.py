"""The page generation is the sum of STRIPES rows, each writing transaction adding one to one of
them (portal/pagecache/generation.py): writers do not queue on one row, and the sum still moves
by exactly one per committed writing transaction."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from portal import create_app
from portal.cli import alembic_config
from portal.db import WRITER_OPTION
from portal.ideas.models import Idea
from portal.pagecache.generation import STRIPES, current_generation
from tests.conftest import empty_postgres_database

BEFORE_STRIPES = "2ce0c120b062"  # the revision whose database had the one row


def _rows(engine) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id, number FROM page_generation ORDER BY id"))
        return [tuple(row) for row in found]


@pytest.mark.parametrize("row", [2, STRIPES])
def test_a_write_counted_in_any_row_is_seen_by_a_kept_page(app, make, client, row):
    """A process adds its one to row `row`, not row 1: the page kept before is not served."""
    web_app = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}"
    assert "Export reports to CSV" in client.get(board).text
    engine = app.extensions["feedloop_db"].engine
    before = current_generation(engine)
    # By hand, as another process's hook would: the rename and its one, in one transaction.
    with Session(create_engine(app.config["DATABASE_URL"])) as other, other.begin():
        other.execute(text("UPDATE idea SET title = 'Export reports to Excel' WHERE id = :id"),
                      {"id": idea.id})  # fmt: skip
        other.execute(text("UPDATE page_generation SET number = number + 1 WHERE id = :row"),
                      {"row": row})  # fmt: skip
    assert current_generation(engine) == before + 1
    page = client.get(board).text
    assert "Export reports to Excel" in page and "Export reports to CSV" not in page


def test_a_rolled_back_write_moves_nothing(app, make):
    idea = make.idea("Export reports to CSV")
    engine = app.extensions["feedloop_db"].engine
    before = _rows(engine)
    assert type(current_generation(engine)) is int  # not PostgreSQL's NUMERIC (a Decimal)
    with engine.connect() as connection:
        connection.execute(text("UPDATE idea SET title = 'Gone' WHERE id = :id"), {"id": idea.id})
        connection.rollback()
    assert _rows(engine) == before
    with engine.begin() as connection:
        connection.execute(text("UPDATE idea SET title = 'Kept' WHERE id = :id"), {"id": idea.id})
    after = _rows(engine)
    assert sum(n for _, n in after) == sum(n for _, n in before) + 1
    assert sum(a != b for a, b in zip(after, before, strict=True)) == 1  # one row moved


def test_concurrent_writers_each_move_the_generation_on(app, make):
    """Threads on connections of their own write at once (every third transaction rolled back),
    while a reader reads: each writer sees its commit move the generation on, the reader never
    sees it go back, and at the end it has moved by exactly the number of commits, spread over
    several rows. No writer waits for ever (one lock, taken last: no deadlock)."""
    writers, rounds = 8, 24
    ideas = [make.idea(f"Idea {n}").id for n in range(writers)]
    engine = app.extensions["feedloop_db"].engine.execution_options(**{WRITER_OPTION: True})
    start = current_generation(engine)
    counts_before = _vote_counts(engine, ideas)
    committed = [0] * writers
    not_moved: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()
    barrier = threading.Barrier(writers + 1)

    def write(n: int) -> None:
        try:
            barrier.wait()
            for round_ in range(rounds):
                before = current_generation(engine)
                with engine.connect() as connection:
                    connection.execute(
                        text("UPDATE idea SET vote_count = vote_count + 1 WHERE id = :id"),
                        {"id": ideas[n]},
                    )
                    if round_ % 3 == 2:
                        connection.rollback()
                        continue
                    connection.commit()
                committed[n] += 1
                after = current_generation(engine)
                if after <= before:
                    not_moved.append((n, before, after))
        except BaseException as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)

    def read() -> None:
        barrier.wait()
        while not done.is_set():
            seen.append(current_generation(engine))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    reader = threading.Thread(target=read)
    for thread in (*threads, reader):
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=10)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    assert not not_moved, not_moved
    assert seen == sorted(seen), "a reader saw the generation go back"
    total = sum(committed)
    assert total == writers * (rounds - rounds // 3)
    assert current_generation(engine) == start + total
    rows = _rows(engine)
    assert len(rows) == STRIPES and sum(n for _, n in rows) == start + total
    assert sum(1 for _, n in rows if n) > 1, "every commit went to the same row"
    assert _vote_counts(engine, ideas) == [
        count + done for count, done in zip(counts_before, committed, strict=True)
    ]  # the rolled-back votes are not there


def _vote_counts(engine, ideas: list[int]) -> list[int]:
    with engine.connect() as connection:
        query = select(Idea.id, Idea.vote_count).where(Idea.id.in_(ideas))
        found = {idea: count for idea, count in connection.execute(query)}
    return [found[idea] for idea in ideas]


def _migrate(app_config, url: str) -> None:
    """Upgrade an empty database to before the stripes, give row 1 a number, upgrade to head,
    write, downgrade: the number never goes back and nothing is lost on the way."""
    app = create_app({**app_config, "DATABASE_URL": url})
    engine = create_engine(url)
    try:
        with app.app_context():
            command.upgrade(alembic_config(), BEFORE_STRIPES)
            with engine.begin() as connection:
                connection.execute(text("UPDATE page_generation SET number = 41 WHERE id = 1"))
            command.upgrade(alembic_config(), "head")
            rows = _rows(engine)
            assert rows == [(1, 41)] + [(row, 0) for row in range(2, STRIPES + 1)]
            assert current_generation(engine) == 41  # kept pages stay good across the upgrade
            with engine.begin() as connection:
                connection.execute(text("UPDATE page_generation SET number = 3 WHERE id = 7"))
            command.downgrade(alembic_config(), BEFORE_STRIPES)
            assert _rows(engine) == [(1, 44)]
    finally:
        engine.dispose()
        app.extensions["feedloop_db"].engine.dispose()


def test_the_migration_keeps_the_number_up_and_down_on_sqlite(app_config, tmp_path):
    _migrate(app_config, f"sqlite:///{tmp_path / 'stripes.sqlite3'}")


@pytest.mark.postgres
def test_the_migration_keeps_the_number_up_and_down_on_postgresql(app_config):
    with empty_postgres_database("feedloop_stripes") as url:
        _migrate(app_config, url)
