"""The amount engine against an independent computation of the rules (docs/BENEFITS.md §Entitlement).

A seeded random county (couples, single parents, widowed fathers, deaths, another child, recoveries, closed
households, reward assistance, refused reviews) and standards the project does not ship (a province and a county
top-up, a grade band) go through ``manage.py entitlements --json`` for many months, boundaries included; the oracle
below decides each month with date comparisons written from the rules' text, not with the engine's month indices,
and carries its own table of amounts.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benefits.engine import run
from benefits.models import BenefitProfile, ReviewCase, ReviewCycle, Standard
from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

# The oracle's own amounts: (scheme, residence) → [(from, to, monthly)] for each part.
NATIONAL = {
    "death": [
        (date(2008, 1, 1), date(2011, 12, 31), {"": 100}),
        (date(2012, 1, 1), date(2013, 12, 31), {"": 135}),
        (date(2014, 1, 1), date(2022, 6, 30), {"urban": 340, "rural": 170}),
        (date(2022, 7, 1), None, {"": 590}),
    ],
    "disability": [
        (date(2008, 1, 1), date(2011, 12, 31), {"": 80}),
        (date(2012, 1, 1), date(2013, 12, 31), {"": 110}),
        (date(2014, 1, 1), date(2022, 6, 30), {"urban": 270, "rural": 150}),
        (date(2022, 7, 1), None, {"": 460}),
    ],
    "reward": [(date(2012, 1, 1), None, {"rural": 80})],
}
# Held-out local standards: a province top-up in two steps, a county top-up per year, a county grade-1 band.
LOCAL = [
    {"scheme": "death", "level": "province", "area_code": "63", "amount": "50",
     "effective_from": date(2015, 1, 1), "effective_to": date(2019, 12, 31)},
    {"scheme": "death", "level": "province", "area_code": "63", "amount": "100", "effective_from": date(2020, 1, 1)},
    {"scheme": "death", "level": "county", "area_code": "630101", "amount": "720", "period": "year",
     "effective_from": date(2023, 1, 1)},
    {"scheme": "disability", "level": "county", "area_code": "630101", "amount": "720", "period": "year",
     "effective_from": date(2023, 1, 1), "effective_to": date(2023, 12, 31)},
    {"scheme": "disability", "level": "county", "area_code": "630101", "amount": "90", "disability_grade": "1",
     "effective_from": date(2024, 1, 1)},
    {"scheme": "disability", "level": "county", "area_code": "630101", "amount": "60",
     "effective_from": date(2024, 1, 1)},
]  # fmt: skip


def oracle_amount(scheme: str, residence: str, month: date, grade: str = "") -> Decimal | None:
    total = Decimal(0)
    national = None
    for start, end, amounts in NATIONAL[scheme]:
        if start <= month and (end is None or month <= end):
            national = amounts.get("", amounts.get(residence))
    if national is None:
        return None
    total += national
    by_level: dict[str, dict] = {}
    for s in LOCAL:
        in_force = s["effective_from"] <= month and (s.get("effective_to") is None or month <= s["effective_to"])
        matches = s["scheme"] == scheme and in_force and s.get("disability_grade", grade) == grade
        # the band for the grade wins over the level's general standard
        if matches and (s["level"] not in by_level or s.get("disability_grade")):
            by_level[s["level"]] = s
    for s in by_level.values():
        amount = Decimal(s["amount"])
        total += (amount / 12).quantize(Decimal("0.01")) if s.get("period") == "year" else amount
    return total


def turns(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def oracle(person: dict, month: date) -> dict[str, Decimal]:
    """What a person is due in ``month`` (its first day), scheme → amount, from the rules' text."""

    def still_paid(day: date | None) -> bool:  # "nothing from the next month": paid while the month starts by it
        return day is None or month <= day

    if not all(still_paid(person[k]) for k in ("death", "other_child", "closed")):
        return {}
    due: dict[str, Decimal] = {}
    wife = person["wife"]
    woman_born = wife["born"] if wife else (person["born"] if person["sex"] == "F" else None)
    # a refused re-check of special assistance stops special assistance only (not reward assistance)
    if person["family"] and still_paid(person["refused"]) and not (woman_born and woman_born < date(1933, 1, 1)):
        if person["role"] == "wife":
            qualifying = turns(person["born"], 49)
        elif wife and (wife["death"] is None or wife["death"] >= turns(wife["born"], 49)):
            qualifying = turns(wife["born"], 49)
        else:
            qualifying = turns(person["born"], 49)
        entitled = month > qualifying and month > person["child_event"]
        if person["family"] == "disability":
            entitled = entitled and person["grade"] in "123" and still_paid(person["recovered"])
        if entitled:
            amount = oracle_amount(person["family"], person["residence"], month, person["grade"])
            if amount:
                due[person["family"]] = amount
    if person["reward"] and person["residence"] == "rural" and month > turns(person["born"], 60):
        amount = oracle_amount("reward", "rural", month)
        if amount:
            due["reward"] = amount
    if len(due) == 2:  # the 60 rule's default: the higher of the two
        scheme = max(due, key=lambda k: (due[k], k != "reward"))
        due = {scheme: due[scheme]}
    return due


def random_day(rng: random.Random, start: date, end: date) -> date | None:
    """A day in [start, end), or None when the range is empty (a death that cannot have happened yet)."""
    if end <= start:
        return None
    return start + timedelta(days=rng.randrange((end - start).days))


def build_county(area, rng: random.Random, households: int) -> list[dict]:
    cycle, _created = ReviewCycle.objects.get_or_create(
        county=area.C, year=2024, defaults={"applications_by": date(2024, 1, 15), "village_by": date(2024, 2, 15),
        "town_by": date(2024, 3, 15), "county_by": date(2024, 3, 31)},
    )  # fmt: skip
    persons = []
    villages = [area.V1a, area.V1b, area.V2a]
    for _n in range(households):
        family = rng.choice(["death", "disability"])
        wife_born = random_day(rng, date(1928, 1, 1), date(1985, 12, 31))
        child_event = random_day(rng, date(1995, 1, 1), date(2026, 6, 30))
        household = HouseholdFactory(
            village=rng.choice(villages),
            family_type=family,
            residence=rng.choice(["urban", "rural"]),
            child_event_date=child_event,
            child_disability_grade=rng.choice("1234") if family == "disability" else "",
            child_recovered_on=(
                random_day(rng, child_event, date(2027, 1, 1))
                if family == "disability" and rng.random() < 0.15
                else None
            ),
            other_child_on=random_day(rng, child_event, date(2027, 1, 1)) if rng.random() < 0.08 else None,
            registered_on=date(2020, 1, 1),
        )
        if rng.random() < 0.1:
            household.status = Household.Status.CLOSED
            household.closed_reason = Household.CloseReason.MOVED_AWAY
            household.closed_on = random_day(rng, date(2010, 1, 1), date(2026, 11, 30))
            household.save()
        shape = rng.random()  # a couple, a widowed or divorced mother, a father alone, a widowed father
        members = []
        if shape < 0.85:
            wife_death = (
                random_day(rng, wife_born + timedelta(days=365 * 40), date(2026, 11, 30))
                if rng.random() < 0.15
                else None
            )
            wife = MemberFactory(household=household, role=Member.Role.WIFE, birth_date=wife_born,
                                 death_date=wife_death, alive=wife_death is None)  # fmt: skip
            members.append(wife)
        else:
            wife = None
        if shape < 0.7 or shape >= 0.85:
            husband_born = wife_born + timedelta(days=rng.randrange(-2500, 2500))
            husband_death = (
                random_day(rng, husband_born + timedelta(days=365 * 45), date(2026, 11, 30))
                if rng.random() < 0.15
                else None
            )
            members.append(MemberFactory(household=household, role=Member.Role.HUSBAND, birth_date=husband_born,
                                         death_date=husband_death, alive=husband_death is None))  # fmt: skip
        for member in members:
            reward = household.residence == "rural" and rng.random() < 0.4
            if reward:
                BenefitProfile.objects.create(member=member, reward_qualified=True)
            refused = None
            if rng.random() < 0.05:
                refused = date(2024, 3, rng.randrange(1, 29))
                ReviewCase.objects.create(
                    cycle=cycle, member=member, kind=ReviewCase.Kind.RECHECK, scheme=family,
                    stage=ReviewCase.Stage.DONE, outcome=ReviewCase.Outcome.REFUSED, decided_on=refused,
                )  # fmt: skip
            persons.append(
                {
                    "id_number": member.id_number,
                    "role": member.role,
                    "sex": member.sex,
                    "born": member.birth_date,
                    "death": member.death_date,
                    "wife": {"born": wife.birth_date, "death": wife.death_date} if wife else None,
                    "family": family,
                    "residence": household.residence,
                    "child_event": child_event,
                    "grade": household.child_disability_grade,
                    "recovered": household.child_recovered_on,
                    "other_child": household.other_child_on,
                    "closed": household.closed_on,
                    "refused": refused,
                    "reward": reward,
                }
            )
    return persons


def test_engine_agrees_with_the_oracle_over_many_months(area):
    rng = random.Random(20261207)
    for values in LOCAL:
        Standard.objects.create(document="held-out", **values)
    persons = build_county(area, rng, households=160)
    months = [date(2007, 12, 1), date(2008, 1, 1), date(2011, 12, 1), date(2012, 1, 1), date(2013, 12, 1),
              date(2014, 1, 1), date(2014, 12, 1), date(2015, 1, 1), date(2019, 12, 1), date(2020, 1, 1),
              date(2022, 6, 1), date(2022, 7, 1), date(2023, 1, 1), date(2024, 3, 1), date(2024, 4, 1)]  # fmt: skip
    months += [date(rng.randrange(2008, 2027), rng.randrange(1, 13), 1) for _ in range(15)]
    by_id = {p["id_number"]: p for p in persons}
    compared = paid = 0
    for month in months:
        out = StringIO()
        call_command("entitlements", "--county", area.C.code, "--month", month.strftime("%Y-%m"), "--json", stdout=out)
        payload = json.loads(out.getvalue())
        got = {(line["id_number"], line["scheme"]): Decimal(line["amount"]) for line in payload["lines"]}
        expected = {
            (id_number, scheme): amount
            for id_number, person in by_id.items()
            for scheme, amount in oracle(person, month).items()
        }
        assert got == expected, month
        assert Decimal(payload["totals"]["amount"]) == sum(expected.values(), Decimal(0))
        for line in payload["lines"]:
            assert sum(Decimal(part["amount"]) for part in line["explanation"]) == Decimal(line["amount"])
        compared += len(by_id)
        paid += len(expected)
    assert paid > 300  # the sample exercises the rules, not only the refusals


def test_a_constant_number_of_queries(area):
    rng = random.Random(7)
    build_county(area, rng, households=5)
    with CaptureQueriesContext(connection) as small:
        run(area.C, [date(2024, 5, 1), date(2024, 6, 1)])
    build_county(area, random.Random(8), households=40)
    with CaptureQueriesContext(connection) as large:
        run(area.C, [date(2024, 5, 1), date(2024, 6, 1)])
    # the settings, the standards, the persons (in a savepoint with its SET LOCAL work_mem)
    assert len(small.captured_queries) == len(large.captured_queries) <= 6
