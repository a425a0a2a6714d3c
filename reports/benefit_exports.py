"""Each benefit report as an xlsx workbook: counts and sums per area, no person (so any reader of the report may
export it); text cells formula-safe."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from benefits.models import ReviewCase, Scheme
from households.exports import xlsx_safe
from reports.benefits import (
    LEAVE_COLUMNS,
    REFUSED_AT_REVIEW,
    FailureReport,
    PayoutFigures,
    PayoutReport,
    RecipientReport,
    ReliefReport,
    Scope,
)


def leave_reason_labels() -> list[str]:
    """The headings of the leaving reasons' columns, in LEAVE_COLUMNS' order."""
    labels = dict(ReviewCase.LeaveReason.choices)
    return [str(labels[key]) if key != REFUSED_AT_REVIEW else _("Refused at the review") for key in LEAVE_COLUMNS]


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _money(value: Decimal) -> float:
    return float(value)


def _heading(scope: Scope, title: str) -> list[Any]:
    scheme = dict(Scheme.choices).get(scope.scheme, _("All schemes")) if scope.scheme else _("All schemes")
    return [xlsx_safe(f"{title} · {scope.region.name} · {scope.year} · {scheme}")]


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _payout_cells(f: PayoutFigures) -> list[Any]:
    return [
        f.persons_planned,
        f.persons_paid,
        _rate(f.person_rate),
        _money(f.amount_planned),
        _money(f.amount_paid),
        _rate(f.money_rate),
    ]


def _payout_headings() -> list[str]:
    return [
        _("Persons planned"),
        _("Persons paid"),
        _("Payout rate (persons)"),
        _("Money planned"),
        _("Money paid"),
        _("Payout rate (money)"),
    ]


def payout_rate_xlsx(report: PayoutReport) -> bytes:
    workbook = Workbook(write_only=True)
    areas = workbook.create_sheet(_("By area"))
    areas.append(_heading(report.scope, _("Payout rate")))
    areas.append([_("Area"), *_payout_headings()])
    for row in report.rows:
        areas.append([xlsx_safe(row.label), *_payout_cells(row.figures)])
    areas.append([_("Total"), *_payout_cells(report.total)])
    months = workbook.create_sheet(_("By month"))
    months.append(_heading(report.scope, _("Payout rate")))
    months.append([_("Month"), *_payout_headings()])
    for month, figures in report.months:
        months.append([month.strftime("%Y-%m"), *_payout_cells(figures)])
    months.append([_("Total"), *_payout_cells(report.total)])
    both = workbook.create_sheet(_("By area and month"))
    both.append(_heading(report.scope, _("Payout rate")))
    both.append([_("Area"), _("Month"), *_payout_headings()])
    for row in report.rows:
        for month, _month_total in report.months:
            cell = report.by_area_month.get((row.key, month))
            if cell is not None:
                both.append([xlsx_safe(row.label), month.strftime("%Y-%m"), *_payout_cells(cell)])
    return _save(workbook)


def failure_xlsx(report: FailureReport) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Failures"))
    sheet.append(_heading(report.scope, _("Failed payments")))
    sheet.append(
        [
            _("Reason"),
            _("Failed lines"),
            _("Amount"),
            pgettext("failure", "Open"),
            _("Open amount"),
            _("Corrected"),
            _("Corrected amount"),
        ]
    )
    for reason, f in [*report.reasons, (_("Total"), report.total)]:
        sheet.append(
            [
                xlsx_safe(reason or _("No reason given")),
                f.lines,
                _money(f.amount),
                f.open_lines,
                _money(f.open_amount),
                f.corrected_lines,
                _money(f.corrected_amount),
            ]
        )
    return _save(workbook)


def recipient_xlsx(report: RecipientReport) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Joined and left"))
    sheet.append(_heading(report.scope, _("Joined and left")))
    sheet.append([_("Area"), _("Joined"), _("Left"), *leave_reason_labels(), _("Applications refused")])
    rows: Iterable[tuple[str, Any]] = [*((row.label, row.figures) for row in report.rows), (_("Total"), report.total)]
    for label, f in rows:
        sheet.append([xlsx_safe(label), f.joined, f.left, *f.reasons, f.refused_applications])
    return _save(workbook)


def relief_xlsx(report: ReliefReport) -> bytes:
    workbook = Workbook(write_only=True)
    kinds = workbook.create_sheet(_("By kind"))
    kinds.append(_heading(report.scope, _("Relief by kind")))
    kinds.append([_("Kind"), _("Records"), pgettext("count", "Households"), _("Amount")])
    for _kind, label, f in report.kinds:
        kinds.append([label, f.records, f.households, _money(f.amount)])
    kinds.append([_("Total"), report.total.records, report.total.households, _money(report.total.amount)])
    areas = workbook.create_sheet(_("By area"))
    areas.append(_heading(report.scope, _("Relief by kind")))
    areas.append([_("Area"), _("Kind"), _("Records"), pgettext("count", "Households"), _("Amount")])
    for area in report.areas:
        for _kind, label, f in area.kinds:
            areas.append([xlsx_safe(area.row.label), label, f.records, f.households, _money(f.amount)])
        t = area.total
        areas.append([xlsx_safe(area.row.label), _("Total"), t.records, t.households, _money(t.amount)])
    return _save(workbook)
