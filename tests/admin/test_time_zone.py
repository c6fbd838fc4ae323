"""Dates and times show in the workspace's time zone (an admin's setting, UTC by default), in one
format per language on public and admin pages alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.accounts.models import Role
from portal.ideas import service as ideas
from portal.ideas.models import Comment
from portal.settings.service import get_time_zone, time_zone_names, valid_time_zone

ENGLISH, CHINESE = {"Accept-Language": "en"}, {"Accept-Language": "zh"}
LATE_EVENING = datetime(2026, 3, 9, 22, 30, tzinfo=UTC)  # already March 10th in Shanghai


def _commented(make, session):
    idea = make.idea("Export to CSV")
    comment = ideas.add_comment(session, idea=idea, author=make.user(), body="Yes please")
    session.commit()
    session.get(Comment, comment.id).created_at = LATE_EVENING
    idea.created_at = LATE_EVENING
    session.commit()
    return idea


def _times(html: str) -> list[str]:
    return [t.replace("\u202f", " ") for t in re.findall(r"<time[^>]*>([^<]+)</time>", html)]


def test_the_admin_sets_the_zone_and_every_page_shows_times_in_it(make, session, client, sign_in):
    idea = _commented(make, session)
    sign_in(make.user(role=Role.admin))
    public = f"/ideas/{idea.id}-{idea.slug}"

    # By default UTC, one format per language.
    assert "Mar 9, 2026, 10:30 PM" in _times(client.get(public, headers=ENGLISH).text)
    assert "2026年3月9日 22:30" in _times(client.get(public, headers=CHINESE).text)
    assert "Mar 9, 2026" in client.get(f"/admin/ideas/{idea.id}", headers=ENGLISH).text

    settings = client.get("/admin/settings", headers=ENGLISH).text
    assert 'name="time_zone"' in settings and 'value="UTC"' in settings
    assert '<option value="Asia/Shanghai">' in settings
    saved = client.post("/admin/settings/time-zone", data={"time_zone": "Asia/Shanghai"})
    assert saved.status_code == 302
    assert get_time_zone(session) == "Asia/Shanghai"

    assert "Mar 10, 2026, 6:30 AM" in _times(client.get(public, headers=ENGLISH).text)
    assert "2026年3月10日 06:30" in _times(client.get(public, headers=CHINESE).text)
    admin_page = client.get(f"/admin/ideas/{idea.id}", headers=ENGLISH).text
    assert "Mar 10, 2026" in admin_page and "Mar 9, 2026" not in admin_page
    audit = client.get("/admin/audit", headers=ENGLISH).text
    assert "set the time zone to Asia/Shanghai" in audit


def test_a_page_reads_the_zone_once_however_many_dates_it_shows(
    make, session, client, sign_in, count_queries
):
    idea = _commented(make, session)
    for number in range(12):
        ideas.add_comment(session, idea=idea, author=make.user(), body=f"Me too {number}")
    session.commit()
    with count_queries() as queries:
        page = client.get(f"/ideas/{idea.id}-{idea.slug}", headers=ENGLISH)
    assert len(_times(page.text)) >= 13
    assert sum("FROM setting" in statement for statement in queries.statements) <= 1


@pytest.mark.parametrize(
    "typed",
    ["Mars/Olympus", "../../etc/passwd", "/etc/localtime", "", "Europe/Paris\r\nX",
     "A" * 300, "😀", "utc+8", "Europe/../UTC"],
)  # fmt: skip
def test_a_zone_that_is_not_an_iana_name_is_refused_with_a_message(
    make, session, client, sign_in, typed
):
    sign_in(make.user(role=Role.admin))
    response = client.post("/admin/settings/time-zone", data={"time_zone": typed})
    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.text or (
        "This field is required." in response.text
    )
    assert 'aria-invalid="true"' in response.text
    assert get_time_zone(session) == "UTC"


def test_staff_see_the_zone_but_only_admins_change_it(make, session, client, sign_in):
    sign_in(make.staff())
    assert 'name="time_zone"' in client.get("/admin/settings").text
    assert (
        client.post("/admin/settings/time-zone", data={"time_zone": "Asia/Tokyo"}).status_code
        == 403
    )
    assert get_time_zone(session) == "UTC"


def test_the_zone_names_offered_are_all_valid():
    names = time_zone_names()
    assert "UTC" in names and "Europe/Paris" in names and len(names) > 300
    assert all(valid_time_zone(name) for name in names[:50])
