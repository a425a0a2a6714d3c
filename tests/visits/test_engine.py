"""The overdue engine (visits.engine.overdue_refresh) on fixed dates: one behaviour per test."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory
from tests.visits.conftest import only_rules
from tests.visits.factories import VisitFactory
from visits import engine
from visits.engine import overdue_refresh
from visits.models import OverdueFlag, Visit

pytestmark = pytest.mark.django_db

H, P, D = Visit.Method.HOME, Visit.Method.PHONE, Visit.VisitorRole.FAMILY_DOCTOR


def open_flags(household=None) -> set[tuple[str, str]]:
    qs = OverdueFlag.objects.open().select_related("rule")
    if household is not None:
        qs = qs.filter(household=household)
    return {(f.rule.code, f.period_key) for f in qs}


@pytest.fixture
def household(area, rules) -> Household:
    return HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))


# ---- the monthly contact ------------------------------------------------------------------------------


def test_month_without_contact_is_overdue_after_the_grace_days(household, rules):
    only_rules(rules, "monthly_contact")
    VisitFactory(household=household, date=date(2025, 9, 15), method=P)

    assert overdue_refresh(as_of=date(2025, 11, 5)).opened == 0  # October still in its 5 grace days
    result = overdue_refresh(as_of=date(2025, 11, 6))

    assert result.opened == 1
    assert open_flags(household) == {("monthly_contact", "2025-10")}


def test_contact_in_the_grace_days_counts_for_the_previous_month(household, rules):
    only_rules(rules, "monthly_contact")
    VisitFactory(household=household, date=date(2025, 11, 3), method=P)

    overdue_refresh(as_of=date(2025, 11, 6))

    assert open_flags() == set()


def test_contact_on_the_last_day_of_the_month_counts(household, rules):
    only_rules(rules, "monthly_contact")
    VisitFactory(household=household, date=date(2025, 10, 31), method=Visit.Method.ONLINE)

    overdue_refresh(as_of=date(2025, 11, 30))

    assert open_flags() == set()


def test_late_contact_closes_the_flag_and_the_flag_keeps_its_period(household, rules):
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    overdue_refresh(as_of=date(2025, 12, 6))  # November missed too: still the one flag since October
    assert open_flags() == {("monthly_contact", "2025-10")}

    VisitFactory(household=household, date=date(2025, 12, 7), method=P)
    result = overdue_refresh(as_of=date(2025, 12, 8))

    assert result.closed == 1
    flag = OverdueFlag.objects.get()
    assert (flag.closed_on, flag.closed_reason, flag.opened_on) == (date(2025, 12, 8), "met", date(2025, 11, 6))


def test_other_method_does_not_count_as_a_monthly_contact(household, rules):
    only_rules(rules, "monthly_contact")
    VisitFactory(household=household, date=date(2025, 10, 10), method=Visit.Method.OTHER)

    overdue_refresh(as_of=date(2025, 11, 6))

    assert open_flags() == {("monthly_contact", "2025-10")}


def test_visit_after_as_of_is_not_counted(household, rules):
    only_rules(rules, "monthly_contact")
    VisitFactory(household=household, date=date(2025, 11, 20), method=P)

    overdue_refresh(as_of=date(2025, 11, 6))

    assert open_flags() == {("monthly_contact", "2025-10")}


# ---- the quarterly home visit -------------------------------------------------------------------------


def test_quarter_boundaries_and_grace(household, rules):
    only_rules(rules, "quarterly_home_visit")
    VisitFactory(household=household, date=date(2025, 4, 10), method=H)  # Q1's grace (10 days)

    overdue_refresh(as_of=date(2025, 4, 11))
    assert open_flags() == set()

    overdue_refresh(as_of=date(2025, 7, 11))  # Q2: the April visit counts for Q2 as well (it is in Q2)
    assert open_flags() == set()

    overdue_refresh(as_of=date(2025, 10, 11))
    assert open_flags() == {("quarterly_home_visit", "2025-Q3")}


def test_a_phone_call_is_not_a_home_visit(household, rules):
    only_rules(rules, "quarterly_home_visit")
    VisitFactory(household=household, date=date(2025, 2, 1), method=P)

    overdue_refresh(as_of=date(2025, 4, 11))

    assert open_flags() == {("quarterly_home_visit", "2025-Q1")}


def test_household_registered_mid_quarter_is_first_due_in_the_next_full_quarter(area, rules):
    only_rules(rules, "quarterly_home_visit", "monthly_contact")
    household = HouseholdFactory(village=area.V1a, registered_on=date(2025, 2, 15))

    overdue_refresh(as_of=date(2025, 4, 11))
    assert open_flags(household) == {("monthly_contact", "2025-03")}  # March is its first full month

    overdue_refresh(as_of=date(2025, 7, 11))
    assert ("quarterly_home_visit", "2025-Q2") in open_flags(household)


def test_household_registered_on_the_first_day_of_the_quarter_counts_for_it(area, rules):
    only_rules(rules, "quarterly_home_visit")
    household = HouseholdFactory(village=area.V1a, registered_on=date(2025, 1, 1))

    overdue_refresh(as_of=date(2025, 4, 11))

    assert open_flags(household) == {("quarterly_home_visit", "2025-Q1")}


# ---- the family doctor --------------------------------------------------------------------------------


def test_doctor_rule_counts_only_visits_by_a_family_doctor(household, rules):
    only_rules(rules, "doctor_monthly_home_visit")
    VisitFactory(household=household, date=date(2025, 10, 5), method=H)  # the village cadre

    overdue_refresh(as_of=date(2025, 11, 6))
    assert open_flags() == {("doctor_monthly_home_visit", "2025-10")}

    VisitFactory(household=household, date=date(2025, 11, 7), method=H, visitor_role=D)
    overdue_refresh(as_of=date(2025, 11, 7))
    assert open_flags() == set()


def test_weekly_doctor_contact_only_for_a_living_care_dependent_member(area, rules):
    only_rules(rules, "doctor_weekly_contact")
    dependent = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    MemberFactory(household=dependent, self_care=Member.SelfCare.SEMI)
    deceased = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    MemberFactory(household=deceased, self_care=Member.SelfCare.DISABLED, alive=False, death_date=date(2025, 1, 2))
    self_caring = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    MemberFactory(household=self_caring, self_care=Member.SelfCare.SELF_CARE)
    # Week 2025-W45 is Monday 3 to Sunday 9 November; its 2 grace days end on Tuesday 11 November.
    VisitFactory(household=dependent, date=date(2025, 10, 29), method=P, visitor_role=D)

    overdue_refresh(as_of=date(2025, 11, 5))  # W44 (27 Oct – 2 Nov) met by the 29 October call
    assert open_flags() == set()
    overdue_refresh(as_of=date(2025, 11, 12))

    assert {(f.household_id, f.period_key) for f in OverdueFlag.objects.open()} == {(dependent.pk, "2025-W45")}


# ---- who is counted ------------------------------------------------------------------------------------


def test_closing_a_household_lapses_its_flags_and_takes_it_out(household, rules):
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    Household.objects.filter(pk=household.pk).update(
        status=Household.Status.CLOSED, closed_on=date(2025, 11, 10), closed_reason="moved_away"
    )

    result = overdue_refresh(as_of=date(2025, 11, 11))

    assert (result.households, result.closed, result.open) == (0, 1, 0)
    assert OverdueFlag.objects.get().closed_reason == "lapsed"


def test_households_of_another_county_follow_their_own_rules(area, rules):
    only_rules(rules, "monthly_contact")
    other = HouseholdFactory(village=area.V3a, registered_on=date(2024, 1, 1))

    overdue_refresh(as_of=date(2025, 11, 6))

    # The other county got the default rule set on the first run: all its defaults apply.
    assert ("monthly_contact", "2025-10") in open_flags(other)
    assert other.county.visit_rule_set.rules.count() == 8


def test_switching_a_rule_off_lapses_its_flags(household, rules):
    kept = only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    kept["monthly_contact"].active = False
    kept["monthly_contact"].save()

    assert overdue_refresh(as_of=date(2025, 11, 7)).closed == 1


# ---- festivals and reminders ---------------------------------------------------------------------------


def test_mid_autumn_visit_in_the_window(household, rules):
    only_rules(rules, "mid_autumn")  # 6 October 2025, window 29 September – 9 October
    VisitFactory(household=household, date=date(2025, 9, 29), method=P)

    overdue_refresh(as_of=date(2025, 10, 10))

    assert open_flags() == set()


def test_missed_spring_festival_opens_then_lapses(household, rules):
    only_rules(rules, "spring_festival")  # 17 February 2026, window 7 – 24 February
    VisitFactory(household=household, date=date(2026, 2, 6), method=H)  # a day before the window

    overdue_refresh(as_of=date(2026, 2, 24))
    assert open_flags() == set()  # the 2025 festival (29 January) has lapsed, 2026 is not due yet
    overdue_refresh(as_of=date(2026, 2, 25))
    assert open_flags() == {("spring_festival", "2026")}
    overdue_refresh(as_of=date(2026, 3, 27))  # 24 Feb + 30 days lapse
    assert open_flags() == set()
    assert OverdueFlag.objects.get().closed_reason == "lapsed"


def test_death_anniversary_reminder_runs_through_its_window(area, rules):
    only_rules(rules, "death_anniversary")
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), child_event_date=date(2016, 11, 20))
    disability = HouseholdFactory(
        village=area.V1a,
        registered_on=date(2020, 1, 1),
        family_type=Household.FamilyType.DISABILITY,
        child_event_date=date(2016, 11, 20),
    )

    overdue_refresh(as_of=date(2025, 11, 16))
    assert open_flags() == set()
    overdue_refresh(as_of=date(2025, 11, 17))  # three days before
    assert open_flags(household) == {("death_anniversary", "2025")}
    assert open_flags(disability) == set()

    VisitFactory(household=household, date=date(2025, 11, 18), method=P)
    assert overdue_refresh(as_of=date(2025, 11, 18)).closed == 1
    assert OverdueFlag.objects.get().closed_reason == "met"


def test_qingming_reminder_lapses_after_its_window(area, rules):
    only_rules(rules, "qingming")  # 5 April 2026, window 2 – 8 April
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1))

    overdue_refresh(as_of=date(2026, 4, 2))
    assert open_flags(household) == {("qingming", "2026")}
    overdue_refresh(as_of=date(2026, 4, 9))
    assert OverdueFlag.objects.get().closed_reason == "lapsed"


# ---- the engine as a whole ------------------------------------------------------------------------------


def test_second_run_changes_nothing(household, rules, area):
    HouseholdFactory(village=area.V1b, registered_on=date(2024, 6, 1))
    VisitFactory(household=household, date=date(2025, 10, 2), method=H)
    first = overdue_refresh(as_of=date(2025, 11, 20))
    before = list(OverdueFlag.objects.values_list("household", "rule", "period_key", "opened_on", "closed_on"))

    second = overdue_refresh(as_of=date(2025, 11, 20))

    assert first.opened > 0
    assert (second.opened, second.closed, second.escalated, second.open) == (0, 0, 0, first.open)
    after = list(OverdueFlag.objects.values_list("household", "rule", "period_key", "opened_on", "closed_on"))
    assert before == after


def test_query_count_does_not_grow_with_the_households(area, rules):
    HouseholdFactory(village=area.V1a)
    overdue_refresh(as_of=date(2025, 11, 6))
    with CaptureQueriesContext(connection) as few:
        overdue_refresh(as_of=date(2025, 12, 6))
    for i in range(30):
        h = HouseholdFactory(village=area.V1b if i % 2 else area.V2a)
        MemberFactory(household=h, self_care=Member.SelfCare.DISABLED)
        VisitFactory(household=h, date=date(2025, 11, 1 + i % 28))
    with CaptureQueriesContext(connection) as many:
        overdue_refresh(as_of=date(2026, 1, 6))

    assert len(many.captured_queries) == len(few.captured_queries) <= 17


def test_a_run_that_fails_midway_leaves_the_previous_flags(household, rules, monkeypatch):
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    VisitFactory(household=household, date=date(2025, 11, 7), method=P)
    monkeypatch.setattr(engine, "ESCALATE_SQL", "SELECT * FROM no_such_table WHERE true {flag_filter}")

    with pytest.raises(Exception, match="no_such_table"):
        overdue_refresh(as_of=date(2025, 11, 8))  # its close statement had already run

    assert open_flags() == {("monthly_contact", "2025-10")}


def test_per_household_run_touches_only_that_household(area, rules):
    only_rules(rules, "monthly_contact")
    a = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    b = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))

    result = overdue_refresh(as_of=date(2025, 11, 6), household_ids=[a.pk])

    assert (result.households, result.opened) == (1, 1)
    assert open_flags(b) == set()


def test_many_changes_analyse_the_flag_table_and_give_the_same_flags(area, rules, monkeypatch):
    """Past ANALYZE_AFTER_CHANGES opened or closed flags the run analyses the flag table in its transaction
    (its statistics would otherwise describe the table before the run); the flags are the same."""
    for i in range(6):
        HouseholdFactory(village=area.V1a if i % 2 else area.V2a, registered_on=date(2024, 1, 1))
    overdue_refresh(as_of=date(2025, 11, 6))
    expected = sorted(OverdueFlag.objects.values_list("household", "rule", "period_key", "escalation_level"))
    OverdueFlag.objects.all().delete()
    monkeypatch.setattr(engine, "ANALYZE_AFTER_CHANGES", 0)

    with CaptureQueriesContext(connection) as queries:
        overdue_refresh(as_of=date(2025, 11, 6))

    assert any(q["sql"] == "ANALYZE visits_overdueflag" for q in queries.captured_queries)
    assert sorted(OverdueFlag.objects.values_list("household", "rule", "period_key", "escalation_level")) == expected
