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
from visits.models import HouseholdUrgency, OverdueFlag, Rule, Visit

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


def met(rule: Rule, p: periods.Period, visits: list[Visit], *, as_of: date) -> bool:
    """A visit of a method that counts (by a family doctor if the rule asks) from the period's start to as_of."""
    return any(
        p.start <= v.date <= as_of
        and v.method in rule.methods
        and (not rule.by_family_doctor or v.visitor_role == "family_doctor")
        for v in visits
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
            if not concerns(rule, h, members.get(h.pk, [])):
                continue
            p = expected_period(rule, h, as_of=as_of)
            if p is None or h.registered_on > p.start:
                continue
            if not met(rule, p, visits.get(h.pk, []), as_of=as_of):
                result.add((h.pk, rule.pk))
    return result


def concerns(rule: Rule, h: Household, members: list[Member]) -> bool:
    """The rule is the household's county's and its family (bereaved, care-dependent) is the rule's."""
    if rule.rule_set.county_id != h.county_id:
        return False
    if rule.applies_to == "bereaved" and h.family_type != "death":
        return False
    return not (
        rule.applies_to == "care_dependent"
        and not any(m.alive and m.self_care in ("semi", "disabled") for m in members)
    )


def expected_period(rule: Rule, h: Household, *, as_of: date) -> periods.Period | None:
    """The period the rule checks on as_of: the anniversary's window, the running reminder window, the last due
    month/quarter/week, or the last due festival window until it lapses."""
    kw = {"before": rule.window_before_days, "after": rule.window_after_days}
    if rule.period == "death_anniversary":
        if h.family_type != "death" or h.child_event_date is None:
            return None
        return periods.anniversary_window(h.child_event_date, as_of=as_of, grace_days=rule.grace_days, **kw)
    if rule.mode == "reminder":
        return periods.current_window(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
    if rule.period in ("month", "quarter", "week"):
        return periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days)
    p = periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
    lapse = timedelta(days=rule.grace_days + rule.lapse_after_days)
    if p is not None and as_of > p.end + lapse:
        return None
    return p


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


def expected_urgency(as_of: date) -> dict[int, tuple]:
    """Each active household's place in the worklist, in plain Python: the open flags (checked above) and the
    next due date (the earliest end of a running period, not met yet, of a requirement)."""
    rules = list(Rule.objects.filter(active=True, mode="overdue").select_related("rule_set"))
    visits: dict[int, list[Visit]] = {}
    for v in Visit.objects.all():
        visits.setdefault(v.household_id, []).append(v)
    care = set(
        Member.objects.filter(alive=True, self_care__in=["semi", "disabled"]).values_list("household_id", flat=True)
    )
    flags: dict[int, list[OverdueFlag]] = {}
    for f in OverdueFlag.objects.open().select_related("rule"):
        flags.setdefault(f.household_id, []).append(f)
    result = {}
    for h in Household.objects.filter(status="active"):
        due = None
        for rule in rules:
            if rule.rule_set.county_id != h.county_id or rule.period == "death_anniversary":
                continue
            if (rule.applies_to == "bereaved" and h.family_type != "death") or (
                rule.applies_to == "care_dependent" and h.pk not in care
            ):
                continue
            p = periods.current_period(
                period=rule.period, as_of=as_of, before=rule.window_before_days, after=rule.window_after_days
            )
            if p is None or h.registered_on > p.start:
                continue
            if not met(rule, p, visits.get(h.pk, []), as_of=as_of):
                due = p.end if due is None else min(due, p.end)
        overdue = [f for f in flags.get(h.pk, []) if f.rule.mode == "overdue"]
        reminders = [f for f in flags.get(h.pk, []) if f.rule.mode == "reminder"]
        if overdue:
            key = (0, max(f.escalation_level for f in overdue), min(f.opened_on for f in overdue))
        elif reminders:
            key = (1, 0, min(f.period_end for f in reminders))
        else:
            key = (2, 0, due)
        result[h.pk] = (*key, due)
    return result


def test_worklist_places_equal_an_independent_recomputation(area, rules):
    seed(area, random.Random(20251123))
    for day in (date(2025, 1, 20), date(2025, 2, 14), date(2025, 4, 3), date(2025, 10, 2), date(2025, 12, 31)):
        overdue_refresh(as_of=day)
        stored = {
            u.household_id: (u.rank, u.escalation_level, u.urgent_on, u.next_due)
            for u in HouseholdUrgency.objects.all()
        }
        assert stored == expected_urgency(day), day
    assert any(v[0] == 0 for v in stored.values())
    assert any(v[0] == 2 and v[3] for v in stored.values())
