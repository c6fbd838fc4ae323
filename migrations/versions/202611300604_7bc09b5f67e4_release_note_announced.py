"""Release notes remember when their publication took effect (ideas released, people told).

Notes already public when this runs count as announced: upgrading must not send old news.

Revision ID: 7bc09b5f67e4
Revises: 559f62ce985b
Create Date: 2026-11-30 06:04:18.208222
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "7bc09b5f67e4"
down_revision = "559f62ce985b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("release_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("announced_at", portal.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_release_note_unannounced", ["announced_at", "published_at"], unique=False
        )
    op.execute(
        "UPDATE release_note SET announced_at = published_at "
        "WHERE published_at IS NOT NULL AND published_at <= CURRENT_TIMESTAMP"
    )


def downgrade() -> None:
    with op.batch_alter_table("release_note", schema=None) as batch_op:
        batch_op.drop_index("ix_release_note_unannounced")
        batch_op.drop_column("announced_at")
