"""Every model, imported once so Base.metadata knows all tables (Alembic, tests)."""

from portal.accounts.models import (
    Membership,
    Organisation,
    OrganisationDomain,
    SignInLink,
    User,
)
from portal.audit.models import AuditEntry
from portal.changelog.models import ReleaseNote, ReleaseNoteAudience, ReleaseNoteIdea
from portal.db import Base
from portal.events.models import DomainEvent
from portal.feedback.models import Feedback
from portal.ideas.models import (
    Board,
    BoardAudience,
    Comment,
    Follower,
    Idea,
    IdeaAudience,
    IdeaTag,
    SearchEntry,
    SearchWord,
    Tag,
    Vote,
)
from portal.lifecycle.models import StageChange
from portal.media.models import Attachment
from portal.notify.models import DigestItem, NotificationPreference, OutboxMessage
from portal.pagecache.models import PageGeneration
from portal.people.models import Invitation
from portal.priority.models import IdeaRating, PriorityFactor
from portal.settings.models import Setting
from portal.subscribers.models import Subscriber
from portal.verification.models import VerificationAnswer

__all__ = [
    "SignInLink",
    "Attachment",
    "AuditEntry", "DomainEvent", "Feedback", "IdeaRating", "PriorityFactor", "Setting",
    "Base", "Board", "BoardAudience", "Comment", "Follower", "Idea", "IdeaAudience", "IdeaTag",
    "Invitation", "PageGeneration",
    "DigestItem", "Membership", "NotificationPreference", "Organisation", "OrganisationDomain",
    "OutboxMessage", "ReleaseNote", "ReleaseNoteAudience", "ReleaseNoteIdea", "StageChange",
    "SearchEntry", "SearchWord", "Subscriber", "Tag", "User", "VerificationAnswer", "Vote",
]  # fmt: skip
