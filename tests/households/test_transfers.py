"""Transfers (迁移): the receiving county asks for a family by a member's ID number, the sending county accepts
or refuses; on acceptance the household, its members and its history move (docs/SECURITY.md §Access).

County C (personas.county_staff) asks for the family of V3a, a household of county C2 (personas.other_county_staff).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AccessEvent
from contacts.models import Assignment
from households.models import Household, HouseholdTransfer, Member
from tests.factories import AssignmentFactory, RegionFactory, ServicePersonFactory, UserFactory
from tests.households.conftest import db_state

pytestmark = pytest.mark.django_db

ID_URLS = ["households:transfers:accept", "households:transfers:refuse", "households:transfers:cancel"]

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = set(ID_URLS)


def _state() -> tuple:
    return (*db_state(), list(HouseholdTransfer.objects.order_by("pk").values()))


def _ask(client, homes, area, **extra):
    husband = homes.v3a.members.get(role=Member.Role.HUSBAND)
    return client.post(
        reverse("households:transfers:request"),
        {"id_number": husband.id_number, "to_village": area.V1a.pk, "note": "搬到女儿家", **extra},
    )


@pytest.fixture
def requested(client_for, personas, homes, area) -> HouseholdTransfer:
    response = _ask(client_for(personas.county_staff), homes, area)
    assert response.status_code == 302
    return HouseholdTransfer.objects.get()


def test_request_then_accept_moves_the_household_with_its_members(client_for, personas, homes, area, requested):
    moving = homes.v3a
    members = set(moving.members.values_list("pk", flat=True))
    receiving, sending = client_for(personas.county_staff), client_for(personas.other_county_staff)
    # Before the answer the receiving county sees neither the household nor its number.
    assert receiving.get(reverse("households:detail", args=[moving.pk])).status_code == 404
    ours = receiving.get(reverse("households:transfers:list")).content.decode()
    assert moving.number not in ours
    assert "搬到女儿家" in ours  # the requesting county sees the note it sent
    # The sending county sees the request for its family.
    incoming = sending.get(reverse("households:transfers:list")).content.decode()
    assert moving.number in incoming
    assert "搬到女儿家" in incoming

    response = sending.post(reverse("households:transfers:accept", args=[requested.pk]), {"reason": ""})

    assert response.status_code == 302
    moving.refresh_from_db()
    assert (moving.county, moving.village, moving.number) == (area.C, area.V1a, "630101-00004")
    assert set(moving.members.values_list("pk", flat=True)) == members
    requested.refresh_from_db()
    assert (requested.status, requested.decided_by, requested.number_after) == (
        "accepted",
        personas.other_county_staff,
        "630101-00004",
    )
    assert receiving.get(reverse("households:detail", args=[moving.pk])).status_code == 200
    assert sending.get(reverse("households:detail", args=[moving.pk])).status_code == 404
    # Both sides keep an access record of each step.
    events = AccessEvent.objects.filter(action=AccessEvent.Action.TRANSFER)
    assert {(e.region_path, e.detail["step"]) for e in events} == {
        (area.C.path, "requested"),
        (area.C2.path, "requested"),
        (area.C.path, "accepted"),
        (area.C2.path, "accepted"),
    }


def test_accepting_ends_the_open_contacts_of_the_sending_county(client_for, personas, homes, area, requested):
    doctor = ServicePersonFactory(region=area.V3a, role_type="family_doctor")
    term = AssignmentFactory(household=homes.v3a, person=doctor)

    client_for(personas.other_county_staff).post(reverse("households:transfers:accept", args=[requested.pk]))

    term.refresh_from_db()
    assert term.end_date == timezone.localdate()
    assert not Assignment.objects.filter(household=homes.v3a, end_date__isnull=True).exists()


def test_refusing_needs_a_reason_and_leaves_the_household(client_for, personas, homes, area, requested):
    sending = client_for(personas.other_county_staff)
    before = list(Household.objects.order_by("pk").values())

    sending.post(reverse("households:transfers:refuse", args=[requested.pk]), {"reason": ""})
    requested.refresh_from_db()
    assert requested.status == "requested"

    sending.post(reverse("households:transfers:refuse", args=[requested.pk]), {"reason": "家庭未迁出"})

    requested.refresh_from_db()
    assert (requested.status, requested.reason) == ("refused", "家庭未迁出")
    assert list(Household.objects.order_by("pk").values()) == before
    outgoing = client_for(personas.county_staff).get(reverse("households:transfers:list")).content.decode()
    assert "家庭未迁出" in outgoing
    assert homes.v3a.number not in outgoing


def test_one_open_request_per_household(client_for, personas, homes, area, requested):
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})

    response = _ask(client, homes, area)

    assert response.status_code == 200
    assert "already been requested" in response.content.decode()
    assert HouseholdTransfer.objects.count() == 1


def test_an_unknown_number_and_a_number_of_the_own_county_get_the_same_answer(client_for, personas, homes, area):
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    own = homes.v2a.members.first().id_number
    answers = []
    for number in (own, "11010519491231002X"):
        response = client.post(
            reverse("households:transfers:request"), {"id_number": number, "to_village": area.V1a.pk}
        )
        assert response.status_code == 200
        answers.append(response.context["form"].errors["id_number"])
    assert answers[0] == answers[1]
    assert HouseholdTransfer.objects.count() == 0


def test_the_receiving_county_cannot_accept_and_the_sending_cannot_withdraw(client_for, personas, requested):
    receiving, sending = client_for(personas.county_staff), client_for(personas.other_county_staff)
    before = _state()

    assert receiving.post(reverse("households:transfers:accept", args=[requested.pk])).status_code == 403
    assert (
        receiving.post(reverse("households:transfers:refuse", args=[requested.pk]), {"reason": "x"}).status_code == 403
    )
    assert sending.post(reverse("households:transfers:cancel", args=[requested.pk])).status_code == 403
    assert _state() == before


def test_a_town_cadre_can_neither_ask_nor_answer(client_for, personas, homes, area, requested):
    c2_cadre = client_for(UserFactory(username="t3_cadre", role=Role.TOWN_CADRE, region=area.T3))
    cadre = client_for(personas.town_cadre)
    before = _state()

    assert cadre.get(reverse("households:transfers:list")).status_code == 403
    assert _ask(cadre, homes, area).status_code == 403
    # The household is in the cadre's area, the request is not (a county's business): 404 like a missing one.
    response = c2_cadre.post(reverse("households:transfers:accept", args=[requested.pk]))
    assert response.status_code in (403, 404)
    assert _state() == before


def test_requesting_in_both_languages(client_for, personas, homes, area):
    client = client_for(personas.county_staff)
    page = client.get(reverse("households:transfers:request")).content.decode()
    assert "请求迁移" in page or "迁移" in page
    client.post(reverse("set_language"), {"language": "en"})
    assert "Request a transfer" in client.get(reverse("households:transfers:request")).content.decode()


@pytest.mark.parametrize("url_name", ID_URLS)
@pytest.mark.parametrize("persona", ["town_cadre", "other_town_cadre", "no_area", "third_county_staff"])
def test_outside_both_counties_answers_404_and_changes_nothing(
    client_for, personas, area, requested, url_name, persona
):
    if persona == "third_county_staff":
        user = UserFactory(username="c3_staff", role=Role.COUNTY_STAFF, region=RegionFactory.county("630105"))
    else:
        user = getattr(personas, persona)
    client = client_for(user)
    before = _state()

    assert client.post(reverse(url_name, args=[requested.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse(url_name, args=[requested.pk])).status_code == 405  # POST only, for everybody
    assert _state() == before
