"""The period definitions (visits.periods) on fixed dates: calendar boundaries and the lunar calendar."""

from datetime import date

import pytest

from visits import periods


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, date(2024, 2, 10)), (2025, date(2025, 1, 29)), (2026, date(2026, 2, 17)), (2027, date(2027, 2, 6))],
)
def test_spring_festival_dates(year, expected):
    assert periods.spring_festival(year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, date(2024, 9, 17)), (2025, date(2025, 10, 6)), (2026, date(2026, 9, 25)), (2027, date(2027, 9, 15))],
)
def test_mid_autumn_dates(year, expected):
    assert periods.mid_autumn(year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, date(2024, 4, 4)), (2025, date(2025, 4, 4)), (2026, date(2026, 4, 5)), (2027, date(2027, 4, 5))],
)
def test_qingming_dates(year, expected):
    assert periods.qingming(year) == expected


def test_month_quarter_and_week_boundaries():
    assert periods.month_of(date(2024, 2, 29)) == periods.Period("2024-02", date(2024, 2, 1), date(2024, 2, 29))
    assert periods.month_of(date(2025, 12, 31)).end == date(2025, 12, 31)
    assert periods.quarter_of(date(2025, 3, 31)) == periods.Period("2025-Q1", date(2025, 1, 1), date(2025, 3, 31))
    assert periods.quarter_of(date(2025, 4, 1)) == periods.Period("2025-Q2", date(2025, 4, 1), date(2025, 6, 30))
    assert periods.quarter_of(date(2025, 12, 1)).end == date(2025, 12, 31)
    # ISO week: 2024-12-30 (a Monday) is week 1 of 2025
    assert periods.week_of(date(2025, 1, 1)) == periods.Period("2025-W01", date(2024, 12, 30), date(2025, 1, 5))


@pytest.mark.parametrize(
    ("as_of", "grace", "key"),
    [
        (date(2025, 11, 1), 0, "2025-10"),  # the first day of a month: the previous month is due
        (date(2025, 10, 31), 0, "2025-09"),
        (date(2025, 11, 5), 5, "2025-09"),  # still within October's grace
        (date(2025, 11, 6), 5, "2025-10"),
        (date(2025, 1, 3), 5, "2024-11"),  # across a year end
    ],
)
def test_last_due_month(as_of, grace, key):
    assert periods.last_due_period(period="month", as_of=as_of, grace_days=grace).key == key


@pytest.mark.parametrize(
    ("as_of", "grace", "key"),
    [
        (date(2025, 4, 1), 0, "2025-Q1"),
        (date(2025, 3, 31), 0, "2024-Q4"),
        (date(2025, 4, 10), 10, "2024-Q4"),
        (date(2025, 4, 11), 10, "2025-Q1"),
    ],
)
def test_last_due_quarter(as_of, grace, key):
    assert periods.last_due_period(period="quarter", as_of=as_of, grace_days=grace).key == key


def test_festival_windows():
    # Mid-Autumn 2025 is 6 October: window 29 Sep – 9 Oct with 7 days before and 3 after.
    p = periods.last_due_period(period="mid_autumn", as_of=date(2025, 10, 10), grace_days=0, before=7, after=3)
    assert p == periods.Period("2025", date(2025, 9, 29), date(2025, 10, 9))
    # before the 2025 window has passed the 2024 festival is the latest due one
    p = periods.last_due_period(period="mid_autumn", as_of=date(2025, 10, 9), grace_days=0, before=7, after=3)
    assert p.key == "2024"
    w = periods.current_window(period="qingming", as_of=date(2026, 4, 2), grace_days=0, before=3, after=3)
    assert w == periods.Period("2026", date(2026, 4, 2), date(2026, 4, 8))
    assert periods.current_window(period="qingming", as_of=date(2026, 4, 1), grace_days=0, before=3, after=3) is None


def test_anniversary_of_29_february():
    assert periods.anniversary(date(2012, 2, 29), 2025) == date(2025, 2, 28)
    assert periods.anniversary(date(2012, 2, 29), 2028) == date(2028, 2, 29)
    w = periods.anniversary_window(date(2012, 2, 29), as_of=date(2025, 2, 25), grace_days=0, before=3, after=3)
    assert w == periods.Period("2025", date(2025, 2, 25), date(2025, 3, 3))
