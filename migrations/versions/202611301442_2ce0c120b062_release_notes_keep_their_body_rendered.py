"""release notes keep their body rendered (sanitised HTML), rendered when the body is saved

Revision ID: 2ce0c120b062
Revises: c3a21df2f1a0
Create Date: 2026-11-30 14:33:00.000000
"""

import markdown
import nh3
import sqlalchemy as sa
from alembic import op

revision = "2ce0c120b062"
down_revision = "c3a21df2f1a0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("release_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), server_default="", nullable=False))
    _backfill_body_html()


# A copy of portal.markdown.render_markdown as it is today: migrations do not import code that
# may change.
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip


def _render(text: str) -> str:
    converter = markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists"], output_format="html"
    )
    return nh3.clean(
        converter.convert(text or ""),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )


def _backfill_body_html(batch: int = 500) -> None:
    connection = op.get_bind()
    note = sa.table(
        "release_note", sa.column("id", sa.Integer), sa.column("body"), sa.column("body_html")
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(note.c.id, note.c.body)
            .where(note.c.id > last)
            .order_by(note.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        connection.execute(
            note.update()
            .where(note.c.id == sa.bindparam("b_id"))
            .values(body_html=sa.bindparam("b_html")),
            [{"b_id": r.id, "b_html": _render(r.body)} for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("release_note", schema=None) as batch_op:
        batch_op.drop_column("body_html")
