"""The whole cycle through the pages: batch → reconciliation → town and county review → roster for the bank → the
return with failures (refused whole when it does not match) → the village contact's follow-up → correction batch.
Also the roster's exact layout, read back with openpyxl (the oracle of the hand-written xlsx)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audit.models import AccessEvent
from benefits.models import BenefitProfile, PayoutBatch, PayoutLine
from benefits.payouts import returns, services
from benefits.payouts.exports import COLUMNS
from tests.benefits.payouts_setup import SIX_MONTHS, couple_make
from tests.factories import AssignmentFactory, ServicePersonFactory
from visits.models import Notification

pytestmark = pytest.mark.django_db
State = PayoutBatch.State

ROSTER_COLUMNS = [
    "序号",
    "支付状态",
    "户主姓名",
    "户主身份证号",
    "收款人姓名",
    "收款人身份证号",
    "银行账号",
    "开户银行",
    "村(居)委会",
    "村(居)民小组",
    "享受人",
    "享受人身份证号",
    "联系电话",
    "现居住地",
    "年龄",
    "补贴金额",
    "填报日期",
    "失败原因",
]


@pytest.fixture
def couples(area):
    return [couple_make(area.V1a, name="甲"), couple_make(area.V2a, name="丙")]


def _generated(client_for, personas, area) -> PayoutBatch:
    staff = client_for(personas.county_staff)
    response = staff.post(
        reverse("benefits:payouts:create"), {"scheme": "death", "first_month": "2025-01", "last_month": "2025-06"}
    )
    assert response.status_code == 302
    batch = PayoutBatch.objects.get()
    step = reverse("benefits:payouts:step", args=[batch.pk])
    reconcile = reverse("benefits:payouts:reconcile", args=[batch.pk])
    assert staff.get(reconcile).status_code == 200
    staff.post(step, {"action": "submit"})
    assert PayoutBatch.objects.get().state == State.DRAFT  # unreconciled: refused
    staff.post(reconcile, {"action": "mark"})
    staff.post(step, {"action": "submit", "opinion": "请审核"})
    client_for(personas.town_cadre).post(step, {"action": "town_confirm", "opinion": "无误"})
    client_for(personas.other_town_cadre).post(step, {"action": "town_confirm"})
    staff.post(step, {"action": "county_confirm", "opinion": "同意"})
    batch.refresh_from_db()
    assert batch.state == State.GENERATED
    return batch


def _roster(client, batch) -> openpyxl.Workbook:
    response = client.post(reverse("benefits:payouts:roster", args=[batch.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _return_file(workbook, marks: dict[int, tuple[str, str]], *, edit=None) -> io.BytesIO:
    """The roster with 支付状态 / 失败原因 filled for the lines in ``marks`` (序号 → (status, reason))."""
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=3):
        seq = row[0].value
        if seq in marks:
            row[1].value, row[17].value = marks[seq]
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "回盘.xlsx"
    return buffer


def test_the_roster_layout_is_exact_and_its_download_logged(client_for, personas, area, couples):
    batch = _generated(client_for, personas, area)
    staff = client_for(personas.county_staff)
    sheet = _roster(staff, batch).active

    assert list(COLUMNS) == ROSTER_COLUMNS
    assert sheet.cell(1, 1).value == batch.title
    assert [c.value for c in sheet[2]] == ROSTER_COLUMNS
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.print_title_rows == "$1:$2"
    assert "A1:R1" in {str(r) for r in sheet.merged_cells.ranges}
    lines = list(PayoutLine.objects.filter(batch=batch).order_by("seq"))
    for line, row in zip(lines, sheet.iter_rows(min_row=3, max_row=2 + len(lines), values_only=True), strict=True):
        assert row == (
            line.seq, None, line.head_name, line.head_id_number, line.payee_name, line.payee_id_number,
            line.account_number, line.bank_name, line.village_name, None, line.beneficiary_name,
            line.beneficiary_id_number, line.phone, line.address, line.age, float(line.amount),
            row[16], None,
        )  # fmt: skip
        assert row[16].date() == batch.filled_on
    totals = [c.value for c in sheet[3 + len(lines)]]
    assert totals[0] == "合计"
    assert totals[10] == "4人"
    assert Decimal(str(totals[15])) == SIX_MONTHS * 4
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT, target_id=str(batch.pk))
    assert event.actor == personas.county_staff
    assert event.detail["lines"] == 4
    # only county staff download it
    assert client_for(personas.town_cadre).post(reverse("benefits:payouts:roster", args=[batch.pk])).status_code == 403


def test_the_full_cycle_with_a_failed_line_its_follow_up_and_the_correction(client_for, personas, area, couples):
    holder = ServicePersonFactory(region=area.V1a, user=personas.village_cadre)
    AssignmentFactory(household=couples[0].household, person=holder)
    batch = _generated(client_for, personas, area)
    staff = client_for(personas.county_staff)
    failed_line = PayoutLine.objects.get(batch=batch, member=couples[0].wife)
    marks = dict.fromkeys(PayoutLine.objects.filter(batch=batch).values_list("seq", flat=True), ("成功", ""))
    marks[failed_line.seq] = ("失败", "账户已冻结")

    response = staff.post(
        reverse("benefits:payouts:return", args=[batch.pk]), {"file": _return_file(_roster(staff, batch), marks)}
    )

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == State.RETURNED
    statuses = dict(PayoutLine.objects.filter(batch=batch).values_list("seq", "status"))
    assert statuses == {seq: ("failed" if seq == failed_line.seq else "paid") for seq in marks}
    failed_line.refresh_from_db()
    assert failed_line.failure_reason == "账户已冻结"
    assert failed_line.returned_at is not None
    # the village contact's message, and the accounts to fix
    note = Notification.objects.get(kind="bank_account")
    assert note.user == personas.village_cadre
    assert note.read_at is None
    with translation.override("en"):
        assert note.text.startswith(f"Fix the bank account of {couples[0].wife.name} (household")
    village = client_for(personas.village_cadre)
    page = village.get(reverse("benefits:payouts:followups"))
    assert couples[0].wife.name in page.content.decode()
    # the inbox links the message to where the account is fixed
    account_form = reverse("benefits:profiles:edit", args=[couples[0].wife.pk])
    assert note.params["link"] == account_form
    assert f'href="{account_form}"' in village.get(reverse("visits:inbox")).content.decode()
    # a second return of a paid line is refused whole
    again = staff.post(
        reverse("benefits:payouts:return", args=[batch.pk]), {"file": _return_file(_roster(staff, batch), marks)}
    )
    assert again.status_code == 400
    # no correction before the account is fixed
    staff.post(reverse("benefits:payouts:correction", args=[batch.pk]))
    assert not PayoutBatch.objects.filter(kind="correction").exists()

    profile = BenefitProfile.objects.get(member=couples[0].wife)
    profile.account_number = "6217000099998888"
    profile.save()

    note.refresh_from_db()
    assert note.read_at is not None  # closed by the account's change
    assert couples[0].wife.name not in village.get(reverse("benefits:payouts:followups")).content.decode()
    staff.post(reverse("benefits:payouts:correction", args=[batch.pk]))
    correction = PayoutBatch.objects.get(kind="correction")
    assert correction.title.endswith("更正发放（第1次）") or "(no. 1)" in correction.title
    [line] = PayoutLine.objects.filter(batch=correction)
    assert (line.corrects_id, line.amount, line.account_number, line.retry_count) == (
        failed_line.pk, failed_line.amount, "6217000099998888", 1,
    )  # fmt: skip
    assert correction.state == State.DRAFT
    # the same states: reconcile, submit, the town of the line, the county
    step = reverse("benefits:payouts:step", args=[correction.pk])
    staff.post(reverse("benefits:payouts:reconcile", args=[correction.pk]), {"action": "mark"})
    staff.post(step, {"action": "submit"})
    client_for(personas.town_cadre).post(step, {"action": "town_confirm"})
    staff.post(step, {"action": "county_confirm"})
    correction.refresh_from_db()
    assert correction.state == State.GENERATED
    # the original closes once every line is back
    staff.post(reverse("benefits:payouts:step", args=[batch.pk]), {"action": "close"})
    batch.refresh_from_db()
    assert batch.state == State.CLOSED


def _refused(client, batch, upload) -> str:
    response = client.post(reverse("benefits:payouts:return", args=[batch.pk]), {"file": upload})
    assert response.status_code == 400
    return response.content.decode()


def test_a_return_that_does_not_match_is_refused_whole_listing_every_mismatch(client_for, personas, area, couples):
    batch = _generated(client_for, personas, area)
    staff = client_for(personas.county_staff)
    staff.cookies["django_language"] = "en"
    marks = {1: ("成功", ""), 2: ("失败", ""), 3: ("已支付", ""), 4: ("不知道", "")}

    def edit(sheet):
        sheet.cell(3, 16).value = 1.0  # line 1: amount changed
        sheet.cell(4, 12).value = "630101195001010000"  # line 2: another ID number
        sheet.cell(7, 1).value = 99  # an unknown line
        sheet.cell(7, 2).value = "成功"

    text = _refused(staff, batch, _return_file(_roster(staff, batch), marks, edit=edit))

    assert "Line 1: the amount was changed (1 in the file, 3540.00 in the batch)" in text
    assert "Line 2: the ID number is not this line&#x27;s" in text
    assert "Line 2 failed without a reason (失败原因)" in text
    assert "Unknown payment status “不知道”" in text
    assert "No line 99 in this batch" in text
    assert 'data-problem-row="3"' in text
    assert 'data-problem-row="7"' in text
    assert set(PayoutLine.objects.filter(batch=batch).values_list("status", flat=True)) == {"planned"}
    assert PayoutBatch.objects.get(pk=batch.pk).state == State.GENERATED


def test_the_refusal_in_chinese(client_for, personas, area, couples):
    batch = _generated(client_for, personas, area)
    staff = client_for(personas.county_staff)
    staff.cookies["django_language"] = "zh-hans"
    text = _refused(staff, batch, _return_file(_roster(staff, batch), {1: ("失败", "")}))
    assert 'lang="zh-hans"' in text
    assert "失败原因" in text
    assert 'data-problem-row="3"' in text


def test_a_file_that_is_not_a_workbook_is_refused(client_for, personas, area, couples):
    batch = _generated(client_for, personas, area)
    staff = client_for(personas.county_staff)
    staff.cookies["django_language"] = "en"
    upload = io.BytesIO(b"seq,status\n1,paid\n")
    upload.name = "return.csv"
    assert "This is a CSV or text file" in _refused(staff, batch, upload)


def test_a_return_is_applied_in_constant_queries(personas, area):
    staff = personas.county_staff

    def run(count: int) -> int:
        for index in range(count):
            couple_make(area.V1a, name=f"批{count}-{index}")
        batch = services.payout_batch_create(
            actor=staff,
            county=area.C,
            scheme="death",
            first_month=date(2025, count, 1),
            last_month=date(2025, count, 1),
        ).batch
        PayoutBatch.objects.filter(pk=batch.pk).update(state=State.GENERATED)
        lines = PayoutLine.objects.filter(batch=batch).order_by("seq")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["title"])
        sheet.append(list(COLUMNS))
        for line in lines:
            row = [line.seq, "失败", *[""] * 9, line.beneficiary_id_number, "", "", "", float(line.amount), "", "冻结"]
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        with CaptureQueriesContext(connection) as queries:
            returns.payout_return_apply(actor=staff, batch=batch, data=buffer.getvalue())
        assert set(lines.values_list("status", flat=True)) == {"failed"}
        return len(queries)

    assert run(1) == run(5)
