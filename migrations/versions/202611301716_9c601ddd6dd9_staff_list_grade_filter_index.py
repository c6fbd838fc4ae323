"""staff list grade filter index: the ideas of one grade, without reading every idea

Revision ID: 9c601ddd6dd9
Revises: ea9babe22f85
Create Date: 2026-11-30 17:16:47.047384
"""

from alembic import op

revision = "9c601ddd6dd9"
down_revision = "ea9babe22f85"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.create_index("ix_idea_grade", ["grade"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_grade")
