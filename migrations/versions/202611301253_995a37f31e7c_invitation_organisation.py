"""the organisation a customer's invitation joins

Revision ID: 995a37f31e7c
Revises: f0f28b6e8e0c
Create Date: 2026-11-30 12:53:57.338138
"""

import sqlalchemy as sa
from alembic import op

revision = "995a37f31e7c"
down_revision = "f0f28b6e8e0c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_invitation_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitation_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_invitation_organisation_id"))
        batch_op.drop_column("organisation_id")
