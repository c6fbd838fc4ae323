"""A customer's journey in Chromium: sign up, verify from the email, submit (seeing the duplicate
suggestions), vote, comment, unfollow; and the same page without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def wait_for_htmx(page) -> None:
    # A locator check, not wait_for_function: the page's CSP rightly forbids eval.
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def test_customer_signs_up_verifies_submits_votes_comments_and_unfollows(
    app, make, page, live_server_factory, smtp_server, deliver
):
    base = live_server_factory(app)
    page.set_default_timeout(10_000)
    board = make.board("Reports")
    make.idea("Export reports to CSV", board=board)

    page.goto(f"{base}/signup")
    page.get_by_label("Your name").fill("Dana Customer")
    page.get_by_label("Work email").fill("dana@example.com")
    page.get_by_label("Password").fill("a long enough password")
    page.locator("#main").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    assert deliver() == 1
    [message] = smtp_server.to("dana@example.com")
    page.goto(base + smtp_server.link_in(message, "/verify/"))
    expect(page.get_by_text("Your email address is verified")).to_be_visible()
    expect(page.get_by_role("link", name="Dana Customer")).to_be_visible()

    page.get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="New idea").click()
    page.get_by_label("Title").press_sequentially("CSV export for invoices", delay=20)
    suggestions = page.locator("#similar-ideas")
    expect(suggestions).to_contain_text("Is it one of these?")
    expect(suggestions.get_by_role("link", name="Export reports to CSV")).to_be_visible()
    page.get_by_label("Details").fill("We reconcile **every month**.")
    page.get_by_role("button", name="Post idea").click()
    expect(page.get_by_role("heading", name="CSV export for invoices")).to_be_visible()
    expect(page.locator(".idea-body strong")).to_have_text("every month")

    vote = page.locator("form.vote-button button")
    expect(vote).to_have_attribute("aria-pressed", "true")  # the author's own vote
    url = page.url
    vote.click()
    expect(page.locator("form.vote-button .vote-count")).to_have_text("0")
    expect(page.locator("form.vote-button button")).to_have_attribute("aria-pressed", "false")
    assert page.url == url  # swapped in place by htmx
    wait_for_htmx(page)
    page.locator("form.vote-button button").click()
    expect(page.locator("form.vote-button .vote-count")).to_have_text("1")

    page.get_by_role("textbox", name="Comment").fill("Also for _credit notes_, please.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body em")).to_have_text("credit notes")

    page.get_by_role("button", name="Unfollow").click()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()


def test_voting_works_without_javascript(app, make, browser, live_server_factory):
    base = live_server_factory(app)
    idea = make.idea("Dark mode")
    voter = make.user("nojs@example.com")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(voter.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/ideas/{idea.id}-{idea.slug}")
    page.locator("form.vote-button button").click()  # a plain form post, then a redirect
    expect(page).to_have_url(re.compile(rf"/ideas/{idea.id}-dark-mode$"))
    expect(page.locator("form.vote-button .vote-count")).to_have_text("2")
    context.close()


def test_language_can_be_switched_to_chinese(app, make, page, live_server_factory):
    base = live_server_factory(app)
    make.board("Reports")
    page.goto(base)
    page.get_by_label("Language").select_option("zh")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="告诉我们你的需求")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
