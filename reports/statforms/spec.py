"""The layouts of the statistical forms: which columns a form has, under which headings, and where each cell comes
from. One definition serves the page, the fill, the checks and the Excel export (docs/REPORTS.md §Forms).

A column is **counted** (a measure of reports.statforms.measures, filled from the records for the period),
**typed** (staff add what the portal does not know), a **sum** of other columns of the same unit, or a **rate**
(numerator over denominator, two columns of the form, so that a rate is recomputed from summed parts at every level
and never exceeds 100 %). ``template_errors`` says what is wrong with a layout; the built-in forms are checked at
start-up (a system check) and a form defined by staff is refused with the same messages.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


PERIOD_KIND_LABELS = {
    PeriodKind.MONTH: gettext_lazy("Month"),
    PeriodKind.QUARTER: gettext_lazy("Quarter"),
    PeriodKind.YEAR: gettext_lazy("Year"),
}


@dataclass(frozen=True)
class Period:
    """A reporting period: a calendar month, quarter or year. ``key`` ("2026-11", "2026-Q4", "2026") names it in
    URLs and rows; a report belongs to its period, never to the day it was written."""

    kind: PeriodKind
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)d Q%(quarter)d") % {"year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        return str(self.start.year)

    def has_ended(self, today: date) -> bool:
        return self.end < today

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(PeriodKind.MONTH, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls(PeriodKind.QUARTER, date(year, first, 1), cls.month(year, first + 2).end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def from_key(cls, key: str) -> Period:
        """The period a key names; ValueError for anything else."""
        if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
            year, month = int(m[1]), int(m[2])
            if 1 <= month <= 12:
                return cls.month(year, month)
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", key):
            return cls.quarter(int(m[1]), int(m[2]))
        elif re.fullmatch(r"\d{4}", key):
            return cls.year(int(key))
        raise ValueError(key)

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls.month(day.year, day.month)
        if kind == PeriodKind.QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.year(day.year)

    def previous(self) -> Period:
        return Period.containing(self.kind, date.fromordinal(self.start.toordinal() - 1))

    def months(self) -> list[Period]:
        """The months of the period, in order (a month: itself)."""
        out, month = [], Period.month(self.start.year, self.start.month)
        while month.start <= self.end:
            out.append(month)
            month = Period.containing(PeriodKind.MONTH, date.fromordinal(month.end.toordinal() + 1))
        return out


class Unit(StrEnum):
    """What a column counts: only columns of the same unit add up."""

    HOUSEHOLDS = "households"  # 户
    PERSONS = "persons"  # 人 (distinct persons)
    PERSON_TIMES = "person_times"  # 人次
    CASES = "cases"  # 例
    YUAN = "yuan"  # 元
    FILES = "files"  # 份
    SESSIONS = "sessions"  # 场
    PAIRS = "pairs"  # 对
    RATE = "rate"  # %


UNIT_LABELS: dict[Unit, Promise] = {
    Unit.HOUSEHOLDS: pgettext_lazy("report unit", "households"),
    Unit.PERSONS: pgettext_lazy("report unit", "persons"),
    Unit.PERSON_TIMES: pgettext_lazy("report unit", "person-times"),
    Unit.CASES: pgettext_lazy("report unit", "cases"),
    Unit.YUAN: pgettext_lazy("report unit", "amount (yuan)"),
    Unit.FILES: pgettext_lazy("report unit", "files"),
    Unit.SESSIONS: pgettext_lazy("report unit", "sessions"),
    Unit.PAIRS: pgettext_lazy("report unit", "pairs"),
    Unit.RATE: pgettext_lazy("report unit", "rate (%)"),
}


class Source(StrEnum):
    COUNTED = "counted"
    TYPED = "typed"
    SUM = "sum"
    RATE = "rate"


@dataclass(frozen=True)
class Column:
    """One data column. ``heading`` is its path under the merged header, from the top group down to the last
    level (which names the unit: 户, 人…); a shorter path spans the rows below it."""

    key: str
    heading: tuple[Promise | str, ...]
    unit: Unit
    source: Source
    measure: str = ""  # COUNTED: the measure's key (reports.statforms.measures.MEASURES)
    parts: tuple[str, ...] = ()  # SUM: the columns added; RATE: (numerator, denominator)


@dataclass(frozen=True)
class DetailSheet:
    """A sheet of records (persons) behind one summary column, e.g. the new bereaved persons of the month."""

    key: str
    title: Promise | str
    column: str  # the summary column whose count is the number of rows
    fields: tuple[tuple[str, Promise | str], ...]  # (record field, heading)


@dataclass(frozen=True)
class FormTemplate:
    code: str
    name: Promise | str
    # "<unit>…" titles and file names of ../shared/REPORTS.md; %(unit)s, %(year)s, %(month)s, %(period)s.
    title: Promise | str
    filename: Promise | str
    period_kinds: tuple[PeriodKind, ...]
    columns: tuple[Column, ...]
    detail_sheets: tuple[DetailSheet, ...] = ()
    header_rows: int = 3  # heading levels; the export adds the column-number row (栏次) below them
    # The levels expected to file it and their default deadline: day of the month after the period.
    deadlines: dict[str, int] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


def _sum_errors(column: Column, keys: dict[str, Column]) -> list[str]:
    label = {"key": column.key}
    errors = []
    if len(column.parts) < 2:
        errors.append(_("Column %(key)s is a sum of fewer than two columns.") % label)
    if column.key in column.parts:
        errors.append(_("Column %(key)s adds itself.") % label)
    for part in column.parts:
        if part not in keys:
            errors.append(_("Column %(key)s adds an unknown column %(part)s.") % {**label, "part": part})
        elif keys[part].source == Source.RATE:
            errors.append(_("Column %(key)s cannot add a rate (%(part)s).") % {**label, "part": part})
        elif keys[part].unit != column.unit:
            errors.append(
                _("Column %(key)s (%(unit)s) cannot add column %(part)s (%(part_unit)s): not the same unit.")
                % {**label, "unit": UNIT_LABELS[column.unit], "part": part, "part_unit": UNIT_LABELS[keys[part].unit]}
            )
    return errors


def _rate_errors(column: Column, keys: dict[str, Column]) -> list[str]:
    label = {"key": column.key}
    if column.unit != Unit.RATE:
        return [_("Column %(key)s is a rate and must be in %%.") % label]
    if len(column.parts) != 2:
        return [_("Column %(key)s needs a numerator and a denominator.") % label]
    if any(part not in keys for part in column.parts):
        return [_("Column %(key)s divides an unknown column.") % label]
    if keys[column.parts[0]].unit != keys[column.parts[1]].unit:
        return [_("Column %(key)s divides columns of different units.") % label]
    return []


def _counted_errors(column: Column, measures: frozenset[str] | None) -> list[str]:
    if not column.measure:
        return [_("Column %(key)s is counted but names no measure.") % {"key": column.key}]
    if measures is not None and column.measure not in measures:
        return [
            _("Column %(key)s counts an unknown measure %(measure)s.") % {"key": column.key, "measure": column.measure}
        ]
    return []


def template_errors(template: FormTemplate, *, measures: frozenset[str] | None = None) -> list[str]:
    """What is wrong with a layout, in the reader's language; an empty list when it is sound. ``measures``: the
    known measure keys (None: not checked)."""
    errors: list[str] = []
    keys: dict[str, Column] = {}
    for column in template.columns:
        if column.key in keys:
            errors.append(_("Column %(key)s appears twice.") % {"key": column.key})
        keys[column.key] = column
        if not column.heading or len(column.heading) > template.header_rows:
            errors.append(
                _("Column %(key)s needs 1 to %(rows)d heading levels.")
                % {"key": column.key, "rows": template.header_rows}
            )
    for column in template.columns:
        if column.source == Source.COUNTED:
            errors += _counted_errors(column, measures)
        elif column.source == Source.SUM:
            errors += _sum_errors(column, keys)
        elif column.source == Source.RATE:
            errors += _rate_errors(column, keys)
    for sheet in template.detail_sheets:
        if sheet.column not in keys:
            errors.append(
                _("Sheet %(sheet)s belongs to an unknown column %(key)s.") % {"sheet": sheet.key, "key": sheet.column}
            )
    return errors


def _c(key: str, heading: tuple[Promise | str, ...], unit: Unit, measure: str) -> Column:
    return Column(key=key, heading=heading, unit=unit, source=Source.COUNTED, measure=measure)


H = Unit.HOUSEHOLDS
P = Unit.PERSONS
_hh = pgettext_lazy("report heading", "Households")  # 户
_pp = pgettext_lazy("report heading", "Persons")  # 人

# 计生特殊家庭暖心行动月报表: 21 columns (单位 + 20) under group / subgroup / unit headings.
_VISITS = pgettext_lazy("report heading", "Visits and care")  # 走访慰问落实
_VISIT_PURPOSES = (
    ("routine", pgettext_lazy("report heading", "Routine visits")),  # 日常走访
    ("festival", pgettext_lazy("report heading", "Festival visits")),  # 节日看望
    ("birthday", pgettext_lazy("report heading", "Birthday company")),  # 生日陪伴
    ("hospital", pgettext_lazy("report heading", "Hospital visits")),  # 住院探望
    ("emergency", pgettext_lazy("report heading", "Emergencies")),  # 突发事件
)
_NEEDS = pgettext_lazy("report heading", "Needs survey")  # 需求调查
_CLAIMS = pgettext_lazy("report heading", "Insurance claims")  # 保险理赔
_MENTAL = pgettext_lazy("report heading", "Mental-health services")  # 心理健康服务
_ACTIVITIES = pgettext_lazy("report heading", "Service activities")  # 服务活动开展

WARM_MONTHLY = FormTemplate(
    code="warm_monthly",
    name=gettext_lazy("Warm-heart action monthly report"),
    title=gettext_lazy(
        "%(unit)s special families warm-heart action monthly report"
    ),  # <单位>计生特殊家庭暖心行动月报表
    filename=gettext_lazy("%(unit)s special families warm-heart action monthly report-%(year)s-%(month)s.xlsx"),
    period_kinds=(PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR),
    columns=(
        _c("needs_households", (_NEEDS, _hh), H, "needs.households"),
        _c("needs_persons", (_NEEDS, _pp), P, "needs.persons"),
        _c("claims_cases", (_CLAIMS, pgettext_lazy("report heading", "Cases")), Unit.CASES, "claims.paid_cases"),
        _c(
            "claims_amount",
            (_CLAIMS, pgettext_lazy("report heading", "Amount (yuan)")),
            Unit.YUAN,
            "claims.paid_amount",
        ),
        _c("mental_households", (_MENTAL, _hh), H, "mental.households"),
        _c("mental_persons", (_MENTAL, _pp), P, "mental.persons"),
        _c("mental_files", (_MENTAL, pgettext_lazy("report heading", "Files opened")), Unit.FILES, "mental.files"),
        _c("mental_assessed", (_MENTAL, pgettext_lazy("report heading", "Assessed (persons)")), P, "mental.assessed"),
        *(
            column
            for purpose, label in _VISIT_PURPOSES
            for column in (
                _c(f"visits_{purpose}_households", (_VISITS, label, _hh), H, f"visits.{purpose}.households"),
                _c(f"visits_{purpose}_persons", (_VISITS, label, _pp), P, f"visits.{purpose}.persons"),
            )
        ),
        _c(
            "activities_sessions",
            (_ACTIVITIES, pgettext_lazy("report heading", "Sessions")),
            Unit.SESSIONS,
            "activities.sessions",
        ),
        _c("activities_person_times", (_ACTIVITIES, _pp), Unit.PERSON_TIMES, "activities.person_times"),
    ),
    deadlines={"town": 5, "county": 10, "city": 15},
)

# 特殊家庭帮扶月报: a summary per unit and a sheet of persons per category.
_ADDRESS = pgettext_lazy("report heading", "Address")
_PERSON_FIELDS: tuple[tuple[str, Promise | str], ...] = (
    ("number", pgettext_lazy("report heading", "Information code")),  # 信息编码
    ("father_name", pgettext_lazy("report heading", "Father's name")),
    ("father_id", pgettext_lazy("report heading", "Father's ID number")),
    ("mother_name", pgettext_lazy("report heading", "Mother's name")),
    ("mother_id", pgettext_lazy("report heading", "Mother's ID number")),
    ("address", _ADDRESS),
)
ASSISTANCE_MONTHLY = FormTemplate(
    code="assistance_monthly",
    name=gettext_lazy("Special families assistance monthly report"),
    title=gettext_lazy("%(unit)s special families assistance monthly report"),  # 特殊家庭帮扶月报
    filename=gettext_lazy("%(unit)s special families assistance monthly report-%(year)s-%(month)s.xlsx"),
    period_kinds=(PeriodKind.MONTH,),
    columns=(
        _c("new_bereaved", (pgettext_lazy("report heading", "New bereaved persons"),), P, "assist.new_bereaved"),
        _c("new_psych", (pgettext_lazy("report heading", "New psychological interventions"),), P, "assist.new_psych"),
        _c("to_migrate", (pgettext_lazy("report heading", "Persons whose file moves"),), P, "assist.moved"),
        _c("to_change", (pgettext_lazy("report heading", "Persons whose file changes"),), P, "assist.closed"),
    ),
    header_rows=1,
    detail_sheets=(
        DetailSheet(
            "new_bereaved",
            pgettext_lazy("report sheet", "New bereaved persons"),
            "new_bereaved",
            (
                *_PERSON_FIELDS,
                ("event_date", pgettext_lazy("report heading", "Date of loss")),
                ("event_reason", pgettext_lazy("report heading", "Cause of loss")),
            ),
        ),
        DetailSheet(
            "new_psych",
            pgettext_lazy("report sheet", "New psychological interventions"),
            "new_psych",
            (
                *_PERSON_FIELDS,
                ("event_date", pgettext_lazy("report heading", "Date of intervention")),
                ("event_reason", pgettext_lazy("report heading", "Reason for intervention")),
            ),
        ),
        DetailSheet(
            "to_migrate",
            pgettext_lazy("report sheet", "Files to move"),
            "to_migrate",
            (
                *_PERSON_FIELDS,
                ("from_address", pgettext_lazy("report heading", "Moved out of")),
                ("to_address", pgettext_lazy("report heading", "Moved into")),
                ("event_reason", pgettext_lazy("report heading", "Reason for moving")),
                ("event_date", pgettext_lazy("report heading", "Date of moving")),
            ),
        ),
        DetailSheet(
            "to_change",
            pgettext_lazy("report sheet", "Files to change or close"),
            "to_change",
            (
                *_PERSON_FIELDS,
                ("event_reason", pgettext_lazy("report heading", "Reason for deleting or closing")),
                ("event_date", pgettext_lazy("report heading", "Date of deleting or closing")),
            ),
        ),
    ),
    deadlines={"town": 5, "county": 10, "city": 15},
)

# The yearly report: what the assessment asks once a year (../shared/REPORTS.md §Statistical reports).
_YEAR_ACT = pgettext_lazy("report heading", "Activities held")
_YEAR_PAIR = pgettext_lazy("report heading", "Pairings with families")
_YEAR_TRAIN = pgettext_lazy("report heading", "Trainings of contacts")
_COVER = pgettext_lazy("report heading", "Three full coverages")
_COVER_CONTACTS = pgettext_lazy("report heading", "Contacts")
_COVER_GREEN = pgettext_lazy("report heading", "Green channel")
_COVER_DOCTOR = pgettext_lazy("report heading", "Family doctor")
_rate = pgettext_lazy("report heading", "Rate (%)")


def _coverage_columns() -> tuple[Column, ...]:
    return (
        _c(
            "cover_households",
            (_COVER, _COVER_CONTACTS, pgettext_lazy("report heading", "Households on roll")),
            H,
            "cover.households",
        ),
        _c(
            "cover_contacts",
            (_COVER, _COVER_CONTACTS, pgettext_lazy("report heading", "Households covered")),
            H,
            "cover.contacts",
        ),
        Column(
            "cover_contacts_rate",
            (_COVER, _COVER_CONTACTS, _rate),
            Unit.RATE,
            Source.RATE,
            parts=("cover_contacts", "cover_households"),
        ),
        _c("cover_persons", (_COVER, _COVER_GREEN, pgettext_lazy("report heading", "Persons")), P, "cover.persons"),
        _c("cover_cards", (_COVER, _COVER_GREEN, pgettext_lazy("report heading", "Card holders")), P, "cover.cards"),
        Column(
            "cover_green_rate",
            (_COVER, _COVER_GREEN, _rate),
            Unit.RATE,
            Source.RATE,
            parts=("cover_cards", "cover_persons"),
        ),
        _c(
            "cover_willing",
            (_COVER, _COVER_DOCTOR, pgettext_lazy("report heading", "Willing households")),
            H,
            "cover.willing",
        ),
        _c(
            "cover_signed",
            (_COVER, _COVER_DOCTOR, pgettext_lazy("report heading", "Signed households")),
            H,
            "cover.signed",
        ),
        Column(
            "cover_doctor_rate",
            (_COVER, _COVER_DOCTOR, _rate),
            Unit.RATE,
            Source.RATE,
            parts=("cover_signed", "cover_willing"),
        ),
    )


YEARLY = FormTemplate(
    code="yearly",
    name=gettext_lazy("Yearly report"),
    title=gettext_lazy("%(unit)s special families work yearly report %(year)s"),
    filename=gettext_lazy("%(unit)s special families work yearly report-%(year)s.xlsx"),
    period_kinds=(PeriodKind.YEAR,),
    columns=(
        _c(
            "year_activities",
            (_YEAR_ACT, pgettext_lazy("report heading", "Sessions")),
            Unit.SESSIONS,
            "activities.sessions",
        ),
        _c(
            "year_activity_times",
            (_YEAR_ACT, pgettext_lazy("report heading", "Person-times")),
            Unit.PERSON_TIMES,
            "activities.person_times",
        ),
        _c("year_pairs", (_YEAR_PAIR, pgettext_lazy("report heading", "Pairs")), Unit.PAIRS, "volunteers.pairs"),
        _c("year_paired_households", (_YEAR_PAIR, _hh), H, "volunteers.paired_households"),
        _c(
            "year_trainings",
            (_YEAR_TRAIN, pgettext_lazy("report heading", "Sessions")),
            Unit.SESSIONS,
            "activities.training_sessions",
        ),
        _c(
            "year_trained",
            (_YEAR_TRAIN, pgettext_lazy("report heading", "Person-times")),
            Unit.PERSON_TIMES,
            "activities.training_person_times",
        ),
        _c("year_helped", (pgettext_lazy("report heading", "Households helped"),), H, "help.households"),
        *_coverage_columns(),
    ),
    deadlines={"town": 10, "county": 20, "city": 31},
)

# 三个全覆盖 table: the coverages at the period's end, for any period.
COVERAGE = FormTemplate(
    code="coverage",
    name=gettext_lazy("Three full coverages"),
    title=gettext_lazy("%(unit)s three full coverages %(period)s"),
    filename=gettext_lazy("%(unit)s three full coverages-%(period)s.xlsx"),
    period_kinds=(PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR),
    columns=_coverage_columns(),
    deadlines={},
)

TEMPLATES: dict[str, FormTemplate] = {t.code: t for t in (WARM_MONTHLY, ASSISTANCE_MONTHLY, YEARLY, COVERAGE)}
