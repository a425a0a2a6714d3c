"""Completeness per level for a period: expected, actual (that period only; nil included, drafts and returned reports
not), on time, rates never above 100 %, the missing units; deadlines set by a county; reminders once."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from accounts.roles import Role
from reports.models import Report, ReportReminder
from reports.statforms import completeness as comp
from reports.statforms import selectors, services
from reports.statforms.spec import WARM_MONTHLY, Period
from tests.factories import RegionFactory, UserFactory
from tests.reports.statforms.helpers import city_over

pytestmark = pytest.mark.django_db

OCT, NOV = Period.month(2026, 10), Period.month(2026, 11)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _file(user, unit, period, day, *, nil=False):
    report = services.report_open(actor=user, template_code="warm_monthly", unit=unit, period=period)
    return services.report_submit(actor=user, report=report, at=_at(day), nil=nil)


def test_units_that_reported_only_for_an_earlier_period_are_missing(area, personas):
    t2 = personas.other_town_cadre
    _file(personas.town_cadre, area.T1, OCT, date(2026, 11, 3))
    _file(t2, area.T2, OCT, date(2026, 11, 4))
    _file(personas.county_staff, area.C, OCT, date(2026, 11, 9))
    # November: only T1 reported (late, nil); T2 has a draft; the county has nothing yet.
    _file(personas.town_cadre, area.T1, NOV, date(2026, 12, 7), nil=True)
    services.report_open(actor=t2, template_code="warm_monthly", unit=area.T2, period=NOV)

    october = comp.completeness(region=area.C, template=WARM_MONTHLY, period=OCT)
    assert [(lv.level, lv.expected, lv.actual, lv.on_time, lv.missing) for lv in october.levels] == [
        ("county", 1, 1, 1, []),
        ("town", 2, 2, 2, []),
    ]
    november = comp.completeness(region=area.C, template=WARM_MONTHLY, period=NOV)
    county, towns = november.levels
    assert (county.expected, county.actual, county.missing) == (1, 0, [area.C])
    assert (towns.expected, towns.actual, towns.on_time, towns.nil) == (2, 1, 0, 1)
    assert towns.missing == [area.T2]  # reported for October, not for November: missing
    assert towns.late == [area.T1]
    assert towns.reporting_rate == 0.5
    assert towns.on_time_rate == 0
    assert november.missing == [area.C, area.T2]
    assert (november.expected, november.actual, november.on_time) == (3, 1, 0)


def test_rates_never_exceed_100_and_other_areas_do_not_count(area, personas):
    city = city_over(area.C, area.C2)
    c2_town = RegionFactory.town(area.C2, "002", "彭家寨镇")
    outsider_county = RegionFactory.county("632100", "平安区")  # not under the city
    outsider = UserFactory(username="ps", role=Role.COUNTY_STAFF, region=outsider_county)
    for user, unit in [
        (personas.town_cadre, area.T1),
        (personas.other_town_cadre, area.T2),
        (personas.county_staff, area.C),
        (personas.other_county_staff, area.C2),
        (outsider, outsider_county),
    ]:
        _file(user, unit, NOV, date(2026, 12, 2))
    result = comp.completeness(region=city, template=WARM_MONTHLY, period=NOV)
    by_level = {lv.level: lv for lv in result.levels}
    assert by_level["city"].expected == 1
    assert by_level["county"].expected == 2  # the outsider county is not the city's
    assert by_level["county"].actual == 2
    assert by_level["town"].expected == 4  # T1, T2, T3, c2_town
    assert set(by_level["town"].missing) == {area.T3, c2_town}
    for level in result.levels:
        assert level.actual <= level.expected
        assert level.on_time <= level.actual
        assert level.reporting_rate is None or 0 <= level.reporting_rate <= 1
    assert result.reporting_rate == 4 / 7
    summary = comp.completeness_summary(region=city, template_code="warm_monthly", period=NOV)
    assert (summary.expected, summary.actual) == (7, 4)


def test_a_returned_report_is_not_reported_until_it_is_submitted_again(area, personas):
    report = _file(personas.town_cadre, area.T1, NOV, date(2026, 12, 2))
    services.report_return(actor=personas.county_staff, report=report, reason="数字有误")
    towns = comp.completeness(region=area.C, template=WARM_MONTHLY, period=NOV).levels[1]
    assert area.T1 in towns.missing
    report.refresh_from_db()
    services.report_submit(actor=personas.town_cadre, report=report, at=_at(date(2026, 12, 4)))
    towns = comp.completeness(region=area.C, template=WARM_MONTHLY, period=NOV).levels[1]
    assert (towns.actual, towns.on_time) == (1, 1)


def test_a_county_sets_its_towns_deadline_and_on_time_follows_it(area, personas):
    services.report_deadline_set(
        actor=personas.county_staff, region=area.C, template_code="warm_monthly", level="town", day=8, reminder_days=2
    )
    assert selectors.deadline_for(template=WARM_MONTHLY, unit=area.T1, period=NOV) == date(2026, 12, 8)
    assert selectors.deadline_for(template=WARM_MONTHLY, unit=area.T3, period=NOV) == date(2026, 12, 5)  # C2: default
    report = _file(personas.town_cadre, area.T1, NOV, date(2026, 12, 7))
    assert report.on_time
    # A day past the month's end is its last day.
    assert selectors.deadline_date(Period.month(2027, 1), 31) == date(2027, 2, 28)


def test_reminders_go_to_the_fillers_of_units_not_reported_once(area, personas):
    services.report_deadline_set(
        actor=personas.county_staff, region=area.C, template_code="warm_monthly", level="town", day=5, reminder_days=3
    )
    _file(personas.town_cadre, area.T1, NOV, date(2026, 12, 1))
    assert services.report_reminders_refresh(as_of=date(2026, 12, 1)) == 0  # 4 days before: not yet
    written = services.report_reminders_refresh(as_of=date(2026, 12, 2))
    reminders = set(ReportReminder.objects.values_list("template", "user__username", "unit_id", "period_key"))
    assert ("warm_monthly", "t2_cadre", area.T2.pk, "2026-11") in reminders
    assert ("warm_monthly", "t1_cadre", area.T1.pk, "2026-11") not in reminders  # T1 has reported
    assert ("assistance_monthly", "t1_cadre", area.T1.pk, "2026-11") in reminders  # not that form
    assert not any(unit == area.C.pk for _t, _u, unit, _p in reminders)  # the county's deadline is the 10th
    assert written == len(reminders)
    assert services.report_reminders_refresh(as_of=date(2026, 12, 2)) == 0
    assert services.report_reminders_refresh(as_of=date(2026, 12, 3)) == 0  # the same period: reminded once
    assert ReportReminder.objects.count() == written
    assert services.report_reminders_deliver() == written
    assert services.report_reminders_deliver() == 0
    assert not Report.objects.filter(unit=area.T2).exists()  # a reminder opens nothing
