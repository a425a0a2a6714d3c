"""The standards' rules: no overlap (the service and the database's exclusion constraint), a used or started
standard keeps its amount (it is only ended), deletion only when never used, the county's settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.utils import translation

from benefits.models import BenefitSettings, PayoutBatch, PayoutLine, Standard
from benefits.standards import services
from benefits.standards.forms import BenefitSettingsForm
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

FUTURE = date(2099, 1, 1)


def _data(**kw):
    values = {
        "scheme": "death",
        "level": "county",
        "area_code": "630101",
        "area_name": "城东区",
        "residence": "",
        "disability_grade": "",
        "age_from": None,
        "age_to": None,
        "self_care": "",
        "amount": Decimal("60"),
        "period": "month",
        "effective_from": FUTURE,
        "effective_to": None,
        "document": "城东区文件",
        "note": "",
    }
    values.update(kw)
    return values


def test_overlap_refused_naming_the_other(area, personas):
    first = services.standard_create(actor=personas.county_staff, county=area.C, data=_data(residence=""))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.standard_create(
            actor=personas.county_staff,
            county=area.C,
            data=_data(residence="urban", effective_from=date(2099, 6, 1), amount=Decimal("80")),
        )
    message = " ".join(caught.value.messages)
    assert "It overlaps another standard" in message
    assert f"(#{first.pk})" in message
    assert Standard.objects.filter(area_code="630101").count() == 1


@pytest.mark.parametrize(
    ("first", "second", "overlaps"),
    [
        ({"disability_grade": ""}, {"disability_grade": "2"}, True),
        ({"disability_grade": "1"}, {"disability_grade": "2"}, False),
        ({"self_care": ""}, {"self_care": "semi"}, True),
        ({"self_care": "disabled"}, {"self_care": "semi"}, False),
        ({"age_from": 40, "age_to": 59}, {"age_from": 60, "age_to": None}, False),
        ({"age_from": 40, "age_to": 60}, {"age_from": 60, "age_to": None}, True),
        ({"residence": "urban"}, {"residence": "rural"}, False),
        ({"effective_to": date(2099, 6, 30)}, {"effective_from": date(2099, 7, 1)}, False),
        ({"scheme": "death"}, {"scheme": "disability"}, False),
        ({"level": "city", "area_code": "6301"}, {}, False),  # another area: the parts add up
    ],
)
def test_bands_that_overlap(area, personas, first, second, overlaps):
    services.standard_create(actor=personas.county_staff, county=area.C, data=_data(**first))
    call = lambda: services.standard_create(  # noqa: E731
        actor=personas.county_staff, county=area.C, data=_data(amount=Decimal("99"), **second)
    )
    if overlaps:
        with pytest.raises(ValidationError):
            call()
    else:
        call()


def test_the_database_refuses_an_overlap_the_service_did_not_see(area, personas):
    """standard_no_overlap is the backstop: the same band key on overlapping dates and ages, written directly."""
    services.standard_create(actor=personas.county_staff, county=area.C, data=_data())
    with pytest.raises(IntegrityError, match="standard_no_overlap"), transaction.atomic():
        Standard.objects.create(**{**_data(amount=Decimal("5")), "effective_from": date(2099, 3, 1)})


def test_the_backstop_answers_with_the_same_message(area, personas, monkeypatch):
    """A concurrent write that passed the check: the IntegrityError becomes the overlap message."""
    other = services.standard_create(actor=personas.county_staff, county=area.C, data=_data())
    real = services.standard_overlapping
    seen = []

    def blind_once(candidate):  # the check misses the other once, as a concurrent write would
        seen.append(candidate)
        return None if len(seen) == 1 else real(candidate)

    monkeypatch.setattr(services, "standard_overlapping", blind_once)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.standard_create(actor=personas.county_staff, county=area.C, data=_data(amount=Decimal("7")))
    assert f"(#{other.pk})" in " ".join(caught.value.messages)


def test_month_bounds_and_area_code(area, personas):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.standard_create(
            actor=personas.county_staff,
            county=area.C,
            data=_data(effective_from=date(2099, 1, 2), effective_to=date(2099, 6, 29), area_code="630102"),
        )
    errors = caught.value.message_dict
    assert errors["effective_from"] == ["A standard starts on the first day of a month."]
    assert errors["effective_to"] == ["A standard ends on the last day of a month."]
    assert "630101" in errors["area_code"][0]
    assert not Standard.objects.filter(area_code__startswith="6301").exists()


def test_province_and_city_codes_accepted(area, personas):
    services.standard_create(actor=personas.county_staff, county=area.C, data=_data(level="province", area_code="63"))
    services.standard_create(actor=personas.county_staff, county=area.C, data=_data(level="city", area_code="6301"))
    assert set(Standard.objects.filter(area_code__in=["63", "6301"]).values_list("level", flat=True)) == {
        "province",
        "city",
    }


def test_only_county_staff_write(area, personas):
    with pytest.raises(PermissionDenied):
        services.standard_create(actor=personas.town_cadre, county=area.C, data=_data())
    with pytest.raises(PermissionDenied):
        services.standard_create(actor=personas.other_county_staff, county=area.C, data=_data())


def _paid_with(standard: Standard, area) -> PayoutLine:
    household = HouseholdFactory(village=area.V1a)
    member = MemberFactory(household=household)
    batch = PayoutBatch.objects.create(
        county=area.C, scheme="death", period_start=date(2024, 1, 1), period_end=date(2024, 6, 1), title="2024 上半年"
    )
    return PayoutLine.objects.create(
        batch=batch,
        seq=1,
        member=member,
        household=household,
        scheme="death",
        months=DateRange(date(2024, 1, 1), date(2024, 6, 1), "[]"),
        month_count=6,
        amount=Decimal("3900"),
        explanation=[{"from": "2024-01", "to": "2024-06", "parts": [{"level": "county", "standard_id": standard.pk}]}],
        head_name=member.name,
        payee_name=member.name,
        payee_id_number=member.id_number,
        account_number="6217000000000001",
        bank_name="农业银行",
        village_name="东关社区",
        beneficiary_name=member.name,
        beneficiary_id_number=member.id_number,
    )


def test_a_used_standard_keeps_its_amount_and_is_only_ended(area, personas):
    standard = Standard.objects.create(**_data(effective_from=date(2023, 1, 1)))
    _paid_with(standard, area)
    assert services.standard_uses([standard.pk]) == {standard.pk: date(2024, 6, 30)}
    with translation.override("en"), pytest.raises(ValidationError, match="never rewrites a month already paid"):
        services.standard_update(
            actor=personas.county_staff,
            county=area.C,
            standard=standard,
            data=_data(effective_from=date(2023, 1, 1), amount=Decimal("65")),
        )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.standard_end(
            actor=personas.county_staff, county=area.C, standard=standard, effective_to=date(2024, 3, 31)
        )
    assert "2024-06-30" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        services.standard_delete(actor=personas.county_staff, county=area.C, standard=standard)
    ended = services.standard_end(
        actor=personas.county_staff,
        county=area.C,
        standard=standard,
        effective_to=date(2024, 12, 31),
        new_amount=Decimal("65"),
    )
    standard.refresh_from_db()
    assert standard.amount == Decimal("60")
    assert standard.effective_to == date(2024, 12, 31)
    assert ended.successor.effective_from == date(2025, 1, 1)
    assert ended.successor.amount == Decimal("65")
    assert ended.successor.area_code == "630101"
    assert ended.successor.effective_to is None


def test_a_started_standard_keeps_its_amount_but_its_wording_may_be_corrected(area, personas):
    standard = Standard.objects.create(**_data(effective_from=date(2020, 1, 1)))
    with pytest.raises(ValidationError):
        services.standard_update(
            actor=personas.county_staff,
            county=area.C,
            standard=standard,
            data=_data(effective_from=date(2020, 1, 1), amount=Decimal("61")),
        )
    services.standard_update(
        actor=personas.county_staff,
        county=area.C,
        standard=standard,
        data=_data(effective_from=date(2020, 1, 1), document="城东区文件（更正）"),
    )
    standard.refresh_from_db()
    assert standard.document == "城东区文件（更正）"
    assert standard.amount == Decimal("60")


def test_a_future_unused_standard_may_change_and_be_deleted(area, personas):
    standard = services.standard_create(actor=personas.county_staff, county=area.C, data=_data())
    services.standard_update(
        actor=personas.county_staff, county=area.C, standard=standard, data=_data(amount=Decimal("75"))
    )
    standard.refresh_from_db()
    assert standard.amount == Decimal("75")
    services.standard_delete(actor=personas.county_staff, county=area.C, standard=standard)
    assert not Standard.objects.filter(pk=standard.pk).exists()


def test_national_standards_are_read_only(area, personas):
    national = Standard.objects.filter(level="national").first()
    with pytest.raises(ValidationError):
        services.standard_end(
            actor=personas.county_staff, county=area.C, standard=national, effective_to=date(2099, 12, 31)
        )
    with pytest.raises(ValidationError):
        services.standard_create(actor=personas.county_staff, county=area.C, data=_data(level="national"))


def test_settings_deadlines_are_month_days_in_order():
    with translation.override("en"):
        form = BenefitSettingsForm(
            data={
                "death_pays_through": "month",
                "reward_overlap": "higher",
                "child_event_start": "next_month",
                "qualifying_age": 49,
                "reward_age": 60,
                "applications_by": "13-01",
                "village_by": "2-15",
                "town_by": "03-15",
                "county_by": "03-31",
                "notice_days": 10,
            },
            instance=BenefitSettings(area_code="630101"),
        )
        assert not form.is_valid()
        assert form.errors["applications_by"] == ["Enter a month and day as MM-DD, such as 03-31."]
        assert "village_by" in form.errors


def test_settings_saved_for_the_county(area, personas):
    data = {
        "applications_by": "01-20",
        "village_by": "02-20",
        "town_by": "03-20",
        "county_by": "03-31",
        "death_pays_through": "year_end",
    }
    row = services.benefit_settings_save(actor=personas.county_staff, county=area.C, data=data)
    assert row.area_code == "630101"
    assert row.death_pays_through == "year_end"
    again = services.benefit_settings_save(actor=personas.county_staff, county=area.C, data={"notice_days": 7})
    assert again.pk == row.pk
    assert BenefitSettings.objects.filter(area_code="630101").count() == 1
    with pytest.raises(PermissionDenied):
        services.benefit_settings_save(actor=personas.town_cadre, county=area.C, data=data)
