"""Only staff know the admin area exists; only admins change admin-only settings."""

import re

import pytest

from portal.accounts.models import Role


def admin_urls(app) -> list[tuple[str, set[str]]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            path = re.sub(r"<(?:int:)?\w+>", "1", rule.rule)
            urls.append((path, rule.methods - {"HEAD", "OPTIONS"}))
    return urls


def test_the_admin_area_has_the_pages_the_product_needs(app):
    paths = {path for path, _methods in admin_urls(app)}
    for page in ("/admin/inbox", "/admin/ideas", "/admin/review", "/admin/organisations",
                 "/admin/settings", "/admin/audit"):  # fmt: skip
        assert page in paths


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_customers_and_visitors_get_404_on_every_admin_url(app, make, client, sign_in, who):
    make.idea()
    if who == "customer":
        sign_in(make.user())
    checked = 0
    for path, methods in admin_urls(app):
        for method in methods:
            response = client.open(path, method=method, data={"idea_id": "1", "target": "analyze"})
            assert response.status_code == 404, f"{method} {path} answered {response.status_code}"
            checked += 1
    assert checked > 20


ADMIN_ONLY_PAGES = {"/admin/audit", "/admin/outbox", "/admin/subscribers", "/admin/subscribers.csv",
                    "/admin/people", "/admin/people/1", "/admin/people/invite",
                    "/admin/ideas/deleted", "/admin/settings/access",
                    "/admin/settings/branding"}  # fmt: skip


def test_staff_open_every_admin_page_but_the_audit_log_outbox_and_subscribers(
    app, make, client, sign_in, session
):
    from portal.changelog.models import Category, ReleaseNote
    from portal.ideas.models import Tag

    make.idea()
    make.organisation("Acme")
    session.add(ReleaseNote(title="A draft", slug="a-draft", category=Category.new))
    session.add(Tag(slug="exports", name="Exports"))
    session.commit()
    sign_in(make.user(role=Role.staff))
    for path, methods in admin_urls(app):
        if "GET" in methods:
            expected = 403 if path in ADMIN_ONLY_PAGES else 200
            response = client.get(path, follow_redirects=True)
            assert response.status_code == expected, path
            if expected == 200 and "<html" in response.text:  # a page's title is words only
                title = re.search(r"<title>(.*?)</title>", response.text, re.S)
                assert title and "<" not in title.group(1), path


def test_staff_cannot_change_admin_only_settings(make, client, sign_in):
    sign_in(make.user(role=Role.staff))
    settings = {"decision_days": "5", **{f"s{i}_first": "1" for i in range(1, 5)}}
    settings.update({f"s{i}_resolve": "2" for i in range(1, 5)})
    assert client.post("/admin/settings/workspace", data=settings).status_code == 403
    factor = {"name": "Loudness", "weight": "9", "scale_max": "5", "direction": "benefit"}
    assert client.post("/admin/settings/factors", data=factor).status_code == 403
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Only admins can change settings" in page
    assert "Loudness" not in page


def test_admin_changes_settings_and_it_is_audited(make, client, sign_in):
    admin = make.user(role=Role.admin, name="Ada Admin")
    sign_in(admin)
    settings = {"decision_days": "12", **{f"s{i}_first": "3" for i in range(1, 5)}}
    settings.update({f"s{i}_resolve": "30" for i in range(1, 5)})
    assert client.post("/admin/settings/workspace", data=settings).status_code == 302
    assert 'value="12"' in client.get("/admin/settings").get_data(as_text=True)
    factor = {"name": "Loudness", "weight": "1.5", "scale_max": "3", "direction": "benefit",
              "is_active": "y"}  # fmt: skip
    assert client.post("/admin/settings/factors", data=factor).status_code == 302
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Ada Admin changed the review age and the SLA hours" in audit
    assert "Ada Admin saved the priority factor “Loudness” (weight 1.5)" in audit


def test_bad_settings_are_refused_with_a_message(make, client, sign_in):
    sign_in(make.user(role=Role.admin))
    response = client.post("/admin/settings/workspace", data={"decision_days": "soon"})
    assert response.status_code == 422
    assert "whole numbers" in response.get_data(as_text=True)
