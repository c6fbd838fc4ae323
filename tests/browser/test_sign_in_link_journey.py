"""A customer of a private portal signs in with a link emailed to them, without a password."""

from playwright.sync_api import Page, expect

from portal.settings.models import Setting


def test_customer_of_a_private_portal_signs_in_with_an_emailed_link(
    make, session, page: Page, live_url, smtp_server, deliver
):
    make.user("dana@acme.example", name="Dana")
    session.add(Setting(key="access", value={"private": True, "signup": "anyone"}))
    session.commit()

    page.goto(f"{live_url}/roadmap")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Email me a sign-in link").click()  # a link styled so
    page.get_by_label("Email").fill("dana@acme.example")
    page.get_by_role("main").get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    assert deliver() == 1
    [message] = smtp_server.to("dana@acme.example")
    page.goto(f"{live_url}{smtp_server.link_in(message, '/login/link/')}")
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    expect(page.get_by_role("heading", name="Roadmap")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
