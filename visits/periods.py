"""What "due" and "overdue" mean: the one place that defines the periods of every rule.

The engine (visits.engine), the worklist (visits.selectors) and the dashboard (reports.selectors) all take
their dates from here; docs/RULES.md and the rules page explain the same definitions in words.

Definitions (docs/DOMAIN.md §Four-on-one contacts; seed 003):

* A **period** is a closed date range ``[start, end]``: a calendar month, a calendar quarter, an ISO week
  (Monday to Sunday), or a window around a date (a festival, a death anniversary, Qingming).
* A period's requirement is **met** when the household has a qualifying visit dated from ``start`` to
  ``end + grace_days``: a contact in the first days of the next period still counts for the previous one.
* A period is **due** on its ``end``; the household is **overdue** on a rule when the latest period whose
  ``end + grace_days`` has passed was not met — and stays overdue until a qualifying visit is logged
  (a late visit, dated after ``start``, closes the flag).
* A household counts for a period only if it was registered on or before the period's ``start``: a
  household registered mid-month is first due at the end of the next month, mid-quarter at the end of the
  next quarter.
* A **reminder** (anniversary, Qingming) is open while its window runs (``start`` to ``end + grace_days``)
  and no qualifying visit has been logged since ``start``; it lapses when the window ends.
* A festival flag (Spring Festival, Mid-Autumn) that nobody closes lapses ``late_days`` after its window:
  the festival was missed, the coverage figure keeps it, the worklist moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar


@dataclass(frozen=True)
class Period:
    key: str  # stable, unique per rule: "2025-10", "2025-Q4", "2025-W43", "2025" (festival)
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


# ---- calendar periods -------------------------------------------------------------------------------


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    nxt = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return Period(f"{day.year}-{day.month:02d}", start, nxt - timedelta(days=1))


def quarter_of(day: date) -> Period:
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    end_month = start.replace(month=3 * q + 3)
    return Period(f"{day.year}-Q{q + 1}", start, month_of(end_month).end)


def week_of(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    iso = start.isocalendar()
    return Period(f"{iso.year}-W{iso.week:02d}", start, start + timedelta(days=6))


def previous(period_of, period: Period) -> Period:
    return period_of(period.start - timedelta(days=1))


# ---- the lunar calendar (lunar-python) --------------------------------------------------------------


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date:
    """春节: the first day of the first lunar month of lunar year ``year``."""
    solar = Lunar.fromYmd(year, 1, 1).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def mid_autumn(year: int) -> date:
    """中秋: the 15th day of the 8th lunar month."""
    solar = Lunar.fromYmd(year, 8, 15).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def qingming(year: int) -> date:
    """清明: the solar term (4 or 5 April)."""
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def anniversary(event: date, year: int) -> date:
    """The anniversary of ``event`` in ``year``; 29 February falls on 28 February in a common year."""
    try:
        return event.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


FESTIVAL_DATES = {"spring_festival": spring_festival, "mid_autumn": mid_autumn, "qingming": qingming}


def window(key: str, day: date, *, before: int, after: int) -> Period:
    return Period(key, day - timedelta(days=before), day + timedelta(days=after))


# ---- the period a rule asks about on a day ----------------------------------------------------------

CALENDAR = {"month": month_of, "quarter": quarter_of, "week": week_of}


def last_due_period(*, period: str, as_of: date, grace_days: int, before: int = 0, after: int = 0) -> Period | None:
    """The latest period whose ``end + grace_days`` is before ``as_of`` (None when there is none in reach).

    ``period`` is a calendar period ("month", "quarter", "week") or a yearly date ("spring_festival",
    "mid_autumn", "qingming") with its window ``before``/``after`` days.
    """
    grace = timedelta(days=grace_days)
    if period in CALENDAR:
        period_of = CALENDAR[period]
        current = period_of(as_of)
        candidate = previous(period_of, current)
        # With long grace days (longer than a period) step back until the grace has passed.
        while candidate.end + grace >= as_of:
            candidate = previous(period_of, candidate)
        return candidate
    day_of = FESTIVAL_DATES[period]
    for year in (as_of.year, as_of.year - 1):
        p = window(str(year), day_of(year), before=before, after=after)
        if p.end + grace < as_of:
            return p
    return None


def current_window(*, period: str, as_of: date, grace_days: int, before: int, after: int) -> Period | None:
    """The window of a yearly date that runs on ``as_of`` (start to end + grace), if any."""
    day_of = FESTIVAL_DATES[period]
    for year in (as_of.year + 1, as_of.year, as_of.year - 1):
        p = window(str(year), day_of(year), before=before, after=after)
        if p.start <= as_of <= p.end + timedelta(days=grace_days):
            return p
    return None


def current_period(*, period: str, as_of: date, before: int = 0, after: int = 0) -> Period | None:
    """The period running on ``as_of`` (for "due soon" in the worklist), or the next festival window."""
    if period in CALENDAR:
        return CALENDAR[period](as_of)
    day_of = FESTIVAL_DATES[period]
    for year in (as_of.year, as_of.year + 1):
        p = window(str(year), day_of(year), before=before, after=after)
        if as_of <= p.end:
            return p
    return None


def anniversary_window(event: date, *, as_of: date, grace_days: int, before: int, after: int) -> Period | None:
    """The anniversary window of ``event`` that runs on ``as_of`` (start to end + grace), if any."""
    for year in (as_of.year + 1, as_of.year, as_of.year - 1):
        if year <= event.year:
            continue
        p = window(str(year), anniversary(event, year), before=before, after=after)
        if p.start <= as_of <= p.end + timedelta(days=grace_days):
            return p
    return None
