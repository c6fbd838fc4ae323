"""A customer's journey in Chromium, as they see it: sign up, confirm the address from a real
email, find a board, see a likely duplicate while typing, post an idea, vote, comment, unfollow.
Then the same idea page without JavaScript, and the portal in Simplified Chinese."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import settled, sign_in

pytestmark = pytest.mark.browser


def record_page_loads(page: Page) -> list[str]:
    """URLs of every full page load (document request) from now on; htmx swaps add none."""
    loads: list[str] = []

    def on_request(request) -> None:
        if request.resource_type == "document":
            loads.append(request.url)

    page.on("request", on_request)
    return loads


def test_customer_signs_up_verifies_posts_votes_comments_and_unfollows(
    make, page, live_url, smtp_server, deliver
):
    board = make.board("Reports")
    existing = make.idea("Export reports to CSV", board=board)
    main = page.get_by_role("main")

    # Sign up: the email is written to the outbox, not sent inside the request.
    page.goto(f"{live_url}/signup")
    main.get_by_label("Your name").fill("Dana Customer")
    main.get_by_label("Work email").fill("dana@example.com")
    main.get_by_label("Password").fill("a long enough password")
    main.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(main).to_contain_text("We have sent a message to dana@example.com.")
    assert smtp_server.to("dana@example.com") == []

    # The outbox worker sends it through the real SMTP server; the link leads to this portal.
    assert deliver() == 1
    [message] = smtp_server.to("dana@example.com")
    assert message["Subject"] == "Confirm your email address for Feedloop"
    path = smtp_server.link_in(message, "/verify/")
    assert f"{live_url}{path}" in smtp_server.body(message)
    page.goto(f"{live_url}{path}")
    expect(page.get_by_role("status")).to_have_text("Your email address is verified. Welcome!")
    expect(page.get_by_role("link", name="Dana Customer")).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)

    # Find the board and start a new idea; a similar idea is suggested while typing (htmx).
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    page.get_by_role("button", name="New idea").click()
    expect(page.get_by_role("heading", name="Suggest an idea for Reports")).to_be_visible()
    similar = page.locator("#similar-ideas")
    expect(similar.get_by_role("link")).to_have_count(0)
    page.get_by_label("Title").fill("CSV export for invoices")
    expect(similar.get_by_role("heading")).to_have_text(
        "Is it one of these? Vote instead of posting it twice."
    )
    suggestion = similar.get_by_role("link", name="Export reports to CSV")
    expect(suggestion).to_have_attribute("href", f"/ideas/{existing.id}-{existing.slug}")
    expect(similar.get_by_role("listitem")).to_have_count(1)

    # Post it anyway: Markdown in the details is rendered.
    page.get_by_label("Details").fill("We reconcile **every month** in a spreadsheet.")
    page.get_by_role("button", name="Post idea").click()
    expect(page.get_by_role("heading", name="CSV export for invoices", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "Thanks! Your idea is posted and you are following it."
    )
    expect(page.locator(".idea-body strong")).to_have_text("every month")
    expect(page.locator(".idea-body")).to_have_text("We reconcile every month in a spreadsheet.")
    idea_url = page.url
    idea_id = re.search(r"/ideas/(\d+)-", idea_url).group(1)

    # Vote: the author's own vote is in; withdrawing and re-casting swap the button in place.
    count = page.locator(f"#vote-button-{idea_id} .vote-count")
    remove_vote = page.get_by_role("button", name="Remove my vote")
    add_vote = page.get_by_role("button", name="Vote for this idea")
    expect(count).to_have_text("1")
    expect(remove_vote).to_have_attribute("aria-pressed", "true")
    loads = record_page_loads(page)
    with page.expect_response(re.compile(rf"/ideas/{idea_id}/vote$")) as voted:
        remove_vote.click()
    assert voted.value.request.headers.get("hx-request") == "true"
    expect(count).to_have_text("0")
    expect(add_vote).to_have_attribute("aria-pressed", "false")
    settled(page)
    add_vote.click()
    expect(count).to_have_text("1")
    expect(remove_vote).to_have_attribute("aria-pressed", "true")
    settled(page)
    assert loads == [], "voting reloaded the page instead of swapping the button"
    assert page.url == idea_url

    # Comment in Markdown: it appears rendered, without the Markdown marks.
    page.get_by_role("textbox", name="Comment").fill("Also for _credit notes_, please.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_have_text("Your comment is posted.")
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    comment = page.locator("#comments article.comment", has_text="Dana Customer")
    expect(comment.locator(".comment-body em")).to_have_text("credit notes")
    expect(comment.locator(".comment-body")).to_have_text("Also for credit notes, please.")

    # Unfollow: the button turns into Follow, in place, and stays so after a reload.
    loads.clear()
    page.get_by_role("button", name="Unfollow").click()
    follow = page.get_by_role("button", name="Follow", exact=True)
    expect(follow).to_be_visible()
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_text("Get an email when this idea moves.")).to_be_visible()
    assert loads == []
    page.reload()
    expect(follow).to_be_visible()
    expect(page.get_by_role("button", name="Unfollow")).to_have_count(0)


def test_voting_without_javascript_posts_the_form_and_comes_back_with_the_new_count(
    make, browser, live_url
):
    idea = make.idea("Dark mode")  # its author has voted: one vote
    voter = make.user("nojs@example.com")
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(5_000)
    page = context.new_page()
    sign_in(page, live_url, voter.email)
    page.goto(f"{live_url}/ideas/{idea.id}")
    idea_url = f"{live_url}/ideas/{idea.id}-dark-mode"
    expect(page).to_have_url(idea_url)
    count = page.locator(f"#vote-button-{idea.id} .vote-count")
    expect(count).to_have_text("1")

    with page.expect_request(re.compile(rf"/ideas/{idea.id}/vote$")) as posted:
        page.get_by_role("button", name="Vote for this idea").click()
    assert posted.value.method == "POST"
    assert posted.value.resource_type == "document"  # a real form post, not htmx
    assert posted.value.headers.get("hx-request") is None
    expect(page).to_have_url(idea_url)
    expect(count).to_have_text("2")
    expect(page.get_by_role("button", name="Remove my vote")).to_have_attribute(
        "aria-pressed", "true"
    )

    page.get_by_role("button", name="Remove my vote").click()
    expect(page).to_have_url(idea_url)
    expect(count).to_have_text("1")
    expect(page.get_by_role("button", name="Vote for this idea")).to_be_visible()
    context.close()


def test_choosing_simplified_chinese_in_the_footer_switches_the_portal(make, page, live_url):
    board = make.board("Reports")
    page.goto(live_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Language").select_option(label="简体中文")
    footer.get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="告诉我们你的需求")).to_be_visible()
    expect(footer.get_by_label("语言")).to_have_value("zh")
    expect(footer.get_by_role("button", name="切换")).to_be_visible()
    # The choice is kept for the next page.
    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{live_url}/boards/{board.slug}")
    expect(page.get_by_role("button", name="新想法")).to_be_visible()
    main_navigation = page.get_by_role("navigation", name="主导航")
    expect(main_navigation.get_by_role("link", name="版块")).to_be_visible()
