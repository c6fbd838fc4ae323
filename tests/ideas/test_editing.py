"""Authors edit their idea for 30 minutes; staff edit any idea, keeping the earlier text; a title
already open on the board is refused with a link to vote there instead."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.ideas.models import Comment, Idea, IdeaRevision, Visibility
from portal.lifecycle.stages import Stage


def test_an_author_edits_their_idea_within_30_minutes_only(make, client, sign_in, session):
    author = make.user()
    posted_at = utcnow()
    with time_machine.travel(posted_at, tick=False):
        idea = make.idea("Export reports to CSV", author=author)
    sign_in(author)
    with time_machine.travel(posted_at + timedelta(minutes=29), tick=False):
        assert "Edit this idea" in client.get(f"/ideas/{idea.id}-{idea.slug}").text
        form = client.get(f"/ideas/{idea.id}/edit")
        assert form.status_code == 200 and "Export reports to CSV" in form.text
        saved = client.post(
            f"/ideas/{idea.id}/edit",
            data={"title": "Export every report to CSV", "body": "Monthly, for finance."},
        )
        assert saved.status_code == 302
        assert saved.headers["Location"].endswith(f"/ideas/{idea.id}-export-every-report-to-csv")
    with time_machine.travel(posted_at + timedelta(minutes=31), tick=False):
        page = client.get(f"/ideas/{idea.id}-export-every-report-to-csv").text
        assert "Export every report to CSV" in page and "Monthly, for finance." in page
        assert "Edit this idea" not in page
        late = client.post(
            f"/ideas/{idea.id}/edit", data={"title": "Too late a title", "body": ""},
            follow_redirects=True,
        )  # fmt: skip
        assert "30 minutes" in late.text
    make.fresh()
    assert session.get(Idea, idea.id).title == "Export every report to CSV"


def test_someone_else_cannot_edit_an_idea(make, client, sign_in, session):
    idea = make.idea("Export reports to CSV")
    sign_in(make.user())
    client.post(f"/ideas/{idea.id}/edit", data={"title": "Vandalised title", "body": "x"})
    make.fresh()
    assert session.get(Idea, idea.id).title == "Export reports to CSV"


def test_the_old_slug_redirects_to_the_edited_title(make, client, sign_in):
    author = make.user()
    idea = make.idea("Dark mode for the editor", author=author)
    sign_in(author)
    client.post(f"/ideas/{idea.id}/edit", data={"title": "Night theme for the editor", "body": ""})
    old = client.get(f"/ideas/{idea.id}-dark-mode-for-the-editor")
    assert old.status_code == 301
    assert old.headers["Location"].endswith(f"/ideas/{idea.id}-night-theme-for-the-editor")


def test_search_follows_an_edited_title(make, client, sign_in):
    author = make.user()
    idea = make.idea("Dark mode for the editor", author=author)
    sign_in(author)
    client.post(f"/ideas/{idea.id}/edit", data={"title": "Night theme for the editor", "body": ""})
    found = client.get("/ideas/similar", query_string={"title": "night theme"}).text
    assert "Night theme for the editor" in found
    assert "Night theme" not in client.get("/ideas/similar", query_string={"title": "dark"}).text


def test_staff_edit_any_idea_and_its_earlier_text_is_kept_for_staff(make, client, sign_in, session):
    with time_machine.travel(utcnow() - timedelta(days=3)):  # long past the author's window
        idea = make.idea("Export reports to CSV", body="First words.")
    staff = make.staff()
    sign_in(staff)
    saved = client.post(
        f"/admin/ideas/{idea.id}/edit",
        data={"title": "Export reports as CSV files", "body": "Clearer words."},
    )
    assert saved.status_code == 302
    page = client.get(f"/admin/ideas/{idea.id}").text
    assert "Earlier versions" in page and "Export reports to CSV" in page
    assert "First words." in page and "Sam Staff" in page
    [revision] = session.scalars(select(IdeaRevision)).all()
    assert (revision.title, revision.body, revision.editor_id) == (
        "Export reports to CSV", "First words.", staff.id
    )  # fmt: skip
    edited = session.scalar(select(AuditEntry).where(AuditEntry.action == "idea.edited"))
    assert (edited.actor_id, edited.target_id) == (staff.id, idea.id)
    public = client.get(f"/ideas/{idea.id}-export-reports-as-csv-files").text
    assert "Clearer words." in public and "Earlier versions" not in public


def test_a_title_already_open_on_the_board_is_refused_with_a_link_to_vote(
    make, client, sign_in, session
):
    board = make.board()
    existing = make.idea("Export reports to CSV", board=board)
    sign_in(make.user())
    refused = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "  export   REPORTS to csv ", "body": "", "kind": "feature"},
    )
    assert refused.status_code == 422
    assert "vote for it instead" in refused.text
    assert f'href="/ideas/{existing.id}-{existing.slug}"' in refused.text
    assert session.scalar(select(Idea.id).where(Idea.id != existing.id)) is None


def test_a_closed_or_declined_title_may_be_posted_again(make, client, sign_in, session):
    board = make.board()
    make.idea("Export reports to CSV", board=board, stage=Stage.declined)
    sign_in(make.user())
    posted = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Export reports to CSV", "body": "", "kind": "feature"},
    )
    assert posted.status_code == 302


def test_editing_into_an_open_title_is_refused_too(make, client, sign_in, session):
    board = make.board()
    existing = make.idea("Export reports to CSV", board=board)
    author = make.user()
    mine = make.idea("Something about reports", board=board, author=author)
    sign_in(author)
    refused = client.post(
        f"/ideas/{mine.id}/edit", data={"title": "EXPORT reports to CSV", "body": ""}
    )
    assert refused.status_code == 422
    assert f'href="/ideas/{existing.id}-{existing.slug}"' in refused.text
    make.fresh()
    assert session.get(Idea, mine.id).title == "Something about reports"


def test_an_author_deletes_their_own_comment_and_the_count_follows(make, client, sign_in, session):
    idea = make.idea()
    author = make.user()
    sign_in(author)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Oops, wrong idea"})
    client.post(f"/ideas/{idea.id}/comments", data={"body": "This one stays"})
    first = session.scalar(select(Comment).where(Comment.body == "Oops, wrong idea"))
    sign_in(make.user())  # someone else: no such button, and the POST finds nothing
    assert client.post(f"/ideas/{idea.id}/comments/{first.id}/delete").status_code == 404
    sign_in(author)
    assert client.post(f"/ideas/{idea.id}/comments/{first.id}/delete").status_code == 302
    assert client.post(f"/ideas/{idea.id}/comments/{first.id}/delete").status_code == 404
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert "Oops, wrong idea" not in page and "This one stays" in page and "1 comment" in page
    make.fresh()
    assert session.get(Idea, idea.id).comment_count == 1


def test_staff_delete_any_comment_even_a_hidden_one_and_the_count_stays_right(
    make, client, sign_in, session
):
    idea = make.idea()
    sign_in(make.user())
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Buy cheap watches"})
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Spam again"})
    spam, again = session.scalars(select(Comment).order_by(Comment.id)).all()
    sign_in(make.staff())
    client.post(f"/ideas/{idea.id}/comments/{spam.id}/hide", data={"action": "on"})
    assert client.post(f"/ideas/{idea.id}/comments/{spam.id}/delete").status_code == 302
    assert client.post(f"/ideas/{idea.id}/comments/{again.id}/delete").status_code == 302
    make.fresh()
    assert session.get(Idea, idea.id).comment_count == 0
    assert session.scalar(select(Comment.id)) is None
    assert "Spam again" not in client.get(f"/ideas/{idea.id}-{idea.slug}").text


def test_hostile_edits_never_answer_500(make, client, sign_in):
    author = make.user()
    idea = make.idea(author=author)
    sign_in(author)
    for title in ("\x00\x00\x00\x00\x00\x00", "🙂" * 200, "Line\r\nbreak title", "x" * 5000):
        response = client.post(f"/ideas/{idea.id}/edit", data={"title": title, "body": "\x00"})
        assert response.status_code in (302, 400, 422)
    for path in (f"/ideas/{idea.id}/comments/99999999999999999999/delete",
                 "/ideas/99999999999999999999/edit"):  # fmt: skip
        assert client.post(path).status_code == 404


def test_a_released_idea_still_counts_as_open_for_the_duplicate_title(make, client, sign_in):
    board = make.board()
    released = make.idea("Export reports to CSV", board=board, stage=Stage.verify)
    sign_in(make.user())
    refused = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Export Reports To CSV", "body": "", "kind": "feature"},
    )
    assert refused.status_code == 422
    assert f'href="/ideas/{released.id}-{released.slug}"' in refused.text


def test_an_idea_the_person_may_not_see_neither_refuses_nor_shows_its_title(make, client, sign_in):
    board = make.board()
    make.idea("Export reports to CSV", board=board, visibility=Visibility.internal)
    sign_in(make.user())
    posted = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Export reports to CSV", "body": "", "kind": "feature"},
    )
    assert posted.status_code == 302
