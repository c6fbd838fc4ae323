"""no empty idea slugs

Titles without Latin letters (Chinese, emoji) used to get an empty slug, and every link to them
(`/ideas/214-`) was a 404. Slugs now keep every script and fall back to "idea".

Revision ID: 7c1d2e3f4a5b
Revises: 53642e406ea3
Create Date: 2026-11-30 03:30:00
"""

from alembic import op

revision = "7c1d2e3f4a5b"
down_revision = "53642e406ea3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE idea SET slug = 'idea' WHERE slug = ''")


def downgrade() -> None:
    pass  # an "idea" slug routes as well as an empty one did not; nothing to undo
