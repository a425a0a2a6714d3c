"""The engine's settings and single rules, each on one family (the oracle test covers the defaults at large)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from benefits.engine import entitlements, explain_text, run
from benefits.models import BenefitProfile, BenefitSettings, ReviewCase, ReviewCycle, Standard
from households.models import Household, HouseholdTransfer, Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def due(area, month: date, **filters) -> dict[tuple[str, str], Decimal]:
    return {
        (e.name, e.scheme): e.amount
        for e in entitlements(area.C, [month])
        if all(getattr(e, k) == v for k, v in filters.items())
    }


@pytest.fixture
def couple(area):
    """A rural couple, the wife born 1960-05-20 (49 on 2009-05-20), the only child died 2008-03-03."""
    household = HouseholdFactory(
        village=area.V1a, family_type="death", residence="rural", child_event_date=date(2008, 3, 3)
    )
    wife = MemberFactory(household=household, role=Member.Role.WIFE, name="王秀兰", birth_date=date(1960, 5, 20))
    husband = MemberFactory(household=household, role=Member.Role.HUSBAND, name="李建国", birth_date=date(1958, 1, 10))
    return household, wife, husband


def test_from_the_month_after_the_womans_49th_birthday_for_both_parents(area, couple):
    assert due(area, date(2009, 5, 1)) == {}
    assert due(area, date(2009, 6, 1)) == {("王秀兰", "death"): Decimal(100), ("李建国", "death"): Decimal(100)}


def test_a_father_whose_wife_died_before_her_49th_counts_his_own(area, couple):
    _household, wife, _husband = couple
    wife.death_date, wife.alive = date(2005, 1, 1), False
    wife.save()
    # his 49th: 2007-01-10 → from 2007-02; the child died 2008-03 → from 2008-04 (before 2008 no standard)
    assert due(area, date(2008, 4, 1)) == {("李建国", "death"): Decimal(100)}


def test_death_pays_through_the_month_or_the_year_end(area, couple):
    _household, _wife, husband = couple
    husband.death_date, husband.alive = date(2024, 3, 15), False
    husband.save()
    assert ("李建国", "death") in due(area, date(2024, 3, 1))
    assert ("李建国", "death") not in due(area, date(2024, 4, 1))
    BenefitSettings.objects.create(area_code="63", death_pays_through="year_end")
    assert ("李建国", "death") in due(area, date(2024, 12, 1))
    assert ("李建国", "death") not in due(area, date(2025, 1, 1))


def test_the_sixty_rule_higher_or_both(area, couple):
    _household, _wife, husband = couple
    BenefitProfile.objects.create(member=husband, reward_qualified=True)
    # 2014: rural death 170 > reward 80 → the higher: special only
    assert due(area, date(2018, 6, 1))[("李建国", "death")] == Decimal(170)
    assert ("李建国", "reward") not in due(area, date(2018, 6, 1))
    BenefitSettings.objects.create(area_code="630101", reward_overlap="both")
    assert due(area, date(2018, 6, 1))[("李建国", "reward")] == Decimal(80)
    assert due(area, date(2018, 1, 1)).get(("李建国", "reward")) is None  # 60 on 2018-01-10: from February


def test_reward_higher_than_special_is_paid_instead_and_explained(area, couple):
    _household, _wife, husband = couple
    Standard.objects.create(scheme="reward", level="county", area_code="630101", amount=200,
                            effective_from=date(2018, 1, 1), document="县奖扶加发")  # fmt: skip
    BenefitProfile.objects.create(member=husband, reward_qualified=True)
    [line] = [e for e in entitlements(area.C, [date(2018, 6, 1)]) if e.name == "李建国"]
    assert (line.scheme, line.amount) == ("reward", Decimal(280))
    with translation.override("en"):
        assert any("The higher of two" in text for text in explain_text(line))


def test_child_event_in_the_same_month_as_a_setting(area, couple):
    household, *_ = couple
    household.child_event_date = date(2015, 6, 10)
    household.save()
    assert due(area, date(2015, 6, 1)) == {}
    BenefitSettings.objects.create(area_code="630101", child_event_start="same_month")
    assert len(due(area, date(2015, 6, 1))) == 2


def test_disability_branch_by_grade_and_recovery(area):
    household = HouseholdFactory(village=area.V1a, family_type="disability", residence="urban",
                                 child_event_date=date(2010, 1, 1), child_disability_grade="2",
                                 child_recovered_on=date(2020, 8, 31))  # fmt: skip
    MemberFactory(household=household, role=Member.Role.WIFE, name="张桂英", birth_date=date(1955, 1, 1))
    assert due(area, date(2016, 1, 1)) == {("张桂英", "disability"): Decimal(270)}
    assert due(area, date(2020, 8, 1)) != {}
    assert due(area, date(2020, 9, 1)) == {}
    household.child_disability_grade = "4"
    household.child_recovered_on = None
    household.save()
    assert due(area, date(2016, 1, 1)) == {}


def test_another_child_closing_and_review_stop_from_the_next_month(area, couple):
    household, wife, husband = couple
    household.other_child_on = date(2019, 2, 14)
    household.save()
    assert len(due(area, date(2019, 2, 1))) == 2
    assert due(area, date(2019, 3, 1)) == {}
    household.other_child_on = None
    household.save()
    cycle = ReviewCycle.objects.create(county=area.C, year=2021, applications_by=date(2021, 1, 15),
                                       village_by=date(2021, 2, 15), town_by=date(2021, 3, 15),
                                       county_by=date(2021, 3, 31))  # fmt: skip
    ReviewCase.objects.create(cycle=cycle, member=wife, kind="recheck", scheme="death", stage="done",
                              outcome="refused", decided_on=date(2021, 3, 20))  # fmt: skip
    ReviewCase.objects.create(cycle=cycle, member=husband, kind="recheck", scheme="death", stage="done",
                              outcome="confirmed", decided_on=date(2021, 3, 20))  # fmt: skip
    lines = {e.name: e for e in entitlements(area.C, [date(2021, 3, 1), date(2021, 4, 1)]) if e.month.month == 4}
    assert set(lines) == {"李建国"}
    assert lines["李建国"].confirmed


def test_a_household_transferred_in_is_paid_here_from_the_next_month(area, couple):
    household, *_ = couple
    HouseholdTransfer.objects.create(
        household=household, from_county=area.C2, to_county=area.C, to_village=area.V1a, status="accepted",
        id_number_masked="6301**********0000", number_before="X-1", number_after=household.number,
        decided_at=datetime(2023, 5, 10, 10, 0, tzinfo=timezone.get_current_timezone()),
    )  # fmt: skip
    assert due(area, date(2023, 5, 1)) == {}
    assert len(due(area, date(2023, 6, 1))) == 2


def test_missing_residence_is_a_problem_not_a_guess(area, couple):
    household, *_ = couple
    household.residence = ""
    household.save()
    result = run(area.C, [date(2016, 1, 1)])
    assert result.lines == []
    assert {p.reason for p in result.problems} == {"no_standard"}
    assert len(run(area.C, [date(2023, 1, 1)]).lines) == 2  # 2022 on: urban = rural


def test_surgery_complication_by_grade(area, couple):
    household, _wife, husband = couple
    household.family_type = Household.FamilyType.DEATH
    BenefitProfile.objects.create(member=husband, complication_grade="2", complication_since=date(2023, 3, 5))
    lines = due(area, date(2023, 4, 1))
    assert lines[("李建国", "complication")] == Decimal(390)
    assert ("李建国", "complication") not in due(area, date(2023, 3, 1))


def test_a_refusal_stops_only_its_programme_and_the_latest_decision_wins(area, couple):
    _household, _wife, husband = couple
    BenefitProfile.objects.create(member=husband, complication_grade="3", complication_since=date(2022, 8, 1))
    cycle = ReviewCycle.objects.create(county=area.C, year=2023, applications_by=date(2023, 1, 15),
                                       village_by=date(2023, 2, 15), town_by=date(2023, 3, 15),
                                       county_by=date(2023, 3, 31))  # fmt: skip
    ReviewCase.objects.create(cycle=cycle, member=husband, kind="new", scheme="complication", stage="done",
                              outcome="refused", decided_on=date(2023, 3, 20))  # fmt: skip
    confirmed = ReviewCase.objects.create(cycle=cycle, member=husband, kind="recheck", scheme="death", stage="done",
                                          outcome="confirmed", decided_on=date(2023, 3, 20))  # fmt: skip
    assert set(due(area, date(2023, 4, 1))) == {("王秀兰", "death"), ("李建国", "death")}
    assert ("李建国", "complication") in due(area, date(2023, 3, 1))
    # the same day, entered later: a leaver confirmed after the confirmation stops the special assistance
    ReviewCase.objects.create(cycle=cycle, member=husband, kind="leaver", scheme="disability", stage="done",
                              outcome="confirmed", decided_on=confirmed.decided_on,
                              leave_reason="moved_out")  # fmt: skip
    assert set(due(area, date(2023, 4, 1))) == {("王秀兰", "death")}
