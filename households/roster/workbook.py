"""Workbooks the portal writes with openpyxl: the blank roster template, the uploaded roster with its bad
cells marked, and the export of a household list in the persons layout (export → edit → import round-trips).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from households.exports import xlsx_safe
from households.models import Household, Member
from households.privacy import mask_id_number, mask_phone
from households.roster.headers import FIELD_HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "花名册"
# The persons layout as the template and the export write it (canonical header names of docs/ROSTER.md).
EXPORT_FIELDS = (
    "household_number",
    "town",
    "village",
    "name",
    "sex",
    "id_number",
    "birth_date",
    "role",
    "phone",
    "family_type",
    "child_name",
    "child_event_date",
    "disability_grade",
    "certificate_number",
    "address",
    "alive",
    "self_care",
    "health",
    "poverty_registered",
    "difficulties",
)
HEADERS = ["序号", *(FIELD_HEADERS[f][0] for f in EXPORT_FIELDS)]
TEXT_FIELDS = ("household_number", "id_number", "phone", "certificate_number")
DATE_FIELDS = ("birth_date", "child_event_date")
# Roster words for the stored values (docs/ROSTER.md §Values): the first word each parser accepts.
WORDS: dict[str, dict[Any, str]] = {
    "sex": {"M": "男", "F": "女"},
    "role": {"husband": "丈夫", "wife": "妻子", "grandchild": "孙子女", "other": "其他"},
    "family_type": {"death": "独生子女死亡", "disability": "独生子女伤残"},
    "disability_grade": {"1": "一级", "2": "二级", "3": "三级", "4": "四级"},
    "alive": {True: "是", False: "否"},
    "self_care": {"self_care": "自理", "semi": "半失能", "disabled": "失能"},
    "poverty_registered": {True: "是", False: "否"},
}
LISTS = {
    "sex": ["男", "女"],
    "role": ["丈夫", "妻子", "孙子女", "其他"],
    "family_type": ["独生子女死亡", "独生子女伤残"],
    "disability_grade": ["一级", "二级", "三级", "四级"],
    "alive": ["是", "否"],
    "self_care": ["自理", "半失能", "失能"],
    "poverty_registered": ["是", "否"],
}
BAD_FILL = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
TEMPLATE_ROWS = 2000


def _column(field_name: str) -> str:
    return get_column_letter(EXPORT_FIELDS.index(field_name) + 2)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_template_xlsx() -> bytes:
    """A blank roster: the header, ID-number and phone columns as text, drop-down lists, a notes sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for field_name in TEXT_FIELDS + DATE_FIELDS:
        letter = _column(field_name)
        sheet.column_dimensions[letter].width = 20
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "@" if field_name in TEXT_FIELDS else "yyyy-mm-dd"
    for field_name, words in LISTS.items():
        validation = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
        validation.error = _("Choose a value from the list.")
        validation.showErrorMessage = True
        letter = _column(field_name)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("填表说明")
    for line in (
        _("One row per person; the persons of one household share its household number (户编号)."),
        _("Type ID numbers and phones as text (the columns are formatted as text): a number cell loses digits."),
        _("Town and village names must be written as in the county's region list."),
        _("Dates such as 1965-03-02, 1965/3/2, 1965.03.02 or 1965年3月2日 are accepted."),
        _("Family type: 独生子女死亡 or 独生子女伤残. Alive: 是 or 否. Self-care: 自理, 半失能 or 失能."),
        _("A blank cell never erases a value already in the archive."),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return _save(workbook)


def roster_marked_xlsx(*, data: bytes, errors: list[dict[str, Any]]) -> bytes:
    """The uploaded workbook with every bad cell filled red and the error as the cell's comment."""
    workbook = load_workbook(io.BytesIO(data))
    by_cell: dict[tuple[str, int, int], list[str]] = {}
    for error in errors:
        if not error.get("sheet") or error["sheet"] not in workbook.sheetnames or not error.get("row"):
            continue
        column = (error.get("col") or 0) + 1
        by_cell.setdefault((error["sheet"], error["row"], column), []).append(error["message"])
    for (sheet_name, row, column), messages in by_cell.items():
        cell = workbook[sheet_name].cell(row=row, column=column)
        cell.fill = BAD_FILL
        comment = Comment("\n".join(messages), "portal")
        comment.width, comment.height = 300, 120
        cell.comment = comment
    return _save(workbook)


def _word(field_name: str, value: Any) -> Any:
    words = WORDS.get(field_name)
    if words is not None:
        return words.get(value, "")
    return value


def roster_export_xlsx(*, households: Iterable[Household], full_values: bool) -> bytes:
    """Households with their members in the persons layout, masked unless ``full_values``.

    ``households`` come with ``village__parent`` selected and ``member_list`` set (households.selectors).
    Every text cell is protected against formula injection.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sequence = 0
    for household in households:
        village = household.village
        base = {
            "household_number": household.number,
            "town": village.parent.name if village and village.parent_id else "",
            "village": village.name if village else "",
            "family_type": household.family_type,
            "child_name": household.child_name,
            "child_event_date": household.child_event_date,
            "disability_grade": household.child_disability_grade,
            "certificate_number": household.certificate_number,
            "address": household.address,
            "poverty_registered": household.poverty_registered,
            "difficulties": household.difficulties_note,
        }
        for member in household.member_list:
            sequence += 1
            values = {**base, **_member_values(member, full_values=full_values)}
            row: list[Any] = [sequence]
            for field_name in EXPORT_FIELDS:
                value = _word(field_name, values.get(field_name))
                if isinstance(value, date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    row.append(cell)
                elif field_name in TEXT_FIELDS:
                    cell = WriteOnlyCell(sheet, value=xlsx_safe(value or ""))
                    cell.number_format = "@"
                    row.append(cell)
                else:
                    row.append(xlsx_safe(value if value is not None else ""))
            sheet.append(row)
    return _save(workbook)


def _member_values(member: Member, *, full_values: bool) -> dict[str, Any]:
    id_number = member.id_number or ""
    phone = member.phone or ""
    return {
        "name": member.name,
        "sex": member.sex,
        "id_number": id_number if full_values else mask_id_number(id_number),
        "birth_date": member.birth_date,
        "role": member.role,
        "phone": phone if full_values else mask_phone(phone),
        "alive": member.alive,
        "self_care": member.self_care,
        "health": member.health_notes,
    }
