"""The bank's return checked row by row (benefits.payouts.returns.return_rows_check), on rows as calamine gives
them: every way a row can differ from its line, each listed with its row, and what is accepted as the same.

The expected outcome of each row is written here by hand from the rules of the module's docstring; the refusal
lists every problem of the file, nothing is written."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.utils import translation

from benefits.models import PayoutBatch, PayoutLine
from benefits.payouts import returns, services
from benefits.payouts.exports import COLUMNS
from tests.benefits.payouts_setup import couple_make

pytestmark = pytest.mark.django_db

SEQ, STATUS, ID, AMOUNT, REASON = 0, 1, 11, 15, 17


@pytest.fixture
def batch(personas, area) -> PayoutBatch:
    for name in ("甲", "乙"):
        couple_make(area.V1a, name=name)
    made = services.payout_batch_create(
        actor=personas.county_staff, county=area.C, scheme="death", first_month=date(2025, 1, 1),
        last_month=date(2025, 6, 1),
    ).batch  # fmt: skip
    PayoutBatch.objects.filter(pk=made.pk).update(state=PayoutBatch.State.GENERATED)
    return made


def _rows(batch: PayoutBatch) -> list[list]:
    """Title, header, then one row per line as calamine reads the exported roster (numbers as floats)."""
    rows: list[list] = [["title"], list(COLUMNS)]
    for line in PayoutLine.objects.filter(batch=batch).order_by("seq"):
        row: list = [""] * len(COLUMNS)
        row[SEQ], row[ID], row[AMOUNT] = float(line.seq), line.beneficiary_id_number, float(line.amount)
        rows.append(row)
    return rows


def _mark(rows, index, status, reason=""):
    rows[index][STATUS], rows[index][REASON] = status, reason


def _problems(batch, rows, **kwargs) -> list[tuple[int, str]]:
    with translation.override("en"), pytest.raises(returns.ReturnRefused) as refused:
        returns.return_rows_check(batch=batch, rows=rows, **kwargs)
    return [(p.row, p.what) for p in refused.value.problems]


def test_the_usual_forms_of_the_same_row_are_accepted(batch):
    rows = _rows(batch)
    assert len(rows) == 6  # four parents
    _mark(rows, 2, "成功")
    _mark(rows, 3, " 已支付 ")
    rows[3][AMOUNT] = "3,540.00"  # a number typed as text, with a thousands separator
    _mark(rows, 4, "失败", "账户冻结")
    rows[4][SEQ] = "3"  # 序号 as text
    rows[4][ID] = rows[4][ID].lower()  # the check letter in lower case
    _mark(rows, 5, "PAID")
    rows[5][AMOUNT] = 3540  # an int
    found = returns.return_rows_check(batch=batch, rows=rows)
    lines = dict(PayoutLine.objects.filter(batch=batch).values_list("seq", "pk"))
    assert found.line_ids == [lines[1], lines[2], lines[3], lines[4]]
    assert found.statuses == ["paid", "paid", "failed", "paid"]
    assert found.reasons == ["", "", "账户冻结", ""]
    assert found.failed == [lines[3]]


def test_rows_not_returned_yet_are_left_out(batch):
    rows = _rows(batch)
    _mark(rows, 3, "成功")
    rows.append(["合计", "", *[""] * 16])  # a totals row without a status
    found = returns.return_rows_check(batch=batch, rows=rows)
    assert len(found) == 1


def test_every_problem_is_listed_with_its_row(batch):
    rows = _rows(batch)
    _mark(rows, 2, "成功")
    rows[2][AMOUNT] = 3540.005  # half a cent more
    _mark(rows, 3, "失败")  # no reason
    rows[3][ID] = "630101195001010000"
    _mark(rows, 4, "不知道")
    _mark(rows, 5, "成功")
    rows.append(list(rows[5]))  # line 4 twice
    rows.append(["x9", "成功", *[""] * 16])  # no such line
    assert _problems(batch, rows) == [
        (3, "Line 1: the amount was changed (3540.005 in the file, 3540.00 in the batch)"),
        (4, "Line 2: the ID number is not this line's"),
        (4, "Line 2 failed without a reason (失败原因)"),
        (5, "Unknown payment status “不知道” (成功, 已支付 or 失败)"),
        (7, "Line 4 is also on row 6"),
        (8, "No line x9 in this batch"),
    ]


def test_a_line_that_came_back_already_is_refused(batch):
    line = PayoutLine.objects.get(batch=batch, seq=2)
    PayoutLine.objects.filter(pk=line.pk).update(status="paid")
    rows = _rows(batch)
    _mark(rows, 3, "成功")
    assert _problems(batch, rows) == [(4, "Line 2 has come back already (Paid)")]


def test_a_file_without_any_status(batch):
    assert _problems(batch, _rows(batch)) == [(2, "No line of the file has a payment status (支付状态).")]


def test_a_formula_in_a_column_read_is_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["title"])
    sheet.append(list(COLUMNS))
    sheet.append([1, '=IF(TRUE,"成功","失败")', *[""] * 9, "x", "", "", "", 3540, "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    from households.roster.reader import workbook_read

    sheet_read = workbook_read(buffer.getvalue())[0]
    with translation.override("en"), pytest.raises(returns.ReturnRefused) as refused:
        returns.return_rows_check(batch=PayoutBatch(pk=0), rows=sheet_read.rows, formulas=sheet_read.formulas)
    assert [(p.row, p.what) for p in refused.value.problems] == [
        (3, "The cell holds a formula; type the value itself. (支付状态)")
    ]


@pytest.mark.parametrize(
    ("cell", "cents"),
    [(3540.0, 354000), (1234.56, 123456), ("1,234.56", 123456), ("3540", 354000), (0.1 + 0.2, 30),
     (3540.005, None), ("3540.001", None), ("abc", None), (None, None), (float("nan"), None), ("1e3", 100000),
     ("1e999999999", None), ("9" * 5000, None), (float("inf"), None), ("-0.00", 0)],
)  # fmt: skip
def test_amount_cells_in_cents(cell, cents):
    assert returns._cents(cell) == cents
