"""axe-core in Chromium over the main public, account and admin pages (issue 10, item 6): no
critical or serious violation, every rule on. axe.min.js comes with the axe-playwright-python
package; Playwright evaluates it through the DevTools protocol, which the portal's CSP (no eval,
no inline script) does not stop, so the pages are checked exactly as served.

Each page is checked as the person who uses it, with what makes it busy: sign-in and sign-up also
as they come back with their errors, the idea with a tag badge of every colour.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from portal.ideas.models import IdeaTag, Tag, TagColour, Visibility
from tests.browser.conftest import sign_in
from tests.security.conftest import world  # noqa: F401  (the fixture: one thing of every kind)

pytestmark = pytest.mark.browser

SEVERE = {"critical", "serious"}


def severe_violations(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in SEVERE
    ]


def test_main_pages_have_no_serious_accessibility_violation(
    browser: Browser,
    session,
    world,  # noqa: F811
    live_url,
):
    axe = Axe()
    public = world.things[Visibility.public]
    for colour in TagColour:  # a badge of every colour on the idea, one of them private
        tag = Tag(
            slug=f"a11y-{colour}", name=f"{colour} tag", colour=colour, is_private=colour == "red"
        )
        session.add(tag)
        session.flush()
        session.add(IdeaTag(idea_id=public.idea_id, tag_id=tag.id))
    session.commit()
    idea_path = f"/ideas/{public.idea_id}"
    as_whom = {
        None: ["/", "/login", "/signup"],
        "member": [f"/boards/{public.board_slug}", idea_path, "/account", "/account/notifications"],
        "admin": [
            "/admin/ideas",
            "/admin/inbox",
            "/admin/review",
            f"/admin/ideas/{public.idea_id}",
            "/admin/settings",
            "/admin/people",
            "/admin/tags",
        ],
    }
    found = {}
    for person, paths in as_whom.items():
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(5_000)
        if person:
            sign_in(page, live_url, world.people[person].email)
        for path in paths:
            page.goto(live_url + path)
            if violations := severe_violations(axe, page):
                found[f"{path} ({person or 'anonymous'})"] = violations
            if path in ("/login", "/signup"):  # and the form as it comes back with its errors
                page.get_by_label("Email").fill("nobody@example.com")
                submit = "Sign in" if path == "/login" else "Sign up"
                page.get_by_role("main").get_by_role("button", name=submit, exact=True).click()
                expect(page.locator("[aria-invalid=true]").first).to_be_visible()
                if violations := severe_violations(axe, page):
                    found[f"{path} with errors"] = violations
        context.close()
    assert not found, "\n".join(f"{where}: {problems}" for where, problems in found.items())
