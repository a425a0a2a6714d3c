"""The benefit a product gives, checked against an independent oracle that walks each stay day by day.

Held-out products (乌海, the seed-002 nursing cover, the Qinghai escort cover with ICU days) and random stays of a
few persons, each reported through the service (``claim_report``); the oracle keeps its own day counters per
person, policy year and product line and decides every calendar day on its own."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from benefits.insurance import services
from benefits.insurance.benefit import Cover, Event, benefit_compute
from benefits.models import InsuranceClaim, InsuredLine
from tests.benefits.insurance_setup import ESCORT, NURSING, WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

GRADES = ["", "1", "2", "3"]


def oracle_day_by_day(terms, lines, stays):
    """Independent: every calendar day of every stay is paid or not, counting days per year and in all.

    ``lines``: {product id: (start, end, waiting applies)}; ``stays`` in the order of admission: (product id,
    admitted, discharged, icu days, grade). Returns the amount of each stay."""
    used_year: dict[int, int] = {}
    used_total = 0
    amounts = []
    for product_id, admitted, discharged, icu, grade in stays:
        t = terms[product_id]
        start, end, waiting = lines[product_id]
        if admitted < start or admitted > end:
            amounts.append(Decimal("0"))
            continue
        if waiting and t.waiting_days and (admitted - start).days < t.waiting_days:
            amounts.append(Decimal("0"))
            continue
        if t.hospital_grade_floor and (grade == "" or int(grade) < int(t.hospital_grade_floor)):
            amounts.append(Decimal("0"))
            continue
        nights = (discharged - admitted).days or 1
        paid_here = 0
        icu_left = icu
        amount = Decimal("0")
        for i in range(nights):
            day = admitted + timedelta(days=i)
            if day > end:
                break
            if t.max_days_per_stay is not None and paid_here >= t.max_days_per_stay:
                break
            if t.max_days_per_year is not None and used_year.get(product_id, 0) >= t.max_days_per_year:
                break
            if t.max_days_total is not None and used_total >= t.max_days_total:
                break
            if icu_left > 0:
                amount += t.icu_daily_allowance or t.daily_allowance
                icu_left -= 1
            else:
                amount += t.daily_allowance
            paid_here += 1  # noqa: SIM113 (the days paid of this stay, not the loop's index)
            used_year[product_id] = used_year.get(product_id, 0) + 1
            used_total += 1
        amounts.append(amount)
    return amounts


def _report(actor, member, product, admitted, nights, icu, grade, reported_delay=1):
    discharged = admitted + timedelta(days=nights)
    reported = timezone.make_aware(datetime.combine(admitted + timedelta(days=reported_delay), datetime.min.time()))
    return services.claim_report(
        actor=actor,
        member=member,
        data={
            "product": product,
            "kind": InsuranceClaim.Kind.HOSPITAL,
            "event_date": admitted,
            "admitted_on": admitted,
            "discharged_on": discharged,
            "icu_days": icu,
            "hospital_name": "市人民医院",
            "hospital_grade": grade,
            "reported_by_kind": InsuranceClaim.ReportedBy.FAMILY,
            "reported_at": reported,
        },
    )


@pytest.mark.parametrize("terms", [WUHAI, NURSING, ESCORT], ids=["wuhai", "nursing", "escort"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_benefit_matches_the_day_by_day_oracle(area, personas, terms, seed):
    rng = random.Random(seed)
    first = product(area.C, 2024, terms)
    second = product(area.C, 2025, terms, renews=first, series=first.series, name=terms["name"] + "2025")
    second.series = first.series
    second.save(update_fields=["series"])
    staff = personas.county_staff
    paid_any = False
    for person in range(3):
        household = HouseholdFactory(village=area.V1a)
        member = MemberFactory(household=household, birth_date=date(1960, 1, 1))
        # Cover 2024 from a random day (waiting period applies), 2025 continuous or with a gap.
        start_2024 = date(2024, 1, 1) + timedelta(days=rng.choice([0, 40, 100]))
        gap = rng.random() < 0.5
        start_2025 = date(2025, 3, 1) if gap else date(2025, 1, 1)
        lines = {
            first.pk: (start_2024, date(2024, 12, 31), True),
            second.pk: (start_2025, date(2025, 12, 31), gap),
        }
        for p, (s, e, _w) in lines.items():
            InsuredLine.objects.create(
                product_id=p,
                series=first.series,
                member=member,
                household=household,
                starts_on=s,
                ends_on=e,
                premium=first.premium,
            )
        stays = []
        for p in (first, second):
            day = date(p.year, 1, 1) + timedelta(days=rng.randint(0, 20))
            while day.year == p.year:
                nights = rng.choice([0, 1, 3, 10, 25, 40, 95])
                icu = rng.randint(0, min(nights, 5)) if nights else 0
                stays.append((p.pk, day, day + timedelta(days=nights), icu, rng.choice(GRADES)))
                day = day + timedelta(days=nights + rng.randint(5, 80))
        claims = [
            _report(
                staff, member, first if p_id == first.pk else second, admitted, (discharged - admitted).days, icu, grade
            )
            for p_id, admitted, discharged, icu, grade in stays
        ]
        expected = oracle_day_by_day({first.pk: first, second.pk: second}, lines, stays)
        got = [InsuranceClaim.objects.get(pk=c.pk).benefit_max for c in claims]
        assert got == [e.quantize(Decimal("0.01")) for e in expected], (person, stays)
        paid_any = paid_any or any(e > 0 for e in expected)
    assert paid_any  # the oracle is not vacuous


def test_wuhai_example_numbers():
    """乌海: 100 a day; a 120-night stay pays 90 days; nothing inside the 30-day waiting period or at grade 1."""

    class Terms:
        daily_allowance = Decimal("100")
        icu_daily_allowance = None
        max_days_per_stay = 90
        max_days_per_year = None
        max_days_total = 180
        death_sum = accidental_death_sum = disability_sum = major_disease_sum = None
        waiting_days = 30
        hospital_grade_floor = "2"

    cover = Cover(date(2025, 1, 1), date(2025, 12, 31))
    stay = Event(
        "hospital", date(2025, 3, 1), admitted_on=date(2025, 3, 1), discharged_on=date(2025, 6, 29), hospital_grade="3"
    )
    assert benefit_compute(terms=Terms, cover=cover, event=stay).amount == Decimal("9000.00")
    assert benefit_compute(terms=Terms, cover=cover, event=stay, used_total=150).amount == Decimal("3000.00")
    early = Event(
        "hospital",
        date(2025, 1, 20),
        admitted_on=date(2025, 1, 20),
        discharged_on=date(2025, 1, 25),
        hospital_grade="3",
    )
    assert benefit_compute(terms=Terms, cover=cover, event=early).flags == ["waiting"]
    accident = Event(
        "hospital",
        date(2025, 1, 20),
        accidental=True,
        admitted_on=date(2025, 1, 20),
        discharged_on=date(2025, 1, 25),
        hospital_grade="3",
    )
    assert benefit_compute(terms=Terms, cover=cover, event=accident).amount == Decimal("500.00")
    low = Event(
        "hospital", date(2025, 3, 1), admitted_on=date(2025, 3, 1), discharged_on=date(2025, 3, 5), hospital_grade="1"
    )
    assert benefit_compute(terms=Terms, cover=cover, event=low).flags == ["grade"]
    # A stay running past the cover's end is paid to the last day covered.
    late = Event(
        "hospital",
        date(2025, 12, 28),
        admitted_on=date(2025, 12, 28),
        discharged_on=date(2026, 1, 10),
        hospital_grade="2",
    )
    assert benefit_compute(terms=Terms, cover=cover, event=late).days == 4
    assert benefit_compute(terms=Terms, cover=None, event=stay).flags == ["not_enrolled"]


def test_lump_sums(area):
    nursing = product(area.C, 2025, NURSING)
    cover = Cover(date(2025, 1, 1), date(2025, 12, 31))
    disease = Event("major_disease", date(2025, 5, 1))
    assert benefit_compute(terms=nursing, cover=cover, event=disease).amount == Decimal("20000.00")
    assert benefit_compute(terms=nursing, cover=cover, event=Event("death", date(2025, 5, 1))).amount == 20000
    assert benefit_compute(terms=nursing, cover=cover, event=Event("accident", date(2025, 5, 1))).flags == [
        "no_benefit"
    ]
    after = Event("major_disease", date(2026, 1, 2))
    assert benefit_compute(terms=nursing, cover=cover, event=after).flags == ["after_end"]
