"""A village cadre on a phone: my households → log a home visit for an overdue household → the engine
closes the flag → the coverage dashboard shows it."""

from __future__ import annotations

import re
from datetime import date, timedelta

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


@pytest.mark.parametrize("viewport", [PHONE])
def test_village_cadre_deletes_a_visit_and_the_escalated_flag_reappears_with_its_level(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    """docs/RULES.md "Correcting a visit": the flag the visit had closed opens again — the same flag, with its
    escalation to the county — not a new one at the contact's level."""
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="V1A-0009")
    overdue_refresh(as_of=today - timedelta(days=45))
    overdue_refresh(as_of=today)  # open 45 days: escalated to the county
    flag = OverdueFlag.objects.get(household=household, rule__code="monthly_contact")
    assert flag.escalation_level == OverdueFlag.Level.COUNTY

    login(page, role_users.village_cadre.username)
    page.goto(f"/visits/household/{household.pk}/")
    monthly = page.locator("[data-flag=monthly_contact]")
    expect(monthly).to_have_attribute("data-level", "2")
    expect(monthly).to_contain_text("县")
    page.locator("a.button.primary", has_text="登记").click()
    page.locator("label.choice", has_text="电话").click()
    page.locator("[data-save]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    flag.refresh_from_db()
    assert flag.closed_reason == "met"

    page.goto(f"/visits/household/{household.pk}/")
    expect(page.locator("[data-flag=monthly_contact]")).to_have_count(0)
    page.locator("[data-action=delete-visit]").click()
    page.locator("textarea[name=reason]").fill("登记错了家庭")
    page.locator("[data-confirm-delete]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    screenshot("flag-reopened")

    # Back on the household's visits page: the same flag, at the county's level.
    monthly = page.locator("[data-flag=monthly_contact]")
    expect(monthly).to_have_attribute("data-level", "2")
    expect(monthly).to_contain_text(flag.period_key)
    expect(monthly).to_contain_text("县")
    flag.refresh_from_db()
    assert (flag.closed_on, flag.escalation_level) == (None, OverdueFlag.Level.COUNTY)
    assert OverdueFlag.objects.filter(household=household, rule__code="monthly_contact").count() == 1


@pytest.mark.parametrize("viewport", [PHONE])
def test_village_cadre_sees_what_is_theirs_and_what_waits_for_the_doctor(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    """A home visit by the cadre clears the monthly contact at once; the doctor's monthly home visit stays,
    marked as waiting for the family doctor, and the household moves to the doctor's tab."""
    today = timezone.localdate()
    ruleset_create_default(county=area.C)
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="V1A-0010")
    overdue_refresh(as_of=today)

    login(page, role_users.village_cadre.username)
    page.goto("/visits/mine/")
    item = page.locator("[data-worklist] [data-household=V1A-0010]")
    expect(item.locator("[data-flag=monthly_contact]")).to_have_attribute("data-waits-for", "any_contact")
    expect(item.locator("[data-flag=doctor_monthly_home_visit]")).to_have_attribute("data-waits-for", "family_doctor")

    item.locator("[data-log]").click()
    # The visitor is on the first screen, not folded away.
    expect(page.locator("select[name=visitor]")).to_be_visible()
    expect(page.locator("[data-doctor-hint]")).to_be_visible()
    page.locator("label.choice", has_text="入户").click()
    screenshot("log-form")
    page.locator("[data-save]").click()
    expect(page).to_have_url(re.compile(r"/visits/mine/$"))
    expect(page.locator(".msg-success")).to_be_visible()
    screenshot("after-logging")

    # The household's new state at once: the cadre's flags gone, the doctor's still there, waiting.
    item = page.locator("[data-worklist] [data-household=V1A-0010]")
    expect(item.locator("[data-flag=monthly_contact]")).to_have_count(0)
    expect(item.locator("[data-flag=doctor_monthly_home_visit]")).to_have_attribute("data-waits-for", "family_doctor")
    expect(item).to_have_class(re.compile(r"is-waiting"))

    page.locator("[data-worklist-tabs] [data-tab=doctor]").click()
    expect(page.locator("[data-worklist] > li")).to_have_count(1)
    expect(page.locator("[data-worklist] > li").first).to_have_attribute("data-household", "V1A-0010")
    screenshot("waiting-for-the-doctor")
    assert set(
        OverdueFlag.objects.open()
        .filter(household=household, rule__mode="overdue")
        .values_list("rule__code", flat=True)
    ) == {"doctor_monthly_home_visit"}
