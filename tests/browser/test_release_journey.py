"""The loop closed, in Chromium: a product manager writes a release note delivering an idea and
publishes it; the idea is released; its follower's email arrives through the real SMTP server;
the follower says from the email that it solved their need, without signing in; staff see the
answer on the idea."""

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.lifecycle.stages import Stage
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_staff_publish_a_note_the_follower_is_told_and_answers_and_staff_see_it(
    make, browser, page, live_url, smtp_server, deliver
):
    asker = make.user("asker@example.com", name="Avery Asker")
    idea = make.idea("Export reports to Excel", author=asker, stage=Stage.execute)
    staff = make.user("pm@vendor.example", role=Role.staff, name="Pat Manager")

    # The product manager writes the note with its live preview, and publishes it now.
    sign_in(page, live_url, staff.email)
    page.goto(f"{live_url}/admin/changelog/new")
    page.get_by_label("Title").fill("Excel export")
    page.get_by_label("Category").select_option(label="New")
    page.get_by_label("Why it matters (optional)").fill("Month-end takes minutes.")
    page.get_by_label("Release note").fill("Open any report and choose **Export**.")
    expect(page.locator("#note-preview strong")).to_have_text("Export")
    page.get_by_label("Ideas it delivers").fill(f"#{idea.id}")
    page.get_by_label("Publish", exact=True).select_option(label="Publish now")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Release note saved.")).to_be_visible()

    # The idea is released at once, with the note's title as the team's message.
    page.goto(f"{live_url}/admin/ideas/{idea.id}")
    expect(page.locator("header .status")).to_have_text("Released")
    expect(page.locator(".timeline")).to_contain_text("by Feedloop, automatically")

    # One pass of the worker: the follower gets one email about the note.
    assert deliver() == 1
    [mail] = smtp_server.to(asker.email)
    assert mail["Subject"] == "New: Excel export"
    text = smtp_server.body(mail)
    assert "Month-end takes minutes." in text and "Export reports to Excel" in text

    # The follower reads the note from the email link, not signed in there.
    reader = browser.new_context().new_page()
    reader.set_default_timeout(5_000)
    reader.goto(f"{live_url}{smtp_server.link_in(mail, '/changelog/')}")
    expect(reader.get_by_role("heading", name="Excel export", level=1)).to_be_visible()
    expect(reader.get_by_text("Month-end takes minutes.")).to_be_visible()
    expect(reader.get_by_role("link", name="Export reports to Excel")).to_be_visible()

    # From the same email, the follower says it solved their need: the link opens a page with
    # "yes" chosen; nothing is recorded until they send it, with a comment if they like.
    yes_link = smtp_server.link_in(mail, "/solved/")
    assert f"Yes, it did: {live_url}{yes_link}" in text
    reader.goto(f"{live_url}{yes_link}")
    expect(reader.get_by_role("heading", name="Did it solve your need?")).to_be_visible()
    expect(reader.get_by_label("Yes, it did", exact=True)).to_be_checked()
    reader.get_by_label("Comment (optional)").fill("Saves me a day every month.")
    reader.get_by_role("button", name="Send").click()
    expect(reader.get_by_role("status")).to_have_text("Thank you! We are glad it solved your need.")

    # Staff see the answer on the idea.
    page.goto(f"{live_url}/admin/ideas/{idea.id}")
    expect(page.locator(".verification-share strong")).to_have_text("100% yes · 1 answer")
    expect(page.get_by_text("Saves me a day every month.")).to_be_visible()
