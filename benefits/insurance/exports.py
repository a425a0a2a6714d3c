"""The enrolment list for the insurer (xlsx): one row per insured person, ID numbers masked unless the user may
reveal them and asked for full values (as the household list's export decides: households.views)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.sensitivity import mask_id_number
from benefits.models import InsuranceProduct, InsuredLine
from households.exports import xlsx_safe


def enrolment_xlsx(*, product: InsuranceProduct, lines: Iterable[InsuredLine], full_values: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Insured persons"))
    sheet.append([f"{product.county.name} {product} — {product.insurer} {product.policy_number}".strip()])
    header = [
        _("No."),
        _("Name"),
        _("ID number"),
        _("Sex"),
        _("Birth date"),
        _("Household number"),
        _("Town/street"),
        _("Village/community"),
        _("Cover from"),
        _("Last day covered"),
        _("Ended because"),
        _("Premium (yuan)"),
    ]
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for seq, line in enumerate(lines, start=1):
        member, household = line.member, line.household
        id_number = member.id_number or ""
        values = [
            seq,
            member.name,
            id_number if full_values else mask_id_number(id_number),
            member.get_sex_display(),
            member.birth_date,
            household.number,
            line.town.name if line.town is not None else "",
            household.village.name if household.village is not None else "",
            line.starts_on,
            line.ends_on,
            line.get_end_reason_display() if line.end_reason else "",
            line.premium,
        ]
        sheet.append([xlsx_safe(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
