"""Screens that fit (issue 10, item 6): the staff lists on a 1280 x 800 laptop and a 390 px phone
without the page scrolling sideways, idea titles on at most two lines, and every admin page usable
on a phone with "Sign out" in view.

The admin pages come from the app's URL map (every GET route under /admin), filled from the
security suite's world, so a page added tomorrow is checked the day it is added.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from portal.feedback.models import Feedback
from portal.ideas.models import Channel, Grade, IdeaTag, Kind, Severity, Tag, Visibility
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import Axe, severe_violations
from tests.security.conftest import world  # noqa: F401  (the fixture, for the admin routes)

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LONG_NAME = "Maximiliana Featherstonehaugh-Oyelaran-Vandenberghe"
TITLES = [  # as long as a title may be (160 characters), and as real ones read
    "Let account owners export every report, including archived dashboards and scheduled "
    "exports, to CSV and XLSX with the filters and column order they chose",
    "Single sign-on with Okta, Azure AD and Google Workspace, with automatic provisioning "
    "and deprovisioning of users through SCIM for enterprise customers",
    "Audit trail of permission changes",
    "Internationalisation: translate the whole customer portal, emails and PDF invoices "
    "into German, French, Japanese and Brazilian Portuguese",
    "Webhooks for idea status changes so our CRM (Salesforce, HubSpot) can follow what "
    "the product team decided about each customer's request",
    "Bulk-edit custom fields on hundreds of records at once from the table view without "
    "opening each record, with undo for the last change",
    "Dark mode",
    "https://status.example.com/incidents/2026-11-30-the-export-service-returned-errors"
    "-for-every-scheduled-report-in-the-eu-region",
]


def realistic_lists(make, session, world) -> None:  # noqa: F811  (the fixture's value)
    """Ideas and feedback as a busy workspace has them: long titles, long names, big money."""
    owner = make.user("owner@vendor.example", role=Role.staff, name=LONG_NAME)
    big = make.organisation(
        "Consolidated International Holdings and Logistics Group plc", arr=987_654_321
    )
    customer = make.user(
        "procurement.department.head@consolidated-international-holdings.example",
        name="Bartholomew Alexander Montgomery-Fitzwilliam III",
        organisation=big,
    )
    board = make.board("Integrations, Security and Enterprise Administration")
    tags = [Tag(slug=f"tag-{n}", name=name) for n, name in enumerate(
        ["Enterprise readiness", "Reporting and analytics", "Compliance"]
    )]  # fmt: skip
    session.add_all(tags)
    session.commit()
    for number, title in enumerate(TITLES):
        idea = make.idea(
            title, board=board, author=customer, kind=Kind.bug if number % 3 == 0 else Kind.feature
        )
        idea.owner_id = owner.id
        idea.severity = Severity.s1 if idea.kind == Kind.bug else None
        idea.vote_count, idea.score, idea.grade = 12_345, 98.7, Grade.A
        idea.demand_organisations, idea.demand_key_accounts = 1_234, 321
        idea.demand_arr = 987_654_321_000
        session.add_all(IdeaTag(idea_id=idea.id, tag_id=tag.id) for tag in tags)
        session.add(
            Feedback(
                person_id=customer.id,
                organisation_id=big.id,
                channel=Channel.lost_deal,
                original_words=f"{title}. " * 3,
                source_reference="https://crm.example.com/opportunities/0065g00000Xyz12AAB",
            )
        )
    world.people["admin"].display_name = LONG_NAME
    session.commit()


def sideways_scroll(page: Page) -> int:
    """How many pixels the page itself scrolls sideways (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def sticking_out(page: Page) -> list[str]:
    """The first elements past the right edge of the screen, for a failure's message."""
    return page.evaluate(
        """Array.from(document.querySelectorAll("body *"))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""
    )


def title_lines(page: Page) -> list[tuple[str, float, bool]]:
    """(title, lines it takes, whether it is cut short) for every idea title in the staff list."""
    return page.eval_on_selector_all(
        ".idea-table .idea-name",
        """titles => titles.map(title => [
            title.textContent.trim(),
            title.getBoundingClientRect().height / parseFloat(getComputedStyle(title).lineHeight),
            title.scrollHeight > title.clientHeight + 1,
        ])""",
    )


def admin_pages(app, world) -> list[str]:  # noqa: F811
    """Every GET page of the admin area, its parameters filled from the world."""
    params = world.params_for(Visibility.public)
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if "." in rule.rule.rsplit("/", 1)[-1]:
            continue  # a file to download (subscribers.csv), not a page
        assert set(rule.arguments) <= set(params), f"fill {rule.arguments} for {rule.rule}"
        urls.append(rule.build(params, append_unknown=False)[1])
    return urls


def test_staff_lists_fit_a_laptop_and_a_phone_and_every_admin_page_fits_a_phone(
    app,
    make,
    session,
    world,  # noqa: F811
    page,
    live_url,
):
    realistic_lists(make, session, world)
    sign_in(page, live_url, world.people["admin"].email)

    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        for path in ("/admin/ideas", "/admin/inbox"):
            page.goto(live_url + path)
            where = f"{path} at {size['width']} px"
            assert sideways_scroll(page) <= 0, f"{where} scrolls sideways: {sticking_out(page)}"
            lines = title_lines(page)
            assert len(lines) >= len(TITLES), f"{where} lists the ideas"
            too_tall = [(title, round(n, 1)) for title, n, _ in lines if n > 2.05]
            assert not too_tall, f"{where}: titles over two lines: {too_tall}"
            if size == LAPTOP:  # a title may have 160 characters; up to 140 show whole
                cut = [title for title, _, cut in lines if cut and len(title) <= 140]
                assert not cut, f"{where}: titles cut short: {cut}"
                assert not severe_violations(Axe(), page), f"{where}: accessibility"
            row = page.locator(".idea-table tbody tr", has_text=TITLES[1])
            for fact in (LONG_NAME, "987", "12345"):  # owner, money and votes in the row, in view
                box = row.get_by_text(fact).first.bounding_box()
                assert box and 0 <= box["x"] <= box["x"] + box["width"] <= size["width"], fact

    # Every admin page on a phone: nothing scrolls sideways, "Sign out" is in view.
    checked = []
    for path in admin_pages(app, world):
        response = page.goto(live_url + path)
        if not page.locator("main#main").count():
            continue  # an htmx fragment (the idea picker), never a page of its own
        assert response.ok, f"{path} answered {response.status}"
        assert sideways_scroll(page) <= 0, f"{path} scrolls sideways: {sticking_out(page)}"
        expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
        checked.append(path)
    assert "/admin/people" in checked and len(checked) >= 20, checked
