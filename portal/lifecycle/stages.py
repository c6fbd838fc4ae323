"""The stages of an idea and what each means to a customer. Pure Python: no database, no Flask."""

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.roles import ADMIN_ROLES, STAFF_ROLES


class Stage(StrEnum):
    collect = "collect"
    analyze = "analyze"
    plan = "plan"
    execute = "execute"
    verify = "verify"
    closed = "closed"
    declined = "declined"
    merged = "merged"


PUBLIC_STATUS = {
    Stage.collect: _l("Open"),
    Stage.analyze: _l("Under review"),
    Stage.plan: _l("Planned"),
    Stage.execute: _l("In progress"),
    Stage.verify: _l("Released"),
    Stage.closed: _l("Completed"),
    Stage.declined: _l("Not planned"),
    Stage.merged: _l("Merged"),
}

OPEN_STAGES = frozenset({Stage.collect, Stage.analyze, Stage.plan, Stage.execute})

# Public statuses a customer can filter a board by, in lifecycle order.
FILTERABLE_STAGES = (
    Stage.collect,
    Stage.analyze,
    Stage.plan,
    Stage.execute,
    Stage.verify,
    Stage.closed,
    Stage.declined,
)


def accepts_votes(stage: Stage) -> bool:
    """Votes and comments are welcome until the idea is done, declined or merged away."""
    return stage in OPEN_STAGES or stage == Stage.verify


def accepts_comments(stage: Stage) -> bool:
    return stage != Stage.merged


class Horizon(StrEnum):
    now = "now"
    next = "next"
    later = "later"


HORIZON_LABEL = {Horizon.now: _l("Now"), Horizon.next: _l("Next"), Horizon.later: _l("Later")}


@dataclass(frozen=True)
class MoveRule:
    roles: frozenset[str] = STAFF_ROLES
    needs_reason: bool = False  # a public message saying why (backwards moves, declines)
    needs_horizon: bool = False
    needs_target: bool = False  # merges

    @property
    def is_backwards(self) -> bool:
        return self.needs_reason


FORWARD = [Stage.collect, Stage.analyze, Stage.plan, Stage.execute, Stage.verify, Stage.closed]

MOVES: dict[tuple[Stage, Stage], MoveRule] = {
    (Stage.collect, Stage.analyze): MoveRule(),
    (Stage.analyze, Stage.plan): MoveRule(needs_horizon=True),
    (Stage.plan, Stage.execute): MoveRule(),
    (Stage.execute, Stage.verify): MoveRule(),
    (Stage.verify, Stage.closed): MoveRule(),
    # Backwards, each with a reason the followers can read.
    (Stage.analyze, Stage.collect): MoveRule(needs_reason=True),
    (Stage.plan, Stage.analyze): MoveRule(needs_reason=True),
    (Stage.execute, Stage.plan): MoveRule(needs_reason=True, needs_horizon=True),
    (Stage.verify, Stage.execute): MoveRule(needs_reason=True),
    # Reopening: a declined idea comes back for review; a completed one only by an admin.
    (Stage.declined, Stage.collect): MoveRule(),
    (Stage.declined, Stage.analyze): MoveRule(),
    (Stage.closed, Stage.analyze): MoveRule(roles=ADMIN_ROLES, needs_reason=True),
    # From any open stage: declined with a public reason, or merged into another idea.
    **{(stage, Stage.declined): MoveRule(needs_reason=True) for stage in OPEN_STAGES},
    **{(stage, Stage.merged): MoveRule(needs_target=True) for stage in OPEN_STAGES},
}


class MoveRefused(DomainError):
    """A move the rules do not allow; `message` says why, fit to show the person who asked."""


def allowed_targets(source: Stage, role: str) -> list[Stage]:
    """Where a person in `role` may move an idea that is in `source`, in lifecycle order."""
    order = [*FORWARD, Stage.declined, Stage.merged]
    return [
        target
        for target in order
        if (rule := MOVES.get((source, target))) is not None and role in rule.roles
    ]


def check_move(
    source: Stage,
    target: Stage,
    role: str | None,
    *,
    reason: str = "",
    horizon: Horizon | None = None,
    has_target: bool = False,
) -> MoveRule:
    """The rule for this move, or MoveRefused saying what is missing or forbidden. `role` None
    is the system, which no role rule stops."""
    if source == target:
        raise MoveRefused(_l("The idea is already in that stage."))
    rule = MOVES.get((source, target))
    if rule is None:
        raise MoveRefused(
            _l(
                "An idea cannot go from “%(source)s” to “%(target)s”.",
                source=PUBLIC_STATUS[source],
                target=PUBLIC_STATUS[target],
            )
        )
    if role is not None and role not in rule.roles:
        raise MoveRefused(_l("Only an admin may make this move."))
    if rule.needs_reason and not reason.strip():
        raise MoveRefused(_l("Give a public reason for this move: followers will read it."))
    if rule.needs_horizon and horizon is None:
        raise MoveRefused(_l("Choose a horizon (now, next or later) to plan this idea."))
    if rule.needs_target and not has_target:
        raise MoveRefused(_l("Choose the idea to merge into."))
    return rule
