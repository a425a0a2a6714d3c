"""The flags equal an independent recomputation in plain Python, on seeded random data, day after day."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory
from tests.visits.factories import VisitFactory
from visits import periods
from visits.engine import overdue_refresh
from visits.models import OverdueFlag, Rule, Visit

pytestmark = pytest.mark.django_db


def seed(area, rng: random.Random) -> None:
    villages = [area.V1a, area.V1b, area.V2a, area.V3a]
    for _ in range(40):
        household = HouseholdFactory(
            village=rng.choice(villages),
            registered_on=date(2024, 1, 1) + timedelta(days=rng.randrange(0, 600)),
            family_type=rng.choice(["death", "death", "disability"]),
            child_event_date=date(2010, 1, 1) + timedelta(days=rng.randrange(0, 3000)),
        )
        if rng.random() < 0.1:
            Household.objects.filter(pk=household.pk).update(
                status="closed", closed_on=date(2025, 6, 1), closed_reason="moved_away"
            )
        for _ in range(rng.randrange(0, 3)):
            alive = rng.random() < 0.85
            MemberFactory(
                household=household,
                self_care=rng.choice(["", "self_care", "semi", "disabled"]),
                alive=alive,
                death_date=None if alive else date(2024, 5, 1),
            )
        for _ in range(rng.randrange(0, 25)):
            VisitFactory(
                household=household,
                date=date(2024, 1, 1) + timedelta(days=rng.randrange(0, 730)),
                method=rng.choice(Visit.Method.values),
                visitor_role=rng.choice(["village_cadre", "family_doctor", "town_leader"]),
            )


def expected_overdue(as_of: date) -> set[tuple[int, int]]:
    """Plain Python over the rows, with only the calendar definitions of visits.periods."""
    rules = list(Rule.objects.filter(active=True).select_related("rule_set"))
    visits: dict[int, list[Visit]] = {}
    for v in Visit.objects.all():
        visits.setdefault(v.household_id, []).append(v)
    members: dict[int, list[Member]] = {}
    for m in Member.objects.all():
        members.setdefault(m.household_id, []).append(m)
    result = set()
    for h in Household.objects.filter(status="active"):
        for rule in rules:
            if rule.rule_set.county_id != h.county_id:
                continue
            if rule.applies_to == "bereaved" and h.family_type != "death":
                continue
            if rule.applies_to == "care_dependent" and not any(
                m.alive and m.self_care in ("semi", "disabled") for m in members.get(h.pk, [])
            ):
                continue
            kw = {"before": rule.window_before_days, "after": rule.window_after_days}
            if rule.period == "death_anniversary":
                if h.family_type != "death" or h.child_event_date is None:
                    continue
                p = periods.anniversary_window(h.child_event_date, as_of=as_of, grace_days=rule.grace_days, **kw)
            elif rule.mode == "reminder":
                p = periods.current_window(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
            elif rule.period in ("month", "quarter", "week"):
                p = periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days)
            else:
                p = periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
                lapse = timedelta(days=rule.grace_days + rule.lapse_after_days)
                if p is not None and as_of > p.end + lapse:
                    p = None
            if p is None or h.registered_on > p.start:
                continue
            met = any(
                p.start <= v.date <= as_of
                and v.method in rule.methods
                and (not rule.by_family_doctor or v.visitor_role == "family_doctor")
                for v in visits.get(h.pk, [])
            )
            if not met:
                result.add((h.pk, rule.pk))
    return result


def test_flags_equal_an_independent_recomputation_day_after_day(area, rules):
    seed(area, random.Random(20251122))
    day = date(2024, 12, 28)
    checked = 0
    while day < date(2026, 1, 10):
        overdue_refresh(as_of=day)
        engine = set(OverdueFlag.objects.open().values_list("household_id", "rule_id"))
        assert engine == expected_overdue(day), day
        checked += len(engine)
        day += timedelta(days=rng_step(day))
    assert checked > 100  # the comparison saw real flags


def rng_step(day: date) -> int:
    # Every 9 days, plus the days around the Spring Festival, Qingming and Mid-Autumn windows.
    return 3 if day.month in (1, 2, 4, 10) else 9
