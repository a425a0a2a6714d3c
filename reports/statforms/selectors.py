"""Reads of the statistical forms: who may read which unit's forms, the deadlines in force, and a unit's form for a
period as the page, the fill form, the checks and the exports show it (docs/REPORTS.md §Lifecycle).

A form's rows: one per child unit, the unit's own level, and the total (合计). A cell's **counted** value comes from
the records (reports.statforms.measures.form_rows) — frozen in ReportValue rows once the report is submitted; its
**shown** value is the typed one when staff typed one, else the counted one, and for a child unit that has
reported for the period, that child's submitted total (with a warning where it differs from the parent's count).
The total row is the sum of the shown rows, so the parent = the sum of its children for every figure shown; sums
and rates are recomputed from their parts in every row (a rate is never averaged).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from regions.models import Region
from regions.selectors import counties_under, figure_paths_q
from reports.models import Report, ReportDeadline, ReportValue
from reports.statforms.spec import TEMPLATES, Column, FormTemplate, Period, PeriodKind, Source, Unit

if TYPE_CHECKING:
    from accounts.models import User
    from reports.statforms.measures import Stamp

DEFAULT_REMINDER_DAYS = 3
ZERO = Decimal(0)
HUNDRED = Decimal(100)

# ------------------------------------------------------------------------------------------------- who reads


def units_readable_by(user: User | None) -> Any:
    """The regions whose forms ``user`` reads: regions.selectors.figure_paths of the user's node (a city user: the
    city, its counties and their towns and villages — figures only). Nothing for a user without an active area."""
    region = getattr(user, "region", None)
    if user is None or region is None or not user.is_authenticated or not user.is_active:
        return Region.objects.none()
    return Region.objects.filter(figure_paths_q(region=region))


def unit_get_for_reader(*, user: User, pk: int) -> Region:
    """The unit whose forms a page shows: 404 outside the reader's figures, the same as a missing one."""
    try:
        return units_readable_by(user).select_related("parent").get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def template_get(code: str) -> FormTemplate:
    if code not in TEMPLATES:
        raise Http404(_("Not found."))
    return TEMPLATES[code]


def period_get(template: FormTemplate, key: str) -> Period:
    try:
        period = Period.from_key(key)
    except ValueError as exc:
        raise Http404(_("Not found.")) from exc
    if period.kind not in template.period_kinds:
        raise Http404(_("Not found."))
    return period


def filed_at(template: FormTemplate, unit: Region) -> bool:
    """Whether units of ``unit``'s level file this form (a level with a deadline)."""
    return unit.level in template.deadlines


# --------------------------------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlineRule:
    level: str
    day: int
    reminder_days: int
    set_by: Region | None  # None: the template's default


def _setters(unit: Region) -> list[Region]:
    """Who may set the deadlines that apply to ``unit``, nearest first: its county, then the county's city."""
    out: list[Region] = []
    node: Region | None = unit
    while node is not None:
        if node.level in (Region.Level.COUNTY, Region.Level.CITY):
            out.append(node)
        node = node.parent
    return out


def deadline_rules(*, template: FormTemplate, region: Region) -> list[DeadlineRule]:
    """The deadlines in force for the levels filing ``template`` in ``region``'s area (a county's own rows, else its
    city's, else the template's default), one per level."""
    setters = _setters(region)
    rows = {
        (row.region_id, row.level): row
        for row in ReportDeadline.objects.filter(template=template.code, region__in=setters).select_related("region")
    }
    rules = []
    for level, default_day in template.deadlines.items():
        chosen = next((rows[(s.pk, level)] for s in setters if (s.pk, level) in rows), None)
        if chosen is None:
            rules.append(DeadlineRule(level, default_day, DEFAULT_REMINDER_DAYS, None))
        else:
            rules.append(DeadlineRule(level, chosen.day, chosen.reminder_days, chosen.region))
    return rules


def deadline_date(period: Period, day: int) -> date:
    """The day ``day`` of the month after the period (past that month's end: its last day)."""
    year, month = (period.end.year + 1, 1) if period.end.month == 12 else (period.end.year, period.end.month + 1)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def deadline_for(*, template: FormTemplate, unit: Region, period: Period) -> date | None:
    """The deadline of ``unit``'s form for ``period``; None when its level does not file the form."""
    for rule in deadline_rules(template=template, region=unit):
        if rule.level == unit.level:
            return deadline_date(period, rule.day)
    return None


# ------------------------------------------------------------------------------------------------------- forms

RowKey = tuple[str, int | None]  # ("child", region id) | ("own", None) | ("total", None)
TOTAL: RowKey = (ReportValue.Row.TOTAL, None)
OWN: RowKey = (ReportValue.Row.OWN, None)


def number_text(value: Decimal | None, column: Column) -> str:
    if value is None:
        return ""
    if column.unit == Unit.RATE:
        return f"{value:.1f}"
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}"


@dataclass
class Cell:
    column: Column
    counted: Decimal | None = None
    typed: Decimal | None = None
    reason: str = ""
    shown: Decimal | None = None
    child_value: Decimal | None = None  # a child's submitted total, where it has one
    editable: bool = False

    @property
    def display(self) -> str:
        """The shown value as the page prints it: a rate with one decimal, an amount with two when it has cents, a
        count as a whole number."""
        return number_text(self.shown, self.column)

    @property
    def counted_display(self) -> str:
        return number_text(self.counted, self.column)

    @property
    def differs(self) -> bool:
        """A child's submitted figure that is not what the parent's records count for it."""
        return self.child_value is not None and self.counted is not None and self.child_value != self.counted

    @property
    def below_count(self) -> bool:
        return self.typed is not None and self.counted is not None and self.typed < self.counted


@dataclass
class FormRow:
    key: RowKey
    label: str
    unit: Region | None  # the child unit, or the form's unit for the own row and the total
    cells: list[Cell]
    child_report: Report | None = None

    @property
    def is_total(self) -> bool:
        return self.key[0] == ReportValue.Row.TOTAL

    def cell(self, column_key: str) -> Cell:
        return next(cell for cell in self.cells if cell.column.key == column_key)


@dataclass
class Form:
    template: FormTemplate
    period: Period
    unit: Region
    report: Report | None
    rows: list[FormRow]  # children, own level, total last
    frozen: bool  # the cells are the values frozen at submission
    warnings: list[str] = field(default_factory=list)
    # Counted figures read from the snapshot: when they were counted (measures.Stamp); None: counted now or frozen.
    stamp: Stamp | None = None

    @property
    def total(self) -> FormRow:
        return self.rows[-1]

    @property
    def body(self) -> list[FormRow]:
        return self.rows[:-1]


def child_units(unit: Region) -> list[Region]:
    """The rows of a unit's form: a county's towns, a town's villages, a city's counties (counties_under), a
    province's cities; a village has none (its form is its own row)."""
    if unit.level == Region.Level.CITY:
        return counties_under(region=unit)
    return list(Region.objects.filter(parent=unit).order_by("code"))


def counted_rows(
    template: FormTemplate, period: Period, unit: Region, *, live: bool = False
) -> dict[RowKey, dict[str, Decimal]]:
    """The counted values per row and counted column, from reports.statforms.measures.form_rows."""
    return _counted_rows(template, period, unit, live=live)[0]


def _counted_rows(
    template: FormTemplate, period: Period, unit: Region, *, live: bool
) -> tuple[dict[RowKey, dict[str, Decimal]], Stamp | None]:
    """counted_rows and the figures' stamp: read from the snapshot (reports.statforms.snapshots) when it holds the
    form's counts for every county under the unit, else (and always when ``live``) counted from the records."""
    from reports.statforms import measures, snapshots

    figures = measures.form_rows(template, period, unit, source=None if live else snapshots.stored_counts)
    out: dict[RowKey, dict[str, Decimal]] = {}
    for row in figures.rows:
        key = _row_key(row, unit)
        out[key] = {k: Decimal(v) for k, v in row.values.items() if v is not None}
    return out, figures.stamp


def _row_key(row: Any, unit: Region) -> RowKey:
    kind = str(getattr(row, "kind", ""))
    region = getattr(row, "unit", None) or getattr(row, "region", None)
    if kind in (ReportValue.Row.OWN, "own") or (region is not None and region.pk == unit.pk and kind != "total"):
        return OWN
    if kind in (ReportValue.Row.TOTAL, "total"):
        return TOTAL
    return (ReportValue.Row.CHILD, region.pk if region is not None else None)


def _children_reports(template: FormTemplate, period: Period, children: Iterable[Region]) -> dict[int, Report]:
    ids = [c.pk for c in children]
    reports = Report.objects.filter(
        template=template.code, period_key=period.key, unit_id__in=ids, state__in=Report.REPORTED_STATES
    )
    return {r.unit_id: r for r in reports}


def _children_totals(reports: Iterable[Report]) -> dict[int, dict[str, Decimal]]:
    """Each reported child's submitted total row (shown values) by column."""
    by_report = {r.pk: r.unit_id for r in reports}
    out: dict[int, dict[str, Decimal]] = {unit_id: {} for unit_id in by_report.values()}
    for value in ReportValue.objects.filter(report_id__in=list(by_report), row=ReportValue.Row.TOTAL):
        if value.value is not None:
            out[by_report[value.report_id]][value.column] = value.value
    return out


def _stored(report: Report | None) -> dict[RowKey, dict[str, ReportValue]]:
    out: dict[RowKey, dict[str, ReportValue]] = {}
    if report is None:
        return out
    for value in report.values.all():
        out.setdefault((value.row, value.row_unit_id), {})[value.column] = value
    return out


def _rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (numerator * HUNDRED / denominator).quantize(Decimal("0.1"))


def _finish_row(row: FormRow) -> None:
    """SUM and RATE cells from the row's shown parts."""
    cells = {cell.column.key: cell for cell in row.cells}
    for cell in row.cells:
        if cell.column.source == Source.SUM:
            cell.shown = sum((cells[p].shown or ZERO for p in cell.column.parts), ZERO)
    for cell in row.cells:
        if cell.column.source == Source.RATE:
            numerator, denominator = (cells[p].shown for p in cell.column.parts)
            cell.shown = _rate(numerator, denominator)


def _may_type(column: Column) -> bool:
    return column.source in (Source.TYPED, Source.COUNTED)


def _body_cell(
    column: Column,
    value: ReportValue | None,
    counted: dict[str, Decimal],
    *,
    frozen: bool,
    editable: bool,
    child_value: Decimal | None,
) -> Cell:
    """One cell of a child's or the own level's row (SUM and RATE cells are finished from the row)."""
    cell = Cell(column=column)
    if column.source not in (Source.COUNTED, Source.TYPED):
        return cell
    if frozen:
        cell.counted = value.counted if value else None
    elif column.source == Source.COUNTED:
        cell.counted = counted.get(column.key, ZERO)
    cell.typed = value.typed if value else None
    cell.reason = value.reason if value else ""
    cell.child_value = child_value
    if child_value is not None and not frozen:
        cell.shown = child_value
    else:
        cell.shown = cell.typed if cell.typed is not None else cell.counted
    cell.editable = editable and _may_type(column)
    return cell


def form_build(
    *, template: FormTemplate, period: Period, unit: Region, report: Report | None = None, live: bool = False
) -> Form:
    """A unit's form for a period (see the module's docstring). ``report``: the unit's Report, when there is one.
    The counted figures come from the snapshot when it holds them (Form.stamp says when they were counted);
    ``live``: from the records now (a submission, a save of typed figures)."""
    if report is None:
        report = Report.objects.filter(template=template.code, unit=unit, period_key=period.key).first()
    frozen = report is not None and report.state in Report.REPORTED_STATES
    editable = report is None or report.state in (Report.State.DRAFT, Report.State.RETURNED)
    stored = _stored(report)
    children = child_units(unit)
    child_reports = _children_reports(template, period, children) if children else {}
    child_totals = _children_totals(child_reports.values()) if child_reports else {}
    counted, stamp = ({}, None) if frozen else _counted_rows(template, period, unit, live=live)
    keys: list[tuple[RowKey, str, Region | None]] = [((ReportValue.Row.CHILD, c.pk), c.name, c) for c in children]
    if unit.level != Region.Level.VILLAGE or not children:
        keys.append((OWN, pgettext("report row", "Own level") if children else unit.name, unit))
    rows: list[FormRow] = []
    for key, label, region in keys:
        child_report = child_reports.get(region.pk) if key[0] == ReportValue.Row.CHILD and region else None
        cells = [
            _body_cell(
                column,
                stored.get(key, {}).get(column.key),
                counted.get(key, {}),
                frozen=frozen,
                editable=editable and child_report is None,
                child_value=child_totals.get(region.pk, {}).get(column.key, ZERO)
                if child_report is not None and region is not None
                else None,
            )
            for column in template.columns
        ]
        row = FormRow(key=key, label=label, unit=region, cells=cells, child_report=child_report)
        _finish_row(row)
        rows.append(row)
    total = FormRow(key=TOTAL, label=pgettext("report row", "Total"), unit=unit, cells=[])
    for column in template.columns:
        cell = Cell(column=column)
        if column.source in (Source.COUNTED, Source.TYPED):
            parts = [r.cell(column.key) for r in rows]
            cell.shown = sum((p.shown or ZERO for p in parts), ZERO)
            if column.source == Source.COUNTED:
                cell.counted = sum((p.counted or ZERO for p in parts), ZERO)
        total.cells.append(cell)
    _finish_row(total)
    rows.append(total)
    form = Form(template=template, period=period, unit=unit, report=report, rows=rows, frozen=frozen, stamp=stamp)
    form.warnings = _warnings(form)
    return form


def _warnings(form: Form) -> list[str]:
    out = []
    for row in form.body:
        if row.child_report is not None and any(cell.differs for cell in row.cells):
            out.append(
                _("%(unit)s's submitted figures differ from what the records count for it (marked in the table).")
                % {"unit": row.label}
            )
    return out


def form_sum_errors(form: Form) -> list[str]:
    """What does not add up in a form: the total is not the sum of the rows, a sum column is not the sum of its
    parts, a rate above 100 %. Empty when it is sound (the check made before a submission)."""
    errors = []
    for column in form.template.columns:
        if column.source in (Source.COUNTED, Source.TYPED, Source.SUM):
            rows_sum = sum((row.cell(column.key).shown or ZERO for row in form.body), ZERO)
            if (form.total.cell(column.key).shown or ZERO) != rows_sum:
                errors.append(_("Column %(key)s: the total is not the sum of the rows.") % {"key": column.key})
        for row in form.rows:
            cell = row.cell(column.key)
            if column.source == Source.SUM:
                parts = sum((row.cell(p).shown or ZERO for p in column.parts), ZERO)
                if (cell.shown or ZERO) != parts:
                    errors.append(
                        _("Row %(row)s, column %(key)s: not the sum of its parts.")
                        % {"row": row.label, "key": column.key}
                    )
            if column.source == Source.RATE and cell.shown is not None and cell.shown > HUNDRED:
                errors.append(
                    _("Row %(row)s, column %(key)s: the rate is above 100 %%; its numerator exceeds its denominator.")
                    % {"row": row.label, "key": column.key}
                )
    return errors


# ------------------------------------------------------------------------------------------------ unit's forms


@dataclass
class FormStatus:
    template: FormTemplate
    period: Period
    report: Report | None
    deadline: date | None

    @property
    def state_label(self) -> str:
        if self.report is None:
            return pgettext("report state", "Not started")
        label = str(self.report.get_state_display())
        nil = pgettext("report", "nil")  # outside the f-string: makemessages does not look inside one
        return f"{label} ({nil})" if self.report.nil else label

    def overdue(self, today: date) -> bool:
        reported = self.report is not None and self.report.is_reported
        return not reported and self.deadline is not None and today > self.deadline


def recent_periods(template: FormTemplate, *, today: date, count: int = 6) -> list[Period]:
    """The last ``count`` periods of the template's first kind, the current one first; of a yearly form, this year
    and last only (six years back would list years before the portal was used as not started and overdue)."""
    if template.period_kinds[0] == PeriodKind.YEAR:
        count = min(count, 2)
    period = Period.containing(template.period_kinds[0], today)
    out = []
    for _i in range(count):
        out.append(period)
        period = period.previous()
    return out


def unit_forms(*, unit: Region, today: date, count: int = 6) -> list[tuple[FormTemplate, list[FormStatus]]]:
    """Every form the unit files × its recent periods, with the report's state and the deadline (two queries)."""
    templates = [t for t in TEMPLATES.values() if filed_at(t, unit)]
    reports = {
        (r.template, r.period_key): r
        for r in Report.objects.filter(unit=unit, template__in=[t.code for t in templates])
    }
    out = []
    for template in templates:
        day = next((r.day for r in deadline_rules(template=template, region=unit) if r.level == unit.level), None)
        statuses = [
            FormStatus(
                template=template,
                period=period,
                report=reports.get((template.code, period.key)),
                deadline=deadline_date(period, day) if day else None,
            )
            for period in recent_periods(template, today=today, count=count)
        ]
        out.append((template, statuses))
    return out
