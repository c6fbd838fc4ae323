"""Every model, imported once so Base.metadata knows all tables (Alembic, tests)."""

from portal.accounts.models import Membership, Organisation, OrganisationDomain, User
from portal.db import Base
from portal.ideas.models import (
    Board,
    BoardAudience,
    Comment,
    Follower,
    Idea,
    IdeaAudience,
    IdeaTag,
    Tag,
    Vote,
)
from portal.lifecycle.models import StageChange
from portal.notify.models import OutboxMessage

__all__ = [
    "Base", "Board", "BoardAudience", "Comment", "Follower", "Idea", "IdeaAudience", "IdeaTag",
    "Membership", "Organisation", "OrganisationDomain", "OutboxMessage", "StageChange", "Tag",
    "User", "Vote",
]  # fmt: skip
