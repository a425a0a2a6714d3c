"""The exports opened and compared with the layouts of ../shared/REPORTS.md: the title merged over 21 columns, the
merged heading (单位 over the heading rows, groups over their columns, short paths spanning down), the 栏次 row, the
units' rows and 合计, A4 landscape fitted to the width with the heading rows repeated, the file names; the
assistance form's four persons' sheets (ID numbers masked; not offered to city users); the yearly PDF; exports
logged."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import AccessEvent
from reports.statforms import exports, selectors
from reports.statforms.spec import ASSISTANCE_MONTHLY, WARM_MONTHLY, YEARLY, Period
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.pdf import pdf_text
from tests.reports.statforms.helpers import activities, city_over

pytestmark = pytest.mark.django_db

NOV = Period.month(2025, 11)
ON = date(2025, 11, 10)

# The warm-heart monthly report's merged heading, as the real form has it (rows 3-5; 单位 in A).
WARM_MERGES = {
    "A1:U1",  # the title
    "A2:U2",  # unit and period
    "A3:A5",  # 单位
    "B3:C3", "B4:B5", "C4:C5",  # 需求调查: 户, 人
    "D3:E3", "D4:D5", "E4:E5",  # 保险理赔: 例, 金额（元）
    "F3:I3", "F4:F5", "G4:G5", "H4:H5", "I4:I5",  # 心理健康服务: 户, 人, 建档（份）, 测评（人）
    "J3:S3", "J4:K4", "L4:M4", "N4:O4", "P4:Q4", "R4:S4",  # 走访慰问落实: five purposes × (户, 人)
    "T3:U3", "T4:T5", "U4:U5",  # 服务活动开展: 场, 人
}  # fmt: skip


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_warm_monthly_layout(area):
    activities(area.V1a, 2, on=ON)
    activities(area.T2, 3, on=ON)
    form = selectors.form_build(template=WARM_MONTHLY, period=NOV, unit=area.C)
    with translation.override("en"):
        sheet = _workbook(exports.form_xlsx(form, user=None)).active
        assert sheet.max_column == 21
        assert {str(r) for r in sheet.merged_cells.ranges} == WARM_MERGES
        assert sheet["A1"].value == f"{area.C.name} special families warm-heart action monthly report"
        assert sheet["A3"].value == "Unit"
        assert [sheet.cell(3, c).value for c in (2, 4, 6, 10, 20)] == [
            "Needs survey",
            "Insurance claims",
            "Mental-health services",
            "Visits and care",
            "Service activities",
        ]
        assert [sheet.cell(4, c).value for c in (10, 12, 14, 16, 18)] == [
            "Routine visits",
            "Festival visits",
            "Birthday company",
            "Hospital visits",
            "Emergencies",
        ]
        assert sheet.cell(5, 10).value == "Households"
        assert sheet.cell(5, 11).value == "Persons"
        assert [sheet.cell(6, c).value for c in range(1, 22)] == ["A", *map(str, range(1, 21))]
    rows = list(sheet.iter_rows(min_row=7, values_only=True))
    assert [r[0] for r in rows[:2]] == [area.T1.name, area.T2.name]
    assert len(rows) == 4  # T1, T2, own level, total
    total = rows[-1]
    assert total[0] == "Total" or total[0] == "合计"
    # The total row is the sum of the rows above it, column by column; the sessions column counts the activities.
    for col in range(1, 21):
        assert total[col] == sum(r[col] or 0 for r in rows[:-1])
    assert rows[0][19] == 2
    assert rows[1][19] == 3
    assert total[19] == 5
    # Printing: A4 landscape, fitted to the page's width, the heading rows repeated.
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$6"


def test_file_names_and_content_disposition(area, personas, client_for):
    with translation.override("en"):
        assert (
            exports.form_filename(WARM_MONTHLY, "城东区", NOV)
            == "城东区 special families warm-heart action monthly report-2025-11.xlsx"
        )
        assert exports.form_filename(YEARLY, "城东区", Period.year(2025), extension="pdf").endswith("-2025.pdf")
    response = client_for(personas.county_staff).get(
        reverse("reports:forms:export", args=[area.C.pk, "warm_monthly", NOV.key])
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    expected = exports.form_filename(WARM_MONTHLY, area.C.name, NOV)
    assert disposition.startswith("attachment; ")
    assert f"filename*=utf-8''{quote(expected)}" in disposition
    event = AccessEvent.objects.get(actor=personas.county_staff, action=AccessEvent.Action.EXPORT)
    assert event.detail["report"] == "statform_warm_monthly"
    assert event.detail["period"] == NOV.key
    assert _workbook(response.content).active.max_column == 21


def test_assistance_form_with_four_masked_sheets_for_county_staff_and_none_for_the_city(area, personas, client_for):
    household = HouseholdFactory(village=area.V1a, child_event_date=date(2025, 11, 3))
    father = MemberFactory(household=household, role="husband", name="张建国")
    MemberFactory(household=household, role="wife", name="李秀英")
    url = reverse("reports:forms:export", args=[area.C.pk, "assistance_monthly", NOV.key]) + "?details=1"
    book = _workbook(client_for(personas.county_staff).get(url).content)
    assert len(book.sheetnames) == 5
    summary = book.worksheets[0]
    assert summary.max_column == 5
    assert "A3:A3" not in {str(r) for r in summary.merged_cells.ranges}  # one heading row: nothing to merge down
    assert [summary.cell(4, c).value for c in range(2, 6)] == ["1", "2", "3", "4"]
    total = [c.value for c in summary[summary.max_row]]
    assert total[1] == 2  # two new bereaved parents
    persons = book.worksheets[1]
    values = [[c.value for c in row] for row in persons.iter_rows(min_row=3)]
    # A row per new bereaved parent, each with the family's father and mother (信息编码, 父亲姓名, 父亲身份证 …).
    assert [(v[2], v[4]) for v in values] == [("张建国", "李秀英"), ("张建国", "李秀英")]
    masked = values[0][3]
    assert masked != father.id_number
    assert masked.startswith(father.id_number[:4])
    assert "*" in masked
    assert len(persons[2]) == 1 + len(ASSISTANCE_MONTHLY.detail_sheets[0].fields)

    city = city_over(area.C, area.C2)
    city_staff = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    city_url = reverse("reports:forms:export", args=[city.pk, "assistance_monthly", NOV.key]) + "?details=1"
    city_book = _workbook(client_for(city_staff).get(city_url).content)
    assert len(city_book.sheetnames) == 1  # the summary only: no person reaches a city user
    assert [c.value for c in city_book.worksheets[0][city_book.worksheets[0].max_row]][1] == 2
    leader_book = _workbook(
        client_for(personas.leader)
        .get(reverse("reports:forms:export", args=[area.C.pk, "assistance_monthly", NOV.key]) + "?details=1")
        .content
    )
    assert len(leader_book.sheetnames) == 1


def test_yearly_report_as_pdf_and_xlsx(area, personas, client_for):
    activities(area.T1, 4, on=ON)
    client = client_for(personas.county_staff)
    pdf = client.get(reverse("reports:forms:export_pdf", args=[area.C.pk, "yearly", "2025"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert area.C.name in text
    assert area.T1.name in text
    assert AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT, detail__format="pdf").exists()
    sheet = _workbook(client.get(reverse("reports:forms:export", args=[area.C.pk, "yearly", "2025"])).content).active
    assert sheet.max_column == 1 + len(YEARLY.columns)
    assert client.get(reverse("reports:forms:export_pdf", args=[area.C.pk, "warm_monthly", NOV.key])).status_code == 404


def test_heading_spans_follow_the_layout_for_every_template():
    for template in (WARM_MONTHLY, ASSISTANCE_MONTHLY, YEARLY):
        spans = exports.heading_spans(template)
        covered: set[tuple[int, int]] = set()
        for span in spans:
            cells = {(r, c) for r in range(span.row, span.last_row + 1) for c in range(span.col, span.last_col + 1)}
            assert not covered & cells  # no overlap
            covered |= cells
        # every heading cell of the grid is covered exactly once
        assert covered == {(r, c) for r in range(template.header_rows) for c in range(len(template.columns) + 1)}
