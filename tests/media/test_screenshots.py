"""Customers attach screenshots to ideas and comments: checked, re-encoded, stored under random
keys and served only to those who may see the idea."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from portal.accounts.models import Role
from portal.ideas import moderation
from portal.ideas.models import Comment, Visibility
from portal.media.models import Attachment
from tests.media.pictures import (
    decompression_bomb,
    gif_with_html_appended,
    jpeg_with_exif,
    opened,
    picture,
    png_with_text_chunk,
)

IMAGE_LINK = re.compile(r'href="(/ideas/\d+/images/([A-Za-z0-9_-]+))"')
THUMBNAIL = re.compile(r'src="(/ideas/\d+/images/[A-Za-z0-9_-]+/thumbnail)"')


def files(*pairs):
    return [(io.BytesIO(data), name) for data, name in pairs]


def post_idea(client, board, *uploads, title="Export reports to PDF files"):
    return client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": title, "body": "Look at these", "kind": "feature",
              "screenshots": files(*uploads)},
        content_type="multipart/form-data",
    )  # fmt: skip


def stored_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def image_links(client, url) -> list[str]:
    return [link for link, _key in IMAGE_LINK.findall(client.get(url).text)]


@pytest.fixture
def author(make, sign_in):
    person = make.user("casey@example.com")
    sign_in(person)
    return person


def test_a_customer_posts_an_idea_with_screenshots_shown_as_thumbnails(
    app, make, client, author, session
):
    board = make.board("Reports")
    response = post_idea(client, board, (picture("PNG"), "first shot.png"),
                         (picture("JPEG", size=(800, 600)), "Übersicht.jpg"))  # fmt: skip
    assert response.status_code == 302
    page = client.get(response.location).text
    links = IMAGE_LINK.findall(page)
    assert len(links) == 2 and len(THUMBNAIL.findall(page)) == 2
    first, second = (link for link, _key in links)
    assert all(len(key) >= 32 for _link, key in links), "URLs carry random keys, not ids"
    full = client.get(second)
    assert full.status_code == 200
    assert full.mimetype == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Content-Disposition"] == 'inline; filename="Ubersicht.jpg"'
    assert opened(full.data).size == (800, 600)
    thumbnail = client.get(second + "/thumbnail")
    assert thumbnail.status_code == 200 and max(opened(thumbnail.data).size) <= 320
    assert client.get(first).mimetype == "image/png"
    assert len(stored_files(app)) == 4  # two images and their thumbnails


def test_a_comment_carries_its_own_screenshots(make, client, author):
    idea = make.idea(author=make.user())
    response = client.post(
        f"/ideas/{idea.id}/comments",
        data={"body": "Here it breaks", "screenshots": files((picture("WEBP"), "bug.webp"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    comment_part = page.split('class="comment-body"')[1]
    [(link, _key)] = IMAGE_LINK.findall(comment_part)
    served = client.get(link)
    assert served.mimetype == "image/webp" and opened(served.data).format == "WEBP"


@pytest.mark.parametrize(
    "polyglot", [png_with_text_chunk(), gif_with_html_appended()], ids=["png-text", "gif+html"]
)
def test_an_image_carrying_html_and_script_is_served_as_clean_pixels(
    make, client, author, polyglot
):
    assert b"<script" in polyglot
    response = post_idea(client, make.board(), (polyglot, "innocent.html"))
    assert response.status_code == 302
    [link] = image_links(client, response.location)
    served = client.get(link)
    assert served.status_code == 200
    assert b"<script" not in served.data and b"<html" not in served.data
    assert served.mimetype == "image/png"  # GIF becomes PNG; never text/html
    assert served.headers["Content-Disposition"] == 'inline; filename="innocent.png"'
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert opened(served.data).size == (40, 30)


def test_exif_is_stripped_after_turning_the_picture_upright(make, client, author):
    upload = jpeg_with_exif(orientation=6)
    assert b"SpyCam" in upload
    response = post_idea(client, make.board(), (upload, "photo.jpg"))
    [link] = image_links(client, response.location)
    served = client.get(link).data
    assert b"SpyCam" not in served and b"SecretSoftware" not in served
    image = opened(served)
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40), "rotated by its orientation before the EXIF went"


def refused(app, session, response, message: str):
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert session.scalar(select(Attachment.id)) is None, "no row was written"
    assert stored_files(app) == [], "no file was left behind"


def test_an_image_over_five_megabytes_is_refused_and_nothing_is_stored(
    app, make, client, author, session
):
    big = picture("PNG") + b"\0" * (5 * 1024 * 1024)  # a valid image, too many bytes
    response = post_idea(client, make.board(), (picture("PNG"), "ok.png"), (big, "big.png"))
    refused(app, session, response, "Each image may be at most 5 MB.")
    assert "Export reports to PDF files" in response.text, "the form keeps what was typed"
    assert session.execute(text("SELECT count(*) FROM idea")).scalar() == 0


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(
    app, make, client, author, session
):
    board = make.board()
    for data, name in [(b"<html><script>alert(1)</script></html>", "shot.png"),
                       (b"%PDF-1.4 not a picture", "report.pdf"),
                       (b"", "empty.png"),
                       (picture("BMP"), "old.bmp"),
                       (picture("TIFF"), "scan.tiff"),
                       (picture("PNG")[:60], "cut.png")]:  # fmt: skip
        response = post_idea(client, board, (data, name))
        assert response.status_code == 422, name
        assert "field-error" in response.text, name
    refused(app, session, response, "damaged")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, make, client, author, session):
    board = make.board()
    for side in (8_000, 30_000):  # beyond our 40 megapixels; beyond Pillow's own limit
        bomb = decompression_bomb(side)
        assert len(bomb) < 100_000
        response = post_idea(client, board, (bomb, "tiny.png"))
        refused(app, session, response, "at most 40 megapixels")


def test_at_most_five_images_go_with_one_idea(app, make, client, author, session):
    six = [(picture("PNG"), f"{n}.png") for n in range(6)]
    response = post_idea(client, make.board(), *six)
    refused(app, session, response, "Attach at most 5 images.")


def test_a_refused_idea_leaves_no_file_behind(app, make, client, author, session):
    board = make.board()
    make.idea("Export reports to PDF files", board=board, author=make.user())
    response = post_idea(client, board, (picture("PNG"), "dup.png"))
    assert response.status_code == 422 and "vote" in response.text
    assert session.scalar(select(Attachment.id)) is None
    assert stored_files(app) == []


def test_a_form_without_files_posts_as_before(make, client, author):
    board = make.board()
    response = client.post(
        f"/boards/{board.slug}/ideas/new",
        data={"title": "Plain words only please", "body": "", "kind": "feature"},
    )
    assert response.status_code == 302
    assert image_links(client, response.location) == []


def attach_to_idea(app, session, idea, uploader):
    from tests.security.conftest import attach_screenshot

    key = attach_screenshot(app, session, idea.id, uploader.id)
    return f"/ideas/{idea.id}/images/{key}"


def test_screenshots_are_served_only_to_people_who_may_see_the_idea(
    app, make, session, client, sign_in
):
    acme = make.organisation("Acme", domain="acme.example")
    member, outsider = make.user("m@acme.example"), make.user("o@globex.example")
    staff = make.user("s@vendor.example", role=Role.staff)
    board = make.board("Acme only", visibility=Visibility.organisations, organisations=[acme])
    idea = make.idea("Acme's private need", board=board, author=member)
    url = attach_to_idea(app, session, idea, member)
    public_idea = make.idea("Something public", author=member)

    assert client.get(url).status_code == 404  # anonymous
    assert client.get(url + "/thumbnail").status_code == 404
    for person, status in [(outsider, 404), (member, 200), (staff, 200)]:
        sign_in(person)
        assert client.get(url).status_code == status, person.email
        assert client.get(url + "/thumbnail").status_code == status, person.email
    # The key of one idea's image under another idea's number is not found either.
    key = url.rsplit("/", 1)[1]
    assert client.get(f"/ideas/{public_idea.id}/images/{key}").status_code == 404
    assert client.get(f"/ideas/{idea.id}/images/{'x' * 32}").status_code == 404
    assert client.get(f"/ideas/{idea.id}/images/..%2F..%2Fsecret_key").status_code == 404


def test_a_deleted_ideas_screenshots_are_gone_for_everyone(app, make, session, client, sign_in):
    author = make.user()
    admin = make.user("admin@vendor.example", role=Role.admin)
    idea = make.idea(author=author)
    url = attach_to_idea(app, session, idea, author)
    sign_in(author)
    assert client.get(url).status_code == 200
    with app.app_context():
        moderation.delete_idea(session, idea=idea, staff=admin, reason="spam")
        session.commit()
    for person in (author, admin):
        sign_in(person)
        assert client.get(url).status_code == 404
        assert client.get(url + "/thumbnail").status_code == 404


def test_a_hidden_comments_screenshots_are_for_moderators_only(app, make, session, client, sign_in):
    author, staff = make.user(), make.user("s@vendor.example", role=Role.staff)
    idea = make.idea(author=author)
    sign_in(author)
    client.post(
        f"/ideas/{idea.id}/comments",
        data={"body": "See this", "screenshots": files((picture("PNG"), "a.png"))},
        content_type="multipart/form-data",
    )
    comment = session.scalar(select(Comment).where(Comment.idea_id == idea.id))
    [link] = image_links(client, f"/ideas/{idea.id}-{idea.slug}")
    sign_in(staff)
    client.post(f"/ideas/{idea.id}/comments/{comment.id}/hide", data={"action": "on"})
    assert client.get(link).status_code == 200
    assert link in client.get(f"/ideas/{idea.id}-{idea.slug}").text
    sign_in(author)
    assert client.get(link).status_code == 404
    assert link not in client.get(f"/ideas/{idea.id}-{idea.slug}").text


def test_the_idea_page_reads_every_screenshot_in_one_statement(
    app, make, session, client, sign_in, count_queries
):
    idea = make.idea()
    viewer = make.user()
    sign_in(viewer)

    def comment_with_image():
        client.post(
            f"/ideas/{idea.id}/comments",
            data={"body": "More", "screenshots": files((picture("PNG"), "s.png"))},
            content_type="multipart/form-data",
        )

    attach_to_idea(app, session, idea, viewer)
    comment_with_image()
    with count_queries() as few:
        client.get(f"/ideas/{idea.id}-{idea.slug}")
    for _ in range(5):
        attach_to_idea(app, session, idea, viewer)
        comment_with_image()
    with count_queries() as many:
        page = client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert few.count == many.count
    assert len(THUMBNAIL.findall(page)) == 12
    statements = [s for s in many.statements if "FROM attachment" in s]
    assert len(statements) == 1


def test_the_screenshot_statement_is_served_by_its_index(app, session):
    if session.bind.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plan = session.execute(
        text(
            "EXPLAIN QUERY PLAN SELECT key FROM attachment WHERE idea_id = 1 "
            "AND (comment_id IS NULL OR comment_id IN (1, 2)) ORDER BY id"
        )
    ).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_attachment_idea_comment" in details and "SCAN attachment" not in details


def test_odd_file_names_are_made_safe_to_show_and_to_send_back(make, client, author):
    response = post_idea(
        client, make.board(),
        (picture("PNG"), '../../etc/pass"wd\r\nX-Evil: 1 😀.png'),
        (picture("PNG"), "\u202egnp.exe"),
    )  # fmt: skip
    assert response.status_code == 302
    first, second = image_links(client, response.location)
    assert re.fullmatch(
        r'inline; filename="[A-Za-z0-9._-]+\.png"', client.get(first).headers["Content-Disposition"]
    )
    assert client.get(second).headers["Content-Disposition"] == 'inline; filename="gnp.png"'


def test_a_request_larger_than_all_allowed_images_is_refused_with_a_clear_page(
    app, make, client, author, session
):
    app.config["UPLOAD_MAX_BYTES"] = 10_000  # so the test sends little
    big = [(b"\0" * 1_200_000, "big.png")]
    response = post_idea(client, make.board(), *big)
    assert response.status_code == 413
    assert "Attach at most 5 images of at most 5 MB each" in response.text
    assert session.scalar(select(Attachment.id)) is None


def test_deleting_a_comment_deletes_its_screenshots(app, make, session, client, author):
    idea = make.idea(author=make.user())
    client.post(
        f"/ideas/{idea.id}/comments",
        data={"body": "Oops, wrong idea", "screenshots": files((picture("PNG"), "a.png"))},
        content_type="multipart/form-data",
    )
    [link] = image_links(client, f"/ideas/{idea.id}-{idea.slug}")
    assert len(stored_files(app)) == 2
    comment = session.scalar(select(Comment).where(Comment.idea_id == idea.id))
    response = client.post(f"/ideas/{idea.id}/comments/{comment.id}/delete")
    assert response.status_code == 302
    assert client.get(link).status_code == 404
    session.rollback()  # a fresh look, not the snapshot of the read above
    assert session.scalar(select(Attachment.id)) is None
    assert stored_files(app) == []
