"""Issue 15 part 4 against the medical part's records: a claim started from a hospital stay recorded through the
green channel comes prefilled; a stay of an insured person with no claim after the set days is listed for county
staff (once — not again as the hospital visit that followed it); a claimed stay leaves the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.insurance import selectors, services
from benefits.models import InsuranceClaim
from medical.models import ChannelUse, Institution
from tests.benefits.insurance_setup import WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay(area, personas):
    today = timezone.localdate()
    cover = product(
        area.C, today.year, WUHAI, starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=100)
    )
    household = HouseholdFactory(village=area.V1a, number="630101-00123")
    member = MemberFactory(household=household, name="马秀兰")
    services.enrolment_run(actor=personas.county_staff, product=cover, as_of=today - timedelta(days=200))
    institution = Institution.objects.create(
        county=area.C,
        region=area.C,
        name="青海省人民医院",
        level=Institution.Level.CITY,
        grade=Institution.Grade.GRADE_3,
        responsible_name="张主任",
        services=[Institution.Service.REGISTRATION],
    )
    admitted = today - timedelta(days=20)
    use = ChannelUse.objects.create(
        household=household,
        member=member,
        institution=institution,
        used_on=admitted,
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on=admitted,
        discharged_on=admitted + timedelta(days=6),
    )
    # The liaison's hospital visit during the stay: the same stay, not listed a second time.
    Visit.objects.create(
        household=household,
        date=admitted + timedelta(days=2),
        method="home",
        purpose="hospital",
        visitor_role="village_cadre",
        visitor_name="陈静",
    )
    return {"product": cover, "household": household, "member": member, "use": use, "admitted": admitted}


def test_a_claim_starts_prefilled_from_the_stay(client_for, personas, stay):
    url = reverse("benefits:insurance:claim_report", args=[stay["household"].pk])
    page = client_for(personas.village_cadre).get(url).content.decode()
    assert f'data-stay="{stay["use"].pk}"' in page  # offered on the plain form
    page = client_for(personas.village_cadre).get(f"{url}?stay={stay['use'].pk}").content.decode()
    assert 'data-prefilled="stay"' in page
    assert 'value="青海省人民医院"' in page
    assert f'value="{stay["admitted"].isoformat()}"' in page
    assert f'<option value="{stay["member"].pk}" selected' in page
    assert f'<option value="{stay["product"].pk}" selected' in page
    assert '<option value="3" selected' in page  # the hospital's grade


def test_a_stay_of_another_household_does_not_prefill(client_for, personas, stay, area):
    other = HouseholdFactory(village=area.V1a, number="630101-00124")
    url = reverse("benefits:insurance:claim_report", args=[other.pk])
    page = client_for(personas.village_cadre).get(f"{url}?stay={stay['use'].pk}").content.decode()
    assert 'data-prefilled="stay"' not in page
    assert "青海省人民医院" not in page


def test_an_unclaimed_stay_is_listed_once_until_claimed(client_for, personas, stay):
    today = timezone.localdate()
    stays = selectors.unclaimed_green_channel_stays(user=personas.county_staff, today=today)
    assert [s.use_id for s in stays] == [stay["use"].pk]
    assert selectors.unclaimed_hospital_visits(user=personas.county_staff, today=today) == []
    page = client_for(personas.county_staff).get(reverse("benefits:insurance:alerts")).content.decode()
    assert f'data-unclaimed-stay="{stay["use"].pk}"' in page
    assert f"?stay={stay['use'].pk}" in page
    # Outside the area: county C2's staff do not see it.
    assert selectors.unclaimed_green_channel_stays(user=personas.other_county_staff, today=today) == []

    initial = selectors.claim_initial_from_stay(stay["household"], stay["use"].pk)
    services.claim_report(
        actor=personas.county_staff,
        member=stay["member"],
        data={
            **{k: v for k, v in initial.items() if k not in ("member", "product")},
            "product": stay["product"],
            "icu_days": 0,
            "description": "",
            "reported_by_kind": "cadre",
            "reporter_name": "",
            "reported_at": timezone.now(),
        },
    )
    assert InsuranceClaim.objects.filter(member=stay["member"]).count() == 1
    assert selectors.unclaimed_green_channel_stays(user=personas.county_staff, today=today) == []
    assert selectors.household_stays_without_claim(stay["household"], today=today) == []


def test_a_stay_of_someone_not_insured_is_not_listed(personas, stay):
    stay["use"].member = MemberFactory(household=stay["household"], name="马小军")
    stay["use"].save()
    assert selectors.unclaimed_green_channel_stays(user=personas.county_staff, today=timezone.localdate()) == []
