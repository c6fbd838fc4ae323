"""idea_tag keeps a copy of its idea's board, stage, visibility rule columns and sort
columns (kept by triggers), indexed per board sort, so a board filtered by a tag is one index
range; a board's sort indexes cover the stage and the visibility rule. Existing rows are filled.

Revision ID: e0901d0b90dd
Revises: 7dc2fb16c7ec
Create Date: 2026-11-30 11:37:29.138463
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "e0901d0b90dd"
down_revision = "7dc2fb16c7ec"
branch_labels = None
depends_on = None

COPIES = ("board_id", "stage", "visibility", "deleted_at", "vote_count", "trend", "created_at")
LISTED_BY = ["stage", "visibility", "deleted_at"]
SORTS = {"created": "created_at", "votes": "vote_count", "trend": "trend"}
# As in portal/ideas/models.py IDEA_TAG_COPY_DDL when this revision was written.
COPY_DDL = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION idea_tag_copy_idea() RETURNS trigger LANGUAGE "
        "plpgsql AS $$ BEGIN SELECT board_id, stage, visibility, deleted_at, "
        "vote_count, trend, created_at INTO NEW.board_id, NEW.stage, NEW.visibility, "
        "NEW.deleted_at, NEW.vote_count, NEW.trend, NEW.created_at FROM idea WHERE id "
        "= NEW.idea_id; RETURN NEW; END $$",
        "CREATE TRIGGER idea_tag_copy_idea BEFORE INSERT OR UPDATE OF idea_id ON "
        "idea_tag FOR EACH ROW EXECUTE FUNCTION idea_tag_copy_idea()",
        "CREATE OR REPLACE FUNCTION idea_copy_to_tags() RETURNS trigger LANGUAGE "
        "plpgsql AS $$ BEGIN UPDATE idea_tag SET (board_id, stage, visibility, "
        "deleted_at, vote_count, trend, created_at) = (NEW.board_id, NEW.stage, "
        "NEW.visibility, NEW.deleted_at, NEW.vote_count, NEW.trend, NEW.created_at) "
        "WHERE idea_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER idea_copy_to_tags AFTER UPDATE OF board_id, stage, visibility, "
        "deleted_at, vote_count, trend, created_at ON idea FOR EACH ROW WHEN "
        "(NEW.board_id IS DISTINCT FROM OLD.board_id OR NEW.stage IS DISTINCT FROM "
        "OLD.stage OR NEW.visibility IS DISTINCT FROM OLD.visibility OR NEW.deleted_at "
        "IS DISTINCT FROM OLD.deleted_at OR NEW.vote_count IS DISTINCT FROM "
        "OLD.vote_count OR NEW.trend IS DISTINCT FROM OLD.trend OR NEW.created_at IS "
        "DISTINCT FROM OLD.created_at) EXECUTE FUNCTION idea_copy_to_tags()",
    ],
    "sqlite": [
        "CREATE TRIGGER idea_tag_copy_idea AFTER INSERT ON idea_tag BEGIN UPDATE idea_tag "
        "SET (board_id, stage, visibility, deleted_at, vote_count, trend, created_at) = "
        "(SELECT board_id, stage, visibility, deleted_at, vote_count, trend, created_at "
        "FROM idea WHERE idea.id = NEW.idea_id) WHERE id = NEW.id; END",
        "CREATE TRIGGER idea_tag_copy_idea_moved AFTER UPDATE OF idea_id ON idea_tag BEGIN "
        "UPDATE idea_tag SET (board_id, stage, visibility, deleted_at, vote_count, trend, "
        "created_at) = (SELECT board_id, stage, visibility, deleted_at, vote_count, trend, "
        "created_at FROM idea WHERE idea.id = NEW.idea_id) WHERE id = NEW.id; END",
        "CREATE TRIGGER idea_copy_to_tags AFTER UPDATE OF board_id, stage, visibility, "
        "deleted_at, vote_count, trend, created_at ON idea WHEN NEW.board_id IS NOT "
        "OLD.board_id OR NEW.stage IS NOT OLD.stage OR NEW.visibility IS NOT "
        "OLD.visibility OR NEW.deleted_at IS NOT OLD.deleted_at OR NEW.vote_count IS NOT "
        "OLD.vote_count OR NEW.trend IS NOT OLD.trend OR NEW.created_at IS NOT "
        "OLD.created_at BEGIN UPDATE idea_tag SET (board_id, stage, visibility, "
        "deleted_at, vote_count, trend, created_at) = (NEW.board_id, NEW.stage, "
        "NEW.visibility, NEW.deleted_at, NEW.vote_count, NEW.trend, NEW.created_at) WHERE "
        "idea_id = NEW.id; END",
    ],
}
COPY_DROP_DDL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS idea_copy_to_tags ON idea",
        "DROP FUNCTION IF EXISTS idea_copy_to_tags()",
        "DROP TRIGGER IF EXISTS idea_tag_copy_idea ON idea_tag",
        "DROP FUNCTION IF EXISTS idea_tag_copy_idea()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS idea_copy_to_tags",
        "DROP TRIGGER IF EXISTS idea_tag_copy_idea",
        "DROP TRIGGER IF EXISTS idea_tag_copy_idea_moved",
    ],
}


def upgrade() -> None:
    for name, column in SORTS.items():
        op.drop_index(f"ix_idea_board_{name}", table_name="idea")
        op.create_index(
            f"ix_idea_board_{name}", "idea", ["board_id", column, "id", *LISTED_BY], unique=False
        )
    with op.batch_alter_table("idea_tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board_id", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column(
                "stage",
                sa.Enum(
                    "collect",
                    "analyze",
                    "plan",
                    "execute",
                    "verify",
                    "closed",
                    "declined",
                    "merged",
                    name="stage",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                server_default="collect",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "visibility",
                sa.Enum(
                    "public",
                    "customers",
                    "organisations",
                    "internal",
                    name="visibility",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                server_default="internal",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("deleted_at", portal.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("vote_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("trend", sa.Float(), server_default="-1000000000.0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "created_at",
                portal.db.UTCDateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            )
        )
        batch_op.drop_index("ix_idea_tag_tag_id")
    copied = ", ".join(COPIES)
    op.execute(
        f"UPDATE idea_tag SET ({copied}) = "
        f"(SELECT {copied} FROM idea WHERE idea.id = idea_tag.idea_id)"
    )
    for name, column in SORTS.items():
        op.create_index(
            f"ix_idea_tag_{name}",
            "idea_tag",
            ["tag_id", "board_id", column, "idea_id", *LISTED_BY],
            unique=False,
        )
    for statement in COPY_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in COPY_DROP_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    for name in SORTS:
        op.drop_index(f"ix_idea_tag_{name}", table_name="idea_tag")
    with op.batch_alter_table("idea_tag", schema=None) as batch_op:
        batch_op.create_index("ix_idea_tag_tag_id", ["tag_id"], unique=False)
        for constraint in ("ck_idea_tag_stage", "ck_idea_tag_visibility"):
            batch_op.drop_constraint(batch_op.f(constraint), type_="check")
        for column in reversed(COPIES):
            batch_op.drop_column(column)
    for name, column in SORTS.items():
        op.drop_index(f"ix_idea_board_{name}", table_name="idea")
        op.create_index(f"ix_idea_board_{name}", "idea", ["board_id", column], unique=False)
