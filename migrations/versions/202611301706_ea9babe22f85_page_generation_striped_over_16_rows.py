"""page generation striped over 16 rows: writers add one to one row at random, readers sum them

Revision ID: ea9babe22f85
Revises: 2ce0c120b062
Create Date: 2026-11-30 17:06:46.677372
"""

from alembic import op

revision = "ea9babe22f85"
down_revision = "2ce0c120b062"
branch_labels = None
depends_on = None

# portal/pagecache/generation.py STRIPES, as it was when this was written.
STRIPES = 16


def upgrade() -> None:
    # Rows 2..16 start at 0: the sum is row 1's number, so the generation does not move and the
    # pages kept under it stay good.
    rows = ", ".join(f"({row}, 0)" for row in range(2, STRIPES + 1))
    op.execute(f"INSERT INTO page_generation (id, number) VALUES {rows}")


def downgrade() -> None:
    # Back to one row holding the whole sum: the number never goes back.
    op.execute("UPDATE page_generation SET number = (SELECT SUM(number) FROM page_generation) "
               "WHERE id = 1")  # fmt: skip
    op.execute("DELETE FROM page_generation WHERE id > 1")
