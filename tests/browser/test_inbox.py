"""The inbox in a real browser (issue 13 B5): a cadre with many messages reads them in English, 25 a page,
filters the unread ones, marks one read, then all of them at once from the top of the page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.factories import HouseholdFactory
from visits.engine import overdue_refresh
from visits.models import Notification
from visits.services import notifications_refresh, ruleset_create_default

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE])
def test_village_cadre_reads_pages_filters_and_marks_the_inbox(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    ruleset_create_default(county=area.C)
    for i in range(12):  # 12 households × the rules missed in October: about 30 messages
        HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1), number=f"V1A-{i:04d}")
    overdue_refresh(as_of=date(2025, 11, 6))
    notifications_refresh(as_of=date(2025, 11, 6))
    cadre = role_users.village_cadre
    total = Notification.objects.filter(user=cadre).count()
    assert total > 25

    login(page, cadre.username)
    page.locator("[data-lang=en]").click()
    page.goto("/visits/inbox/")
    items = page.locator("[data-inbox] > li")
    expect(items).to_have_count(25)
    expect(page.locator("[data-unread]")).to_have_attribute("data-unread", str(total))
    # Said in English, though written when the portal's language was Chinese.
    expect(items.first.locator(".inbox-text")).to_contain_text(re.compile(r"^Overdue: .* household V1A-\d{4}"))
    expect(page.locator("[data-inbox]")).not_to_contain_text("逾期")
    screenshot("inbox-en")

    page.locator(".pagination a", has_text="Next").click()
    expect(items).to_have_count(total - 25)

    # One read, from the unread filter.
    page.locator("[data-inbox-filters] select[name=show]").select_option("unread")
    page.locator("[data-inbox-filters] button").click()
    expect(page).to_have_url(re.compile(r"show=unread"))
    first = items.first
    first_id = first.get_attribute("data-notification")
    first.locator("[data-mark-read]").click()
    expect(page).to_have_url(re.compile(r"show=unread"))
    expect(page.locator(f"[data-notification='{first_id}']")).to_have_count(0)
    expect(page.locator("[data-unread]")).to_have_attribute("data-unread", str(total - 1))
    assert Notification.objects.get(pk=first_id).read_at is not None

    # All of them, from the top of the page.
    page.locator("[data-mark-all] button").click()
    expect(page.locator("[data-unread]")).to_have_attribute("data-unread", "0")
    expect(page.locator("[data-inbox]")).to_have_count(0)
    screenshot("inbox-all-read")
    assert not Notification.objects.filter(user=cadre, read_at__isnull=True).exists()
