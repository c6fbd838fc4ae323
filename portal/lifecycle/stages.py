"""The stages of an idea and what each means to a customer. Pure Python: no database, no Flask."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


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
