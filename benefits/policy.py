"""The options of a county's benefits: its own ``BenefitSettings`` row, else its province's, else the defaults.

``settings_for(county_code)`` is the one lookup the amount engine and the annual review use (docs/BENEFITS.md:
"a setting of the county (or province) with the default given here").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from benefits.models import BenefitSettings


def settings_for(county_code: str) -> BenefitSettings:
    """The settings in force for a county: the county's own row (its 6-digit code), else its province's (the first
    two digits), else an unsaved ``BenefitSettings`` holding the model's defaults (01-15 / 02-15 / 03-15 / 03-31,
    a notice of 10 days, the month of death, the higher of the two, from 49 and 60). One query."""
    code = (county_code or "")[:6]
    rows = {s.area_code: s for s in BenefitSettings.objects.filter(area_code__in=[code, code[:2]])}
    return rows.get(code) or rows.get(code[:2]) or BenefitSettings(area_code=code)


@dataclass(frozen=True)
class ReviewDeadlines:
    applications_by: date
    village_by: date
    town_by: date
    county_by: date
    notice_days: int


def _month_day(year: int, value: str) -> date:
    """ "MM-DD" of a year; a 29 February of a common year is its 28th."""
    month, day = (int(part) for part in value.split("-", 1))
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def review_deadlines(county_code: str, year: int) -> ReviewDeadlines:
    """The annual review's deadlines of a year in a county, from ``settings_for``."""
    s = settings_for(county_code)
    return ReviewDeadlines(
        applications_by=_month_day(year, s.applications_by),
        village_by=_month_day(year, s.village_by),
        town_by=_month_day(year, s.town_by),
        county_by=_month_day(year, s.county_by),
        notice_days=s.notice_days,
    )
