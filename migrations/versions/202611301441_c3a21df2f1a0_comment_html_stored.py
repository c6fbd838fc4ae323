"""comments keep their sanitised HTML

Revision ID: c3a21df2f1a0
Revises: 50f206704abf
Create Date: 2026-11-30 14:41:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c3a21df2f1a0"
down_revision = "50f206704abf"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """Render the comments that exist, in batches, as writing them now would store them."""
    from portal.markdown import render_markdown

    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, body FROM comment WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE comment SET body_html = :html WHERE id = :id"),
            [{"id": id_, "html": str(render_markdown(body))} for id_, body in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_column("body_html")
