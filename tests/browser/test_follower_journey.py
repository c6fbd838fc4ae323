"""A follower's journey in Chromium: a customer follows someone else's idea; staff move it on the
workbench with a public message; the email arrives through a real SMTP server, its link opens the
idea with its new status, and its "Stop these emails" link unfollows in one click, after which the
next move sends the follower nothing."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def move(page: Page, base: str, idea_id: int, status: str, message: str, horizon: str = ""):
    """Staff move an idea on its workbench, with a public message, as a product manager does."""
    page.goto(f"{base}/admin/ideas/{idea_id}")
    page.get_by_label("Move to").select_option(label=status)
    if horizon:
        page.get_by_label("Horizon").select_option(label=horizon)
    page.get_by_label("Public message").fill(message)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("header .status")).to_have_text(status)


def test_a_follower_hears_of_each_move_opens_the_idea_from_the_email_and_stops_in_one_click(
    make, browser, page, live_url, smtp_server, deliver
):
    author = make.user("asker@example.com", name="Avery Asker")
    idea = make.idea("Export reports to CSV", author=author)
    follower = make.user("fran@example.com", name="Fran Follower")
    staff = make.user("pm@vendor.example", role=Role.staff, name="Pat Manager")
    idea_url = f"{live_url}/ideas/{idea.id}-{idea.slug}"

    # The customer opens someone else's idea and follows it; the button flips in place.
    sign_in(page, live_url, follower.email)
    page.goto(idea_url)
    expect(page.get_by_role("heading", name="Export reports to CSV", level=1)).to_be_visible()
    follow = page.get_by_role("button", name="Follow", exact=True)
    unfollow = page.get_by_role("button", name="Unfollow")
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_text("Get an email when this idea moves.")).to_be_visible()
    follow.click()
    expect(unfollow).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("You get an email when this idea moves.")).to_be_visible()
    page.reload()
    expect(unfollow).to_be_visible()

    # Staff, in their own browser, review it and then plan it, each time with a public message.
    staff_context = browser.new_context()
    staff_context.set_default_timeout(5_000)
    staff_page = staff_context.new_page()
    sign_in(staff_page, live_url, staff.email)
    move(staff_page, live_url, idea.id, "Under review", "Thanks, we are assessing this.")
    move(staff_page, live_url, idea.id, "Planned", "Planned for the spring release.", "Now")
    assert smtp_server.to(follower.email) == []  # nothing is sent inside a request

    # One pass of the outbox worker: the follower and the author each hear of both moves.
    assert deliver() == 4
    assert smtp_server.to(staff.email) == []  # the person who moved it is not told
    reviewed, planned = smtp_server.to(follower.email)
    assert reviewed["Subject"] == "“Export reports to CSV” is now Under review"
    assert "Thanks, we are assessing this." in smtp_server.body(reviewed)
    assert planned["Subject"] == "“Export reports to CSV” is now Planned"
    text = smtp_server.body(planned)
    assert text.startswith("Hello Fran Follower,")
    assert "moved from Under review to Planned" in text
    assert "Planned for the spring release." in text
    assert f"See it: {idea_url}" in text
    html = planned.get_body(preferencelist=("html",)).get_content()
    assert "Planned for the spring release." in html and f'href="{idea_url}"' in html

    # The link in the email opens the idea with its new public status and the team's message.
    page.goto(f"{live_url}{smtp_server.link_in(planned, '/ideas/')}")
    expect(page).to_have_url(idea_url)
    expect(page.get_by_role("heading", name="Export reports to CSV", level=1)).to_be_visible()
    expect(page.locator(".idea-meta .status")).to_have_text("Planned")
    expect(page.locator(".timeline")).to_contain_text("Planned for the spring release.")

    # The visible "Stop these emails" link is the RFC 8058 one-click target too.
    stop_url = re.search(r"Stop these emails: (\S+)", text).group(1)
    assert stop_url.startswith(f"{live_url}/unsubscribe/")
    assert planned["List-Unsubscribe"] == f"<{stop_url}>"
    assert planned["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail client shows the HTML part; the follower clicks the link, not signed in there.
    mail_client = browser.new_context()
    mail_client.set_default_timeout(5_000)
    reader = mail_client.new_page()
    reader.set_content(html)
    footer = reader.locator("p", has_text="Stop these emails:")
    footer.get_by_role("link", name=stop_url, exact=True).click()
    expect(reader).to_have_url(stop_url)
    expect(reader.get_by_role("heading", name="Stop emails")).to_be_visible()
    expect(reader.get_by_role("button", name="Sign out")).to_have_count(0)
    reader.get_by_role("button", name="Unfollow this idea").click()
    expect(reader.get_by_role("status")).to_have_text(
        "You no longer follow “Export reports to CSV”."
    )
    mail_client.close()

    # The follower's own idea page agrees: Follow is offered again.
    page.reload()
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(unfollow).to_have_count(0)

    # The next move reaches the author, and the former follower hears nothing.
    move(staff_page, live_url, idea.id, "In progress", "Work has started.")
    assert deliver() == 1
    [started] = [m for m in smtp_server.to(author.email) if "In progress" in m["Subject"]]
    assert "Work has started." in smtp_server.body(started)
    assert len(smtp_server.to(follower.email)) == 2
    staff_context.close()

    # A mail client reads List-Unsubscribe as sent, without decoding RFC 2047 words (not allowed
    # in a URI list): the header on the wire must be the bracketed URL itself (RFC 2369, 8058).
    sent = "".join(dict(planned.raw_items())["List-Unsubscribe"].split())
    assert sent == f"<{stop_url}>", f"List-Unsubscribe on the wire is not a URL: {sent}"
