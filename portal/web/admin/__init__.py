"""The admin area's blueprint, with the routes of each page module attached."""

from portal.web.admin import ideas, inbox, organisations, review, settings  # noqa: F401
from portal.web.admin.common import bp

__all__ = ["bp"]
