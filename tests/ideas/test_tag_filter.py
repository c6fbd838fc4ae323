"""A board filtered by a tag reads idea_tag's copies of each idea's board, stage, visibility
and sort columns (kept by database triggers): whatever changes an idea, the filter shows what the
board itself shows."""

import re

from alembic import command
from sqlalchemy import create_engine, select, text

from portal import access, create_app
from portal.cli import alembic_config
from portal.ideas import moderation, tags
from portal.ideas import service as ideas
from portal.ideas.models import IDEA_TAG_COPIES, IDEA_TAG_COPY_DDL, Board, Idea, Tag, Visibility
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import Stage
from portal.roles import Role


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="idea-title">([^<]+)</a>', response.get_data(as_text=True))


def copies_disagree(session) -> int:
    """idea_tag rows whose copies differ from their idea's columns."""
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in IDEA_TAG_COPIES)
    if session.get_bind().dialect.name == "sqlite":
        differs = differs.replace("IS DISTINCT FROM", "IS NOT")
    return session.scalar(
        text(f"SELECT count(*) FROM idea_tag t JOIN idea i ON i.id = t.idea_id WHERE {differs}")
    )


def tag_ideas(session, staff, idea, *names):
    """Staff set an idea's tags (the enrichment form)."""
    board = session.get(Board, idea.board_id)
    ideas.enrich_idea(session, idea=idea, actor=staff, board=board, kind=idea.kind,
                      severity=idea.severity, owner_id=idea.owner_id,
                      tag_names=list(names))  # fmt: skip
    session.commit()


def test_the_tag_filter_follows_every_change_to_an_idea(app, make, session, client, sign_in):
    staff = make.staff()
    admin = make.user(role=Role.admin, name="Ada Admin")
    board, other = make.board("Reports"), make.board("Mobile")
    export = make.idea("Export to Excel", board=board)
    charts = make.idea("Charts by week", board=board)
    untagged = make.idea("Untagged idea", board=board)
    duplicate = make.idea("Excel export please", board=other)
    for idea in (export, charts):
        tag_ideas(session, staff, idea, "Reporting")
    tag_ideas(session, staff, duplicate, "Spreadsheets")

    def shown(query: str = "", *, on=board, tag="reporting") -> list[str]:
        return titles(client.get(f"/boards/{on.slug}?tag={tag}{query}"))

    assert shown() == ["Charts by week", "Export to Excel"]  # equal votes: newest first
    assert untagged.title not in shown()
    assert copies_disagree(session) == 0

    # Votes: Top and Trending order by the copies of the count and the trend.
    voter = make.user()
    ideas.cast_vote(session, idea=export, voter=voter)
    session.commit()
    assert shown() == shown("&sort=trending") == ["Export to Excel", "Charts by week"]
    assert shown("&sort=new") == ["Charts by week", "Export to Excel"]
    ideas.withdraw_vote(session, idea=export, voter=voter)
    session.commit()
    assert shown() == ["Charts by week", "Export to Excel"]

    # The stage: a declined idea leaves the default list, and comes back with finished ones.
    with app.app_context():
        lifecycle.move_idea(session, idea=charts, actor=staff, target=Stage.declined,
                            public_message="Not for now.")  # fmt: skip
        session.commit()
    assert shown() == ["Export to Excel"]
    assert shown("&finished=1") == ["Charts by week", "Export to Excel"]
    assert shown("&status=declined") == ["Charts by week"]

    # The idea's own visibility, then its board's.
    with app.app_context():
        ideas.change_visibility(session, idea=export, actor=staff,
                                visibility=Visibility.internal, organisation_ids=[])  # fmt: skip
        session.commit()
    assert shown() == []
    sign_in(staff)
    assert shown() == ["Export to Excel"]
    client.post("/logout")
    with app.app_context():
        ideas.change_visibility(session, idea=export, actor=staff, visibility=None,
                                organisation_ids=[])  # fmt: skip
        access.set_board_visibility(session, board, Visibility.customers)  # a bulk UPDATE
        session.commit()
    assert copies_disagree(session) == 0  # the board is now 404 to visitors
    sign_in(make.user())
    assert shown() == ["Export to Excel"]
    with app.app_context():
        access.set_board_visibility(session, board, Visibility.public)
        session.commit()

    # Deleted as spam (an UPDATE statement), then restored by an admin.
    with app.app_context():
        moderation.delete_idea(session, idea=export, staff=staff, reason="spam")
        session.commit()
    sign_in(staff)
    assert shown() == []
    with app.app_context():
        moderation.restore_idea(session, idea_id=export.id, admin=admin)
        session.commit()
    assert shown() == ["Export to Excel"]

    # Moved to another board.
    with app.app_context():
        ideas.enrich_idea(session, idea=session.get(Idea, export.id), actor=staff, board=other,
                          kind=export.kind, severity=None, owner_id=None,
                          tag_names=["Reporting"])  # fmt: skip
        session.commit()
    assert shown() == []
    assert shown(on=other) == ["Export to Excel"]

    # A merge moves the duplicate's tags to the idea it is merged into: found by them there.
    with app.app_context():
        lifecycle.merge_ideas(session, source=session.get(Idea, duplicate.id),
                              target=session.get(Idea, export.id), actor=staff)  # fmt: skip
        session.commit()
    assert shown(on=other, tag="spreadsheets") == ["Export to Excel"]
    assert copies_disagree(session) == 0

    # Tags merged, then deleted.
    spreadsheets = session.scalar(select(Tag).where(Tag.slug == "spreadsheets"))
    reporting = session.scalar(select(Tag).where(Tag.slug == "reporting"))
    tags.merge_tags(session, actor=staff, source=reporting, target=spreadsheets)
    session.commit()
    assert shown(on=other, tag="spreadsheets") == ["Export to Excel"]
    assert shown("&finished=1", tag="spreadsheets") == ["Charts by week"]
    tags.delete_tag(session, actor=staff, tag=spreadsheets)
    session.commit()
    assert shown(on=other, tag="spreadsheets") == []
    assert copies_disagree(session) == 0


def test_the_tag_filter_keeps_the_visibility_rule(make, session, client, sign_in):
    ours, theirs = make.organisation("Ours"), make.organisation("Theirs")
    staff = make.staff()
    board = make.board()
    for_us = make.idea("For our organisation", board=board, visibility=Visibility.organisations,
                       organisations=[ours])  # fmt: skip
    for_all = make.idea("For everyone", board=board)
    for idea in (for_us, for_all):
        tag_ideas(session, staff, idea, "Billing")
    secret = make.idea("Only tagged privately", board=board)
    tag_ideas(session, staff, secret, "Roadmap bets")
    session.execute(text("UPDATE tag SET is_private = :yes WHERE slug = 'roadmap-bets'"),
                    {"yes": True})  # fmt: skip
    session.commit()
    page = f"/boards/{board.slug}"

    def tag_options() -> list[str]:
        return re.findall(r'<option value="([a-z-]+)"', client.get(page).get_data(as_text=True))

    assert titles(client.get(f"{page}?tag=billing")) == ["For everyone"]
    assert titles(client.get(f"{page}?tag=roadmap-bets")) == []
    assert "roadmap-bets" not in tag_options()
    sign_in(make.user(organisation=theirs))
    assert titles(client.get(f"{page}?tag=billing")) == ["For everyone"]
    sign_in(make.user(organisation=ours))
    assert titles(client.get(f"{page}?tag=billing")) == ["For everyone", "For our organisation"]
    sign_in(staff)
    assert titles(client.get(f"{page}?tag=roadmap-bets")) == ["Only tagged privately"]
    assert {"billing", "roadmap-bets"} <= set(tag_options())

    # A tag used only on an idea the viewer may not see is not offered to them.
    board_two = make.board()
    hidden = make.idea("Internal only", board=board_two, visibility=Visibility.internal)
    tag_ideas(session, staff, hidden, "Billing")
    client.post("/logout")
    assert "billing" not in re.findall(
        r'<option value="([a-z-]+)"', client.get(f"/boards/{board_two.slug}").get_data(as_text=True)
    )


def test_the_migrations_leave_the_copying_triggers_in_place(app_config, tmp_path):
    """SQLite loses a table's triggers when a batch migration rebuilds it: a later migration
    that rebuilds idea or idea_tag must create them again (IDEA_TAG_COPY_DDL)."""
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrated = create_app({**app_config, "DATABASE_URL": url})
    with migrated.app_context():
        command.upgrade(alembic_config(), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        triggers = set(
            connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
    engine.dispose()
    migrated.extensions["feedloop_db"].engine.dispose()
    expected = {re.search(r"CREATE TRIGGER (\w+)", s)[1] for s in IDEA_TAG_COPY_DDL["sqlite"]}
    assert expected and expected <= triggers
