"""The admin area's blueprint, with the routes of each page module attached."""

from portal.web.admin import (  # noqa: F401
    access_settings,
    audit,
    branding,
    changelog,
    ideas,
    inbox,
    moderation,
    organisations,
    outbox,
    people,
    review,
    roadmap,
    settings,
    subscribers,
    tags,
)
from portal.web.admin.common import bp

__all__ = ["bp"]
