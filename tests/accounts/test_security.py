"""docs/SECURITY.md §Identity and sessions: lockout, idle/absolute expiry, sessions ended, password rules."""

import os
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_LOGIN_AT, SESSION_REFRESHED_AT
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("portal:home")


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_with_the_right_password_reaches_the_dashboard(personas):
    client = Client()
    response = login(client, "t1_cadre", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_five_failures_lock_the_account_even_with_the_right_password(personas):
    client = Client()
    statuses = [login(client, "t1_cadre", "wrong-Password-1").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = login(client, "t1_cadre", TEST_PASSWORD)
    assert response.status_code == 429
    assert not client.get(DASHBOARD).wsgi_request.user.is_authenticated


def test_lockout_is_keyed_by_username_not_by_office_ip(personas):
    """One attacker behind the office NAT address must not lock every colleague out."""
    for _ in range(6):
        login(Client(), "t1_cadre", "wrong-Password-1", ip="10.9.9.9")
    colleague = Client()
    assert login(colleague, "v1a_cadre", TEST_PASSWORD, ip="10.9.9.9").status_code == 302


def test_lockout_holds_from_another_address(personas):
    for _ in range(5):
        login(Client(), "t1_cadre", "wrong-Password-1", ip="10.0.0.1")
    assert login(Client(), "t1_cadre", TEST_PASSWORD, ip="10.0.0.2").status_code == 429


def test_failed_login_shows_a_message_and_is_audited(personas):
    from audit.models import AccessEvent

    response = login(Client(), "t1_cadre", "wrong-Password-1")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    event = AccessEvent.objects.get(action=AccessEvent.Action.LOGIN_FAILED)
    assert event.actor_username == "t1_cadre"
    assert "wrong-Password-1" not in str(event.detail)


def test_idle_expiry_is_thirty_minutes_and_refreshed_by_requests(settings, personas, client_for):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = client_for(personas.town_cadre)
    client.get(DASHBOARD)
    session = Session.objects.get()
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    # Idle past the limit: the stored session has expired, the user must log in again.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(DASHBOARD).status_code == 302


def test_idle_expiry_is_pushed_forward_at_most_once_a_minute(settings, personas, client_for):
    """Not a write per page: the session is saved again when its last save is a minute old."""
    assert settings.SESSION_IDLE_REFRESH_SECONDS == 60
    client = client_for(personas.town_cadre)
    client.get(DASHBOARD)
    soon = timezone.now() + timedelta(minutes=20)
    Session.objects.update(expire_date=soon)  # as if saved ten minutes ago …
    client.get(DASHBOARD)
    assert Session.objects.get().expire_date == soon  # … a request within the minute does not write
    session = client.session
    session[SESSION_REFRESHED_AT] = time.time() - 61
    session.save()
    Session.objects.update(expire_date=soon)
    client.get(DASHBOARD)
    assert timedelta(minutes=29) < Session.objects.get().expire_date - timezone.now() <= timedelta(minutes=30)


def test_absolute_expiry_after_twelve_hours_even_when_active(personas, client_for):
    client = client_for(personas.town_cadre)
    session = client.session
    session[SESSION_LOGIN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.get(DASHBOARD).status_code == 302


def test_logout_ends_every_session_of_the_user(personas):
    phone, desk = Client(), Client()
    login(phone, "t1_cadre", TEST_PASSWORD)
    login(desk, "t1_cadre", TEST_PASSWORD)
    assert desk.get(DASHBOARD).status_code == 200
    phone.post(reverse("accounts:logout"))
    assert desk.get(DASHBOARD).status_code == 302


def test_deactivation_ends_the_users_sessions(personas, client_for):
    cadre = client_for(personas.town_cadre)
    assert cadre.get(DASHBOARD).status_code == 200
    staff = client_for(personas.county_staff)
    staff.post(reverse("accounts:user_toggle_active", args=[personas.town_cadre.pk]))
    assert not User.objects.get(pk=personas.town_cadre.pk).is_active
    assert cadre.get(DASHBOARD).status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(personas):
    here, elsewhere = Client(), Client()
    login(here, "t1_cadre", TEST_PASSWORD)
    login(elsewhere, "t1_cadre", TEST_PASSWORD)
    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Fresh-pass-2027",
            "new_password2": "Fresh-pass-2027",
        },
    )
    assert response.status_code == 302
    assert here.get(DASHBOARD).status_code == 200
    assert elsewhere.get(DASHBOARD).status_code == 302
    user = User.objects.get(username="t1_cadre")
    assert user.check_password("Fresh-pass-2027")
    assert user.password_changed_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize("weak", ["short1A", "alllowercase", "abcd1234", "12345678901", "t1_cadre_2026"])
def test_password_change_refuses_weak_passwords(personas, client_for, weak):
    client = client_for(personas.town_cadre)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": weak,
            "new_password2": weak,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.get(username="t1_cadre").check_password(TEST_PASSWORD)


def test_expired_password_must_be_changed_first(personas, client_for):
    User.objects.filter(pk=personas.town_cadre.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = client_for(personas.town_cadre)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_service_refuses_weak_password(area):
    with pytest.raises(ValidationError):
        user_create(manager=None, username="x1", password="password", role=Role.COUNTY_STAFF, region=area.C)
    assert not User.objects.filter(username="x1").exists()


def test_create_user_command_applies_password_rules(area, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "weakweak")
    with pytest.raises(CommandError):
        call_command("create_user", "newbie", "--role", "county_staff", "--region", area.C.code, "--no-input")
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "Strong-pass-2026")
    call_command("create_user", "newbie", "--role", "county_staff", "--region", area.C.code, "--no-input")
    assert User.objects.get(username="newbie").region == area.C


def test_create_user_command_checks_role_level(area, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "Strong-pass-2026")
    with pytest.raises(CommandError):
        call_command("create_user", "vc", "--role", "village_cadre", "--region", area.C.code, "--no-input")
    assert not User.objects.filter(username="vc").exists()


def test_createsuperuser_noinput_applies_password_rules(db, monkeypatch):
    monkeypatch.setitem(os.environ, "DJANGO_SUPERUSER_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org")
    assert not User.objects.filter(username="root").exists()


def test_pages_with_personal_data_are_not_cached(personas, client_for):
    response = client_for(personas.county_staff).get(reverse("accounts:user_list"))
    assert response["Cache-Control"] == "no-store"


def test_secure_headers_and_csp(personas, client_for):
    response = client_for(personas.county_staff).get(DASHBOARD)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_no_state_change_on_get(personas, client_for):
    staff = client_for(personas.county_staff)
    assert staff.get(reverse("accounts:user_toggle_active", args=[personas.town_cadre.pk])).status_code == 405
    assert User.objects.get(pk=personas.town_cadre.pk).is_active
