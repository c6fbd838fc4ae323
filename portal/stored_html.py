"""HTML kept in rows follows today's rendering.

Comments and release notes keep their body rendered and sanitised (`body_html`), so that pages
render no Markdown. When what decides that HTML changes (portal/markdown.py's allowed tags and
attributes, or a new nh3 or Markdown release: `rendering_fingerprint`), the rows still hold what
the old rules made, which may be what a fixed sanitiser now refuses. `flask db upgrade`, run with
every new version, therefore renders them again when the fingerprint differs from the one stored
in the settings, and then stores the new one; otherwise it costs one read.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Engine

from portal.changelog.models import ReleaseNote
from portal.ideas.models import Comment
from portal.markdown import render_markdown, rendering_fingerprint
from portal.settings.models import Setting

SETTING_KEY = "stored_html"
KEPT_IN = (Comment.__table__, ReleaseNote.__table__)
BATCH = 500


def refresh_stored_html(engine: Engine) -> int:
    """Render every stored body again if the rendering changed since it was stored; the number
    of rows whose HTML changed. Rows are read and rendered outside any write transaction, and
    each batch is written in a short one that leaves a body edited meanwhile alone (its edit
    stored the new HTML already)."""
    fingerprint = rendering_fingerprint()
    with engine.connect() as connection:
        stored = connection.scalar(select(Setting.value).where(Setting.key == SETTING_KEY))
    if isinstance(stored, dict) and stored.get("rendering") == fingerprint:
        return 0
    changed = sum(_render_again(engine, table) for table in KEPT_IN)
    with engine.begin() as connection:
        value = {"rendering": fingerprint}
        if stored is None:
            connection.execute(Setting.__table__.insert().values(key=SETTING_KEY, value=value))
        else:
            connection.execute(
                update(Setting).where(Setting.key == SETTING_KEY).values(value=value)
            )
    return changed


def _render_again(engine: Engine, table: Table) -> int:
    changed, after = 0, 0
    rows = (
        select(table.c.id, table.c.body, table.c.body_html)
        .where(table.c.id > bindparam("after"))
        .order_by(table.c.id)
        .limit(BATCH)
    )
    store = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.body == bindparam("rendered_body"))
        .values(body_html=bindparam("html"))
    )
    while True:
        with engine.connect() as connection:
            batch = connection.execute(rows, {"after": after}).all()
        if not batch:
            return changed
        after = batch[-1].id
        renewed = []
        for row_id, body, old_html in batch:
            html = str(render_markdown(body or ""))
            if html != old_html:
                renewed.append({"row_id": row_id, "rendered_body": body, "html": html})
        if renewed:
            with engine.begin() as connection:
                connection.execute(store, renewed)
            changed += len(renewed)
