"""A village cadre on a phone: my households → log a home visit for an overdue household → the engine
closes the flag → the coverage dashboard shows it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.services import coverage_snapshot_refresh
from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.factories import HouseholdFactory
from visits.engine import overdue_refresh
from visits.models import OverdueFlag, Visit
from visits.services import ruleset_create_default

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE])
def test_village_cadre_logs_a_home_visit_and_the_flag_closes(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    overdue = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="V1A-0007")
    HouseholdFactory(village=area.V2a, registered_on=date(2020, 1, 1), number="V2A-0001")  # another town
    overdue_refresh(as_of=today)
    coverage_snapshot_refresh(as_of=today)
    open_before = OverdueFlag.objects.open().filter(household=overdue).count()
    assert OverdueFlag.objects.open().filter(household=overdue, rule__code="monthly_contact").exists()

    login(page, role_users.village_cadre.username)
    page.goto("/reports/coverage/")
    figure = page.locator("[data-figure=open-flags]")
    expect(figure).to_have_text(str(open_before))
    screenshot("dashboard-before")

    page.locator("[data-nav-toggle]").click()
    page.locator("#main-nav [data-nav=my_households]").click()
    expect(page).to_have_url(re.compile(r"/visits/mine/$"))
    first = page.locator("[data-worklist] > li").first
    expect(first).to_have_attribute("data-household", "V1A-0007")
    expect(first.locator("[data-flag=monthly_contact]")).to_be_visible()
    expect(page.locator("[data-household=V2A-0001]")).to_have_count(0)
    screenshot("my-households")

    first.locator("[data-log]").click()
    page.locator("label.choice", has_text="入户").click()
    screenshot("log-form")
    page.locator("[data-save]").click()
    expect(page).to_have_url(re.compile(r"/visits/mine/$"))
    expect(page.locator(".msg-success")).to_be_visible()

    visit = Visit.objects.get(household=overdue)
    assert (visit.method, visit.date, visit.visitor_role) == ("home", today, "village_cadre")
    overdue_refresh(as_of=today)  # the nightly run (the per-household run has already run after the commit)
    coverage_snapshot_refresh(as_of=today)
    assert not OverdueFlag.objects.open().filter(household=overdue, rule__code="monthly_contact").exists()
    assert not OverdueFlag.objects.open().filter(household=overdue, rule__code="quarterly_home_visit").exists()
    open_after = OverdueFlag.objects.open().filter(household=overdue).count()
    assert open_after < open_before

    expect(page.locator("[data-worklist] [data-household=V1A-0007] [data-flag=monthly_contact]")).to_have_count(0)
    page.goto("/reports/coverage/")
    expect(page.locator("[data-figure=open-flags]")).to_have_text(str(open_after))
    screenshot("dashboard-after")


@pytest.mark.parametrize("viewport", [PHONE])
def test_village_cadre_corrects_then_deletes_a_mistaken_visit(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="V1A-0008")
    overdue_refresh(as_of=today)
    login(page, role_users.village_cadre.username)
    page.goto(f"/visits/household/{household.pk}/log/")
    page.locator("label.choice", has_text="电话").click()
    page.locator("[data-save]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    assert not OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()

    # It was a home visit: correct it.
    page.goto(f"/visits/household/{household.pk}/")
    page.locator("[data-action=edit-visit]").click()
    page.locator("label.choice", has_text="入户").click()
    screenshot("correct-visit")
    page.locator("[data-save]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    assert Visit.objects.get(household=household).method == "home"

    # In fact it was another family: delete it, with the reason.
    page.locator("[data-action=delete-visit]").click()
    page.locator("[data-confirm-delete]").click()  # no reason: refused
    expect(page.locator(".has-error")).to_be_visible()
    page.locator("textarea[name=reason]").fill("登记错了家庭")
    screenshot("delete-visit")
    page.locator("[data-confirm-delete]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    assert not Visit.objects.filter(household=household).exists()
    assert OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()

    page.goto(f"/households/{household.pk}/")
    expect(page.locator("[data-section=timeline]")).to_contain_text("登记错了家庭")
