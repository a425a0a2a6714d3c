"""Reporting completeness, in DHIS2's vocabulary (docs/REPORTS.md §Completeness).

For a form, a period and an area (a town up to a city or a province), per level that files the form (the levels
with a deadline): the **expected** reports (every unit of that level in the area), the **actual** ones (a report
of that unit FOR THAT PERIOD submitted, accepted or locked — a nil report counts, a draft or a returned one does
not), those **on time** (last submitted by the deadline in force then), the reporting rate (actual / expected) and
the on-time rate (on time / expected) — numerator and denominator from the same set of units, so never above
100 % — and the units that have not reported for that period (a unit that reported only for an earlier period is
missing). Three queries whatever the area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from regions.models import Region
from regions.selectors import counties_under
from reports.models import Report
from reports.statforms import selectors
from reports.statforms.spec import FormTemplate, Period

LEVEL_ORDER = ("province", "city", "county", "town", "village")


@dataclass
class LevelCompleteness:
    level: str
    label: str
    expected: int = 0
    actual: int = 0
    on_time: int = 0
    nil: int = 0
    deadline: date | None = None
    missing: list[Region] = field(default_factory=list)
    late: list[Region] = field(default_factory=list)  # reported after the deadline

    @property
    def reporting_rate(self) -> float | None:
        return self.actual / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class Completeness:
    template: FormTemplate
    period: Period
    region: Region
    levels: list[LevelCompleteness]

    @property
    def expected(self) -> int:
        return sum(level.expected for level in self.levels)

    @property
    def actual(self) -> int:
        return sum(level.actual for level in self.levels)

    @property
    def on_time(self) -> int:
        return sum(level.on_time for level in self.levels)

    @property
    def reporting_rate(self) -> float | None:
        return self.actual / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def missing(self) -> list[Region]:
        return [unit for level in self.levels for unit in level.missing]

    @property
    def late(self) -> list[Region]:
        return [unit for level in self.levels for unit in level.late]


def expected_units(*, template: FormTemplate, region: Region) -> list[Region]:
    """The units of ``region``'s area (itself included) at the levels that file ``template`` (one query)."""
    levels = list(template.deadlines)
    if not levels:
        return []
    condition = Q(pk=region.pk)
    if region.is_above_county:
        condition |= Q(parent=region)  # a province's cities
        for county in counties_under(region=region):
            condition |= Q(path__startswith=county.path)
    else:
        condition |= Q(path__startswith=region.path)
    return list(Region.objects.filter(condition, level__in=levels).order_by("path"))


def completeness(*, region: Region, template: FormTemplate, period: Period) -> Completeness:
    units = expected_units(template=template, region=region)
    reports = {
        r.unit_id: r
        for r in Report.objects.filter(
            template=template.code,
            period_key=period.key,
            state__in=Report.REPORTED_STATES,
            unit_id__in=[u.pk for u in units],
        )
    }
    rules = {rule.level: rule for rule in selectors.deadline_rules(template=template, region=region)}
    levels: dict[str, LevelCompleteness] = {}
    for level in sorted(template.deadlines, key=LEVEL_ORDER.index):
        rule = rules.get(level)
        levels[level] = LevelCompleteness(
            level=level,
            label=str(Region.Level(level).label),
            deadline=selectors.deadline_date(period, rule.day) if rule else None,
        )
    for unit in units:
        entry = levels[unit.level]
        entry.expected += 1
        report = reports.get(unit.pk)
        if report is None:
            entry.missing.append(unit)
            continue
        entry.actual += 1
        entry.nil += report.nil
        if report.on_time:
            entry.on_time += 1
        else:
            entry.late.append(unit)
    return Completeness(
        template=template, period=period, region=region, levels=[lv for lv in levels.values() if lv.expected]
    )


def completeness_summary(*, region: Region, template_code: str, period: Period) -> Completeness:
    """The completeness of a form for a period in ``region``'s area, for the leaders' home: expected, actual, on
    time and the rates, overall (``.expected``, ``.reporting_rate``…) and per level (``.levels``), and the units
    missing. The caller has checked that its reader may read ``region``'s figures."""
    return completeness(region=region, template=selectors.template_get(template_code), period=period)
