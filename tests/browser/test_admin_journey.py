"""A product manager's journey in Chromium: triage feedback -> analyze -> rate -> plan."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.ideas.models import Idea
from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


def test_product_manager_takes_feedback_to_a_planned_scored_idea(make, session, page, live_url):
    base = live_url
    make.board("Security")
    make.organisation("Northwind", domain="northwind.example")
    manager = make.user("pm@feedloop.example", role=Role.staff, name="Pat Manager")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()

    page.get_by_role("button", name="Log feedback").click()
    page.get_by_label("Customer's email").fill("cio@northwind.example")
    page.get_by_label("Customer's name").fill("Nia Northwind")
    page.get_by_label("Organisation", exact=True).select_option(label="Northwind")
    page.get_by_label("Channel").select_option(label="Lost deal")
    page.get_by_label("The customer's original words").fill("No SSO, no deal. We use Okta.")
    page.get_by_role("button", name="Log feedback").click()
    card = page.locator(".feedback-card", has_text="No SSO, no deal.")
    expect(card).to_contain_text("Nia Northwind")
    expect(card).to_contain_text("Lost deal")

    card.get_by_placeholder("Title").fill("Single sign-on with Okta")
    card.get_by_role("button", name="Create idea").click()
    expect(page.get_by_role("heading", name=re.compile("Single sign-on with Okta"))).to_be_visible()
    idea_url = page.url
    expect(page.locator(".original-words", has_text="No SSO, no deal.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Organisations")

    page.get_by_label("Move to").select_option(label="Under review")
    page.get_by_label("Public message").fill("Thanks, we are assessing this.")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("header .status")).to_have_text("Under review")

    score = page.locator(".score-value")
    before = float(score.inner_text())
    page.get_by_label("Rating for Customer value").select_option("5")  # htmx swaps the panel
    expect(score).not_to_have_text(f"{before:.1f}")
    assert page.url == idea_url  # rated in place, no reload
    settled(page)
    page.get_by_label("Rating for Urgency").select_option("5")
    expect(page.locator(".grade-value")).to_have_text(re.compile("[AB]"))

    page.get_by_label("Move to").select_option(label="Planned")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".notice.error")).to_contain_text("Choose a horizon")
    page.get_by_label("Move to").select_option(label="Planned")
    page.get_by_label("Horizon").select_option(label="Now")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("header .status")).to_have_text("Planned")

    session.expire_all()
    idea = session.scalar(select(Idea).filter_by(title="Single sign-on with Okta"))
    assert idea.stage == "plan" and idea.horizon == "now" and idea.score > 0
    assert idea.grade in ("A", "B")
