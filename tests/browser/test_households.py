"""A town cadre registers a household with two members, finds it by ID number, opens the archive, prints it.

Screenshots of each step are kept in test-artifacts/screenshots/ (desktop, and the archive on a phone).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from households.models import Household, Member
from households.privacy import mask_id_number, mask_phone
from households.validation import id_check_char, id_number_parse
from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.browser


def _id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


# County C's area code, the birth date, a sequence whose last digit gives the sex (odd: male), the check digit.
HUSBAND_ID = _id_number("630101" + "19650302" + "013")
WIFE_ID = _id_number("630101" + "19670815" + "024")
HUSBAND_PHONE = "13800000014"

# Records window.print() instead of opening the print dialog (headless Chromium has none).
PRINT_STUB = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


def test_town_cadre_registers_finds_and_prints_a_household(
    page: Page, role_users: RoleUsers, area: Area, live_server, screenshot
) -> None:
    husband, wife = id_number_parse(HUSBAND_ID), id_number_parse(WIFE_ID)
    assert (husband.sex, husband.birth_date) == ("M", date(1965, 3, 2))
    assert (wife.sex, wife.birth_date) == ("F", date(1967, 8, 15))
    # Another household of the town, so the search has something to leave out.
    MemberFactory(household=HouseholdFactory(village=area.V1b, number="V1B-0001"), name="王建国")
    page.add_init_script(PRINT_STUB)

    login(page, role_users.town_cadre.username)

    # The list, then the create form.
    page.goto("/households/")
    page.locator("[data-action=create-household]").click()
    expect(page).to_have_url(re.compile(r"/households/new/$"))
    expect(page.locator("input[name=members-TOTAL_FORMS]")).to_have_value("2")
    form = page.locator("form.household-form")
    form.locator("select[name=village]").select_option(str(area.V1a.pk))
    form.locator("select[name=family_type]").select_option(Household.FamilyType.DEATH)
    form.locator("input[name=address]").fill("东关大街12号")
    form.locator("input[name=registered_on]").fill("2024-05-06")
    form.locator("select[name=living_situation]").select_option(Household.LivingSituation.COUPLE)
    form.locator("input[name=child_name]").fill("李小明")
    form.locator("input[name=child_event_date]").fill("2010-09-01")
    members = [
        ("李国强", HUSBAND_ID, Member.Role.HUSBAND, "M", "1965-03-02", HUSBAND_PHONE),
        ("张秀兰", WIFE_ID, Member.Role.WIFE, "F", "1967-08-15", ""),
    ]
    for index, (name, id_number, role, sex, birth_date, phone) in enumerate(members):
        prefix = f"members-{index}-"
        form.locator(f"input[name={prefix}name]").fill(name)
        form.locator(f"input[name={prefix}id_number]").fill(id_number)
        form.locator(f"select[name={prefix}role]").select_option(role)
        form.locator(f"select[name={prefix}sex]").select_option(sex)
        form.locator(f"input[name={prefix}birth_date]").fill(birth_date)
        form.locator(f"input[name={prefix}phone]").fill(phone)
    screenshot("1-create-form")

    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/households/\d+/$"))
    expect(page.locator(".msg-success")).to_be_visible()
    household = Household.objects.get(village=area.V1a)
    assert household.county == area.C
    assert household.number.startswith(f"{area.C.code}-")
    saved = {m.id_number: (m.name, m.role, m.sex, m.birth_date, m.phone) for m in household.members.all()}
    assert saved == {
        HUSBAND_ID: ("李国强", "husband", "M", date(1965, 3, 2), HUSBAND_PHONE),
        WIFE_ID: ("张秀兰", "wife", "F", date(1967, 8, 15), ""),
    }
    screenshot("2-saved")

    # Search by the wife's ID number: the form POSTs, the list URL carries an opaque token only.
    page.goto("/households/")
    expect(page.locator("[data-count]")).to_have_attribute("data-count", "2")
    search = page.locator("form[data-search-form]")
    search.locator("input[name=q]").fill(WIFE_ID)
    with page.expect_request(lambda r: r.url.endswith("/households/search/")) as posted:
        search.locator("button[type=submit]").click()
    assert posted.value.method == "POST"
    assert WIFE_ID not in posted.value.url
    expect(page).to_have_url(re.compile(r"/households/\?s=[\w-]+$"))
    assert WIFE_ID not in page.url
    assert WIFE_ID[-6:] not in page.url
    expect(page.locator("[data-count]")).to_have_attribute("data-count", "1")
    rows = page.locator("[data-household-list] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(household.number)
    expect(rows.first).not_to_contain_text(HUSBAND_ID)
    expect(rows.first).to_contain_text(mask_id_number(HUSBAND_ID))
    screenshot("3-search-result")

    # The archive: ID numbers and the phone masked, nowhere in full in the HTML.
    rows.first.locator(f"a[href='/households/{household.pk}/']").click()
    expect(page).to_have_url(re.compile(rf"/households/{household.pk}/$"))
    member_rows = page.locator("[data-section=members] tbody tr[data-member]")
    expect(member_rows).to_have_count(2)
    html = page.content()
    for full, masked in ((HUSBAND_ID, mask_id_number(HUSBAND_ID)), (WIFE_ID, mask_id_number(WIFE_ID))):
        assert full not in html
        assert masked in html
    assert HUSBAND_PHONE not in html
    assert mask_phone(HUSBAND_PHONE) in html
    screenshot("4-archive")

    # The PDF, fetched with the logged-in context's cookies.
    response = page.request.get(f"{live_server.url}/households/{household.pk}/pdf/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # The print view; its button calls window.print().
    page.locator("[data-action=print]").click()
    expect(page).to_have_url(re.compile(rf"/households/{household.pk}/print/$"))
    expect(page.locator(".print-sheet h1")).to_contain_text(household.number)
    html = page.content()
    for full in (HUSBAND_ID, WIFE_ID, HUSBAND_PHONE):
        assert full not in html
    assert mask_id_number(WIFE_ID) in html
    page.locator("[data-print]").click()
    assert page.evaluate("window.__printed") == 1
    screenshot("5-print")
    # As printed: print.css hides the portal's chrome and the print bar, the sheet stays.
    page.emulate_media(media="print")
    for chrome in ("header.topbar", "#main-nav", ".print-bar"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.locator(".print-sheet")).to_be_visible()
    screenshot("5-print-media")
    page.emulate_media(media="screen")

    # The archive on a phone.
    page.set_viewport_size(PHONE)
    page.goto(f"/households/{household.pk}/")
    expect(page.locator("[data-section=members] tbody tr[data-member]")).to_have_count(2)
    screenshot("6-archive-phone")
