"""The engine's event seam (visits.EventPeriod, rule period "event"): an app above opens a period for a household;
the engine flags it the day after its due date + grace days when no visit that counts (method, family doctor) is
dated from its start, closes the flag when one is logged, lapses it lapse_after_days later, and the worklist's
"next due" is the running period's due date. Other rules and households are untouched."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import HouseholdFactory
from visits.engine import overdue_refresh
from visits.models import EventPeriod, HouseholdUrgency, OverdueFlag, Rule, Visit
from visits.services import RuleEventSpec, rule_events_write, ruleset_create_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_rule(area) -> Rule:
    rule_set = ruleset_create_default(county=area.C)
    Rule.objects.filter(rule_set=rule_set).update(active=False)
    return Rule.objects.create(
        rule_set=rule_set,
        code="after_event",
        name="After an event",
        period=Rule.PeriodKind.EVENT,
        methods=[Visit.Method.HOME],
        by_family_doctor=True,
        grace_days=1,
        lapse_after_days=10,
    )


def test_an_event_period_flags_closes_and_lapses(area, event_rule):
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1))
    other = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1))
    rule_events_write(
        source="test:1", events=[RuleEventSpec(household.pk, event_rule.pk, date(2025, 5, 1), date(2025, 5, 4))]
    )
    overdue_refresh(as_of=date(2025, 5, 2))
    assert HouseholdUrgency.objects.get(household=household).next_due == date(2025, 5, 4)
    overdue_refresh(as_of=date(2025, 5, 5))  # due + 1 grace day: not yet
    assert not OverdueFlag.objects.filter(household=household).exists()
    overdue_refresh(as_of=date(2025, 5, 6))
    flag = OverdueFlag.objects.get(household=household)
    assert (flag.period_key, flag.period_start, flag.period_end, flag.opened_on) == (
        "2025-05-01",
        date(2025, 5, 1),
        date(2025, 5, 4),
        date(2025, 5, 6),
    )
    assert not OverdueFlag.objects.filter(household=other).exists()

    # A visit dated before the start does not count; a cadre's home visit does not count for a doctor's rule.
    Visit.objects.create(household=household, date=date(2025, 4, 30), method="home", visitor_role="family_doctor")
    Visit.objects.create(household=household, date=date(2025, 5, 6), method="home", visitor_role="village_cadre")
    overdue_refresh(as_of=date(2025, 5, 7))
    assert OverdueFlag.objects.get(household=household).is_open
    Visit.objects.create(household=household, date=date(2025, 5, 7), method="home", visitor_role="family_doctor")
    overdue_refresh(as_of=date(2025, 5, 8))
    flag.refresh_from_db()
    assert (flag.closed_on, flag.closed_reason, flag.met_from) == (date(2025, 5, 8), "met", date(2025, 5, 1))


def test_an_unmet_event_lapses_and_a_source_rewritten_replaces_its_periods(area, event_rule):
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1))
    spec = RuleEventSpec(household.pk, event_rule.pk, date(2025, 5, 1), date(2025, 5, 4))
    rule_events_write(source="test:2", events=[spec])
    overdue_refresh(as_of=date(2025, 5, 15))  # 4 + 1 grace + 10 lapse = the 15th: still open
    assert OverdueFlag.objects.get(household=household).is_open
    overdue_refresh(as_of=date(2025, 5, 16))
    assert OverdueFlag.objects.get(household=household).closed_reason == "lapsed"

    rule_events_write(source="test:2", events=[])
    assert not EventPeriod.objects.filter(household=household).exists()
