"""Tags managed by staff at /admin/tags: create, rename, colour, private, merge, delete; private
tags never reach a customer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.ideas import service as ideas
from portal.ideas import tags as tag_service
from portal.ideas.models import Board, Follower, FollowReason, IdeaTag, Tag
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import Stage


def tag(make, name: str, *ideas_tagged, colour: str = "grey", private: bool = False) -> Tag:
    made = tag_service.create_tag(make.session, actor=make.staff(), name=name, colour=colour,
                                  is_private=private)  # fmt: skip
    make.session.add_all(IdeaTag(idea_id=idea.id, tag_id=made.id) for idea in ideas_tagged)
    make.session.commit()
    return made


def tag_ids_of(make, idea) -> list[int]:
    make.fresh()
    return sorted(make.session.scalars(select(IdeaTag.tag_id).where(IdeaTag.idea_id == idea.id)))


def actions(make) -> list[str]:
    return list(make.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_staff_create_rename_colour_and_make_a_tag_private_and_it_is_audited(make, client, sign_in):
    sign_in(make.staff())
    created = client.post("/admin/tags", data={"name": "Exports", "colour": "blue"})
    assert created.status_code == 302
    made = make.session.scalar(select(Tag).where(Tag.name == "Exports"))
    assert (made.slug, made.colour, made.is_private) == ("exports", "blue", False)
    listed = client.get("/admin/tags").text
    row = listed.split(f'id="tag-{made.id}"')[1].split("</tr>")[0]
    assert "tag-blue" in row and "Exports" in row

    edit = {"name": "Data export", "colour": "green", "is_private": "y"}
    saved = client.post(f"/admin/tags/{made.id}", data=edit)
    assert saved.status_code == 302
    make.fresh()
    assert (made.name, made.slug, made.colour, made.is_private) == (
        "Data export", "exports", "green", True,
    )  # fmt: skip
    assert "private" in client.get("/admin/tags").text.split(f'id="tag-{made.id}"')[1]
    assert actions(make)[-2:] == ["tag.created", "tag.updated"]


def test_a_colour_outside_the_palette_is_refused_and_never_reaches_the_page(make, client, sign_in):
    sign_in(make.staff())
    answer = client.post("/admin/tags", data={"name": "Evil", "colour": "red;background:url(x)"})
    assert answer.status_code == 422
    assert make.session.scalar(select(func.count(Tag.id))) == 0
    assert "url(x)" not in answer.text


def test_duplicate_names_ignoring_case_are_refused_with_a_message(make, client, sign_in):
    tag(make, "Exports")
    other = tag(make, "Reporting")
    sign_in(make.staff())
    created = client.post("/admin/tags", data={"name": "EXPORTS", "colour": "grey"})
    assert created.status_code == 422
    assert "There is already a tag named “EXPORTS”." in created.text
    renamed = client.post(f"/admin/tags/{other.id}", data={"name": "exports", "colour": "grey"})
    assert renamed.status_code == 422
    assert "There is already a tag named" in renamed.text
    make.fresh()
    assert other.name == "Reporting"
    # Its own name in another case is a rename, not a duplicate.
    assert client.post(f"/admin/tags/{other.id}",
                       data={"name": "REPORTING", "colour": "grey"}).status_code == 302  # fmt: skip


def test_a_renamed_tag_keeps_its_link_and_a_new_tag_gets_a_numbered_slug(make, client, sign_in):
    board = make.board()
    idea = make.idea("Export to CSV", board=board)
    renamed = tag(make, "Export", idea)
    sign_in(make.staff())
    client.post(f"/admin/tags/{renamed.id}", data={"name": "Data out", "colour": "grey"})
    board = client.get(f"/boards/{board.slug}?tag=export").text
    assert "Export to CSV" in board  # the old link still filters by the renamed tag
    client.post("/admin/tags", data={"name": "Export", "colour": "grey"})
    new = make.session.scalar(select(Tag).where(Tag.name == "Export"))
    assert new.slug == "export-2"


def test_typing_a_renamed_tag_on_an_idea_finds_it_by_its_new_name(make, session):
    idea = make.idea()
    perf = tag(make, "Perf")
    tag_service.update_tag(session, actor=make.staff(), tag=perf, name="Speed", colour="red",
                           is_private=False)  # fmt: skip
    board = session.get(Board, idea.board_id)
    ideas.enrich_idea(session, idea=idea, actor=make.staff(), board=board,
                      kind=idea.kind, severity=None, owner_id=None,
                      tag_names=["speed", "Mobile app"])  # fmt: skip
    session.commit()
    assert perf.id in tag_ids_of(make, idea)
    assert session.scalar(select(func.count(Tag.id))) == 2  # Speed, and the new Mobile app


def test_merging_moves_every_idea_once_and_deletes_the_merged_tag(make, client, sign_in):
    both, only_source, only_target = make.idea("One"), make.idea("Two"), make.idea("Three")
    source = tag(make, "Perf", both, only_source)
    source_id = source.id
    target = tag(make, "Performance", both, only_target)
    sign_in(make.staff())
    merged = client.post(f"/admin/tags/{source.id}/merge", data={"target_id": target.id})
    assert merged.status_code == 302 and merged.location.endswith(f"/admin/tags/{target.id}")
    make.fresh()
    assert make.session.get(Tag, source_id) is None
    for idea in (both, only_source, only_target):
        assert tag_ids_of(make, idea) == [target.id]
    row = client.get("/admin/tags").text.split(f'id="tag-{target.id}"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row
    entry = make.session.scalar(select(AuditEntry).where(AuditEntry.action == "tag.merged"))
    assert entry.details["source_name"] == "Perf" and entry.details["ideas_moved"] == 1


def test_a_tag_cannot_be_merged_into_itself_or_into_a_tag_that_is_gone(make, client, sign_in):
    exports = tag(make, "Exports", make.idea())
    sign_in(make.staff())
    itself = client.post(f"/admin/tags/{exports.id}/merge", data={"target_id": exports.id})
    assert itself.status_code == 422
    gone = client.post(f"/admin/tags/{exports.id}/merge", data={"target_id": 2**31 - 1})
    assert gone.status_code == 422
    assert make.session.get(Tag, exports.id) is not None


def test_deleting_asks_first_then_removes_the_tag_from_its_ideas(make, client, sign_in):
    idea = make.idea("Export to CSV")
    doomed = tag(make, "Exports", idea)
    doomed_id = doomed.id
    sign_in(make.staff())
    page = client.get(f"/admin/tags/{doomed.id}/delete")
    assert page.status_code == 200 and "1 idea loses this tag." in page.text
    assert client.post(f"/admin/tags/{doomed.id}/delete").status_code == 422  # not confirmed
    assert make.session.get(Tag, doomed.id) is not None
    done = client.post(f"/admin/tags/{doomed.id}/delete", data={"confirm": "yes"})
    assert done.status_code == 302
    make.fresh()
    assert make.session.get(Tag, doomed_id) is None
    assert tag_ids_of(make, idea) == []
    assert actions(make)[-1] == "tag.deleted"
    assert client.get(f"/admin/tags/{doomed_id}").status_code == 404


@pytest.fixture
def private_world(make):
    """A public idea carrying a public and a private tag."""
    idea = make.idea("Export to CSV", board=make.board("Reports"))
    public = tag(make, "Exports", idea, colour="teal")
    secret = tag(make, "Churn risk", idea, colour="red", private=True)
    return idea, public, secret


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_customers_never_see_a_private_tag_on_the_board_its_filter_or_the_idea_page(
    make, client, sign_in, private_world, who
):
    idea, public, secret = private_world
    if who == "customer":
        sign_in(make.user("dana@acme.example"))
    board = f"/boards/{make.session.get(Board, idea.board_id).slug}"
    pages = [board, f"{board}?tag=exports", f"/ideas/{idea.id}", f"{board}?q=export"]
    for page in pages:
        html = client.get(page, follow_redirects=True).text
        assert "Exports" in html and "tag-teal" in html, page
        assert "Churn risk" not in html and secret.slug not in html and "tag-red" not in html, page


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_a_customer_filtering_by_a_private_tag_gets_what_an_unknown_tag_gives(
    make, client, sign_in, private_world, who
):
    idea, _, secret = private_world
    if who == "customer":
        sign_in(make.user("dana@acme.example"))
    board = f"/boards/{make.session.get(Board, idea.board_id).slug}"
    private = client.get(f"{board}?tag={secret.slug}")
    unknown = client.get(f"{board}?tag=no-such-tag")
    assert private.status_code == unknown.status_code == 200
    assert "Export to CSV" not in private.text
    # The pages' CSRF tokens carry the second they were made in: equal apart from those.
    tokenless = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrf_token" value="[^"]*"')
    assert tokenless.sub("", private.text.replace(secret.slug, "no-such-tag")) == tokenless.sub(
        "", unknown.text
    )


def test_staff_see_private_tags_marked_on_public_and_admin_pages(
    make, client, sign_in, private_world
):
    idea, _, secret = private_world
    sign_in(make.staff())
    board = f"/boards/{make.session.get(Board, idea.board_id).slug}"
    for page in [board, f"/ideas/{idea.id}", f"{board}?tag={secret.slug}", "/admin/ideas"]:
        html = client.get(page, follow_redirects=True).text
        assert "Churn risk" in html, page
        assert "private" in html.split("Churn risk")[1][:80], page
    assert "Export to CSV" in client.get(f"{board}?tag={secret.slug}").text


def test_follower_emails_of_an_idea_with_a_private_tag_do_not_name_it(
    make, session, private_world, smtp_server, deliver
):
    idea, _, _ = private_world
    follower = make.user("dana@acme.example")
    session.add(Follower(idea_id=idea.id, user_id=follower.id, reason=FollowReason.voted))
    session.commit()
    lifecycle.move_idea(session, idea=idea, actor=make.staff(), target=Stage.analyze,
                        public_message="We are looking at it.")  # fmt: skip
    session.commit()
    assert deliver() >= 1
    mail = smtp_server.to("dana@acme.example")
    assert mail, "the follower is told of the move"
    for message in mail:
        assert (
            "Churn risk" not in smtp_server.body(message) and "Churn risk" not in message["Subject"]
        )


def test_the_tags_page_runs_the_same_statements_whatever_the_tags_and_ideas(
    make, client, sign_in, count_queries
):
    sign_in(make.staff())
    tag(make, "Exports", make.idea("One"))

    def statements() -> int:
        with count_queries() as counter:
            assert client.get("/admin/tags").status_code == 200
        return counter.count

    few = statements()
    many_ideas = [make.idea(f"Idea number {n}") for n in range(8)]
    for n in range(6):
        tag(make, f"Tag {n}", *many_ideas, private=n % 2 == 0)
    assert statements() == few


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_customers_and_visitors_get_404_on_the_tag_pages(make, client, sign_in, who):
    exports = tag(make, "Exports")
    if who == "customer":
        sign_in(make.user())
    for path in ["/admin/tags", f"/admin/tags/{exports.id}", f"/admin/tags/{exports.id}/delete"]:
        assert client.get(path).status_code == 404
    assert client.post("/admin/tags", data={"name": "X", "colour": "grey"}).status_code == 404


@pytest.mark.parametrize(
    "name",
    ["Ex\x00ports", "🚀🚀", "x" * 10_000, "a\r\nb", "   ", "\u202eevil"],
)
def test_hostile_names_never_fail_the_server(make, client, sign_in, name):
    exports = tag(make, "Exports")
    sign_in(make.user("admin@vendor.example", role=Role.admin))
    for path in ["/admin/tags", f"/admin/tags/{exports.id}"]:
        answer = client.post(path, data={"name": name, "colour": "grey", "is_private": name})
        assert answer.status_code in (302, 400, 422), (path, answer.status_code)  # 400: NUL
    for value in [name, "99999999999999999999999", "-1", "1e9"]:
        answer = client.post(f"/admin/tags/{exports.id}/merge", data={"target_id": value})
        assert answer.status_code in (400, 422)
    for path in [f"/admin/tags/{2**31}", "/admin/tags/99999999999999999999/delete"]:
        assert client.get(path).status_code == 404
    assert client.get(f"/boards/{make.board().slug}?tag={name}").status_code in (200, 400)
    for saved in make.session.scalars(select(Tag)):
        assert "\x00" not in saved.name and len(saved.name) <= 40 and saved.slug
