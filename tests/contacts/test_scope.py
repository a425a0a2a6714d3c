"""The area-scope and role matrix for every contacts URL (docs/SECURITY.md §Access).

Pages without an id: roles without the function get 403. URLs with an id: a persona outside the area gets 404
on GET and on POST, and the database (and the audit log) is unchanged.
"""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from contacts.models import Assignment, ContactScheme, ServicePerson
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["county_staff", "town_cadre", "village_cadre", "leader", "admin", "no_area"]
VIEWERS = {"county_staff", "town_cadre", "village_cadre"}
MANAGERS = {"county_staff", "town_cadre"}
PAGES = {
    "contacts:person_list": VIEWERS,
    "contacts:gaps": VIEWERS,
    "contacts:person_create": MANAGERS,
    "contacts:person_import": MANAGERS,
    "contacts:village_assign": MANAGERS,
    "contacts:handover": MANAGERS,
    "contacts:scheme": {"county_staff"},
    "contacts:person_export": {"county_staff"},
}


@pytest.mark.parametrize("url_name", sorted(PAGES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix_for_pages(personas, client_for, url_name, persona):
    response = client_for(getattr(personas, persona)).get(reverse(url_name))
    assert response.status_code == (200 if persona in PAGES[url_name] else 403)


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_anonymous_is_sent_to_login(db, url_name):
    response = Client().get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def snapshot():
    return (
        list(Assignment.objects.order_by("pk").values_list()),
        list(ServicePerson.objects.order_by("pk").values_list("pk", "name", "phone", "active", "region_id", "user_id")),
        list(ContactScheme.objects.order_by("pk").values_list()),
        AccessEvent.objects.exclude(action__in=["login", "logout"]).count(),
    )


@pytest.fixture
def targets(homes, staff):
    """Objects inside V1a (town T1, county C)."""
    household = homes.v1a[0]
    assignment = AssignmentFactory(household=household, person=staff.cadre_v1a)
    return {"household": household, "person": staff.cadre_v1a, "assignment": assignment, "village": household.village}


ID_URLS = [
    ("contacts:person_edit", "person", {"name": "X", "phone": "13800000000", "role_type": "village_cadre"}),
    ("contacts:household", "household", {}),
    ("contacts:card", "household", {}),
    ("contacts:assign", "household", {"slot": "village_cadre", "village_cadre-person": "1"}),
    ("contacts:assign_all", "household", {"village_cadre": "1", "start_date": "2024-06-01"}),
    ("contacts:end", "assignment", {"end_date": "2024-06-01"}),
    ("contacts:substitute", "assignment", {"start_date": "2024-06-01"}),
    ("contacts:village_cards", "village", {}),
]

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {name for name, _, _ in ID_URLS}


@pytest.mark.parametrize(("url_name", "target", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre"])
def test_id_urls_answer_404_outside_the_area_and_change_nothing(
    personas, client_for, targets, url_name, target, data, method, actor
):
    before = snapshot()
    client = client_for(getattr(personas, actor))
    url = reverse(url_name, args=[targets[target].pk])
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("url_name", "target", "data"), ID_URLS)
def test_village_cadre_cannot_reach_the_next_village(area, personas, client_for, homes, staff, url_name, target, data):
    household = homes.v1b[0]
    objects = {
        "household": household,
        "person": staff.cadre_v1b,
        "assignment": AssignmentFactory(household=household, person=staff.cadre_v1b),
        "village": area.V1b,
    }
    before = snapshot()
    response = client_for(personas.village_cadre).post(reverse(url_name, args=[objects[target].pk]), data)
    assert response.status_code in {403, 404}  # managing is refused by role; reading by area
    if url_name in {"contacts:household", "contacts:card", "contacts:village_cards"}:
        assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("url_name", "target", "data"), ID_URLS)
def test_no_area_gets_nothing(personas, client_for, targets, url_name, target, data):
    before = snapshot()
    response = client_for(personas.no_area).get(reverse(url_name, args=[targets[target].pk]))
    assert response.status_code in {403, 404}
    assert snapshot() == before


def test_bulk_forms_refuse_objects_outside_the_area(area, personas, client_for, homes, staff):
    """A village or person of another county named in a POST is a form error, and nothing changes."""
    before = snapshot()
    client = client_for(personas.town_cadre)
    response = client.post(
        reverse("contacts:village_assign"),
        {"village": area.V2a.pk, "slot": "village_cadre", "person": staff.cadre_v2a.pk, "start": "2024-06-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(
        reverse("contacts:handover"),
        {"from_person": staff.cadre_v3a.pk, "to_person": staff.cadre_v1a.pk, "on": "2024-06-01"},
    )
    assert response.context["form"].errors
    response = client.post(
        reverse("contacts:person_create"),
        {"name": "某人", "phone": "13900000000", "role_type": "village_cadre", "region": area.V2a.pk, "active": "on"},
    )
    assert response.context["form"].errors
    assert snapshot() == before


def test_scheme_page_edits_only_the_users_county(area, personas, client_for):
    client_for(personas.other_county_staff).post(
        reverse("contacts:scheme"), {"kind": "double_post", "volunteers_required": 1}
    )
    assert ContactScheme.objects.get().county == area.C2
