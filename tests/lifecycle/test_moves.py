import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.events.models import DomainEvent
from portal.ideas.models import Idea
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import MoveRefused, Stage


def move(client, idea, **data):
    return client.post(f"/admin/ideas/{idea.id}/stage", data=data)


def test_staff_take_an_idea_from_collect_to_plan_and_customers_see_the_timeline(
    make, client, sign_in, session
):
    idea = make.idea("Dark mode")
    sign_in(make.user(role=Role.staff))
    assert move(client, idea, target="analyze", public_message="Looking into it",
                internal_note="Ask Acme about volume").status_code == 302  # fmt: skip
    refused = move(client, idea, target="plan")
    assert refused.status_code == 422
    assert "Choose a horizon" in refused.get_data(as_text=True)
    assert move(client, idea, target="plan", horizon="next", target_date="2027-03-01",
                public_message="Planned for spring").status_code == 302  # fmt: skip

    make.fresh()
    planned = session.get(Idea, idea.id)
    assert planned.stage == Stage.plan and planned.horizon == "next"
    assert str(planned.target_date) == "2027-03-01"
    changes = session.scalars(select(StageChange).filter_by(idea_id=idea.id)).all()
    assert [c.to_stage for c in changes] == [Stage.collect, Stage.analyze, Stage.plan]
    assert changes[1].internal_note == "Ask Acme about volume" and changes[1].actor_id
    events = session.scalars(select(DomainEvent.kind).filter_by(idea_id=idea.id)).all()
    assert events.count("idea.stage_changed") == 2 and "idea.created" in events

    sign_in(make.user())
    public = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Planned for spring" in public and "Looking into it" in public
    assert "Ask Acme" not in public


def test_refused_moves_explain_why_and_change_nothing(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    skip = move(client, idea, target="execute")
    assert skip.status_code == 422
    assert "cannot go from" in skip.get_data(as_text=True)
    decline = move(client, idea, target="declined")
    assert "Give a public reason" in decline.get_data(as_text=True)
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.collect
    assert session.scalar(select(func.count(StageChange.id))) == 1


def test_declined_idea_shows_its_public_reason_and_can_be_reopened(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    move(client, idea, target="declined", public_message="Not for now")
    public = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Not planned" in public and "Not for now" in public
    assert move(client, idea, target="collect").status_code == 302
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.collect
    assert session.get(Idea, idea.id).vote_count == 1  # votes kept through the decline


def test_bulk_move_moves_what_it_may_and_explains_the_rest(make, client, sign_in, session):
    board = make.board()
    fresh = [make.idea(f"Fresh idea {n}", board=board) for n in range(3)]
    planned = make.idea("Planned already", board=board, stage=Stage.plan)
    sign_in(make.user(role=Role.staff))
    response = client.post(
        "/admin/ideas/bulk",
        data={"idea_id": [i.id for i in [*fresh, planned]], "target": "analyze"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Moved 3 ideas." in page
    assert f"#{planned.id} not moved" in page and "Give a public reason" in page
    make.fresh()
    stages = [session.get(Idea, i.id).stage for i in fresh]
    assert stages == [Stage.analyze] * 3
    assert session.get(Idea, planned.id).stage == Stage.plan


def test_reopening_a_completed_idea_is_for_admins(make, client, sign_in, session):
    idea = make.idea(stage=Stage.closed)
    sign_in(make.user(role=Role.staff))
    response = move(client, idea, target="analyze", public_message="Regression")
    assert response.status_code == 422
    assert "Only an admin" in response.get_data(as_text=True) or "No move is open" in (
        response.get_data(as_text=True)
    )
    sign_in(make.user(role=Role.admin))
    assert move(client, idea, target="analyze", public_message="Regression").status_code == 302


def test_the_system_moves_without_a_person_and_the_history_says_so(make, client, sign_in, session):
    from portal.lifecycle.service import move_idea

    idea = make.idea("Export to CSV", stage=Stage.execute)
    with pytest.raises(MoveRefused):  # the lifecycle still holds for the system
        move_idea(session, idea=session.get(Idea, idea.id), actor=None, target=Stage.collect)
    move_idea(session, idea=session.get(Idea, idea.id), actor=None, target=Stage.verify)
    session.commit()

    change = session.scalars(
        select(StageChange).filter_by(idea_id=idea.id, to_stage="verify")
    ).one()
    assert change.actor_id is None
    event = session.scalars(select(DomainEvent).filter_by(idea_id=idea.id)).all()[-1]
    assert event.actor_id is None and event.payload["to_stage"] == "verify"
    sign_in(make.user(role=Role.staff))
    page = client.get(f"/admin/ideas/{idea.id}").get_data(as_text=True)
    assert "by Feedloop, automatically" in page
