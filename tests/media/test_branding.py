"""Admins brand the portal: its name, logo, accent colour and welcome text, on every page and
in every email."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.settings.models import Setting
from portal.web.security import CONTENT_SECURITY_POLICY
from tests.media.pictures import SCRIPT, decompression_bomb, opened, picture, png_with_text_chunk

PAGE = "/admin/settings/branding"
LOGO = re.compile(r'<img src="(/branding/logo/([A-Za-z0-9_-]+))"')


def brand(client, *, name="Acme Feedback", accent="#0B7285", welcome="", logo=None, **more):
    data = {"name": name, "accent": accent, "welcome": welcome, **more}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return client.post(PAGE, data=data, content_type="multipart/form-data")


@pytest.fixture
def admin(make, sign_in):
    person = make.user("admin@vendor.example", role=Role.admin, name="Ada Admin")
    sign_in(person)
    return person


def stored(session) -> dict | None:
    session.expire_all()
    row = session.get(Setting, "branding")
    value = row.value if row else None
    session.rollback()
    return value


def test_the_settings_page_links_to_the_branding_page(client, admin):
    assert f'href="{PAGE}"' in client.get("/admin/settings").text
    page = client.get(PAGE)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text


def test_an_admin_brands_the_portal_and_every_page_shows_it(app, make, client, admin, session):
    response = brand(
        client,
        welcome="**Welcome**, Acme customers!\n\n<script>alert(1)</script>[x](javascript:alert(1))",
        logo=(picture("PNG", size=(120, 40)), "acme logo.png"),
    )
    assert response.status_code == 302
    home = client.get("/")
    assert "<title>Boards · Acme Feedback</title>" in home.text
    assert "<strong>Acme Feedback</strong>" in home.text
    assert "<strong>Welcome</strong>, Acme customers!" in home.text
    assert "<script>alert" not in home.text and "javascript:" not in home.text
    [(logo_url, _key)] = LOGO.findall(home.text)
    logo = client.get(logo_url)
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert logo.headers["Content-Disposition"] == 'inline; filename="acme-logo.png"'
    assert opened(logo.data).size == (120, 40)
    # The colour comes as a stylesheet of its own: the CSP still allows no inline style.
    [css] = re.findall(r'href="(/branding\.css\?v=[0-9a-f]{6})"', home.text)
    assert home.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    served = client.get(css)
    assert served.mimetype == "text/css" and "--feedloop-accent:#0b7285" in served.text
    assert "style=" not in home.text
    # Anonymous visitors and other pages see the same name.
    client.post("/logout")
    board = make.board("Reports")
    page = client.get(f"/boards/{board.slug}").text
    assert "· Acme Feedback</title>" in page and logo_url in page
    assert client.get(logo_url).status_code == 200


def test_branding_changes_are_audited(client, admin, session):
    brand(client, name="Acme Feedback", accent="#123abc", welcome="Hello")
    brand(client, name="Acme Ideas", accent="", welcome="Hello")
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "branding.updated").order_by(AuditEntry.id)
    ).all()
    assert [e.actor_id for e in entries] == [admin.id, admin.id]
    assert entries[0].details["name"] == "Acme Feedback"
    assert entries[1].details == {"name": "Acme Ideas", "accent": ""}


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"accent": "red"}, "Use # and six hexadecimal digits."),
        ({"accent": "#12345g"}, "Use # and six hexadecimal digits."),
        ({"accent": "#fff;}body{x"}, "Use # and six hexadecimal digits."),
        ({"name": "   "}, "Give the portal a name."),
        ({"name": "N" * 61}, "Use at most 60 characters."),
        ({"welcome": "w" * 5001}, "Keep it under 5,000 characters."),
    ],
)
def test_a_wrong_value_re_renders_the_form_and_stores_nothing(
    client, admin, session, fields, message
):
    response = brand(client, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert stored(session) is None


def test_a_logo_is_checked_and_re_encoded_like_any_upload(app, client, admin, session):
    for data, name, message in [
        (b"<svg onload=alert(1)></svg>", "logo.svg", "not an image we accept"),
        (decompression_bomb(8_000), "logo.png", "at most 40 megapixels"),
        (picture("PNG") + b"\0" * (5 * 1024 * 1024), "logo.png", "at most 5 MB"),
    ]:
        response = brand(client, logo=(data, name))
        assert response.status_code == 422 and message in response.text, name
    assert stored(session) is None
    assert not list(Path(app.config["MEDIA_ROOT"]).rglob("*.*"))
    brand(client, logo=(png_with_text_chunk(), "logo.png"))
    [(url, _key)] = LOGO.findall(client.get("/").text)
    assert SCRIPT[:7] not in client.get(url).data


def test_a_new_logo_replaces_the_old_one_and_it_can_be_removed(app, client, admin, session):
    brand(client, logo=(picture("PNG"), "one.png"))
    [(first, first_key)] = LOGO.findall(client.get("/").text)
    brand(client, logo=(picture("JPEG"), "two.jpg"))
    [(second, _)] = LOGO.findall(client.get("/").text)
    assert second != first
    assert client.get(first).status_code == 404
    files = [p.name for p in Path(app.config["MEDIA_ROOT"]).rglob("*") if p.is_file()]
    assert first_key not in files, "the old logo's file is deleted"
    brand(client)  # no new file: the logo stays
    assert LOGO.findall(client.get("/").text)[0][0] == second
    brand(client, remove_logo="y")
    assert LOGO.findall(client.get("/").text) == []
    assert client.get(second).status_code == 404


def test_staff_may_not_change_the_branding(make, client, sign_in, session):
    sign_in(make.user("s@vendor.example", role=Role.staff))
    assert client.get(PAGE).status_code == 403
    assert brand(client).status_code == 403
    assert stored(session) is None
    assert PAGE not in client.get("/admin/settings").text


def test_emails_carry_the_portals_name_and_logo(app, make, client, admin, deliver, smtp_server):
    brand(client, name="Acme Feedback", logo=(picture("PNG"), "logo.png"))
    client.post("/logout")
    make.user("casey@example.com", name="Casey")
    client.post("/password/forgot", data={"email": "casey@example.com"})
    assert deliver() == 1
    [message] = smtp_server.to("casey@example.com")
    assert message["From"].addresses[0].display_name == "Acme Feedback"
    assert message["From"].addresses[0].addr_spec == "no-reply@feedloop.localhost"
    assert message["Subject"] == "Choose a new Acme Feedback password"
    text = smtp_server.body(message).replace("\r\n", "\n")
    assert text.rstrip().endswith("-- \nAcme Feedback")
    html = message.get_body(preferencelist=("html",)).get_content()
    [(logo_path, _key)] = LOGO.findall(client.get("/").text)
    assert f'<img src="http://portal.test{logo_path}" alt="Acme Feedback"' in html


def test_without_branding_emails_keep_the_configured_sender(make, client, deliver, smtp_server):
    make.user("casey@example.com")
    client.post("/password/forgot", data={"email": "casey@example.com"})
    deliver()
    [message] = smtp_server.to("casey@example.com")
    assert str(message["From"]) == "Feedloop <no-reply@feedloop.localhost>"
    assert message["Subject"] == "Choose a new Feedloop password"
