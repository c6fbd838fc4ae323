"""Full-text search of ideas: search_entry (the words of each idea), indexed by FTS5 on SQLite
and by a GIN index of a generated weighted tsvector column on PostgreSQL, and search_word (every indexed word,
for prefixes); existing ideas are indexed.

Revision ID: 636f33265d23
Revises: 53de50d69f41
Create Date: 2026-11-30 08:37:15.846371
"""

import sqlalchemy as sa
from alembic import op

revision = "636f33265d23"
down_revision = "53de50d69f41"
branch_labels = None
depends_on = None

# As in portal/ideas/models.py SEARCH_INDEX_DDL when this revision was written.
INDEX_DDL = {
    "sqlite": [
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
        "content='search_entry', content_rowid='idea_id', "
        "tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts(rowid, title, body) "
        "VALUES (new.idea_id, new.title, new.body); END",
        "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.idea_id, old.title, old.body); END",
        "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.idea_id, old.title, old.body); "
        "INSERT INTO search_fts(rowid, title, body) "
        "VALUES (new.idea_id, new.title, new.body); END",
    ],
    "postgresql": [
        "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED",
        "CREATE INDEX ix_search_entry_document ON search_entry USING gin (document)",
    ],
}
DROP_DDL = {
    "sqlite": ["DROP TABLE IF EXISTS search_fts"],
    "postgresql": ["DROP INDEX IF EXISTS ix_search_entry_document"],
}


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("idea_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_search_entry_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_search_entry")),
    )
    op.create_table(
        "search_word",
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_word")),
    )
    bind = op.get_bind()
    for statement in INDEX_DDL.get(bind.dialect.name, []):
        op.execute(statement)
    _backfill(bind)


def _backfill(bind) -> None:
    """Index the ideas that exist, in batches (the triggers fill FTS5 as rows arrive)."""
    from portal.ideas.search import index_text

    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, title, body FROM idea WHERE id > :last ORDER BY id LIMIT 5000"),
            {"last": last},
        ).all()
        if not rows:
            return
        entries = [{"i": i, "t": index_text(t or ""), "b": index_text(b or "")} for i, t, b in rows]
        bind.execute(
            sa.text("INSERT INTO search_entry (idea_id, title, body) VALUES (:i, :t, :b)"),
            entries,
        )
        words = {w for e in entries for w in f"{e['t']} {e['b']}".split() if len(w) <= 200}
        if words:
            bind.execute(
                sa.text("INSERT INTO search_word (word) VALUES (:w) ON CONFLICT DO NOTHING"),
                [{"w": w} for w in sorted(words)],
            )
        last = rows[-1][0]


def downgrade() -> None:
    for statement in DROP_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_table("search_word")
    op.drop_table("search_entry")
