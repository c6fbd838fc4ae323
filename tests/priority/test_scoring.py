"""The score formula and the grade, as pure functions, and as staff use them."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import Membership, Role, Tier
from portal.ideas.models import Grade, Idea, Kind, Severity, Vote
from portal.priority.models import Direction, FactorSource, PriorityFactor
from portal.priority.scoring import (
    Demand,
    FactorInput,
    demand_value,
    freshness_value,
    grade_for,
    persistence_value,
    score_idea,
)
from portal.priority.sla import SlaState, sla_state

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def factor(id_, weight, *, scale=5, rating=None, direction=Direction.benefit,
           source=FactorSource.rating, urgency=False):  # fmt: skip
    return FactorInput(id_, f"F{id_}", weight, scale, direction, source, urgency, rating)


def test_score_is_the_weighted_sum_of_ratings_with_costs_subtracted():
    card = score_idea(
        [factor(1, 3, rating=4), factor(2, 2, rating=5, direction=Direction.cost),
         factor(3, 1)],  # unrated: adds nothing
        Demand(), Kind.feature, None, NOW,
    )  # fmt: skip
    # 3 × 4/5 × 10 = 24 ; − 2 × 5/5 × 10 = −20 ; unrated 0
    assert [c.points for c in card.contributions] == [24.0, -20.0, 0.0]
    assert card.score == 4.0
    assert card.contributions[2].explanation == "not rated"


def test_demand_weighs_organisations_revenue_and_key_accounts_with_caps():
    assert demand_value(Demand()) == 0
    assert demand_value(Demand(organisations=5, arr=2_000_000, key_accounts=2)) == 1.0
    one_big_customer = Demand(organisations=1, arr=10_000_000, key_accounts=1)
    assert demand_value(one_big_customer) == pytest.approx(0.08 + 0.3 + 0.15)


def test_a_feature_asked_again_over_months_rises_but_a_bug_does_not_by_persistence():
    asked_often = Demand(months_asked=6)
    asked_once = Demand(months_asked=1)
    assert persistence_value(asked_often, Kind.feature) == 1.0
    assert persistence_value(asked_once, Kind.feature) == pytest.approx(1 / 6)
    assert persistence_value(asked_often, Kind.bug) == 0.0


def test_among_bugs_a_fresh_report_outranks_a_months_old_one():
    fresh = Demand(newest_request_at=NOW - timedelta(days=2))
    stale = Demand(newest_request_at=NOW - timedelta(days=120))
    factors = [factor(1, 1, scale=1, source=FactorSource.freshness)]
    fresh_score = score_idea(factors, fresh, Kind.bug, None, NOW).score
    stale_score = score_idea(factors, stale, Kind.bug, None, NOW).score
    assert fresh_score > stale_score == 0
    assert freshness_value(fresh, Kind.feature, NOW) == 0


@pytest.mark.parametrize(
    ("urgency", "importance", "grade"),
    [(0.8, 0.8, Grade.A), (0.8, 0.1, Grade.B), (0.2, 0.8, Grade.C), (None, 0.2, Grade.D)],
)
def test_grade_puts_urgent_before_important(urgency, importance, grade):
    assert grade_for(urgency, importance) == grade


def test_bug_severity_stands_in_for_an_unrated_urgency():
    card = score_idea([factor(1, 1, rating=5)], Demand(), Kind.bug, Severity.s1, NOW)
    assert card.urgency == 1.0 and card.grade == Grade.A


def test_sla_clocks():
    created = NOW - timedelta(hours=10)
    hours = (4, 24)
    late = sla_state(created_at=created, first_response_at=None, resolved_at=None,
                     hours=hours, now=NOW)  # fmt: skip
    answered = sla_state(created_at=created, first_response_at=created + timedelta(hours=1),
                         resolved_at=None, hours=hours, now=NOW)  # fmt: skip
    soon = sla_state(created_at=NOW - timedelta(hours=20), first_response_at=NOW,
                     resolved_at=None, hours=hours, now=NOW)  # fmt: skip
    assert (late, answered, soon) == (SlaState.breached, SlaState.ok, SlaState.breached)
    near = sla_state(created_at=NOW - timedelta(hours=19),
                     first_response_at=NOW - timedelta(hours=18),
                     resolved_at=None, hours=hours, now=NOW)  # fmt: skip
    assert near == SlaState.due_soon


def test_staff_rate_an_idea_inline_and_the_stored_score_explains_itself(
    make, client, sign_in, session
):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    value_factor = session.scalar(select(PriorityFactor).filter_by(name="Customer value"))
    response = client.post(
        f"/admin/ideas/{idea.id}/ratings",
        data={"factor_id": value_factor.id, "value": "5"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<section aria-labelledby="score-heading"')
    assert "+30.0" in html  # weight 3 × 5/5 × 10
    make.fresh()
    # 30 from the rating, plus persistence: asked in 1 month of 6 × weight 1.5 × 10 = 2.5
    assert session.get(Idea, idea.id).score == pytest.approx(32.5)
    assert "asked in 1 of the last 12 months" in client.get(f"/admin/ideas/{idea.id}").text

    effort = session.scalar(select(PriorityFactor).filter_by(name="Effort"))
    client.post(f"/admin/ideas/{idea.id}/ratings", data={"factor_id": effort.id, "value": "5"})
    make.fresh()
    assert session.get(Idea, idea.id).score == pytest.approx(12.5)  # effort 5/5: − 2 × 10
    bad = client.post(
        f"/admin/ideas/{idea.id}/ratings", data={"factor_id": effort.id, "value": "9"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert bad.status_code == 422
    make.fresh()
    assert session.get(Idea, idea.id).score == pytest.approx(12.5)


def test_key_accounts_asking_raise_the_score_and_the_list_sorts_by_arr(
    make, client, sign_in, session
):
    board = make.board()
    big = make.organisation("Big", tier=Tier.key, arr=1_500_000)
    quiet = make.idea("Quiet idea", board=board)
    wanted = make.idea("Wanted by a key account", board=board)
    from portal.ideas import service

    service.cast_vote(session, idea=wanted, voter=make.user(organisation=big))
    session.commit()
    sign_in(make.user(role=Role.staff))
    for idea in (quiet, wanted):  # re-score through a harmless staff action
        client.post(f"/admin/ideas/{idea.id}/grade", data={"grade": "", "reason": ""})
    make.fresh()
    assert session.get(Idea, wanted.id).score > session.get(Idea, quiet.id).score
    listing = client.get("/admin/ideas?sort=arr").get_data(as_text=True)
    assert listing.index("Wanted by a key account") < listing.index("Quiet idea")
    assert "$1.5M" in listing  # the ARR column, short, in the workspace currency
    workbench = client.get(f"/admin/ideas/{wanted.id}").get_data(as_text=True)
    assert "Big" not in workbench or "1,500,000" in workbench


def test_grade_override_needs_a_reason_and_sticks(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    refused = client.post(f"/admin/ideas/{idea.id}/grade", data={"grade": "A", "reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    client.post(f"/admin/ideas/{idea.id}/grade", data={"grade": "A", "reason": "CEO promise"})
    make.fresh()
    assert session.get(Idea, idea.id).grade == Grade.A
    client.post(f"/admin/ideas/{idea.id}/grade", data={"grade": "", "reason": ""})
    make.fresh()
    assert session.get(Idea, idea.id).grade == Grade.D


def test_review_queue_shows_what_would_be_forgotten(make, client, sign_in, session):
    board = make.board()
    old = make.idea("Waiting forever", board=board)
    recent = make.idea("Just arrived", board=board)
    bug = make.idea("Crash on export", board=board, kind=Kind.bug)
    shipped = make.idea("Shipped thing", board=board, stage="verify")
    long_ago = datetime.now(UTC) - timedelta(days=40)
    session.execute(
        update(Idea).where(Idea.id.in_([old.id, bug.id]))
        .values(stage_changed_at=long_ago, created_at=long_ago)
    )  # fmt: skip
    session.execute(update(Idea).where(Idea.id == bug.id).values(severity=Severity.s2))
    session.commit()
    sign_in(make.user(role=Role.staff))
    page = client.get("/admin/review").get_data(as_text=True)
    undecided = page[page.index('id="q-undecided"') : page.index('id="q-sla"')]
    breaches = page[page.index('id="q-sla"') : page.index('id="q-verify"')]
    unverified = page[page.index('id="q-verify"') :]
    assert "Waiting forever" in undecided and "Just arrived" not in undecided
    assert "Crash on export" in breaches and "Waiting forever" not in breaches
    assert "Shipped thing" in unverified
    assert recent.title not in breaches and shipped.title not in undecided


def test_bug_page_shows_its_sla_state(make, client, sign_in, session):
    bug = make.idea("Crash", kind=Kind.bug)
    session.execute(
        update(Idea).where(Idea.id == bug.id).values(
            severity=Severity.s1, created_at=datetime.now(UTC) - timedelta(hours=30))
    )  # fmt: skip
    session.commit()
    sign_in(make.user(role=Role.staff))
    assert "SLA: breached" in client.get(f"/admin/ideas/{bug.id}").get_data(as_text=True)


def test_membership_counts_towards_demand(make, session):
    organisation = make.organisation("Acme", tier=Tier.key, arr=900_000)
    voter = make.user(organisation=organisation)
    idea = make.idea(author=voter)
    from portal.priority.service import demand_for

    demand = demand_for(session, idea)
    assert (demand.organisations, demand.arr, demand.key_accounts) == (1, 900_000, 1)
    assert session.scalar(select(Membership.id)) is not None
    assert session.scalar(select(Vote.id)) is not None


def test_a_key_accounts_portal_vote_raises_the_stored_score_at_once(make, client, sign_in, session):
    idea = make.idea()
    before = session.get(Idea, idea.id).score
    sign_in(make.user(organisation=make.organisation("Big", tier=Tier.key, arr=2_000_000)))
    client.post(f"/ideas/{idea.id}/vote", data={"action": "on"})
    make.fresh()
    after = session.get(Idea, idea.id).score
    assert after > before
    client.post(f"/ideas/{idea.id}/vote", data={"action": "off"})
    make.fresh()
    assert session.get(Idea, idea.id).score < after
