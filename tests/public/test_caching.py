"""Static files are linked by content hash and kept a year; pages say what they vary on."""

import re

from portal.accounts.models import Role


def test_static_files_are_linked_with_their_content_hash_and_cached_for_a_year(client):
    page = client.get("/").text
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links and all(re.search(r"\?v=[0-9a-f]{12}$", link) for link in links), links
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_stale_or_missing_hash_is_not_cached_for_a_year(client):
    link = re.search(r'href="(/static/css/feedloop\.css)\?v=[0-9a-f]+"', client.get("/").text)
    plain = client.get(link.group(1))
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    stale = client.get(link.group(1) + "?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_pages_vary_on_the_person_the_language_and_htmx(client, make, sign_in):
    vary = {v.strip() for v in client.get("/").headers["Vary"].split(",")}
    assert {"Cookie", "Accept-Language", "HX-Request"} <= vary
    sign_in(make.user(role=Role.staff))
    admin = client.get("/admin/ideas")
    assert admin.headers["Cache-Control"] == "no-store"
