"""The audit log on a 390-pixel phone (issue 13 B10): both tables stack into cards, so the change's before → after
and an event's description are on the screen, not off to the right."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from audit.history import history_context
from audit.models import AccessEvent
from households.models import Household, Member
from households.services import member_value_reveal
from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_the_audit_tables_stack_and_before_after_is_on_screen(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    staff = role_users.county_staff
    with history_context(actor=staff, service="household_create"):
        household = Household.objects.create(
            county=area.C, village=area.V1a, number="630101-00011", registered_on=date(2024, 3, 1)
        )
        member = Member.objects.create(household=household, name="李春生", role="husband", phone="13800000014")
    with history_context(actor=staff, service="household_update"):
        Member.objects.filter(pk=member.pk).update(phone="13900000027", alive=False)
    member_value_reveal(actor=staff, household=household, member=member, field_name="phone")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()
    login(page, staff.username)

    page.goto("/audit/changes/")
    diff = page.locator("table.stack td.diff").first
    expect(diff).to_contain_text("138****0014 → 139****0027")
    box = diff.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("table.stack tbody tr").first).to_contain_text("李春生")
    screenshot("changes-phone")

    page.goto("/audit/")
    reveal = page.locator('tr[data-action="reveal"]').first
    expect(reveal).to_contain_text("李春生")
    expect(reveal).to_contain_text("630101-00011")
    detail = reveal.locator("[data-detail]")
    box = detail.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("access-phone")
