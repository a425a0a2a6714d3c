"""The urgent follow-up and the grief-aware cadence through the visits engine: the flags open on the right days and
close when a visit is made or a later assessment lowers the level; the message names only the household."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from households.models import Household
from medical.mental import services
from tests.factories import HouseholdFactory
from visits import engine
from visits.models import EventPeriod, Notification, OverdueFlag, Visit

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 3)


def _assess(family, personas, *, on=DAY, phq=(0, 0, 0, 0, 0, 0, 0, 0, 0), risk="low", today=None):
    return services.assessment_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        instrument="phq9",
        answers=list(phq),
        assessed_on=on,
        consent=True,
        risk_level=risk,
        action="行动",
        today=today or on,
    )


def _open(household, code: str) -> list[OverdueFlag]:
    return list(OverdueFlag.objects.filter(household=household, rule__code=code, closed_on__isnull=True))


def _run(household, day):
    engine.overdue_refresh(as_of=day, household_ids=[household.pk])


def _visit(household, day, role):
    Visit.objects.create(household=household, date=day, method="home", visitor_role=role, visitor_name="x")


@pytest.mark.parametrize(("phq", "risk"), [((0,) * 8 + (1,), "low"), ((0,) * 9, "high"), ((0,) * 9, "immediate")])
def test_urgent_opens_follow_up_and_messages_at_once(family, personas, phq, risk):
    row = _assess(family, personas, phq=phq, risk=risk)
    assert row.urgent
    notes = Notification.objects.filter(kind=Notification.Kind.URGENT_VISIT, household=family.household)
    assert {n.user for n in notes} == {family.doctor_user, personas.village_cadre}
    for n in notes:
        assert family.household.number in n.message
        for word in ("PHQ", "抑郁", "心理", "风险", "mental", "risk", "self-harm", "自伤"):
            assert word not in n.message
            assert word not in n.text
            assert word not in str(n.params)
    codes = set(EventPeriod.objects.filter(household=family.household).values_list("rule__code", flat=True))
    assert codes == {services.URGENT_DOCTOR, services.URGENT_CONTACT}


def test_not_urgent_opens_nothing(family, personas):
    row = _assess(family, personas, phq=(1,) * 8 + (0,), risk="medium")
    assert not row.urgent
    assert not Notification.objects.filter(kind=Notification.Kind.URGENT_VISIT).exists()
    assert not EventPeriod.objects.filter(household=family.household).exists()


def test_flags_open_on_the_right_days_weekly_and_close_when_lowered(family, personas):
    household = family.household
    _assess(family, personas, risk="high")
    # Due the day after (03-04), no grace: flagged from 03-05.
    _run(household, date(2025, 3, 4))
    assert not _open(household, services.URGENT_DOCTOR)
    _run(household, date(2025, 3, 5))
    assert len(_open(household, services.URGENT_DOCTOR)) == 1
    assert len(_open(household, services.URGENT_CONTACT)) == 1
    # The cadre's visit closes the contact's flag, not the doctor's.
    _visit(household, date(2025, 3, 5), Visit.VisitorRole.VILLAGE_CADRE)
    _run(household, date(2025, 3, 5))
    assert not _open(household, services.URGENT_CONTACT)
    assert len(_open(household, services.URGENT_DOCTOR)) == 1
    _visit(household, date(2025, 3, 5), Visit.VisitorRole.FAMILY_DOCTOR)
    _run(household, date(2025, 3, 5))
    assert not _open(household, services.URGENT_DOCTOR)
    # Weekly: the period 03-05 … 03-11 was met by those visits; 03-12 … 03-18 is due 03-18, flagged on 03-19.
    _run(household, date(2025, 3, 18))
    assert not _open(household, services.URGENT_DOCTOR)
    _run(household, date(2025, 3, 19))
    flag = _open(household, services.URGENT_DOCTOR)
    assert len(flag) == 1
    assert flag[0].period_start == date(2025, 3, 12)
    assert len(_open(household, services.URGENT_CONTACT)) == 1
    # A later assessment lowers the level: the periods are dropped and the engine closes the flags.
    _assess(family, personas, on=date(2025, 3, 20), risk="low")
    assert not EventPeriod.objects.filter(household=household).exists()
    _run(household, date(2025, 3, 20))
    assert not _open(household, services.URGENT_DOCTOR)
    assert not _open(household, services.URGENT_CONTACT)
    _run(household, date(2025, 4, 20))
    assert not _open(household, services.URGENT_DOCTOR)


def test_another_members_urgent_state_keeps_the_household_urgent(family, personas):
    _assess(family, personas, risk="immediate")
    services.assessment_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        instrument="gad7",
        answers=[0] * 7,
        assessed_on=date(2025, 3, 4),
        consent=True,
        risk_level="low",
        action="无",
        today=date(2025, 3, 4),
    )
    assert services.household_state(household_id=family.household.pk).urgent
    assert EventPeriod.objects.filter(household=family.household).exists()


def test_the_anniversary_window_gets_the_doctor_when_urgent(family, personas):
    household = family.household
    Household.objects.filter(pk=household.pk).update(family_type="death", child_event_date=date(2010, 3, 10))
    household.refresh_from_db()
    _assess(family, personas, risk="high")
    period = EventPeriod.objects.get(household=household, rule__code=services.ANNIVERSARY_DOCTOR, key="2025-03-07")
    assert (period.start, period.due) == (date(2025, 3, 7), date(2025, 3, 13))  # 3 days before, 3 after
    _visit(household, date(2025, 3, 8), Visit.VisitorRole.VILLAGE_CADRE)
    _run(household, date(2025, 3, 14))
    assert len(_open(household, services.ANNIVERSARY_DOCTOR)) == 1  # a cadre's visit is not the doctor's
    _visit(household, date(2025, 3, 14), Visit.VisitorRole.FAMILY_DOCTOR)
    _run(household, date(2025, 3, 14))
    assert not _open(household, services.ANNIVERSARY_DOCTOR)


def test_not_urgent_no_anniversary_doctor(family, personas):
    Household.objects.filter(pk=family.household.pk).update(family_type="death", child_event_date=date(2010, 3, 10))
    _assess(family, personas, risk="medium")
    assert not EventPeriod.objects.filter(rule__code=services.ANNIVERSARY_DOCTOR).exists()


def test_grief_cadence_by_years_since_the_loss(area, personas):
    recent = HouseholdFactory(
        village=area.V1a, registered_on=date(2020, 1, 1), family_type="death", child_event_date=date(2024, 6, 1)
    )
    old = HouseholdFactory(
        village=area.V1a, registered_on=date(2020, 1, 1), family_type="death", child_event_date=date(2020, 1, 1)
    )
    boundary = HouseholdFactory(  # two years after the loss ends on 2025-02-01: February starts on it, not within
        village=area.V1a, registered_on=date(2020, 1, 1), family_type="death", child_event_date=date(2023, 2, 1)
    )
    rule = services.grief_cadence_set(actor=personas.county_staff, county=area.C, years=2)
    assert rule.loss_within_years == 2
    engine.overdue_refresh(as_of=date(2025, 3, 10), household_ids=[recent.pk, old.pk, boundary.pk])
    flagged = set(
        OverdueFlag.objects.filter(rule=rule, closed_on__isnull=True).values_list("household_id", "period_key")
    )
    assert flagged == {(recent.pk, "2025-02")}
    # The county turns it off: the rule is inactive and the flag lapses.
    services.grief_cadence_set(actor=personas.county_staff, county=area.C, years=0)
    engine.overdue_refresh(as_of=date(2025, 3, 10), household_ids=[recent.pk])
    assert not OverdueFlag.objects.filter(rule=rule, closed_on__isnull=True).exists()


def test_grief_cadence_is_county_staffs(area, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.grief_cadence_set(actor=personas.town_cadre, county=area.C, years=2)


def _periods(household) -> list[tuple]:
    return sorted(EventPeriod.objects.filter(household=household).values_list("rule__code", "key", "start", "due"))


def test_the_nightly_pipeline_extends_the_urgent_periods_past_a_year_and_twice_is_the_same(family, personas):
    from portal.tasks import nightly_pipeline_run

    household = family.household
    _assess(family, personas, risk="high")
    first_last_due = max(due for _code, _key, _start, due in _periods(household))
    assert first_last_due <= DAY + timedelta(days=366 + 7)  # a year ahead is written at the assessment
    # Nearly a year on, still urgent: the night writes the next year of weekly periods (doctor and contact).
    as_of = date(2026, 2, 1)
    result = nightly_pipeline_run(as_of=as_of)
    assert result["medical"]["urgent_extended"] == 1
    once = _periods(household)
    last_due = max(due for _code, _key, _start, due in once)
    assert last_due > date(2027, 1, 31)
    later = {code for code, _key, start, _due in once if start > first_last_due}
    assert later == {services.URGENT_DOCTOR, services.URGENT_CONTACT}
    flags = sorted(OverdueFlag.objects.filter(household=household).values_list("rule__code", "period_key", "closed_on"))
    # A second run the same night changes nothing (the periods already reach a year ahead).
    again = nightly_pipeline_run(as_of=as_of)
    assert again["medical"]["urgent_extended"] == 0
    assert _periods(household) == once
    assert (
        sorted(OverdueFlag.objects.filter(household=household).values_list("rule__code", "period_key", "closed_on"))
        == flags
    )
    # The doctor comes in the first year's last week (the flag open since March closes); the week after the first
    # year is then flagged like any other when nobody comes.
    _visit(household, first_last_due, Visit.VisitorRole.FAMILY_DOCTOR)
    _run(household, first_last_due)
    assert not _open(household, services.URGENT_DOCTOR)
    _run(household, first_last_due + timedelta(days=9))
    (flag,) = _open(household, services.URGENT_DOCTOR)
    assert flag.period_start == first_last_due + timedelta(days=1)


def test_the_night_extends_nothing_once_the_level_is_lowered(family, personas):
    from reports.services import medical_nightly_run

    _assess(family, personas, risk="high")
    _assess(family, personas, on=date(2025, 3, 20), risk="low")
    assert medical_nightly_run(as_of=date(2026, 2, 1))["urgent_extended"] == 0
    assert not EventPeriod.objects.filter(household=family.household).exists()
