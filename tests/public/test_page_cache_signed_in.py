"""A signed-in person's pages kept for that person alone (portal/web/page_cache.py): served again
without being rendered while nothing they show has changed, never to anyone else, and never once
who they are or what they may see has changed."""

from __future__ import annotations

import re

from sqlalchemy import text

from portal import create_app
from portal.accounts.models import Role
from portal.db import utcnow
from portal.ideas.models import Visibility
from tests.conftest import PASSWORD


def signed_in(app, user, **headers):
    browser = app.test_client()
    if headers:
        browser.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v
                                     for k, v in headers.items()})  # fmt: skip
    answer = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302, "sign-in failed"
    return browser


def without_tokens(page: str) -> str:
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", page)


def hand_written(app_config, sql: str, **values) -> None:
    """A write by another worker process, in SQL of its own."""
    other = create_app(app_config)
    with other.app_context(), other.extensions["feedloop_db"].engine.begin() as connection:
        connection.execute(text(sql), values)


def test_the_staffs_list_seen_again_is_not_rendered_again(app, make, count_queries):
    make.idea("Export reports to CSV", board=make.board("Web app"))
    staff = signed_in(app, make.staff())
    first = staff.get("/admin/ideas")
    with count_queries() as queries:
        again = staff.get("/admin/ideas")
    assert again.status_code == 200 and "Export reports to CSV" in again.text
    # Nothing through SQLAlchemy: the page generation is read through the driver.
    assert queries.count == 0, queries.statements
    assert without_tokens(again.text) == without_tokens(first.text)
    assert again.headers["Cache-Control"] == "no-store"  # still kept by no browser or proxy
    with count_queries() as queries:
        assert staff.get("/admin/review").status_code == 200
        assert staff.get("/admin/review").status_code == 200
    assert queries.count > 1  # the first is rendered; only the second is kept


def test_one_persons_kept_page_is_never_anothers(app, make):
    board = make.board("Web app")
    make.idea("Staff-only plan", board=board, visibility=Visibility.internal)
    make.idea("Public idea", board=board)
    sam = signed_in(app, make.user(role=Role.staff, name="Sam Staff"))
    casey = signed_in(app, make.user(name="Casey Customer"))
    for _ in range(2):
        staff_page = sam.get(f"/boards/{board.slug}").text
        customer_page = casey.get(f"/boards/{board.slug}").text
        assert "Staff-only plan" in staff_page and "Sam Staff" in staff_page
        assert "Staff-only plan" not in customer_page and "Casey Customer" in customer_page
        assert "Sam Staff" not in customer_page
        assert sam.get("/admin/ideas").status_code == 200
        assert casey.get("/admin/ideas").status_code == 404


def test_a_person_sees_their_own_vote_at_once(app, make):
    board = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=board)
    casey = signed_in(app, make.user())
    before = casey.get(f"/boards/{board.slug}").text
    assert "Remove my vote" not in before
    assert without_tokens(casey.get(f"/boards/{board.slug}").text) == without_tokens(before)
    assert casey.post(f"/ideas/{idea.id}/vote", data={"action": "on"}).status_code == 302
    assert "Remove my vote" in casey.get(f"/boards/{board.slug}").text


def test_staff_who_lose_their_role_lose_the_kept_list(app, app_config, make):
    make.idea("Export reports to CSV", board=make.board("Web app"))
    sam = make.staff()
    browser = signed_in(app, sam)
    assert browser.get("/admin/ideas").status_code == 200
    assert browser.get("/admin/ideas").status_code == 200  # kept
    hand_written(app_config, "UPDATE user_account SET role = 'customer' WHERE id = :id", id=sam.id)
    assert browser.get("/admin/ideas").status_code == 404


def test_a_session_ended_everywhere_gets_no_kept_page(app, app_config, make):
    make.idea("Export reports to CSV", board=make.board("Web app"))
    sam = make.staff()
    browser = signed_in(app, sam)
    assert browser.get("/admin/ideas").status_code == 200
    assert browser.get("/admin/ideas").status_code == 200  # kept
    hand_written(app_config, "UPDATE user_account SET session_token = 'rotated' WHERE id = :id",
                 id=sam.id)  # fmt: skip
    assert browser.get("/admin/ideas").status_code == 404  # signed out: the area is not there


def test_a_blocked_person_gets_no_kept_page(app, make, session):
    board = make.board("Web app")
    casey = make.user(name="Casey Customer")
    browser = signed_in(app, casey)
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text
    assert "Casey Customer" in browser.get(f"/boards/{board.slug}").text  # kept
    casey.blocked_at = utcnow()
    session.commit()
    assert "Casey Customer" not in browser.get(f"/boards/{board.slug}").text


def test_a_session_used_from_another_browser_is_rendered_and_marked(app, make, count_queries):
    """Flask-Login's session protection: a session used by another browser is no longer fresh.
    Its kept page would skip that, so it is rendered."""
    make.idea("Export reports to CSV", board=make.board("Web app"))
    browser = signed_in(app, make.staff(), **{"User-Agent": "Firefox"})
    assert browser.get("/admin/ideas").status_code == 200
    browser.environ_base["HTTP_USER_AGENT"] = "Someone else's browser"
    with count_queries() as queries:
        elsewhere = browser.get("/admin/ideas")
    assert elsewhere.status_code == 200 and "Export reports to CSV" in elsewhere.text
    assert queries.count > 1
    assert "Set-Cookie" in elsewhere.headers  # marked no longer fresh
    with browser.session_transaction() as browser_session:
        assert browser_session["_fresh"] is False


def test_a_message_for_a_signed_in_person_is_shown_once(app, make):
    browser = signed_in(app, make.staff())
    assert browser.get("/admin/ideas").status_code == 200
    with browser.session_transaction() as browser_session:
        browser_session["_flashes"] = [("success", "Moved 3 ideas to Plan.")]
    assert "Moved 3 ideas to Plan." in browser.get("/admin/ideas").text
    assert "Moved 3 ideas to Plan." not in browser.get("/admin/ideas").text


def test_the_language_chosen_is_kept_apart(app, make):
    board = make.board("Web app")
    browser = signed_in(app, make.user())
    assert 'lang="en"' in browser.get(f"/boards/{board.slug}").text
    chinese = browser.get(f"/boards/{board.slug}", headers={"Accept-Language": "zh-CN"}).text
    assert 'lang="zh-Hans"' in chinese
    with browser.session_transaction() as browser_session:
        browser_session["language"] = "zh"
    assert 'lang="zh-Hans"' in browser.get(f"/boards/{board.slug}").text
    with browser.session_transaction() as browser_session:
        browser_session["language"] = "en"
    assert 'lang="en"' in browser.get(f"/boards/{board.slug}").text


def test_each_session_of_a_person_gets_its_own_token(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    board = make.board("Web app")
    idea = make.idea("Export reports to CSV", board=board)
    casey = make.user()
    first, second = app.test_client(), app.test_client()
    tokens = []
    for browser in (first, second):
        form = browser.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        browser.post("/login", data={"email": casey.email, "password": PASSWORD,
                                     "csrf_token": token})  # fmt: skip
    for browser in (first, second, first, second):
        page = browser.get(f"/boards/{board.slug}").text
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    vote = second.post(f"/ideas/{idea.id}/vote", data={"action": "on", "csrf_token": tokens[3]})
    assert vote.status_code == 302
    refused = second.post(f"/ideas/{idea.id}/vote", data={"action": "off",
                                                          "csrf_token": tokens[2]})  # fmt: skip
    assert refused.status_code == 400  # the first session's token is not the second's
