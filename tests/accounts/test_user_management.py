"""County staff manage the users of their own area in the portal."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AccessEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def create(client, **overrides):
    data = {
        "username": "new_cadre",
        "name": "周敏",
        "role": "village_cadre",
        "password": "Good-pass-2026",
        "phone": "",
        "email": "",
    }
    data.update(overrides)
    return client.post(reverse("accounts:user_create"), data)


def test_list_shows_only_users_of_the_area(personas, client_for):
    html = client_for(personas.county_staff).get(reverse("accounts:user_list")).content.decode()
    assert "t1_cadre" in html
    assert "c2_staff" not in html


def test_county_staff_creates_a_village_cadre(area, personas, client_for):
    response = create(client_for(personas.county_staff), region=area.V1a.pk)
    assert response.status_code == 302
    user = User.objects.get(username="new_cadre")
    assert user.region == area.V1a
    assert user.check_password("Good-pass-2026")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ACCOUNT, target_id=str(user.pk)).exists()


def test_cannot_create_a_user_outside_the_area(area, personas, client_for):
    response = create(client_for(personas.county_staff), region=area.V3a.pk)
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not User.objects.filter(username="new_cadre").exists()


def test_county_staff_cannot_create_an_administrator(area, personas, client_for):
    response = create(client_for(personas.county_staff), role="admin", region=area.C.pk)
    assert response.status_code == 200
    assert not User.objects.filter(username="new_cadre").exists()


def test_role_must_fit_the_region_level(area, personas, client_for):
    response = create(client_for(personas.county_staff), role="village_cadre", region=area.T1.pk)
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not User.objects.filter(username="new_cadre").exists()


def test_weak_initial_password_is_refused(area, personas, client_for):
    response = create(client_for(personas.county_staff), region=area.V1a.pk, password="12345678")
    assert response.status_code == 200
    assert not User.objects.filter(username="new_cadre").exists()


def test_edit_role_and_area_inside_the_area(area, personas, client_for):
    client = client_for(personas.county_staff)
    response = client.post(
        reverse("accounts:user_edit", args=[personas.village_cadre.pk]),
        {
            "name": "陈静",
            "role": "village_cadre",
            "region": area.V1b.pk,
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=personas.village_cadre.pk).region == area.V1b


def test_staff_cannot_change_their_own_role(area, personas, client_for):
    client = client_for(personas.county_staff)
    client.post(
        reverse("accounts:user_edit", args=[personas.county_staff.pk]),
        {
            "name": "",
            "role": "leader",
            "region": area.C.pk,
            "phone": "",
            "email": "",
        },
    )
    assert User.objects.get(pk=personas.county_staff.pk).role == "county_staff"


def test_password_reset_forces_a_change_at_next_login(personas, client_for):
    client_for(personas.county_staff).post(
        reverse("accounts:user_password_reset", args=[personas.town_cadre.pk]), {"password": "Reset-pass-2026"}
    )
    user = User.objects.get(pk=personas.town_cadre.pk)
    assert user.check_password("Reset-pass-2026")
    assert not user.check_password(TEST_PASSWORD)
    assert user.password_expired()


def test_deactivated_user_cannot_log_in(personas):
    from django.test import Client

    response = Client().post(reverse("accounts:login"), {"username": "gone", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_user_with_no_area_sees_the_no_area_notice(personas, client_for):
    html = client_for(personas.no_area).get(reverse("portal:home")).content.decode()
    assert "data-no-area" in html
