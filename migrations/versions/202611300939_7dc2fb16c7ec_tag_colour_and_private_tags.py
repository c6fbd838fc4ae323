"""tags: a colour from the palette, and private (staff-only) tags

Revision ID: 7dc2fb16c7ec
Revises: e7d4df09c975
Create Date: 2026-11-30 09:39:38.189363
"""

import sqlalchemy as sa
from alembic import op

revision = "7dc2fb16c7ec"
down_revision = "e7d4df09c975"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("colour", sa.String(length=16), server_default="grey", nullable=False)
        )
        batch_op.add_column(
            sa.Column("is_private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_column("is_private")
        batch_op.drop_column("colour")
