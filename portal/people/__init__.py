"""Members and roles: the admin's list of people, invitations (to the team or as customers),
role changes and blocking."""
