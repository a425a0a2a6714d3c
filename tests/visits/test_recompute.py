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
    next due date (the earliest end of a running period, not met yet, of a requirement) — with every rule, and
    again without the family doctor's rules (what any other contact clears), and since when it waits for the
    doctor."""
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
        ends = []
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
                ends.append((p.end, rule.by_family_doctor))
        mine = flags.get(h.pk, [])
        everyone = place(mine, min((end for end, _ in ends), default=None))
        contact = place(
            [f for f in mine if not f.rule.by_family_doctor], min((end for end, doc in ends if not doc), default=None)
        )
        doctor = [f.opened_on for f in mine if f.rule.mode == "overdue" and f.rule.by_family_doctor]
        result[h.pk] = (*everyone, *contact, min(doctor, default=None))
    return result


def place(flags: list[OverdueFlag], due: date | None) -> tuple:
    overdue = [f for f in flags if f.rule.mode == "overdue"]
    reminders = [f for f in flags if f.rule.mode == "reminder"]
    if overdue:
        return (0, max(f.escalation_level for f in overdue), min(f.opened_on for f in overdue), due)
    if reminders:
        return (1, 0, min(f.period_end for f in reminders), due)
    return (2, 0, due, due)


def test_worklist_places_equal_an_independent_recomputation(area, rules):
    seed(area, random.Random(20251123))
    for day in (date(2025, 1, 20), date(2025, 2, 14), date(2025, 4, 3), date(2025, 10, 2), date(2025, 12, 31)):
        overdue_refresh(as_of=day)
        stored = {
            u.household_id: (
                u.rank, u.escalation_level, u.urgent_on, u.next_due,
                u.contact_rank, u.contact_level, u.contact_urgent_on, u.contact_next_due, u.doctor_since,
            )
            for u in HouseholdUrgency.objects.all()
        }  # fmt: skip
        assert stored == expected_urgency(day), day
    assert any(v[0] == 0 for v in stored.values())
    assert any(v[0] == 2 and v[3] for v in stored.values())
    # Households overdue only on the family doctor's rules: first for the doctor, not for the village cadre.
    assert any(v[0] == 0 and v[4] != 0 and v[8] for v in stored.values())


# ---- the flags' rows, with visits deleted and corrected between the runs ---------------------------------

FlagRow = tuple  # (period_key, start, opened_on, closed_on, closed_reason, level, escalated_on, met_from)


class FlagModel:
    """Each (household, rule)'s flags in plain Python, run day after day beside the engine (docs/RULES.md):

    an open flag closes when its pair is met (``met_from``: the start of the period asked about) or no longer
    applies; a pair not met without an open flag reopens its latest flag if that flag was closed as met and no
    visit that counts is dated from its ``met_from`` any more, else the flag of the same period, else a new
    one; an open requirement's flag rises to the town, then the county, after the rule set's days."""

    def __init__(self) -> None:
        self.flags: dict[tuple[int, int], list[dict]] = {}
        self.reopened: list[dict] = []  # flags reopened behind a later period (their visit deleted or moved)

    def run(self, as_of: date) -> None:
        rules = {r.pk: r for r in Rule.objects.filter(active=True).select_related("rule_set")}
        visits: dict[int, list[Visit]] = {}
        for v in Visit.objects.all():
            visits.setdefault(v.household_id, []).append(v)
        members: dict[int, list[Member]] = {}
        for m in Member.objects.all():
            members.setdefault(m.household_id, []).append(m)
        households = {h.pk: h for h in Household.objects.all()}
        pairs = {key for key, flags in self.flags.items() if any(f["closed_on"] is None for f in flags)}
        pairs |= {(h.pk, r.pk) for h in households.values() if h.status == "active" for r in rules.values()}
        for household_id, rule_id in pairs:
            h, rule = households[household_id], rules.get(rule_id)
            p = None
            if rule is not None and h.status == "active" and concerns(rule, h, members.get(h.pk, [])):
                p = expected_period(rule, h, as_of=as_of)
                if p is not None and h.registered_on > p.start:
                    p = None
            self.step((household_id, rule_id), rule, p, visits.get(household_id, []), as_of=as_of)

    def step(self, pair: tuple[int, int], rule: Rule | None, p: periods.Period | None, visits, *, as_of) -> None:
        flags = self.flags.setdefault(pair, [])
        is_met = p is not None and rule is not None and met(rule, p, visits, as_of=as_of)
        current = next((f for f in flags if f["closed_on"] is None), None)
        if current is not None:
            if p is None or is_met:
                current.update(
                    closed_on=as_of, reason="met" if is_met else "lapsed", met_from=p.start if is_met else None
                )
        elif p is not None and not is_met:
            latest = max(flags, key=lambda f: f["start"], default=None)
            same = next((f for f in flags if f["key"] == p.key), None)
            if latest is not None and latest["reason"] == "met" and not self.still_met(rule, latest, visits, as_of):
                latest.update(closed_on=None, reason="", met_from=None)
                if latest["key"] != p.key:
                    self.reopened.append(dict(latest))
            elif same is not None:
                same.update(closed_on=None, reason="", met_from=None)
            else:
                flags.append(
                    {"key": p.key, "start": p.start, "opened_on": as_of, "closed_on": None, "reason": "",
                     "level": 0, "escalated_on": None, "met_from": None}
                )  # fmt: skip
        current = next((f for f in flags if f["closed_on"] is None), None)
        if current is not None and rule is not None and rule.mode == "overdue":
            days = (as_of - current["opened_on"]).days
            level = (
                2
                if days >= rule.rule_set.escalate_county_after_days
                else int(days >= rule.rule_set.escalate_town_after_days)
            )
            if level > current["level"]:
                current.update(level=level, escalated_on=as_of)

    @staticmethod
    def still_met(rule: Rule, flag: dict, visits: list[Visit], as_of: date) -> bool:
        since = flag["met_from"] or flag["start"]
        return met(rule, periods.Period(flag["key"], since, since), visits, as_of=as_of)

    def rows(self) -> set[tuple]:
        return {
            (h, r, f["key"], f["opened_on"], f["closed_on"], f["reason"], f["level"], f["escalated_on"], f["met_from"])
            for (h, r), flags in self.flags.items()
            for f in flags
        }


def engine_rows() -> set[tuple]:
    return set(
        OverdueFlag.objects.values_list(
            "household_id", "rule_id", "period_key", "opened_on", "closed_on", "closed_reason",
            "escalation_level", "escalated_on", "met_from",
        )
    )  # fmt: skip


def correct_some_visits(rng: random.Random, day: date) -> int:
    """Delete or correct (date, method, visitor) a few of the visits of the last weeks — those that close
    flags: what the correction pages do."""
    recent = Visit.objects.filter(date__lte=day, date__gt=day - timedelta(days=45))
    made = list(recent.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for pk in rng.sample(made, min(len(made), rng.randrange(0, 6))):
        what = rng.choice(["delete", "delete", "date", "method", "visitor"])
        visits = Visit.objects.filter(pk=pk)
        if what == "delete":
            visits.delete()
        elif what == "date":
            visits.update(date=day - timedelta(days=rng.randrange(40, 200)))
        elif what == "method":
            visits.update(method=rng.choice(Visit.Method.values))
        else:
            visits.update(visitor_role=rng.choice(["village_cadre", "family_doctor"]))
        changed += 1
    return changed


def test_flag_rows_equal_an_independent_model_with_visits_deleted_and_corrected(area, rules):
    """Every flag row (period, opening day, closing, escalation) follows the plain-Python model, and a visit
    deleted or corrected reopens the flag it had closed — escalated ones included — instead of a new one."""
    rng = random.Random(20261206)
    seed(area, rng)
    model = FlagModel()
    day, changed = date(2024, 12, 28), 0
    while day < date(2026, 1, 10):
        overdue_refresh(as_of=day)
        model.run(day)
        assert engine_rows() == model.rows(), day
        changed += correct_some_visits(rng, day)
        day += timedelta(days=rng_step(day))
    assert changed > 50
    assert len(model.rows()) > 100
    # The comparison saw flags reopened behind a later period, escalated ones among them.
    assert len(model.reopened) > 5
    assert any(f["level"] for f in model.reopened)
