"""The roadmap: customers see what is coming, filtered by the one visibility rule; staff plan it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.accounts.models import Role
from portal.db import utcnow
from portal.ideas.models import Idea, Visibility
from portal.lifecycle.stages import Horizon, Stage
from portal.roadmap.queries import COLUMN_LIMIT


def planned(make, session, title, horizon=Horizon.now, stage=Stage.plan, **kwargs):
    idea = make.idea(title, stage=stage, **kwargs)
    session.execute(update(Idea).where(Idea.id == idea.id).values(horizon=horizon))
    session.commit()
    return idea


def column_text(html: str, key: str) -> str:
    section = rf'<section class="roadmap-column" aria-labelledby="column-{key}">(.*?)</section>'
    match = re.search(section, html, re.S)
    assert match, f"no {key} column"
    return match.group(1)


def test_cards_sit_in_their_horizon_and_recent_releases_show(make, session, client):
    planned(make, session, "Now: SSO", Horizon.now)
    planned(make, session, "Next: audit export", Horizon.next)
    planned(make, session, "Later: mobile app", Horizon.later)
    planned(make, session, "Building: dark mode", Horizon.now, stage=Stage.execute)
    shipped = make.idea("Shipped: CSV export", stage=Stage.verify)
    old = make.idea("Shipped long ago", stage=Stage.verify)
    session.execute(
        update(Idea).where(Idea.id == old.id)
        .values(stage_changed_at=utcnow() - timedelta(days=120))
    )  # fmt: skip
    session.commit()
    make.idea("Still collecting")
    html = client.get("/roadmap").text
    assert "Now: SSO" in column_text(html, "now") and "Building: dark mode" in column_text(
        html, "now"
    )
    assert "In progress" in column_text(html, "now")
    assert "Next: audit export" in column_text(html, "next")
    assert "Later: mobile app" in column_text(html, "later")
    assert shipped.title in column_text(html, "released")
    assert "Shipped long ago" not in html and "Still collecting" not in html


VIEWERS = ["anonymous", "customer", "member", "outsider", "staff"]
MAY_SEE = {
    Visibility.public: set(VIEWERS),
    Visibility.customers: {"customer", "member", "outsider", "staff"},
    Visibility.organisations: {"member", "staff"},
    Visibility.internal: {"staff"},
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_person_sees_only_the_cards_meant_for_them(make, session, client, sign_in, viewer):
    acme = make.organisation("Acme", domain="acme.example")
    make.organisation("Globex", domain="globex.example")
    for visibility in Visibility:
        planned(make, session, f"Card for {visibility.value}", visibility=visibility,
                organisations=[acme])  # fmt: skip
    people = {
        "customer": lambda: make.user("c@example.com"),
        "member": lambda: make.user("m@acme.example"),
        "outsider": lambda: make.user("o@globex.example"),
        "staff": lambda: make.user("s@vendor.example", role=Role.staff),
    }
    if viewer != "anonymous":
        sign_in(people[viewer]())
    html = client.get("/roadmap").text
    for visibility in Visibility:
        assert (f"Card for {visibility.value}" in html) is (viewer in MAY_SEE[visibility])


def test_the_roadmap_filters_by_board_and_hides_boards_you_cannot_see(make, session, client):
    mobile = make.board("Mobile")
    billing = make.board("Billing")
    secret = make.board("Secret", visibility=Visibility.internal)
    planned(make, session, "Offline mode", board=mobile)
    planned(make, session, "Invoices in PDF", board=billing)
    html = client.get(f"/roadmap?board={mobile.slug}").text
    assert "Offline mode" in html and "Invoices in PDF" not in html
    assert client.get(f"/roadmap?board={secret.slug}").status_code == 404


def test_staff_move_cards_between_horizons_order_them_and_set_target_dates(
    make, session, client, sign_in
):
    first = planned(make, session, "First card", Horizon.next)
    second = planned(make, session, "Second card", Horizon.next)
    sign_in(make.user(role=Role.staff))
    assert client.get("/admin/roadmap").status_code == 200

    moved = client.post(f"/admin/roadmap/{second.id}/move", data={"direction": "up"})
    assert moved.status_code == 302
    html = client.get("/roadmap").text
    assert html.index("Second card") < html.index("First card")

    target = date.today() + timedelta(days=30)
    placed = client.post(
        f"/admin/roadmap/{first.id}/place",
        data={"horizon": "now", "target_date": target.isoformat()},
        headers={"HX-Request": "true"},
    )
    assert placed.status_code == 200 and 'id="roadmap-board"' in placed.text
    assert "<html" not in placed.text  # only the board, swapped in place
    now_column = column_text(client.get("/roadmap").text, "now")
    assert "First card" in now_column and "Target:" in now_column


def test_an_idea_not_yet_planned_cannot_be_put_on_the_roadmap(make, client, sign_in):
    idea = make.idea("Only collected")
    sign_in(make.user(role=Role.staff))
    refused = client.post(
        f"/admin/roadmap/{idea.id}/place", data={"horizon": "now"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422
    assert "Only collected" not in client.get("/roadmap").text


def test_customers_cannot_plan_the_roadmap(make, client, sign_in):
    idea = planned_idea = make.idea("Planned idea", stage=Stage.plan)
    sign_in(make.user())
    assert client.get("/admin/roadmap").status_code == 404
    assert (
        client.post(f"/admin/roadmap/{idea.id}/move", data={"direction": "up"}).status_code == 404
    )
    assert planned_idea.id == idea.id


def test_the_roadmap_page_costs_the_same_few_queries_for_few_or_many_cards(
    make, session, client, count_queries
):
    planned(make, session, "One card")
    with count_queries() as few:
        client.get("/roadmap")
    for n in range(12):
        planned(make, session, f"Card {n}", [Horizon.now, Horizon.next, Horizon.later][n % 3])
    with count_queries() as many:
        client.get("/roadmap")
    # The workspace settings the page needs (access gate, branding) are one read.
    assert few.count == many.count <= 6


def test_a_long_column_shows_its_first_cards_in_staff_order_and_says_there_are_more(
    make, session, client
):
    for n in range(COLUMN_LIMIT + 3):
        planned(make, session, f"Later card {n:02d}", Horizon.later)
    planned(make, session, "Now card", Horizon.now)
    page = client.get("/roadmap").text
    later = column_text(page, "later")
    assert re.findall(r"Later card (\d\d)", later) == [f"{n:02d}" for n in range(COLUMN_LIMIT)]
    assert f"({COLUMN_LIMIT}+)" in later and "And more: the boards list them all." in later
    now = column_text(page, "now")
    assert "Now card" in now and "(1)" in now and "And more" not in now
