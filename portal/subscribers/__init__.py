"""Email subscribers: addresses on the changelog and roadmap mailing lists, no account needed."""
