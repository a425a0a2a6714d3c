"""The statistical forms' counts against an independent oracle (reports.statforms.measures, drill).

A seeded random data set over a city of two counties (towns, villages, households with and without a village) across
several months: visits of every purpose with and without needs, claims paid and not, mental-health assessments at
every level, activities organised at every level (the city's too) with attendance, trainings, pairings, payout lines,
transfers, closings, deaths, contacts, cards and contracts. Every cell of every template, for every unit at every
level and several periods, is recomputed here in plain Python from the rows (unit by unit, the subtree found by
walking parents, not paths) and compared exactly; a parent's row equals the sum of its rows; a drill's count equals
its cell.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from activities.models import Activity, Attendance, Pairing, Volunteer
from benefits.models import InsuranceClaim, PayoutBatch, PayoutLine
from contacts.models import Assignment, ContactScheme, ServicePerson
from households.models import Household, HouseholdTransfer, Member
from medical.models import Contract, GreenCard, MedicalSettings, MentalAssessment
from regions.models import Region
from reports.statforms import measures as M
from reports.statforms.drill import drill
from reports.statforms.spec import TEMPLATES, Period, PeriodKind, Source, template_errors
from tests.factories import HouseholdFactory, MemberFactory, RegionFactory, UserFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 20)
FIRST = date(2026, 8, 1)
LAST = date(2026, 12, 20)
PURPOSES = [p for p, _ in Visit.Purpose.choices]


@dataclass
class World:
    province: Region
    city: Region
    counties: list[Region]
    regions: list[Region]


def _day(rng: random.Random, start: date = FIRST, end: date = LAST) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _product(county: Region):
    from benefits.models import InsuranceProduct

    return InsuranceProduct.objects.create(
        county=county,
        year=2026,
        name="意外险",
        insurer="平安",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        premium=Decimal("100"),
    )


def _seed(seed: int = 17) -> World:  # noqa: C901 - one data set, written out
    rng = random.Random(seed)
    province = RegionFactory.province("640000")
    city = RegionFactory.city("640100", province=province)
    counties = [RegionFactory.county(f"6401{i:02d}", city=city) for i in (1, 2)]
    regions: list[Region] = [province, city, *counties]
    villages: list[Region] = []
    for county in counties:
        for t in ("001", "002"):
            town = RegionFactory.town(county, t)
            regions.append(town)
            for v in ("001", "002"):
                village = RegionFactory.village(town, v)
                regions.append(village)
                villages.append(village)
    # County B: another contact scheme; county A keeps the default (four-on-one), its cards setting changed.
    ContactScheme.objects.create(county=counties[1], kind=ContactScheme.Kind.DOUBLE_POST, volunteers_required=1)
    MedicalSettings.objects.create(county=counties[0], certificate_counts=False, contact_card_counts=True)
    people: dict[tuple[int, str], ServicePerson] = {}
    for village in villages:
        for role in ("town_leader", "village_cadre", "family_doctor", "association_member"):
            people[(village.pk, role)] = ServicePerson.objects.create(
                name=f"{role}{village.code}", role_type=role, region=village
            )
    volunteers = [Volunteer.objects.create(region=c, name=f"志愿者{i}") for c in counties for i in range(3)]
    products = {c.pk: _product(c) for c in counties}
    households: list[Household] = []
    for i in range(56):
        village = rng.choice(villages) if i % 9 else None
        county = counties[i % 2] if village is None else Region.objects.get(path=village.path.split("/", 1)[0] + "/")
        n = i + 1
        h = HouseholdFactory(
            village=village,
            county=county,
            number=f"H{n:04d}",
            family_type=rng.choice(["death", "disability"]),
            registered_on=_day(rng, date(2025, 6, 1), date(2026, 11, 15)),
            certificate_number=rng.choice(["", "Z123"]),
            address=f"地址{n}",
        )
        if h.family_type == "death" and rng.random() < 0.5:
            h.child_event_date = _day(rng, date(2026, 7, 1), LAST)
        if rng.random() < 0.2:
            h.status, h.closed_on = "closed", _day(rng, date(2026, 8, 1), LAST)
            h.closed_reason = rng.choice(["both_deceased", "moved_away", "not_eligible"])
        h.save()
        households.append(h)
        for role in ("husband", "wife", "grandchild")[: rng.randint(1, 3)]:
            m = MemberFactory(household=h, role=role)
            r = rng.random()
            if r < 0.15:
                m.alive, m.death_date = False, _day(rng, date(2026, 6, 1), LAST)
            elif r < 0.2:
                m.alive = False  # dead, date unknown
            m.save()
    members = list(Member.objects.all())
    for _ in range(260):
        h = rng.choice(households)
        Visit.objects.create(
            household=h,
            date=_day(rng),
            visitor_role="village_cadre",
            method=rng.choice(["home", "phone"]),
            purpose=rng.choice(PURPOSES),
            needs=rng.choice(["", "", "  ", "要看病", "\t"]),
        )
    # The boundaries: a visit on the last day of October and another household's on the first of November.
    Visit.objects.create(
        household=households[1],
        date=date(2026, 10, 31),
        visitor_role="staff",
        method="home",
        purpose="routine",
        needs="缺药",
    )
    Visit.objects.create(
        household=households[2], date=date(2026, 11, 1), visitor_role="staff", method="home", purpose="routine"
    )
    for _ in range(30):
        m = rng.choice(members)
        paid = rng.random() < 0.7
        InsuranceClaim.objects.create(
            product=products[m.household.county_id],
            member=m,
            household=m.household,
            kind="accident",
            event_date=_day(rng, date(2026, 6, 1)),
            reported_by_kind="family",
            reported_at=timezone.now(),
            state="paid" if paid else "submitted",
            paid_amount=Decimal(rng.randint(100, 9000)) / 10 if paid else None,
            paid_on=_day(rng) if paid else None,
        )
    for _ in range(50):
        m = rng.choice(members)
        level = rng.choice(["low", "low", "medium", "high", "immediate"])
        MentalAssessment.objects.create(
            household=m.household,
            member=m,
            assessed_on=_day(rng, date(2026, 3, 1)),
            instrument="phq9",
            answers=[0] * 9,
            total=3,
            score=3,
            band="minimal",
            consent=True,
            risk_level=level,
            action="随访",
            urgent=level in ("high", "immediate") or rng.random() < 0.1,
            assessor_name="医生",
        )
    organisers = regions
    sp = list(people.values())
    for i in range(30):
        kind = rng.choice(["birthday", "lecture", "training", "festival", "training"])
        a = Activity.objects.create(
            kind=kind,
            title=f"活动{i}",
            starts_on=_day(rng),
            ends_on=LAST,
            organiser=rng.choice(organisers),
        )
        for m in rng.sample(members, rng.randint(0, 6)):
            Attendance.objects.create(activity=a, household=m.household, member=m)
        if kind == "training":
            for p in rng.sample(sp, 3):
                Attendance.objects.create(activity=a, service_person=p)
    for _ in range(20):
        start = _day(rng, date(2026, 1, 1))
        end = rng.choice([None, start + timedelta(days=rng.randint(0, 90))])
        vol, h = rng.choice(volunteers), rng.choice(households)
        clash = Pairing.objects.filter(volunteer=vol, household=h).exists()
        if not clash:
            Pairing.objects.create(volunteer=vol, household=h, started_on=start, ended_on=end)
    batch = PayoutBatch.objects.create(
        county=counties[0], scheme="death", period_start=date(2026, 1, 1), period_end=date(2026, 6, 1), title="特扶"
    )
    tz = timezone.get_current_timezone()
    for seq, m in enumerate(rng.sample([m for m in members if m.household.county_id == counties[0].pk], 6), 1):
        status = rng.choice(["paid", "paid", "failed", "planned"])
        returned = dt.datetime.combine(_day(rng), dt.time(rng.choice([0, 8, 23]), 30), tzinfo=tz)
        PayoutLine.objects.create(
            batch=batch,
            seq=seq,
            member=m,
            household=m.household,
            scheme="death",
            months=DateRange(date(2026, 1, 1), date(2026, 6, 1), "[]"),
            month_count=6,
            amount=Decimal("100"),
            explanation=[],
            head_name=m.name,
            payee_name=m.name,
            payee_id_number=m.id_number,
            account_number="62170001",
            bank_name="农行",
            village_name="村",
            beneficiary_name=m.name,
            beneficiary_id_number=m.id_number,
            status=status,
            failure_reason="冻结" if status == "failed" else "",
            returned_at=None if status == "planned" else returned,
        )
    # Transfers A → B accepted (the household moves), one refused, one at midnight local on the 1st.
    movers = [h for h in households if h.county_id == counties[0].pk and h.status == "active"][:3]
    target = next(v for v in villages if v.path.startswith(counties[1].path))
    for k, h in enumerate(movers):
        decided = dt.datetime.combine(date(2026, 10 + (k % 2), 1 if k == 1 else 15), dt.time(0, 5), tzinfo=tz)
        status = "refused" if k == 2 else "accepted"
        HouseholdTransfer.objects.create(
            household=h,
            from_county=counties[0],
            to_county=counties[1],
            to_village=target,
            status=status,
            id_number_masked="6301**",
            number_before=h.number,
            number_after=f"B{h.number}",
            reason="不符" if status == "refused" else "",
            decided_at=decided,
            note="投靠子女",
        )
        if status == "accepted":
            h.county, h.village, h.number = counties[1], target, f"B{h.number}"
            h.save()
    for h in households:
        h.refresh_from_db()
        if h.village_id is None:
            continue
        for role in ("town_leader", "village_cadre", "family_doctor", "association_member"):
            if rng.random() < 0.8:
                start = _day(rng, date(2025, 1, 1), date(2026, 12, 1))
                end = rng.choice([None, None, start + timedelta(days=rng.randint(1, 200))])
                Assignment.objects.create(
                    household=h, slot=role, person=people[(h.village_id, role)], start_date=start, end_date=end
                )
        if rng.random() < 0.8:
            start = _day(rng, date(2025, 6, 1), date(2026, 11, 1))
            ended = rng.random() < 0.3
            Contract.objects.create(
                household=h,
                doctor=people[(h.village_id, "family_doctor")],
                starts_on=start,
                ends_on=start + timedelta(days=364),
                status="ended" if ended else "signed",
                ended_on=_day(rng, start, LAST) if ended else None,
                end_reason=rng.choice(["refused", "resident", "moved"]) if ended else "",
                packages=["basic"],
            )
    # Substitutes standing in for holders whose term ended: they do not fill a slot.
    for held in rng.sample(list(Assignment.objects.filter(end_date__isnull=False)), 6):
        Assignment.objects.create(
            household=held.household,
            slot=held.slot,
            person=held.person,
            start_date=held.start_date,
            end_date=None,
            substitute_for=held,
        )
    for m in Member.objects.all():
        if rng.random() < 0.4:
            issued = _day(rng, date(2025, 6, 1))
            GreenCard.objects.create(
                household_id=m.household_id,
                member=m,
                kind="love",
                issued_on=issued,
                withdrawn_on=rng.choice([None, _day(rng, issued, LAST)]),
            )
    return World(province=province, city=city, counties=counties, regions=list(Region.objects.all()))


# ------------------------------------------------------------------------------------------------ the oracle


class Oracle:
    """Each measure for a set of nodes, from the rows loaded once, in plain Python."""

    def __init__(self) -> None:
        self.households = {h.pk: h for h in Household.objects.all()}
        self.members = list(Member.objects.all())
        self.by_household: dict[int, list[Member]] = defaultdict(list)
        for m in self.members:
            self.by_household[m.household_id].append(m)
        self.member = {m.pk: m for m in self.members}
        self.visits = list(Visit.objects.all())
        self.claims = list(InsuranceClaim.objects.all())
        self.assessments = list(MentalAssessment.objects.all())
        self.activities = list(Activity.objects.all())
        self.attendance = list(Attendance.objects.all())
        self.pairings = list(Pairing.objects.all())
        self.lines = list(PayoutLine.objects.all())
        self.transfers = list(HouseholdTransfer.objects.all())
        self.assignments = list(Assignment.objects.all())
        self.contracts = list(Contract.objects.all())
        self.cards = list(GreenCard.objects.all())
        self.schemes = {s.county_id: s for s in ContactScheme.objects.all()}
        self.settings = {s.county_id: s for s in MedicalSettings.objects.all()}

    @staticmethod
    def node(h: Household) -> int:
        return h.village_id or h.county_id

    def persons_in(self, hids: set[int], start: date) -> int:
        return sum(
            1 for hid in hids for m in self.by_household[hid] if m.alive or (m.death_date and m.death_date >= start)
        )

    def values(self, nodes: set[int], p: Period, as_of: date) -> dict[str, Decimal]:
        s, e = p.start, p.end
        out: dict[str, Decimal] = {}
        mine = {pk for pk, h in self.households.items() if self.node(h) in nodes}
        in_p = lambda d: d is not None and s <= d <= e  # noqa: E731
        for purpose in M.VISIT_PURPOSES:
            hids = {
                v.household_id for v in self.visits if v.household_id in mine and in_p(v.date) and v.purpose == purpose
            }
            out[f"visits.{purpose}.households"] = Decimal(len(hids))
            out[f"visits.{purpose}.persons"] = Decimal(self.persons_in(hids, s))
        hids = {
            v.household_id for v in self.visits if v.household_id in mine and in_p(v.date) and v.needs.strip(" \t\r\n")
        }
        out["needs.households"], out["needs.persons"] = Decimal(len(hids)), Decimal(self.persons_in(hids, s))
        paid = [c for c in self.claims if c.household_id in mine and c.state == "paid" and in_p(c.paid_on)]
        out["claims.paid_cases"] = Decimal(len(paid))
        out["claims.paid_amount"] = sum((c.paid_amount for c in paid), Decimal(0))
        by_member: dict[int, list[MentalAssessment]] = defaultdict(list)
        for a in self.assessments:
            if a.assessed_on <= e and self.member[a.member_id].household_id in mine:
                by_member[a.member_id].append(a)
        assessed = {mid for mid, rows in by_member.items() if any(in_p(a.assessed_on) for a in rows)}
        out["mental.persons"] = out["mental.assessed"] = Decimal(len(assessed))
        out["mental.households"] = Decimal(len({self.member[mid].household_id for mid in assessed}))
        out["mental.files"] = Decimal(sum(1 for rows in by_member.values() if in_p(min(a.assessed_on for a in rows))))
        psych = 0
        for rows in by_member.values():
            worthy = [a.assessed_on for a in rows if a.urgent or a.risk_level in ("medium", "high", "immediate")]
            psych += (worthy and in_p(min(worthy))) or any(a.urgent and in_p(a.assessed_on) for a in rows)
        out["assist.new_psych"] = Decimal(psych)
        acts = [a for a in self.activities if a.organiser_id in nodes and in_p(a.starts_on)]
        times = defaultdict(int)
        for t in self.attendance:
            times[t.activity_id] += 1
        for prefix, training in (("activities.", False), ("activities.training_", True)):
            chosen = [a for a in acts if (a.kind == "training") == training]
            out[f"{prefix}sessions"] = Decimal(len(chosen))
            out[f"{prefix}person_times"] = Decimal(sum(times[a.pk] for a in chosen))
        active = [
            q
            for q in self.pairings
            if q.household_id in mine and q.started_on <= e and (q.ended_on is None or q.ended_on >= s)
        ]
        out["volunteers.pairs"] = Decimal(len({(q.volunteer_id, q.household_id) for q in active}))
        out["volunteers.paired_households"] = Decimal(len({q.household_id for q in active}))
        helped = {v.household_id for v in self.visits if in_p(v.date)}
        starts = {a.pk: a.starts_on for a in self.activities}
        helped |= {t.household_id for t in self.attendance if t.household_id and in_p(starts[t.activity_id])}
        helped |= {c.household_id for c in self.claims if c.state == "paid" and in_p(c.paid_on)}
        helped |= {
            line.household_id
            for line in self.lines
            if line.status == "paid" and in_p(timezone.localtime(line.returned_at).date())
        }
        out["help.households"] = Decimal(len(helped & mine))
        bereaved = 0
        for hid in mine:
            h = self.households[hid]
            if h.family_type == "death" and in_p(h.child_event_date):
                bereaved += sum(
                    1
                    for m in self.by_household[hid]
                    if m.role in ("husband", "wife")
                    and (m.alive or (m.death_date and m.death_date >= h.child_event_date))
                )
        out["assist.new_bereaved"] = Decimal(bereaved)
        out["assist.moved"] = Decimal(
            sum(
                len(self.by_household[t.household_id])
                for t in self.transfers
                if t.status == "accepted"
                and t.from_county_id in nodes
                and in_p(timezone.localtime(t.decided_at).date())
            )
        )
        out["assist.closed"] = Decimal(
            sum(
                len(self.by_household[hid])
                for hid in mine
                if self.households[hid].status == "closed" and in_p(self.households[hid].closed_on)
            )
        )
        out.update(self.cover(mine, as_of))
        return out

    def cover(self, mine: set[int], d: date) -> dict[str, Decimal]:
        roll = [
            self.households[hid]
            for hid in mine
            if self.households[hid].registered_on <= d
            and (self.households[hid].status == "active" or self.households[hid].closed_on > d)
        ]
        current = [a for a in self.assignments if a.start_date <= d and (a.end_date is None or a.end_date > d)]
        covered = 0
        for h in roll:
            scheme = self.schemes.get(h.county_id) or ContactScheme(county_id=h.county_id)
            ok = all(
                sum(1 for a in current if a.household_id == h.pk and a.slot == slot and a.substitute_for_id is None)
                >= needed
                for slot, needed in scheme.required_slots().items()
            )
            covered += ok
        persons = cards = willing = signed = 0
        for h in roll:
            conf = self.settings.get(h.county_id) or MedicalSettings()
            mine_contracts = [c for c in self.contracts if c.household_id == h.pk and c.starts_on <= d]
            running = any(c.ends_on >= d and (c.status == "signed" or c.ended_on > d) for c in mine_contracts)
            signed += running
            refused = False
            if mine_contracts and not running:
                latest = max(mine_contracts, key=lambda c: (c.ended_on or c.ends_on, c.pk))
                refused = (
                    latest.status == "ended" and latest.ended_on <= d and latest.end_reason in ("refused", "resident")
                )
            willing += not refused
            assigned = any(a.household_id == h.pk for a in current)
            for m in self.by_household[h.pk]:
                if not (m.alive or (m.death_date and m.death_date > d)):
                    continue
                persons += 1
                card = any(
                    g.member_id == m.pk and g.issued_on <= d and (g.withdrawn_on is None or g.withdrawn_on > d)
                    for g in self.cards
                )
                cards += (
                    card
                    or (conf.certificate_counts and bool(h.certificate_number))
                    or (conf.contact_card_counts and assigned)
                )
        return {
            "cover.households": Decimal(len(roll)),
            "cover.contacts": Decimal(covered),
            "cover.persons": Decimal(persons),
            "cover.cards": Decimal(cards),
            "cover.willing": Decimal(willing),
            "cover.signed": Decimal(signed),
        }


def _subtree(regions: list[Region], unit: Region) -> set[int]:
    """The unit and every node whose chain of parents reaches it."""
    parent = {r.pk: r.parent_id for r in regions}
    out = set()
    for r in regions:
        pk = r.pk
        while pk is not None:
            if pk == unit.pk:
                out.add(r.pk)
                break
            pk = parent[pk]
    return out


def _expected_row(template, values: dict[str, Decimal]) -> dict[str, Decimal | None]:
    row: dict[str, Decimal | None] = {}
    for c in template.columns:
        if c.source == Source.COUNTED:
            row[c.key] = values[c.measure]
    for c in template.columns:
        if c.source == Source.RATE:
            num, den = row[c.parts[0]], row[c.parts[1]]
            row[c.key] = None if not den else (num * 100 / den).quantize(Decimal("0.1"))
    return row


PERIODS = [
    Period.month(2026, 9),
    Period.month(2026, 10),
    Period.month(2026, 11),
    Period.quarter(2026, 4),
    Period.year(2026),
]


@pytest.fixture
def world() -> World:
    return _seed()


def test_every_spec_measure_exists():
    for template in TEMPLATES.values():
        assert template_errors(template, measures=frozenset(M.MEASURES)) == []
        for key in M.template_measures(template):
            assert key in M.MEASURES


def test_every_cell_of_every_form_for_every_unit_equals_the_oracle(world):
    oracle = Oracle()
    regions = world.regions
    subtrees = {r.pk: _subtree(regions, r) for r in regions}
    children = defaultdict(list)
    for r in regions:
        if r.parent_id:
            children[r.parent_id].append(r)
    checked = 0
    for template in TEMPLATES.values():
        for period in PERIODS:
            if period.kind not in template.period_kinds:
                continue
            as_of = min(period.end, TODAY)
            forms = M.forms_under(template, period, world.province, today=TODAY)
            assert set(forms) == {r.pk for r in regions}
            for unit in regions:
                form = forms[unit.pk]
                expected_total = _expected_row(template, oracle.values(subtrees[unit.pk], period, as_of))
                assert form.total.values == expected_total, (template.code, period.key, unit.code)
                if unit.level == Region.Level.VILLAGE:
                    assert [r.region for r in form.rows] == [unit]
                    assert form.rows[0].values == expected_total
                    continue
                kids = sorted(children[unit.pk], key=lambda r: r.code)
                assert [r.region for r in form.rows[:-1]] == kids
                for row, kid in zip(form.rows, kids, strict=False):
                    assert row.values == _expected_row(template, oracle.values(subtrees[kid.pk], period, as_of))
                own = form.rows[-1]
                assert own.kind == M.RowKind.OWN
                assert own.values == _expected_row(template, oracle.values({unit.pk}, period, as_of))
                # parent = sum of its rows (own level included), for every counted column
                for c in template.columns:
                    if c.source == Source.COUNTED:
                        assert sum(r.values[c.key] for r in form.rows) == form.total.values[c.key]
                checked += 1
    assert checked > 50
    # Something was counted in every measure somewhere (the data set exercises each definition).
    totals = oracle.values(subtrees[world.city.pk], Period.year(2026), TODAY)
    assert all(value > 0 for value in totals.values()), {k: v for k, v in totals.items() if not v}


def test_form_rows_of_one_unit_is_the_forms_under_and_constant_queries(world):
    for template in TEMPLATES.values():
        period = Period.month(2026, 11) if PeriodKind.MONTH in template.period_kinds else Period.year(2026)
        forms = M.forms_under(template, period, world.province, today=TODAY)
        counts: dict[str, set[int]] = defaultdict(set)
        for unit in world.regions:
            with CaptureQueriesContext(connection) as queries:
                form = M.form_rows(template, period, unit, today=TODAY)
            counts[unit.level].add(len(queries))
            assert [r.values for r in form.all_rows] == [r.values for r in forms[unit.pk].all_rows]
        # The same number of queries for every unit of a level (the tree's reads differ by level; the counts are
        # one statement per family, plus the contact schemes, the savepoint and the session settings).
        families = len({M.MEASURES[k].family for k in M.template_measures(template)})
        assert all(len(n) == 1 for n in counts.values()), counts
        assert max(max(n) for n in counts.values()) <= families + 9, counts


def test_period_boundaries(world):
    """A visit on the last day of October counts in October and not in November; one on the 1st of November the
    reverse (a new village of its own, so that nothing else is counted there)."""
    town = Region.objects.filter(level="town").order_by("code").first()
    village = RegionFactory.village(town, "009")
    h1, h2 = HouseholdFactory(village=village, number="EDGE1"), HouseholdFactory(village=village, number="EDGE2")
    MemberFactory(household=h1)
    Visit.objects.create(household=h1, date=date(2026, 10, 31), visitor_role="staff", method="home", purpose="routine")
    Visit.objects.create(household=h2, date=date(2026, 11, 1), visitor_role="staff", method="home", purpose="routine")
    key = "visits.routine.households"
    county = Region.objects.get(path=village.path.split("/", 1)[0] + "/")
    staff = UserFactory(role=Role.COUNTY_STAFF, region=county)
    for period, inside in ((Period.month(2026, 10), h1), (Period.month(2026, 11), h2)):
        counts = M.node_counts([key, "visits.routine.persons"], period, [county], today=TODAY)
        assert counts[village.pk][key] == 1
        assert counts[village.pk]["visits.routine.persons"] == (1 if inside == h1 else 0)
        assert [r["id"] for r in drill(key, period, village, staff, today=TODAY).records] == [inside.pk]


def test_closed_household_history_still_counts(world):
    closed = Household.objects.filter(status="closed").first()
    assert closed is not None
    before = closed.closed_on - timedelta(days=3)
    Visit.objects.create(household=closed, date=before, visitor_role="staff", method="home", purpose="hospital")
    period = Period.containing(PeriodKind.MONTH, before)
    county = Region.objects.get(pk=closed.county_id)
    result = drill("visits.hospital.households", period, county, UserFactory(role=Role.COUNTY_STAFF, region=county))
    assert closed.pk in {r["id"] for r in result.records}
    form = M.form_rows(TEMPLATES["warm_monthly"], period, county, today=TODAY)
    assert form.total.values["visits_hospital_households"] == result.total


def test_drill_count_equals_the_cell_for_every_measure_and_unit(world):
    staff = {c.pk: UserFactory(role=Role.COUNTY_STAFF, region=c) for c in world.counties}
    for period in (Period.month(2026, 10), Period.year(2026)):
        counts = M.node_counts(list(M.MEASURES), period, [world.city], today=TODAY)
        tree = M.Tree.of(world.city)
        sums = M._subtree_sums(tree, counts)
        for unit in world.regions:
            if unit.is_above_county:
                continue
            county = next(c for c in world.counties if unit.path.startswith(c.path))
            for key in M.MEASURES:
                result = drill(key, period, unit, staff[county.pk], today=TODAY)
                assert result.allowed
                assert result.total == sums[unit.pk].get(key, Decimal(0)), (key, period.key, unit.code)
                own = drill(key, period, unit, staff[county.pk], own_level=True, today=TODAY)
                assert own.total == counts.get(unit.pk, {}).get(key, Decimal(0)), (key, unit.code)


def test_drill_refused_above_the_county_to_leaders_and_outside_the_area(world):
    a, b = world.counties
    period = Period.year(2026)
    for user, unit in (
        (UserFactory(role=Role.LEADER, region=a), a),
        (UserFactory(role=Role.CITY_STAFF, region=world.city), a),
        (UserFactory(role=Role.CITY_STAFF, region=world.city), world.city),
        (UserFactory(role=Role.COUNTY_STAFF, region=b), a),
    ):
        result = drill("cover.households", period, unit, user, today=TODAY)
        assert not result.allowed
        assert result.records == []
    # A town cadre drills to the town's households, not to its mental-health measures; ID numbers come masked.
    town = Region.objects.filter(level="town", path__startswith=a.path).order_by("code").first()
    cadre = UserFactory(role=Role.TOWN_CADRE, region=town)
    persons = drill("cover.persons", period, town, cadre, today=TODAY)
    assert persons.allowed
    assert persons.records
    assert all("*" in r["id_number"] for r in persons.records if r["id_number"])
    assert not drill("mental.persons", period, town, cadre, today=TODAY).allowed
    doctor_ok = drill("mental.persons", period, town, UserFactory(role=Role.COUNTY_STAFF, region=a), today=TODAY)
    assert doctor_ok.allowed
