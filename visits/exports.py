"""The supervision list (open overdue flags of an area) as an xlsx workbook: one row per flag, no personal data
(no names, ID numbers or phones: the household number is the key), formula-injection safe."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from households.exports import xlsx_safe
from visits.models import OverdueFlag


def supervision_headers() -> list[str]:
    return [
        _("Household number"),
        _("Town/street"),
        _("Village/community"),
        _("Family type"),
        _("Rule"),
        _("Behind since"),
        _("Opened on"),
        _("Days open"),
        _("Escalated to"),
        _("Who must act"),
    ]


def who_must_act(flag: OverdueFlag) -> str:
    return _("Family doctor") if flag.rule.by_family_doctor else _("Any contact")


def supervision_xlsx(*, flags: Iterable[OverdueFlag], on: date, title: str) -> bytes:
    """``title`` (the area, the day and the filters) is the first line; then the headers, then a row per flag."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Overdue flags"))
    sheet.append([xlsx_safe(title)])
    bold = Font(bold=True)
    header = []
    for text in supervision_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    levels = dict(OverdueFlag.Level.choices)
    for flag in flags:
        household = flag.household
        village = household.village
        town = village.parent if village is not None else None
        values = [
            household.number,
            town.name if town is not None else "",
            village.name if village is not None else "",
            household.get_family_type_display(),
            _(flag.rule.name),
            flag.period_key,
            flag.opened_on,
            (on - flag.opened_on).days,
            str(levels.get(flag.escalation_level, flag.escalation_level)),
            who_must_act(flag),
        ]
        sheet.append([xlsx_safe(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
