"""Browser journeys run against the real app over HTTP, with CSRF on as in production."""

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"  # tests/factories.py's password for every user


@pytest.fixture
def app_config(app_config):
    """The `app` fixture, but with CSRF protection on: the browser must send real tokens."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_url(app, live_server_factory) -> str:
    """The app served over real HTTP; emails link to it, as BASE_URL does in production."""
    base = live_server_factory(app)
    app.config["BASE_URL"] = base
    return base


@pytest.fixture
def page(page: Page) -> Page:
    """A person waits a few seconds at most; so does every step of a journey."""
    page.set_default_timeout(5_000)
    return page


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def settled(page: Page) -> None:
    """Wait until htmx has finished swapping, so the new controls are bound like the old ones.

    A locator check rather than wait_for_function: the portal's CSP rightly forbids eval."""
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)
