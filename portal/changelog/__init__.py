"""The changelog: release notes in Markdown, drafted, scheduled and published by staff."""
