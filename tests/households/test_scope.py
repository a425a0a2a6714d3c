"""The area-scope matrix for every household URL that takes an id (docs/SECURITY.md §Access)."""

import pytest
from django.urls import reverse

from households.models import Household
from tests.factories import SavedFilterFactory
from tests.households.conftest import db_state, household_form_data

pytestmark = pytest.mark.django_db

ID_URLS = [
    ("households:detail", "get"),
    ("households:detail", "post"),
    ("households:edit", "get"),
    ("households:edit", "post"),
    ("households:close", "get"),
    ("households:close", "post"),
    ("households:reopen", "get"),
    ("households:reopen", "post"),
    ("households:print", "get"),
    ("households:pdf", "get"),
    ("households:reveal", "post"),
    ("households:reveal", "get"),
]

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {name for name, _ in ID_URLS} | {"households:filter_delete"}


def _url(name, household):
    if name == "households:reveal":
        return reverse(name, args=[household.pk, household.members.first().pk])
    return reverse(name, args=[household.pk])


def _payload(name, household, area):
    if name == "households:edit":
        return household_form_data(village=area.V1a, members=[{"name": "外人", "role": "husband"}], number="X-1")
    if name == "households:close":
        return {"reason": "moved_away", "closed_on": "2025-01-01", "note": ""}
    if name == "households:reopen":
        return {"note": "x"}
    return {"field": "id_number"}


@pytest.mark.parametrize(("url_name", "method"), ID_URLS)
@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("other_town_cadre", "v1a"),
        ("other_county_staff", "v1a"),
        ("no_area", "v1a"),
        ("village_cadre", "v1b"),
        ("town_cadre", "v2a"),
        ("county_staff", "v3a"),
    ],
)
def test_outside_the_area_answers_404_and_changes_nothing(
    client_for, personas, area, homes, url_name, method, persona, home
):
    household = getattr(homes, home)
    if url_name == "households:reopen":
        Household.objects.filter(pk=household.pk).update(
            status="closed", closed_reason="moved_away", closed_on="2025-01-01"
        )
    client = client_for(getattr(personas, persona))  # logging in records a login event
    before = db_state()
    if method == "post":
        response = client.post(_url(url_name, household), _payload(url_name, household, area))
    else:
        response = client.get(_url(url_name, household))
    # GET on a POST-only URL is 405 for everybody; everything else outside the area is 404.
    assert response.status_code == (
        405 if (url_name, method) in {("households:reveal", "get"), ("households:detail", "post")} else 404
    )
    assert db_state() == before


@pytest.mark.parametrize("persona", ["county_staff", "town_cadre", "village_cadre"])
def test_inside_the_area_opens(client_for, personas, homes, persona):
    response = client_for(getattr(personas, persona)).get(reverse("households:detail", args=[homes.v1a.pk]))
    assert response.status_code == 200


def test_missing_household_is_404_like_an_outside_one(client_for, personas, homes):
    response = client_for(personas.county_staff).get(reverse("households:detail", args=[999999]))
    assert response.status_code == 404


def test_leader_reads_reports_only(client_for, personas, homes):
    client = client_for(personas.leader)
    assert client.get(reverse("households:list")).status_code == 403
    assert client.get(reverse("households:detail", args=[homes.v1a.pk])).status_code == 403
    assert client.get(reverse("households:quality")).status_code == 403


def test_deactivated_user_is_sent_to_login(client_for, personas, homes):
    client = client_for(personas.deactivated)
    before = db_state()
    response = client.post(
        reverse("households:close", args=[homes.v1a.pk]), {"reason": "moved_away", "closed_on": "2025-01-01"}
    )
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert db_state() == before


def test_user_without_area_may_not_list(client_for, personas, homes):
    assert client_for(personas.no_area).get(reverse("households:list")).status_code == 403


@pytest.mark.parametrize("persona", ["county_staff", "town_cadre", "village_cadre", "other_town_cadre"])
def test_list_shows_only_the_area(client_for, personas, homes, persona):
    response = client_for(getattr(personas, persona)).get(reverse("households:list"))
    assert response.status_code == 200
    html = response.content.decode()
    expected = {
        "county_staff": {"v1a", "v1b", "v2a"},
        "town_cadre": {"v1a", "v1b"},
        "village_cadre": {"v1a"},
        "other_town_cadre": {"v2a"},
    }[persona]
    for key in ("v1a", "v1b", "v2a", "v3a"):
        assert (getattr(homes, key).number in html) == (key in expected), key


def test_household_without_village_is_seen_by_county_staff_only(client_for, personas, area, homes):
    Household.objects.filter(pk=homes.v1a.pk).update(village=None)
    assert client_for(personas.county_staff).get(reverse("households:detail", args=[homes.v1a.pk])).status_code == 200
    assert client_for(personas.town_cadre).get(reverse("households:detail", args=[homes.v1a.pk])).status_code == 404
    assert (
        client_for(personas.other_county_staff).get(reverse("households:detail", args=[homes.v1a.pk])).status_code
        == 404
    )


def test_saved_filter_of_another_user_is_404(client_for, personas, homes):
    saved = SavedFilterFactory(user=personas.town_cadre, name="mine", params={"status": "active"})
    client = client_for(personas.county_staff)
    before = db_state()
    response = client.post(reverse("households:filter_delete", args=[saved.pk]))
    assert response.status_code == 404
    assert client.get(reverse("households:filter_delete", args=[saved.pk])).status_code == 405  # POST only
    assert db_state() == before


def test_edit_cannot_move_a_household_outside_the_area(client_for, personas, area, homes):
    """A form naming a village outside the user's area is an error (town cadre of T1 → V2a)."""
    household = homes.v1a
    members = [
        {"id": m.pk, "name": m.name, "role": m.role, "id_number": m.id_number, "phone": m.phone}
        for m in household.members.order_by("pk")
    ]
    client = client_for(personas.town_cadre)
    before = db_state()
    data = household_form_data(village=area.V2a, members=members, existing=2, number=household.number)
    response = client.post(reverse("households:edit", args=[household.pk]), data)
    assert response.status_code == 200  # the form again, with an error
    assert "village" in response.context["form"].errors
    assert db_state()[:2] == before[:2]
