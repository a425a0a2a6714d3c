"""No existence oracle (docs/SECURITY.md §Access): registering a person registered outside the user's area gets one
neutral answer — not where, not that the family is a special family's — and the attempt is an access event in
the user's own area. An unused number is accepted."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from households.models import Household
from households.validation import id_number_make
from tests.households.conftest import household_form_data

pytestmark = pytest.mark.django_db

NEUTRAL = {
    "en": "This person cannot be registered here; the county association can move the family's file to your area.",
    "zh-hans": "此人无法在此登记；可请县计生协将该家庭的档案调整到您的辖区。",
}


def _register(client, area, id_number):
    return client.post(
        reverse("households:create"),
        household_form_data(village=area.V1a, members=[{"name": "王德明", "role": "husband", "id_number": id_number}]),
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("persona", "home"), [("county_staff", "v3a"), ("town_cadre", "v2a")])
def test_a_person_registered_outside_the_area_gets_the_neutral_answer(
    client_for, personas, area, homes, language, persona, home
):
    elsewhere = getattr(homes, home)
    user = getattr(personas, persona)
    client = client_for(user)
    client.post(reverse("set_language"), {"language": language})
    count = Household.objects.count()

    response = _register(client, area, elsewhere.members.first().id_number)

    assert response.status_code == 200
    page = response.content.decode()
    assert NEUTRAL[language] in page
    # Nothing says where: not the household's number, village, town or county.
    for name in (elsewhere.number, elsewhere.village.name, elsewhere.village.parent.name, elsewhere.county.name):
        assert name not in page
    assert Household.objects.count() == count
    event = AccessEvent.objects.get(action=AccessEvent.Action.IDENTITY_CONFLICT)
    assert (event.actor, event.region_path) == (user, user.region.path)
    assert event.detail["persons"] == 1
    assert elsewhere.members.first().id_number not in str(event.detail)


def test_only_county_staff_are_offered_a_transfer_request(client_for, personas, area, homes):
    staff = _register(client_for(personas.county_staff), area, homes.v3a.members.first().id_number)
    cadre = _register(client_for(personas.town_cadre), area, homes.v2a.members.first().id_number)

    assert reverse("households:transfers:request") in staff.content.decode()
    assert reverse("households:transfers:request") not in cadre.content.decode()


def test_an_unused_number_is_accepted_and_logs_no_conflict(client_for, personas, area, homes):
    unused = id_number_make(area_code="630102", birth_date=date(1950, 2, 3), sequence=99, sex="M")

    response = _register(client_for(personas.town_cadre), area, unused)

    assert response.status_code == 302
    assert Household.objects.filter(members__id_number=unused).exists()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.IDENTITY_CONFLICT).exists()


def test_a_person_of_the_own_area_is_named_by_household(client_for, personas, area, homes):
    response = _register(client_for(personas.town_cadre), area, homes.v1b.members.first().id_number)

    assert homes.v1b.number in response.content.decode()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.IDENTITY_CONFLICT).exists()
