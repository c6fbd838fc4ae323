"""The page cache at its edges: writes made by hand or by SQL handed to the driver, a person
signed in by the remember-me cookie, and pages that only read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.pagecache.generation import current_generation
from portal.settings.models import Setting


def _hand_session(app) -> Session:
    """A session on an engine of its own, as psql or another program would write: no hook."""
    return Session(create_engine(app.config["DATABASE_URL"]))


def test_a_branding_change_made_by_hand_shows_within_the_cache_seconds(app, make, client):
    """The README promises that changes made by hand (psql, no hook) show within
    PAGE_CACHE_SECONDS: the settings remembered per generation expire as pages do."""
    make.board("Web app")
    assert "Acme Feedback" not in client.get("/").text
    with _hand_session(app) as hand:
        hand.add(Setting(key="branding", value={"name": "Acme Feedback"}))
        hand.commit()
    seconds = app.config["PAGE_CACHE_SECONDS"]
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 60)):
        assert "Acme Feedback" in client.get("/").text


def test_a_portal_made_private_by_hand_stops_showing_pages(app, make, client):
    board = make.board("Web app")
    assert client.get(f"/boards/{board.slug}").status_code == 200
    with _hand_session(app) as hand:
        hand.add(Setting(key="access", value={"private": True, "signup": "anyone"}))
        hand.commit()
    seconds = app.config["PAGE_CACHE_SECONDS"]
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 3600)):
        assert client.get(f"/boards/{board.slug}").status_code == 302


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda c, i: c.exec_driver_sql(
            f"UPDATE idea SET title = 'Export reports to Excel' WHERE id = {i}"),
            id="exec_driver_sql"),
        pytest.param(lambda c, i: c.execute(text(
            "WITH chosen AS (SELECT :id AS id) UPDATE idea SET title = 'Export reports to Excel'"
            " WHERE id = (SELECT id FROM chosen)"), {"id": i}),
            id="text-WITH-UPDATE"),
    ],
)  # fmt: skip
def test_hand_written_sql_through_the_engine_moves_the_generation_on(app, make, client, write):
    web_app = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}"
    assert "Export reports to CSV" in client.get(board).text
    engine = app.extensions["feedloop_db"].engine
    with engine.begin() as connection:
        write(connection, idea.id)
    page = client.get(board).text
    assert "Export reports to Excel" in page, "the kept page was served after a committed write"


def test_a_person_signed_in_by_the_remember_cookie_gets_their_own_page(app, make, client):
    """The browser was closed: the session cookie is gone, the remember-me cookie is not."""
    from portal.accounts.models import Role
    from portal.ideas.models import Visibility
    from tests.conftest import PASSWORD

    board = make.board("Web app")
    make.idea("Public idea", board=board)
    make.idea("Staff-only idea", board=board, visibility=Visibility.internal)
    staff = make.user(role=Role.staff, name="Sam Staff")
    visitor = app.test_client()
    assert "Staff-only idea" not in visitor.get(f"/boards/{board.slug}").text  # kept
    signed_in = client.post("/login", data={"email": staff.email, "password": PASSWORD,
                                           "remember": "y"})  # fmt: skip
    assert signed_in.status_code == 302
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    page = client.get(f"/boards/{board.slug}").text
    assert "Staff-only idea" in page and "Sam Staff" in page


@pytest.mark.parametrize("path", ["/", "board", "idea", "/roadmap", "/changelog",
                                  "/changelog.atom", "/ideas/similar?title=Export"])  # fmt: skip
def test_reading_a_kept_page_writes_nothing(app, make, client, path):
    web_app = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=web_app)
    path = {"board": f"/boards/{web_app.slug}",
            "idea": f"/ideas/{idea.id}-{idea.slug}"}.get(path, path)  # fmt: skip
    engine = app.extensions["feedloop_db"].engine
    before = current_generation(engine)
    for _ in range(3):
        assert client.get(path).status_code == 200
    assert current_generation(engine) == before
