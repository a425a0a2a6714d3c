"""County staff on a 390-pixel phone: the supervision worklist from the navigation, filtered by town."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.factories import HouseholdFactory
from visits.engine import overdue_refresh
from visits.models import OverdueFlag
from visits.services import ruleset_create_default

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE])
def test_county_staff_filter_the_overdue_flags_by_town_on_a_phone(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="T1-0001")
    HouseholdFactory(village=area.V2a, registered_on=date(2020, 1, 1), number="T2-0001")
    overdue_refresh(as_of=today)
    open_flags = OverdueFlag.objects.open().filter(rule__mode="overdue")
    in_t2 = open_flags.filter(household__village=area.V2a).count()
    assert in_t2
    assert open_flags.count() > in_t2

    login(page, role_users.county_staff.username)
    page.locator("[data-nav-toggle]").click()
    page.locator("#main-nav [data-nav=supervision]").click()
    expect(page).to_have_url(re.compile(r"/visits/supervision/$"))
    counts = page.locator("[data-counts]")
    expect(counts).to_have_attribute("data-flags", str(open_flags.count()))
    expect(counts).to_have_attribute("data-households", "2")
    expect(page.locator("tr[data-household=T1-0001]").first).to_be_visible()
    screenshot("all")

    page.locator("[data-supervision-filters] summary").click()
    page.locator("select[name=town]").select_option(label=area.T2.name)
    page.locator("[data-supervision-filters] [data-action=apply]").click()
    expect(page).to_have_url(re.compile(rf"town={area.T2.pk}"))
    expect(counts).to_have_attribute("data-flags", str(in_t2))
    expect(counts).to_have_attribute("data-households", "1")
    expect(page.locator("tr[data-household=T1-0001]")).to_have_count(0)
    expect(page.locator("tr[data-household=T2-0001]")).to_have_count(in_t2)
    # The page fits the phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    screenshot("town-t2")

    page.locator("tr[data-household=T2-0001] a").first.click()
    expect(page).to_have_url(re.compile(r"/households/\d+/$"))


def test_a_town_cadre_reads_the_list_in_english_on_a_desktop(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="T1-0001")
    HouseholdFactory(village=area.V1b, registered_on=date(2020, 1, 1), number="T1-0002")
    HouseholdFactory(village=area.V2a, registered_on=date(2020, 1, 1), number="T2-0001")
    overdue_refresh(as_of=today)

    login(page, role_users.town_cadre.username)
    page.locator("[data-lang=en]").click()
    page.goto("/visits/supervision/")
    expect(page.locator("h1")).to_have_text("Overdue in the area")
    expect(page.locator("[data-supervision] th").first).to_have_text("Household number")
    expect(page.locator("tr[data-household=T2-0001]")).to_have_count(0)  # another town
    page.locator("[data-supervision-filters] summary").click()
    page.locator("input[name=number]").fill("0002")
    page.locator("select[name=sort]").select_option("level")
    page.locator("[data-supervision-filters] [data-action=apply]").click()
    expect(page.locator("[data-counts]")).to_have_attribute("data-households", "1")
    expect(page.locator("tr[data-household=T1-0001]")).to_have_count(0)
    expect(page.locator("[data-action=export-supervision]")).to_have_count(0)  # only county staff export
    screenshot("english")
