"""The overdue engine (visits.engine.overdue_refresh) on fixed dates: one behaviour per test."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
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

    # 19: the 17 statements of a run and the two SET LOCALs around the worklist statement of a whole run.
    assert len(many.captured_queries) == len(few.captured_queries) <= 19


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


def test_the_application_role_refreshes_the_flag_tables_statistics():
    """The tests connect as the application role, which owns no table: a plain ANALYZE would only warn
    ("only table or database owner can analyze it") and leave the statistics as they were."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, pg_stat_get_analyze_count('visits_overdueflag'::regclass)")
        user, before = cursor.fetchone()
        cursor.execute("SELECT portal_analyze('visits_overdueflag')")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pg_stat_get_analyze_count('visits_overdueflag'::regclass)")
        after = cursor.fetchone()[0]
    assert user == settings.DATABASE_APP_ROLE
    assert after == before + 1


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

    assert any(q["sql"] == "SELECT portal_analyze('visits_overdueflag')" for q in queries.captured_queries)
    assert sorted(OverdueFlag.objects.values_list("household", "rule", "period_key", "escalation_level")) == expected


# ---- a visit deleted or corrected: the flag it had closed opens again ------------------------------------


def flag_row(flag_id: int) -> tuple:
    f = OverdueFlag.objects.get(pk=flag_id)
    return (f.period_key, f.opened_on, f.closed_on, f.closed_reason, f.escalation_level, f.escalated_on)


def escalated_then_met(household) -> tuple[OverdueFlag, Visit]:
    """October missed (flag opened 6 November), escalated to the county by 6 December, met by a call on
    10 December."""
    overdue_refresh(as_of=date(2025, 11, 6))
    overdue_refresh(as_of=date(2025, 11, 20))
    overdue_refresh(as_of=date(2025, 12, 6))
    visit = VisitFactory(household=household, date=date(2025, 12, 10), method=P)
    overdue_refresh(as_of=date(2025, 12, 10))
    flag = OverdueFlag.objects.get()
    assert flag_row(flag.pk) == ("2025-10", date(2025, 11, 6), date(2025, 12, 10), "met", 2, date(2025, 12, 6))
    assert flag.met_from == date(2025, 11, 1)  # November was the period asked about on 10 December
    return flag, visit


def test_deleting_the_visit_reopens_the_escalated_flag_with_its_level(household, rules):
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)

    visit.delete()
    result = overdue_refresh(as_of=date(2025, 12, 12))

    # The same row: behind since October, opened on 6 November, still at the county's level.
    assert OverdueFlag.objects.count() == 1
    assert flag_row(flag.pk) == ("2025-10", date(2025, 11, 6), None, "", 2, date(2025, 12, 6))
    assert OverdueFlag.objects.get(pk=flag.pk).met_from is None
    assert (result.opened, result.opened_ids) == (1, [flag.pk])
    assert household.urgency.escalation_level == 2
    assert household.urgency.urgent_on == date(2025, 11, 6)


def test_deleted_in_a_later_month_the_flag_still_reopens(household, rules):
    """Deleted after December was due (and met by that visit): the household is behind since October."""
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)
    overdue_refresh(as_of=date(2026, 1, 6))
    assert OverdueFlag.objects.open().count() == 0

    visit.delete()
    overdue_refresh(as_of=date(2026, 1, 8))

    assert flag_row(flag.pk) == ("2025-10", date(2025, 11, 6), None, "", 2, date(2025, 12, 6))
    assert OverdueFlag.objects.count() == 1


def test_a_visit_corrected_out_of_reach_reopens_the_flag(household, rules):
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)

    Visit.objects.filter(pk=visit.pk).update(date=date(2025, 9, 20))  # before November: it no longer meets it
    overdue_refresh(as_of=date(2025, 12, 12))

    assert flag_row(flag.pk) == ("2025-10", date(2025, 11, 6), None, "", 2, date(2025, 12, 6))


def test_a_visit_corrected_to_a_method_that_does_not_count_reopens_the_flag(household, rules):
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)

    Visit.objects.filter(pk=visit.pk).update(method=Visit.Method.OTHER)
    overdue_refresh(as_of=date(2025, 12, 12))

    assert flag_row(flag.pk)[2:5] == (None, "", 2)


def test_a_doctors_visit_corrected_to_another_visitor_reopens_the_doctors_flag(household, rules):
    only_rules(rules, "doctor_monthly_home_visit")
    overdue_refresh(as_of=date(2025, 11, 6))
    visit = VisitFactory(household=household, date=date(2025, 11, 10), method=H, visitor_role=D)
    overdue_refresh(as_of=date(2025, 11, 10))
    flag = OverdueFlag.objects.get()
    assert flag.closed_reason == "met"

    Visit.objects.filter(pk=visit.pk).update(visitor_role=Visit.VisitorRole.VILLAGE_CADRE)
    overdue_refresh(as_of=date(2025, 11, 11))

    assert flag_row(flag.pk)[:4] == ("2025-10", date(2025, 11, 6), None, "")


def test_another_visit_that_still_meets_it_keeps_the_flag_closed(household, rules):
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)
    VisitFactory(household=household, date=date(2025, 11, 28), method=P)  # logged late, dated in November

    visit.delete()
    overdue_refresh(as_of=date(2025, 12, 12))

    assert flag_row(flag.pk)[2:4] == (date(2025, 12, 10), "met")
    assert OverdueFlag.objects.count() == 1


def test_a_flag_met_then_a_new_period_missed_opens_a_new_flag(household, rules):
    """A late visit dated in the flag's own period met it; the next period missed is a new flag at level 0,
    not the old one again."""
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    old = OverdueFlag.objects.get()
    VisitFactory(household=household, date=date(2025, 10, 20), method=P)  # logged on 10 November
    overdue_refresh(as_of=date(2025, 11, 10))
    assert flag_row(old.pk)[2:4] == (date(2025, 11, 10), "met")

    overdue_refresh(as_of=date(2025, 12, 6))  # November missed

    assert flag_row(old.pk)[2:4] == (date(2025, 11, 10), "met")
    assert open_flags(household) == {("monthly_contact", "2025-11")}
    assert OverdueFlag.objects.open().get().escalation_level == 0


def test_an_older_met_flag_is_not_reopened_behind_a_newer_one(household, rules):
    """Only the pair's latest flag is reopened: a lapsed one (the household closed, then reopened) stays."""
    only_rules(rules, "monthly_contact")
    flag, visit = escalated_then_met(household)
    overdue_refresh(as_of=date(2026, 2, 6))  # January missed: a new flag
    Household.objects.filter(pk=household.pk).update(
        status="closed", closed_on=date(2026, 2, 7), closed_reason="moved_away"
    )
    overdue_refresh(as_of=date(2026, 2, 8))  # it lapses
    Household.objects.filter(pk=household.pk).update(status="active", closed_on=None, closed_reason="")

    visit.delete()
    overdue_refresh(as_of=date(2026, 2, 10))

    assert flag_row(flag.pk)[2:4] == (date(2025, 12, 10), "met")
    assert open_flags(household) == {("monthly_contact", "2026-01")}  # the January flag, reopened


def test_period_keys_sort_as_their_periods(rules):
    """The engine finds a pair's latest flag by its period key (OPEN_SQL): keys of one rule sort as their
    periods' starts."""
    from visits import periods

    days = [date(2023, 12, 25) + i * (date(2024, 1, 2) - date(2024, 1, 1)) for i in range(0, 800, 3)]
    for period_of in (periods.month_of, periods.quarter_of, periods.week_of):
        ps = sorted({period_of(d) for d in days}, key=lambda p: p.start)
        assert [p.key for p in ps] == sorted(p.key for p in ps)
