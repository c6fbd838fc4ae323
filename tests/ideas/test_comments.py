import re
from datetime import timedelta

from sqlalchemy import insert, select, update

from portal.accounts.models import Role
from portal.db import utcnow
from portal.ideas.models import Comment, Follower, Idea


def test_comment_markdown_is_rendered_and_sanitised(make, client, sign_in, session):
    idea = make.idea()
    commenter = make.user(name="Dana")
    sign_in(commenter)
    body = "**Yes** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": body})
    assert response.status_code == 302
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "<strong>Yes</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
    make.fresh()
    assert session.get(Idea, idea.id).comment_count == 1
    follower = session.scalar(select(Follower).filter_by(idea_id=idea.id, user_id=commenter.id))
    assert follower.reason == "commented"


def test_empty_comment_is_refused_with_a_message(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user())
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "  "})
    assert response.status_code == 422
    assert "Write something first." in response.get_data(as_text=True)
    assert session.scalar(select(Comment.id)) is None


def test_author_edits_a_comment_within_15_minutes_only(make, client, sign_in, session):
    idea = make.idea()
    author = make.user()
    sign_in(author)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "First draft"})
    comment = session.scalar(select(Comment))
    edit_url = f"/ideas/{idea.id}/comments/{comment.id}/edit"

    assert client.post(edit_url, data={"body": "Second draft"}).status_code == 302
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Second draft" in page and "edited" in page

    sign_in(make.user())
    client.post(edit_url, data={"body": "Vandalised"})
    sign_in(author)
    session.execute(update(Comment).values(created_at=utcnow() - timedelta(minutes=16)))
    session.commit()
    response = client.post(edit_url, data={"body": "Too late"}, follow_redirects=True)
    assert "15 minutes" in response.get_data(as_text=True)
    make.fresh()
    assert session.get(Comment, comment.id).body == "Second draft"


def test_staff_hide_a_comment_from_customers_and_show_it_again(make, client, sign_in, session):
    idea = make.idea()
    customer = make.user()
    sign_in(customer)
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Rude words"})
    comment = session.scalar(select(Comment))
    hide_url = f"/ideas/{idea.id}/comments/{comment.id}/hide"

    assert client.post(hide_url, data={"action": "on"}).status_code == 404  # customers can't

    sign_in(make.user(role=Role.staff))
    client.post(hide_url, data={"action": "on"})
    staff_view = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Rude words" in staff_view and "hidden from customers" in staff_view

    sign_in(customer)
    assert "Rude words" not in client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    make.fresh()
    assert session.get(Idea, idea.id).comment_count == 0

    sign_in(make.user(role=Role.staff))
    client.post(hide_url, data={"action": "off"})
    sign_in(customer)
    assert "Rude words" in client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)


def test_follow_and_unfollow_buttons(make, client, sign_in):
    idea = make.idea()
    sign_in(make.user())
    url = f"/ideas/{idea.id}-{idea.slug}"
    assert ">\n          Follow\n" in client.get(url).get_data(as_text=True).replace(
        "  Follow", "  Follow"
    )
    response = client.post(
        f"/ideas/{idea.id}/follow", data={"action": "on"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert html.strip().startswith(f'<form id="follow-button-{idea.id}"')
    assert "Unfollow" in html
    client.post(f"/ideas/{idea.id}/follow", data={"action": "off"})
    assert "Unfollow" not in client.get(url).get_data(as_text=True)


def test_a_long_conversation_shows_its_latest_comments_and_pages_back(make, client, session):
    idea = make.idea()
    author = make.user()
    start = utcnow() - timedelta(days=30)
    for number in range(1, 121):  # written out of id order: pages follow the time
        moment = start + timedelta(hours=121 - number if number % 7 == 0 else number)
        session.add(Comment(idea_id=idea.id, author_id=author.id, body=f"Remark {number:03d}.",
                            created_at=moment))  # fmt: skip
    session.commit()
    in_order = [
        body[7:10]
        for body in session.scalars(
            select(Comment.body)
            .where(Comment.idea_id == idea.id)
            .order_by(Comment.created_at, Comment.id)
        )
    ]

    def remarks(page: str) -> list[str]:
        return re.findall(r"Remark (\d{3})\.", page)

    def earlier_link(page: str) -> str | None:
        found = re.search(r'href="([^"]*before=\d+[^"]*)"', page)
        return found.group(1).replace("&amp;", "&") if found else None

    latest = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert remarks(latest) == in_order[-50:]  # the newest fifty, oldest first
    assert "Show the latest comments" not in latest
    middle = client.get(earlier_link(latest)).text
    assert remarks(middle) == in_order[-100:-50]
    assert "Show the latest comments" in middle
    first = client.get(earlier_link(middle)).text
    assert remarks(first) == in_order[:20] and earlier_link(first) is None

    for nonsense in ("999999999", "99999999999999999999", "-3", "x"):
        response = client.get(f"/ideas/{idea.id}-{idea.slug}?before={nonsense}")
        assert response.status_code == 200


def test_a_comment_keeps_its_sanitised_html_and_one_loaded_without_it_still_reads_right(
    make, client, sign_in, session
):
    idea = make.idea()
    sign_in(make.user())
    client.post(f"/ideas/{idea.id}/comments", data={"body": "**Stored** <script>x()</script>"})
    stored = session.scalar(select(Comment))
    assert stored.body_html == "<p><strong>Stored</strong> </p>"
    # A bulk load (the bench's) writes rows without the ORM, so without their HTML.
    session.execute(
        insert(Comment).values(
            idea_id=idea.id, author_id=stored.author_id, body="_Loaded_ <script>y()</script>",
            is_internal=False, created_at=utcnow(),
        )
    )  # fmt: skip
    session.commit()
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert "<strong>Stored</strong>" in page and "<em>Loaded</em>" in page
    assert "x()" not in page and "y()" not in page
