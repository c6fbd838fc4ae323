"""Every (from, to, role) combination against the lifecycle table of PRODUCT.md."""

import pytest

from portal.lifecycle.stages import Horizon, MoveRefused, Stage, allowed_targets, check_move

OPEN = [Stage.collect, Stage.analyze, Stage.plan, Stage.execute]
# (from, to) -> roles allowed; anything not listed is refused for everyone.
EXPECTED = {
    (Stage.collect, Stage.analyze): {"staff", "admin"},
    (Stage.analyze, Stage.plan): {"staff", "admin"},
    (Stage.plan, Stage.execute): {"staff", "admin"},
    (Stage.execute, Stage.verify): {"staff", "admin"},
    (Stage.verify, Stage.closed): {"staff", "admin"},
    (Stage.analyze, Stage.collect): {"staff", "admin"},
    (Stage.plan, Stage.analyze): {"staff", "admin"},
    (Stage.execute, Stage.plan): {"staff", "admin"},
    (Stage.verify, Stage.execute): {"staff", "admin"},
    (Stage.declined, Stage.collect): {"staff", "admin"},
    (Stage.declined, Stage.analyze): {"staff", "admin"},
    (Stage.closed, Stage.analyze): {"admin"},
    **{(stage, Stage.declined): {"staff", "admin"} for stage in OPEN},
    **{(stage, Stage.merged): {"staff", "admin"} for stage in OPEN},
}
ROLES = ["customer", "staff", "admin"]
ALL = [(s, t, r) for s in Stage for t in Stage for r in ROLES if s != t]


@pytest.mark.parametrize(("source", "target", "role"), ALL)
def test_every_transition_for_every_role(source, target, role):
    allowed = role in EXPECTED.get((source, target), set())
    everything = {"reason": "Because", "horizon": Horizon.now, "has_target": True}
    if allowed:
        check_move(source, target, role, **everything)
        assert target in allowed_targets(source, role)
    else:
        with pytest.raises(MoveRefused):
            check_move(source, target, role, **everything)
        assert target not in allowed_targets(source, role)


def test_planning_needs_a_horizon():
    with pytest.raises(MoveRefused, match="horizon"):
        check_move(Stage.analyze, Stage.plan, "staff")


@pytest.mark.parametrize(
    ("source", "target"),
    [(Stage.plan, Stage.analyze), (Stage.collect, Stage.declined), (Stage.verify, Stage.execute)],
)
def test_declines_and_backward_moves_need_a_public_reason(source, target):
    with pytest.raises(MoveRefused, match="reason"):
        check_move(source, target, "staff", horizon=Horizon.now, reason="   ")


def test_merging_needs_a_target():
    with pytest.raises(MoveRefused, match="merge into"):
        check_move(Stage.collect, Stage.merged, "staff")


def test_skipping_a_stage_is_refused_with_the_stage_names():
    with pytest.raises(MoveRefused, match="“Open” to “Planned”"):
        check_move(Stage.collect, Stage.plan, "staff", horizon=Horizon.now)


def test_only_an_admin_reopens_a_completed_idea():
    with pytest.raises(MoveRefused, match="Only an admin"):
        check_move(Stage.closed, Stage.analyze, "staff", reason="Regression")
