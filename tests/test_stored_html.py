"""HTML kept in rows is rendered again when the rendering changes (portal/stored_html.py), so a
tightened sanitiser reaches the comments and release notes written before it."""

from __future__ import annotations

from sqlalchemy import select, text

from portal import create_app, markdown
from portal.changelog.models import ReleaseNote
from portal.ideas.models import Comment
from portal.ideas.service import add_comment
from portal.settings.models import Setting
from portal.stored_html import SETTING_KEY, refresh_stored_html


def commented(make, session, idea, body: str) -> Comment:
    comment = add_comment(session, idea=idea, author=make.user(), body=body)
    session.commit()
    return comment


def stored_html(session, model, row_id) -> str:
    session.rollback()  # a new transaction: what was committed since
    return session.scalar(select(model.body_html).where(model.id == row_id))


def test_html_stored_by_an_older_sanitiser_is_rendered_again(app, make, session, client):
    idea = make.idea("Export reports to CSV")
    comment = commented(make, session, idea, "See [the docs](https://example.com/docs).")
    # As an older, laxer sanitiser could have stored it.
    session.execute(
        text("UPDATE comment SET body_html = :html WHERE id = :id"),
        {"html": '<p><a href="https://example.com/docs" onclick="steal()">the docs</a></p>',
         "id": comment.id},
    )  # fmt: skip
    session.add(Setting(key=SETTING_KEY, value={"rendering": "an older one"}))
    session.commit()
    assert "steal()" in client.get(f"/ideas/{idea.id}-{idea.slug}").text

    assert refresh_stored_html(app.extensions["feedloop_db"].engine) == 1
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert "steal()" not in page and 'href="https://example.com/docs"' in page
    assert refresh_stored_html(app.extensions["feedloop_db"].engine) == 0  # once is enough


def test_a_tag_no_longer_allowed_leaves_every_stored_body(app, make, session, monkeypatch):
    idea = make.idea("Export reports to CSV")
    comment = commented(make, session, idea, "See [the docs](https://example.com/docs).")
    note = ReleaseNote(title="Exports", slug="exports", body="Read [more](https://example.com).",
                       category="new", visibility="public")  # fmt: skip
    session.add(note)
    session.commit()
    engine = app.extensions["feedloop_db"].engine
    refresh_stored_html(engine)  # the fingerprint of today's rules is stored
    assert "<a " in stored_html(session, Comment, comment.id)

    monkeypatch.setattr(markdown, "ALLOWED_TAGS", markdown.ALLOWED_TAGS - {"a"})
    markdown._rendered.cache_clear()
    try:
        assert refresh_stored_html(engine) == 2
    finally:
        markdown._rendered.cache_clear()
    assert "<a " not in stored_html(session, Comment, comment.id)
    assert "the docs" in stored_html(session, Comment, comment.id)
    assert "<a " not in stored_html(session, ReleaseNote, note.id)


def test_an_upgrade_from_empty_stores_the_rendering_of_this_version(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"
    upgraded = create_app({**app_config, "DATABASE_URL": url})
    result = upgraded.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with upgraded.app_context():
        engine = upgraded.extensions["feedloop_db"].engine
        with engine.connect() as connection:
            stored = connection.scalar(select(Setting.value).where(Setting.key == SETTING_KEY))
        assert stored == {"rendering": markdown.rendering_fingerprint()}
        engine.dispose()
