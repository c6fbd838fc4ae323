"""Issue 9, the admin ideas list and the review queue: stored demand, an index per sort

Revision ID: 53de50d69f41
Revises: e49c50ff78d5
Create Date: 2026-11-30 08:37:59.678254
"""

import sqlalchemy as sa
from alembic import op

revision = "53de50d69f41"
down_revision = "e49c50ff78d5"
branch_labels = None
depends_on = None

# The organisations whose members voted for the idea being updated (as priority.refresh_demand).
ASKING = (
    "organisation.id IN (SELECT membership.organisation_id FROM membership"
    " JOIN vote ON vote.user_id = membership.user_id WHERE vote.idea_id = idea.id)"
)


def upgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demand_organisations", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("demand_arr", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("demand_key_accounts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_index("ix_idea_score")
        batch_op.create_index("ix_idea_arr", ["demand_arr", "score", "id"], unique=False)
        batch_op.create_index(
            "ix_idea_bug_sla", ["kind", "severity", "stage", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_idea_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_idea_owner", ["owner_id"], unique=False)
        batch_op.create_index("ix_idea_score_id", ["score", "id"], unique=False)
        batch_op.create_index("ix_idea_stage_created", ["stage", "created_at", "id"], unique=False)
        batch_op.create_index("ix_idea_stage_score", ["stage", "score", "id"], unique=False)
        batch_op.create_index("ix_idea_votes_id", ["vote_count", "id"], unique=False)

    # An expression index (Alembic's comparison skips these): the grade sort, ungraded last.
    op.execute(
        "CREATE INDEX ix_idea_grade_order ON idea ((grade IS NULL), grade, score DESC, id DESC)"
    )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index("ix_user_account_role_name", ["role", "display_name"], unique=False)

    op.execute(
        "UPDATE idea SET"
        f" demand_organisations = (SELECT count(*) FROM organisation WHERE {ASKING}),"
        f" demand_arr = (SELECT coalesce(sum(organisation.arr), 0) FROM organisation"
        f" WHERE {ASKING}),"
        f" demand_key_accounts = (SELECT count(*) FROM organisation"
        f" WHERE organisation.tier = 'key' AND {ASKING})"
        " WHERE idea.id IN (SELECT vote.idea_id FROM vote)"
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_role_name")

    op.execute("DROP INDEX ix_idea_grade_order")
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_votes_id")
        batch_op.drop_index("ix_idea_stage_score")
        batch_op.drop_index("ix_idea_stage_created")
        batch_op.drop_index("ix_idea_score_id")
        batch_op.drop_index("ix_idea_owner")
        batch_op.drop_index("ix_idea_created_id")
        batch_op.drop_index("ix_idea_bug_sla")
        batch_op.drop_index("ix_idea_arr")
        batch_op.create_index("ix_idea_score", ["score"], unique=False)
        batch_op.drop_column("demand_key_accounts")
        batch_op.drop_column("demand_arr")
        batch_op.drop_column("demand_organisations")
