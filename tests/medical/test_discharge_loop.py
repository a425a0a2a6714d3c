"""The discharge loop through the visits engine (MEDICAL.md): a discharge opens the hand-over to the family doctor
(due 3 days after, a county setting) and the doctor's follow-up visit (due 7 days after); the doctor's visit opens
the contact's visit (due 7 days after it). Each step's flag opens the day after its due date when nothing was done,
and closes when the visit that counts is logged — on the worklist and the supervision list like any rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from medical import services
from medical.models import ChannelUse, MedicalSettings
from visits.engine import overdue_refresh
from visits.models import EventPeriod, HouseholdUrgency, OverdueFlag, Rule, Visit

pytestmark = pytest.mark.django_db

ADMITTED = date(2025, 3, 1)
DISCHARGED = date(2025, 3, 10)


@pytest.fixture
def only_discharge_rules(area):
    """The county's rules with only the discharge loop's active (the monthly rules would flag too)."""
    rules = services.discharge_rules_ensure(county=area.C)
    Rule.objects.filter(rule_set__county=area.C).exclude(code__in=list(rules)).update(active=False)
    return rules


def _stay(family, personas, *, discharged_on=DISCHARGED, today=DISCHARGED) -> ChannelUse:
    return services.channel_use_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        institution=family.institution,
        used_on=ADMITTED,
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on=ADMITTED,
        discharged_on=discharged_on,
        today=today,
    )


def _visit(family, day: date, *, role: str, method: str = Visit.Method.HOME) -> Visit:
    return Visit.objects.create(
        household=family.household, date=day, method=method, visitor_role=role, visitor_name="x"
    )


def _open(family) -> dict[str, OverdueFlag]:
    return {
        f.rule.code: f for f in OverdueFlag.objects.open().filter(household=family.household).select_related("rule")
    }


def test_the_loop_opens_and_closes_on_the_right_days(family, personas, only_discharge_rules):
    use = _stay(family, personas)
    assert use.handover_to == family.doctor  # the four-on-one post's doctor (no contract yet)
    periods = {p.rule.code: p for p in EventPeriod.objects.filter(household=family.household)}
    assert periods.keys() == {services.HANDOVER, services.DOCTOR_VISIT}
    assert periods[services.HANDOVER].due == DISCHARGED + timedelta(days=3)
    assert periods[services.DOCTOR_VISIT].due == DISCHARGED + timedelta(days=7)

    # Due on the 13th: nothing open that day, the hand-over flag opens on the 14th.
    overdue_refresh(as_of=date(2025, 3, 13))
    assert _open(family) == {}
    assert HouseholdUrgency.objects.get(household=family.household).next_due == date(2025, 3, 13)
    overdue_refresh(as_of=date(2025, 3, 14))
    flags = _open(family)
    assert set(flags) == {services.HANDOVER}
    assert flags[services.HANDOVER].period_key == "2025-03-10"
    assert flags[services.HANDOVER].rule.by_family_doctor  # waits for the family doctor

    # A village cadre's call does not do the doctor's hand-over; the doctor's call does.
    _visit(family, date(2025, 3, 15), role=Visit.VisitorRole.VILLAGE_CADRE, method=Visit.Method.PHONE)
    overdue_refresh(as_of=date(2025, 3, 15))
    assert set(_open(family)) == {services.HANDOVER}
    _visit(family, date(2025, 3, 16), role=Visit.VisitorRole.FAMILY_DOCTOR, method=Visit.Method.PHONE)
    overdue_refresh(as_of=date(2025, 3, 16))
    assert _open(family) == {}
    closed = OverdueFlag.objects.get(household=family.household, rule__code=services.HANDOVER)
    assert (closed.closed_on, closed.closed_reason) == (date(2025, 3, 16), OverdueFlag.CloseReason.MET)

    # The follow-up home visit was due on the 17th: its flag opens on the 18th (a phone call does not count).
    overdue_refresh(as_of=date(2025, 3, 17))
    assert _open(family) == {}
    overdue_refresh(as_of=date(2025, 3, 18))
    assert set(_open(family)) == {services.DOCTOR_VISIT}

    # The doctor's home visit on the 20th closes it and opens the contact's step, due on the 27th.
    _visit(family, date(2025, 3, 20), role=Visit.VisitorRole.FAMILY_DOCTOR)
    assert services.discharge_loop_advance(as_of=date(2025, 3, 20)) == [family.household.pk]
    assert services.discharge_loop_advance(as_of=date(2025, 3, 20)) == []  # idempotent
    overdue_refresh(as_of=date(2025, 3, 20))
    assert _open(family) == {}
    liaison = EventPeriod.objects.get(household=family.household, rule__code=services.LIAISON_VISIT)
    assert (liaison.start, liaison.due) == (date(2025, 3, 21), date(2025, 3, 27))

    overdue_refresh(as_of=date(2025, 3, 27))
    assert _open(family) == {}
    overdue_refresh(as_of=date(2025, 3, 28))
    flags = _open(family)
    assert set(flags) == {services.LIAISON_VISIT}
    assert not flags[services.LIAISON_VISIT].rule.by_family_doctor  # any contact
    # On the supervision list's source: the area's open overdue flags.
    assert OverdueFlag.objects.open().visible_to(personas.town_cadre).filter(rule__code=services.LIAISON_VISIT)

    _visit(family, date(2025, 3, 29), role=Visit.VisitorRole.VILLAGE_CADRE)
    overdue_refresh(as_of=date(2025, 3, 29))
    assert _open(family) == {}


def test_the_hand_over_due_date_is_the_countys_setting(family, personas, area, only_discharge_rules):
    MedicalSettings.objects.create(county=area.C, handover_days=5)
    _stay(family, personas)
    overdue_refresh(as_of=date(2025, 3, 15))
    assert _open(family) == {}
    overdue_refresh(as_of=date(2025, 3, 16))
    assert set(_open(family)) == {services.HANDOVER}


def test_a_discharge_corrected_moves_the_steps(family, personas, only_discharge_rules):
    use = services.channel_use_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        institution=family.institution,
        used_on=ADMITTED,
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on=ADMITTED,
        today=DISCHARGED,
    )
    assert not EventPeriod.objects.filter(household=family.household).exists()  # still in hospital
    services.stay_discharge(actor=personas.county_staff, use=use, discharged_on=DISCHARGED, today=DISCHARGED)
    overdue_refresh(as_of=date(2025, 3, 14))
    assert set(_open(family)) == {services.HANDOVER}
    services.stay_discharge(
        actor=personas.county_staff, use=use, discharged_on=date(2025, 3, 12), today=date(2025, 3, 14)
    )
    overdue_refresh(as_of=date(2025, 3, 14))
    assert _open(family) == {}  # due on the 15th now: the flag lapsed
    assert EventPeriod.objects.get(household=family.household, rule__code=services.HANDOVER).due == date(2025, 3, 15)


def test_an_unmet_step_lapses_after_the_rules_days(family, personas, only_discharge_rules):
    _stay(family, personas)
    overdue_refresh(as_of=date(2025, 3, 14))
    assert services.HANDOVER in _open(family)
    overdue_refresh(as_of=date(2025, 3, 13) + timedelta(days=services.DISCHARGE_LAPSE_DAYS + 1))
    flag = OverdueFlag.objects.get(household=family.household, rule__code=services.HANDOVER)
    assert flag.closed_reason == OverdueFlag.CloseReason.LAPSED
