"""Domain events: one row per change that matters, written in the change's own transaction."""
