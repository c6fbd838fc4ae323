"""Roles, defined once. What each role may do is asked through portal.access (`can_*`) and, for
lifecycle moves, through the MOVES table in portal.lifecycle.stages."""

from enum import StrEnum


class Role(StrEnum):
    customer = "customer"
    staff = "staff"
    admin = "admin"


STAFF_ROLES = frozenset({Role.staff, Role.admin})
ADMIN_ROLES = frozenset({Role.admin})
