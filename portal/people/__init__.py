"""Members and roles: the admin's list of people, staff invitations, role changes and blocking."""
