"""Enrolment: every eligible person enrolled set-based, checked against a person-by-person oracle; mid-year
additions; deaths, closed households and transfers ended; overlapping cover refused by the database; the premium
per town; the list for the insurer masked unless revealed, and logged; a constant number of queries."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessEvent
from benefits.insurance import services
from benefits.models import InsuranceProduct, InsuredLine
from households.models import Household, HouseholdTransfer, Member
from tests.benefits.insurance_setup import NURSING, WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def oracle(product: InsuranceProduct, as_of: date) -> dict[int, tuple[date, date]]:
    """Who is enrolled and from/to when, decided one person at a time in Python from the archive."""
    on = max(product.starts_on, as_of)
    result = {}
    for m in Member.objects.select_related("household"):
        h = m.household
        eligible = (
            h.county_id == product.county_id
            and h.status == Household.Status.ACTIVE
            and m.alive
            and m.death_date is None
            and (not product.family_type or h.family_type == product.family_type)
            and (product.age_from is None or (m.age(on=on) is not None and m.age(on=on) >= product.age_from))
            and (product.age_to is None or (m.age(on=on) is not None and m.age(on=on) <= product.age_to))
        )
        if eligible:
            result[m.pk] = (on, product.ends_on)
    return result


def _lines(product):
    return {line.member_id: (line.starts_on, line.ends_on) for line in InsuredLine.objects.filter(product=product)}


def _random_archive(area, rng):
    for i in range(40):
        village = rng.choice([area.V1a, area.V1b, area.V2a, area.V3a])
        h = HouseholdFactory(village=village, family_type=rng.choice(["death", "disability"]))
        for _ in range(rng.randint(1, 3)):
            birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
            alive = rng.random() > 0.1
            MemberFactory(household=h, birth_date=birth, alive=alive, death_date=None if alive else date(2023, 5, 1))
        if i % 13 == 0:
            MemberFactory(household=h, birth_date=None, id_number=None)


@pytest.mark.parametrize("seed", [5, 6])
def test_enrolment_matches_the_person_by_person_oracle(area, personas, seed):
    rng = random.Random(seed)
    _random_archive(area, rng)
    nursing = product(area.C, 2025, NURSING, family_type="death")
    run = services.enrolment_run(actor=personas.county_staff, product=nursing, as_of=date(2024, 12, 20))
    assert _lines(nursing) == oracle(nursing, date(2024, 12, 20))
    assert run.added == len(_lines(nursing)) > 0
    # A second run changes nothing.
    again = services.enrolment_run(actor=personas.county_staff, product=nursing, as_of=date(2024, 12, 21))
    assert (again.added, again.ended, again.removed) == (0, 0, 0)


def test_mid_year_addition_and_leavers(area, personas):
    wuhai = product(area.C, 2025, WUHAI)
    h1 = HouseholdFactory(village=area.V1a)
    stays = MemberFactory(household=h1)
    dies = MemberFactory(household=h1, role=Member.Role.WIFE)
    h2 = HouseholdFactory(village=area.V2a)
    closes = MemberFactory(household=h2)
    h3 = HouseholdFactory(village=area.V1b)
    moves = MemberFactory(household=h3)
    staff = personas.county_staff
    services.enrolment_run(actor=staff, product=wuhai, as_of=date(2024, 12, 1))
    assert set(_lines(wuhai)) == {stays.pk, dies.pk, closes.pk, moves.pk}

    Member.objects.filter(pk=dies.pk).update(alive=False, death_date=date(2025, 4, 10))
    Household.objects.filter(pk=h2.pk).update(status="closed", closed_on=date(2025, 5, 2), closed_reason="other")
    HouseholdTransfer.objects.create(
        household=h3,
        from_county=area.C,
        to_county=area.C2,
        to_village=area.V3a,
        status="accepted",
        id_number_masked="x",
        number_before=h3.number,
        number_after="N-1",
        decided_at=datetime(2025, 6, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    Household.objects.filter(pk=h3.pk).update(county=area.C2, village=area.V3a)
    newcomer = MemberFactory(household=HouseholdFactory(village=area.V1a))
    run = services.enrolment_run(actor=staff, product=wuhai, as_of=date(2025, 7, 1))
    assert (run.added, run.ended) == (1, 3)
    lines = {line.member_id: line for line in InsuredLine.objects.filter(product=wuhai)}
    assert (lines[dies.pk].ends_on, lines[dies.pk].end_reason) == (date(2025, 4, 10), "died")
    assert (lines[closes.pk].ends_on, lines[closes.pk].end_reason) == (date(2025, 5, 2), "closed")
    assert (lines[moves.pk].ends_on, lines[moves.pk].end_reason) == (date(2025, 6, 3), "moved")
    assert (lines[stays.pk].ends_on, lines[stays.pk].end_reason) == (date(2025, 12, 31), "")
    # The newcomer is covered from the run's day (never back-dated), marked as added during the year.
    assert (lines[newcomer.pk].starts_on, lines[newcomer.pk].added_mid_year) == (date(2025, 7, 1), True)
    # A correction (the death was recorded by mistake) lets the cover run on again.
    Member.objects.filter(pk=dies.pk).update(alive=True, death_date=None)
    assert services.enrolment_run(actor=staff, product=wuhai, as_of=date(2025, 7, 2)).restored == 1


def test_a_person_dead_before_the_start_is_removed(area, personas):
    wuhai = product(area.C, 2025, WUHAI)
    m = MemberFactory(household=HouseholdFactory(village=area.V1a))
    services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 1))
    Member.objects.filter(pk=m.pk).update(alive=False, death_date=date(2024, 12, 15))
    run = services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 20))
    assert run.removed == 1
    assert not InsuredLine.objects.filter(product=wuhai).exists()


def _line(prod, member, starts_on, ends_on, **extra):
    return InsuredLine.objects.create(
        product=prod,
        member=member,
        household=member.household,
        starts_on=starts_on,
        ends_on=ends_on,
        premium=Decimal("100"),
        **extra,
    )


def test_overlapping_cover_is_refused_by_the_database(area):
    """No person covered twice on a day by one product line, by the database (not the service): the products of a
    line never overlap, every line lies inside its product's period (whose dates the composite key keeps true) and a
    person has one line per product."""
    wuhai = product(area.C, 2025, WUHAI)
    renewal = product(area.C, 2026, WUHAI, name="x", series=wuhai.series)
    m = MemberFactory(household=HouseholdFactory(village=area.V1a))
    line = _line(wuhai, m, date(2025, 1, 1), date(2025, 12, 31))
    assert (line.series, line.policy_starts_on, line.policy_ends_on) == (
        wuhai.series,
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    # The renewal's line reaching back into this year's cover.
    with pytest.raises(IntegrityError, match="insuredline_inside_policy"), transaction.atomic():
        _line(renewal, m, date(2025, 12, 1), date(2026, 3, 1))
    # The same, with the renewal's period misstated on the line: the line's product key (a statement trigger since
    # migration 0011) refuses it.
    with pytest.raises(IntegrityError, match="insuredline_policy"), transaction.atomic():
        _line(
            renewal,
            m,
            date(2025, 12, 1),
            date(2026, 3, 1),
            series=wuhai.series,
            policy_starts_on=date(2025, 12, 1),
            policy_ends_on=date(2026, 12, 31),
        )
    # The renewal moved (directly, past the service) to overlap this year.
    with pytest.raises(IntegrityError, match="insuranceproduct_no_overlap"), transaction.atomic():
        InsuranceProduct.objects.filter(pk=renewal.pk).update(starts_on=date(2025, 12, 1))
    # A second line of the same product for the person.
    with pytest.raises(IntegrityError, match="insuredline_once_per_product"), transaction.atomic():
        _line(wuhai, m, date(2025, 6, 1), date(2025, 6, 30))
    # The renewal's own year is fine; so is another product line on the same days.
    _line(renewal, m, date(2026, 1, 1), date(2026, 12, 31))
    other = product(area.C, 2025, WUHAI, name="y")
    _line(other, m, date(2025, 1, 1), date(2025, 12, 31))
    # The product's dates follow onto its lines (ON UPDATE CASCADE); a period leaving a line outside is refused.
    InsuranceProduct.objects.filter(pk=wuhai.pk).update(starts_on=date(2024, 12, 1))
    line.refresh_from_db()
    assert line.policy_starts_on == date(2024, 12, 1)
    with pytest.raises(IntegrityError, match="insuredline_inside_policy"), transaction.atomic():
        InsuranceProduct.objects.filter(pk=wuhai.pk).update(ends_on=date(2025, 11, 30))


def test_the_lines_keys_hold_set_based(area, personas):
    """The line's person and product keys, checked once per statement (migration 0011): a line naming a person or a
    product that does not exist is refused, in a bulk insert as in one row; a person or a product holding a line
    cannot be deleted; a product's period still follows onto its lines."""
    wuhai = product(area.C, 2025, WUHAI)
    m = MemberFactory(household=HouseholdFactory(village=area.V1a))
    services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 1))
    line = InsuredLine.objects.get(member=m)
    with pytest.raises(IntegrityError, match="insuredline_member_key"), transaction.atomic():
        InsuredLine.objects.filter(pk=line.pk).update(member_id=m.pk + 10_000)
    with (
        pytest.raises(IntegrityError, match="insuredline_member_key"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            """
                INSERT INTO benefits_insuredline (product_id, series, policy_starts_on, policy_ends_on, member_id,
                       household_id, starts_on, ends_on, end_reason, premium, added_mid_year, created_at, updated_at)
                SELECT product_id, series, policy_starts_on, policy_ends_on, member_id + g, household_id, starts_on,
                       ends_on, '', premium, false, now(), now()
                  FROM benefits_insuredline, generate_series(10001, 10003) g WHERE id = %s
                """,
            [line.pk],
        )
    with pytest.raises(IntegrityError, match="insuredline_policy"), transaction.atomic():
        InsuredLine.objects.filter(pk=line.pk).update(product_id=wuhai.pk + 10_000)
    with pytest.raises(IntegrityError, match="insuredline_member_key"), transaction.atomic():
        Member.objects.filter(pk=m.pk)._raw_delete(Member.objects.db)
    with pytest.raises(IntegrityError, match="insuredline_policy"), transaction.atomic():
        InsuranceProduct.objects.filter(pk=wuhai.pk)._raw_delete(InsuranceProduct.objects.db)
    assert InsuredLine.objects.filter(pk=line.pk, member=m, product=wuhai).exists()
    InsuranceProduct.objects.filter(pk=wuhai.pk).update(ends_on=date(2026, 1, 31))
    line.refresh_from_db()
    assert line.policy_ends_on == date(2026, 1, 31)


def test_a_renewal_overlapping_its_year_is_refused(area, personas):
    wuhai = product(area.C, 2025, WUHAI)
    data = services.product_renewal_initial(wuhai)
    data["starts_on"] = date(2025, 12, 1)
    with pytest.raises(Exception, match="start"):
        services.product_renew(actor=personas.county_staff, product=wuhai, data=data)
    assert not InsuranceProduct.objects.filter(renews=wuhai).exists()


def test_constant_queries(area, personas):
    nursing = product(area.C, 2025, NURSING)
    counts = []
    for n in (3, 30):
        for _ in range(n):
            MemberFactory(household=HouseholdFactory(village=area.V1a))
        with CaptureQueriesContext(connection) as ctx:
            services.enrolment_run(actor=personas.county_staff, product=nursing, as_of=date(2024, 12, 1))
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_premium_per_town_and_export_masked_and_logged(area, personas, client_for):
    wuhai = product(area.C, 2025, WUHAI)
    m1 = MemberFactory(household=HouseholdFactory(village=area.V1a))
    MemberFactory(household=HouseholdFactory(village=area.V2a))
    MemberFactory(household=HouseholdFactory(village=area.V2a))
    services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 1))
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("benefits:insurance:product", args=[wuhai.pk])).content.decode()
    assert 'data-town="东关街道"' in html
    assert 'data-town="清真巷街道"' in html
    assert "300.00" in html  # three persons × 100 yuan
    response = client.post(reverse("benefits:insurance:export", args=[wuhai.pk]), {})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert m1.id_number not in values
    assert any(str(v).startswith(m1.id_number[:4] + "*") for v in values)
    full = client.post(reverse("benefits:insurance:export", args=[wuhai.pk]), {"full_values": "on"})
    assert m1.id_number in [
        c for row in load_workbook(io.BytesIO(full.content)).active.iter_rows(values_only=True) for c in row
    ]
    events = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT, actor=personas.county_staff)
    assert [e.detail["full_values"] for e in events.order_by("pk")] == [False, True]
    # A town cadre may not export; a leader may not see the product page.
    assert (
        client_for(personas.town_cadre).post(reverse("benefits:insurance:export", args=[wuhai.pk])).status_code == 403
    )
    assert client_for(personas.leader).get(reverse("benefits:insurance:product", args=[wuhai.pk])).status_code == 403
