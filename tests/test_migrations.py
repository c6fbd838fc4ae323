"""Every schema change is a migration: upgrading from empty must give exactly the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.cli import alembic_config
from portal.db import Base
from portal.ideas.models import is_search_index
from portal.pagecache.generation import STRIPES
from tests.conftest import empty_postgres_database


def upgrade_and_compare(app_config, url):
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": lambda name, type_, parents: (
                    not is_search_index(name, type_, parents)
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
        factors = connection.execute(
            text("SELECT name, weight, scale_max, direction, source, is_urgency "
                 "FROM priority_factor ORDER BY position")
        ).all()  # fmt: skip
        generation = connection.execute(
            text("SELECT id, number FROM page_generation ORDER BY id")
        ).all()
    # The rows the page cache counts writes in (one each at random), all at 0 after upgrading.
    assert [tuple(row) for row in generation] == [(row, 0) for row in range(1, STRIPES + 1)]
    from portal.priority.service import DEFAULT_FACTORS

    assert [tuple(row) for row in factors] == [
        (n, w, m, d.value, s.value, u) for n, w, m, d, s, u in DEFAULT_FACTORS
    ]
    engine.dispose()
    app.extensions["feedloop_db"].engine.dispose()
    return differences, tables


def test_sqlite_upgrade_from_empty_matches_the_models(app_config, tmp_path):
    differences, tables = upgrade_and_compare(app_config, f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert differences == []
    assert {"idea", "vote", "comment", "follower", "outbox_message"} <= tables


@pytest.mark.postgres
def test_postgresql_upgrade_from_empty_matches_the_models(app_config):
    with empty_postgres_database("feedloop_migrate") as url:
        differences, tables = upgrade_and_compare(app_config, url)
    assert differences == []
    assert "idea" in tables
