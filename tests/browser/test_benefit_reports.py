"""A leader on a 390-pixel phone: the home page's benefits card, then each benefit report and a drill-down to a
town — every page fits the screen (its wide tables scroll inside their card)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.reports.test_benefit_reports import built  # noqa: F401  (the fixture: batches, cases, relief)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_leader_reads_the_benefit_reports_on_a_phone(
    page: Page,
    role_users: RoleUsers,
    area: Area,
    built,  # noqa: F811
    screenshot,
) -> None:
    login(page, role_users.leader.username)
    card = page.locator("[data-benefits]")
    expect(card.locator("[data-figure=benefit-open-failures]")).to_have_text("3")
    card_rate = card.locator("[data-figure=benefit-person-rate]").inner_text()
    assert card_rate.endswith("%")
    screenshot("home")

    card.locator("h2 a").click()
    expect(page).to_have_url(re.compile(r"/reports/benefits/payouts/$"))
    expect(page.locator("[data-figure=person-rate]")).to_have_text(card_rate)  # the card's figure
    for tab in ("payouts", "failures", "recipients", "relief"):
        page.locator(f"[data-tabs] a[href*='/benefits/{tab}/']").click()
        expect(page.locator("[data-tabs] a[aria-current=page]")).to_have_attribute("href", re.compile(tab))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (tab, width)
        screenshot(tab)

    page.locator("[data-tabs] a[href*='/benefits/payouts/']").click()
    page.locator("[data-rows] a", has_text=area.T1.name).click()
    expect(page).to_have_url(re.compile(rf"/reports/benefits/payouts/{area.T1.pk}/\?year=\d+"))
    expect(page.locator("[data-rows] tbody tr")).to_have_count(2)  # the town's two villages
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("town")
