"""audit log: the kind of each action, and indexes for the log filtered by person or kind

Revision ID: 817647f42502
Revises: b2cc0f2c5ace
Create Date: 2026-11-30 11:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "817647f42502"
down_revision = "b2cc0f2c5ace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=30), server_default="", nullable=False)
        )
    # The kind is what comes before the action's dot: one UPDATE per distinct action.
    connection = op.get_bind()
    entry = sa.table("audit_entry", sa.column("action", sa.String), sa.column("kind", sa.String))
    actions = connection.execute(sa.select(entry.c.action).distinct()).scalars().all()
    for action in actions:
        connection.execute(
            entry.update()
            .where(entry.c.action == action)
            .values(kind=action.partition(".")[0][:30])
        )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_actor_id")
        batch_op.create_index("ix_audit_entry_actor_recent", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_entry_kind_recent", ["kind", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_kind_recent")
        batch_op.drop_index("ix_audit_entry_actor_recent")
        batch_op.create_index("ix_audit_entry_actor_id", ["actor_id"], unique=False)
        batch_op.drop_column("kind")
