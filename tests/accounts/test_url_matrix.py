"""The area-scope and role matrix for every URL of the foundation (docs/SECURITY.md §Access).

For each URL that takes an id, a persona outside the area gets 404 on GET and POST and the database is
unchanged; roles without the function get 403; anonymous users are sent to the login page.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from regions.models import Region

pytestmark = pytest.mark.django_db

# URL name → capability holders (others get 403). Dashboard: every logged-in user.
PAGES = {
    "portal:home": {"county_staff", "town_cadre", "village_cadre", "leader", "admin", "no_area"},
    "regions:list": {"county_staff", "town_cadre", "village_cadre", "leader", "admin"},
    "accounts:user_list": {"county_staff", "admin"},
    "accounts:user_create": {"county_staff", "admin"},
    "audit:access_list": {"county_staff", "admin"},
    "audit:change_list": {"county_staff", "admin"},
}
PERSONAS = ["county_staff", "town_cadre", "village_cadre", "leader", "admin", "no_area"]


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


def user_snapshot():
    return list(User.objects.order_by("pk").values_list("pk", "is_active", "role", "region_id", "password", "name"))


USER_ID_URLS = [
    ("accounts:user_edit", "get", None),
    ("accounts:user_edit", "post", {"name": "X Y", "role": "town_cadre", "region": ""}),
    ("accounts:user_toggle_active", "get", None),
    ("accounts:user_toggle_active", "post", {}),
    ("accounts:user_password_reset", "get", None),
    ("accounts:user_password_reset", "post", {"password": "Another-pass-2026"}),
]
POST_ONLY = {"accounts:user_toggle_active", "accounts:user_password_reset"}  # GET is 405 for everybody

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {name for name, _, _ in USER_ID_URLS} | {"regions:detail"}


@pytest.mark.parametrize(("url_name", "method", "data"), USER_ID_URLS)
@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("other_county_staff", "town_cadre"),  # sibling county
        ("county_staff", "other_county_staff"),  # the other way round
        ("no_area", "town_cadre"),  # no area: nothing
    ],
)
def test_user_urls_answer_404_outside_the_area_and_change_nothing(
    personas, client_for, url_name, method, data, actor, target
):
    target_user = getattr(personas, target)
    before = user_snapshot()
    client = client_for(getattr(personas, actor))
    url = reverse(url_name, args=[target_user.pk])
    response = client.get(url) if method == "get" else client.post(url, data)
    expected = 403 if actor == "no_area" else 404  # no area: no capability at all
    if method == "get" and url_name in POST_ONLY:
        expected = 405
    assert response.status_code == expected
    assert user_snapshot() == before


@pytest.mark.parametrize("actor", ["other_county_staff", "town_cadre", "village_cadre"])
def test_region_detail_answers_404_outside_the_area(area, personas, client_for, actor):
    target = area.T2  # in county C, outside T1 and outside county C2
    client = client_for(getattr(personas, actor))
    assert client.get(reverse("regions:detail", args=[target.pk])).status_code == 404
    assert client.post(reverse("regions:detail", args=[target.pk])).status_code in (404, 405)


def test_region_detail_inside_the_area(area, personas, client_for):
    response = client_for(personas.town_cadre).get(reverse("regions:detail", args=[area.V1a.pk]))
    assert response.status_code == 200
    assert area.V1a.name in response.content.decode()


def test_missing_and_out_of_area_look_the_same(area, personas, client_for):
    client = client_for(personas.town_cadre)
    missing = client.get(reverse("regions:detail", args=[Region.objects.order_by("-pk").first().pk + 1000]))
    hidden = client.get(reverse("regions:detail", args=[area.T2.pk]))
    assert missing.status_code == hidden.status_code == 404


def test_village_cadre_region_list_shows_only_their_village(area, personas, client_for):
    html = client_for(personas.village_cadre).get(reverse("regions:list")).content.decode()
    assert area.V1a.name in html
    for other in (area.V1b, area.T1, area.T2, area.C, area.V3a):
        assert other.name not in html
