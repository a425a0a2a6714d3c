"""County staff import the county's roster in the browser (issue 4).

Upload a roster with errors, read the errors, download the workbook with the bad cells marked; upload the
clean roster, see what an import would do, confirm; find an imported household by ID number and open it.
Screenshots of each step are kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from accounts.roles import Role
from households.models import Household, Member
from households.privacy import mask_id_number
from regions.models import Region
from regions.services import regions_load_csv
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.roster.conftest import SAMPLES, expected

pytestmark = pytest.mark.browser

# The first person of the clean sample (row 4): household 00001, 戴振华.
FIRST_ID = "630103197307164610"


@pytest.fixture
def staff(transactional_db):
    regions_load_csv(text=(SAMPLES / "regions_sample.csv").read_text(encoding="utf-8-sig"))
    return UserFactory(username="roster_staff", role=Role.COUNTY_STAFF, region=Region.objects.get(code="630103"))


def _upload(page: Page, name: str) -> None:
    page.goto("/households/roster/")
    page.locator("[data-roster-upload] input[type=file]").set_input_files(str(SAMPLES / f"{name}.xlsx"))
    page.locator("[data-roster-upload] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/households/roster/\d+/$"))
    # The check runs in the background; the page refreshes itself until the job has finished.
    still_running = re.compile("queued|checking|confirmed|importing")
    expect(page.locator("[data-job-status]")).not_to_have_attribute("data-job-status", still_running)


def test_staff_fix_a_roster_with_errors_then_import_the_clean_one(page: Page, staff, tmp_path, screenshot) -> None:
    login(page, staff.username)

    # 1. A roster with errors: every error listed with its row, nothing can be confirmed.
    _upload(page, "roster_persons_errors")
    errors = expected("roster_persons_errors")["errors"]
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "invalid")
    rows = page.locator("[data-roster-errors] tbody tr")
    expect(rows).to_have_count(len(errors))
    shown = sorted(
        (int(rows.nth(i).get_attribute("data-error-row")), rows.nth(i).get_attribute("data-error-field"))
        for i in range(len(errors))
    )
    assert shown == sorted((row, field) for _sheet, row, field in errors)
    expect(page.locator("[data-action=confirm-import]")).to_have_count(0)
    screenshot("1-errors")

    # 2. The workbook back with the bad cells highlighted and a comment on each.
    with page.expect_download() as download_info:
        page.locator("[data-action=download-marked]").click()
    marked = tmp_path / "marked.xlsx"
    download_info.value.save_as(marked)
    sheet = load_workbook(io.BytesIO(marked.read_bytes()))["花名册"]
    assert sheet["G10"].comment is not None  # row 10: the ID number
    assert sheet["G10"].comment.text.strip()
    assert sheet["D67"].fill.start_color.rgb.endswith("F4B6B6")  # row 67: the unknown village
    assert Household.objects.count() == 0

    # 3. The clean roster: the preview says what an import would do, then the import after confirming.
    _upload(page, "roster_persons_clean")
    clean = expected("roster_persons_clean")
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "ready")
    expect(page.locator("[data-count=households-created]")).to_have_text(str(clean["households"]))
    expect(page.locator("[data-count=members-created]")).to_have_text(str(clean["members"]))
    assert Household.objects.count() == 0  # nothing written before the confirmation
    screenshot("2-preview")
    page.once("dialog", lambda dialog: dialog.accept())  # "Import this roster now?"
    page.locator("[data-action=confirm-import]").click()
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "done")
    expect(page.locator("[data-imported]")).to_be_visible()
    assert Household.objects.count() == clean["households"]
    assert Member.objects.count() == clean["members"]
    screenshot("3-imported")

    # 4. The import history lists both files.
    page.goto("/households/roster/")
    expect(page.locator("[data-roster-history] tbody tr")).to_have_count(2)

    # 5. Find an imported household by an ID number and open its archive (the number shown masked).
    page.goto("/households/")
    page.locator("[data-search-form] input[name=q]").fill(FIRST_ID)
    page.locator("[data-search-form] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(FIRST_ID))  # the ID number never goes into the address
    result = page.locator("[data-household-list] tbody tr")
    expect(result).to_have_count(1)
    expect(result.first).to_contain_text("00001")
    result.first.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/households/\d+/$"))
    expect(page.locator("[data-section=members]")).to_contain_text("戴振华")
    expect(page.locator("[data-section=members]")).to_contain_text(mask_id_number(FIRST_ID))
    assert FIRST_ID not in page.content()
    screenshot("4-archive")
