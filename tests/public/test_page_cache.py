"""Pages kept for visitors who are not signed in: served again while nothing they show changed,
never to anyone signed in, each visitor with their own CSRF token (portal/web/page_cache.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import text

from portal import create_app
from portal.accounts.models import Role
from portal.changelog.models import Category, ReleaseNote
from portal.db import utcnow
from portal.ideas.models import Visibility
from portal.settings.models import Setting


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens (signed with the second they were made in)."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", page)


def vote_count(page: str, idea_id: int) -> int:
    form = re.search(rf'id="vote-button-{idea_id}".*?class="vote-count">(\d+)<', page, re.S)
    assert form, f"no vote button for idea {idea_id}"
    return int(form.group(1))


def test_a_kept_page_is_served_without_reading_the_data_again(make, client, count_queries):
    web_app = make.board("Web app")
    make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}"
    first = client.get(board)
    with count_queries() as queries:
        again = client.get(board)
    assert again.status_code == 200 and "Export reports to CSV" in again.text
    assert queries.count == 0, queries.statements
    assert without_tokens(again.text) == without_tokens(first.text)


def test_a_visitor_sees_a_vote_cast_after_the_page_was_kept(app, make, client, sign_in):
    web_app = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}"
    visitor = app.test_client()
    assert vote_count(visitor.get(board).text, idea.id) == 1  # the author's own vote
    assert vote_count(visitor.get(board).text, idea.id) == 1
    sign_in(make.user())
    assert client.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code in (200, 302)
    assert vote_count(visitor.get(board).text, idea.id) == 2
    assert vote_count(visitor.get(f"/ideas/{idea.id}-{idea.slug}").text, idea.id) == 2


def test_a_write_by_another_process_shows_at_once(app, app_config, make, client):
    """Another worker (another app on the same database) renames the idea with hand-written SQL:
    the page kept by this one is not served again."""
    web_app = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}"
    assert "Export reports to CSV" in client.get(board).text
    other = create_app(app_config)
    with other.app_context():
        engine = other.extensions["feedloop_db"].engine
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE idea SET title = 'Export reports to Excel' WHERE id = :id"),
                {"id": idea.id},
            )
    page = client.get(board).text
    assert "Export reports to Excel" in page and "Export reports to CSV" not in page
    with other.app_context(), engine.begin() as connection:  # SQL handed to the driver as is
        connection.exec_driver_sql(
            f"UPDATE idea SET title = 'Export reports to Sheets' WHERE id = {idea.id}"
        )
    assert "Export reports to Sheets" in client.get(board).text


def test_signed_in_people_never_get_the_page_kept_for_visitors(make, client, sign_in):
    board = make.board("Web app")
    make.idea("Public idea", board=board)
    make.idea("Staff-only idea", board=board, visibility=Visibility.internal)
    visitor_page = client.get(f"/boards/{board.slug}").text
    assert "Public idea" in visitor_page and "Staff-only idea" not in visitor_page
    sign_in(make.user(role=Role.staff, name="Sam Staff"))
    staff_page = client.get(f"/boards/{board.slug}").text
    assert "Staff-only idea" in staff_page and "Sam Staff" in staff_page
    client.post("/logout")
    assert "Staff-only idea" not in client.get(f"/boards/{board.slug}").text


def test_each_visitor_gets_a_token_of_their_own_that_works(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    tokens = []
    for visitor in (first, second, first):
        page = visitor.get("/").text
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    assert tokens[0] != tokens[1]
    for visitor, token in ((first, tokens[2]), (second, tokens[1])):
        chosen = visitor.post("/language", data={"csrf_token": token, "language": "zh",
                                                 "next": "/"})  # fmt: skip
        assert chosen.status_code == 302, chosen.text
        assert "反馈" in visitor.get("/").text or "看板" in visitor.get("/").text
    refused = app.test_client().post("/language", data={"csrf_token": tokens[0],
                                                        "language": "zh"})  # fmt: skip
    assert refused.status_code == 400  # a kept page's token is its visitor's, not anyone's


def test_the_kept_page_is_in_the_visitors_language(make, client):
    board = make.board("Web app")
    english = client.get(f"/boards/{board.slug}").text
    chinese = client.get(f"/boards/{board.slug}", headers={"Accept-Language": "zh-CN"}).text
    assert 'lang="en"' in english and 'lang="zh-Hans"' in chinese
    assert client.get(f"/boards/{board.slug}").text.count('lang="en"') == 1


def test_htmx_gets_the_list_and_a_browser_the_page_from_the_same_address(make, client):
    web_app = make.board("Web app")
    make.idea("Export reports to CSV", board=web_app)
    board = f"/boards/{web_app.slug}?sort=new"
    whole = client.get(board).text
    fragment = client.get(board, headers={"HX-Request": "true"}).text
    assert "<html" in whole and "<html" not in fragment and "Export reports to CSV" in fragment
    assert "<html" in client.get(board).text


def test_a_scheduled_note_appears_within_the_cache_seconds(app, session, client):
    soon = utcnow() + timedelta(seconds=2)
    session.add(ReleaseNote(title="Dark mode", slug="dark-mode", body="At last.",
                            category=Category.new, visibility=Visibility.public,
                            published_at=soon))  # fmt: skip
    session.commit()
    assert "Dark mode" not in client.get("/changelog").text
    seconds = app.config["PAGE_CACHE_SECONDS"]
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 3)):
        assert "Dark mode" in client.get("/changelog").text


def test_a_message_shown_once_is_shown_and_not_kept(make, client):
    make.board("Web app")
    assert client.get("/").status_code == 200  # the home page is kept
    with client.session_transaction() as browser_session:
        browser_session["_flashes"] = [("success", "Thanks, check your inbox.")]
    assert "Thanks, check your inbox." in client.get("/").text
    assert "Thanks, check your inbox." not in client.get("/").text


def test_a_portal_made_private_stops_showing_its_kept_pages(make, session, client):
    board = make.board("Web app")
    assert "Web app" in client.get("/").text  # kept for visitors
    session.add(Setting(key="access", value={"private": True, "signup": "anyone"}))
    session.commit()
    refused = client.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert client.get(f"/boards/{board.slug}").status_code == 302
