"""The second factor (accounts.second_factor): off by default; when a deployment names the roles, their users set up
an authenticator app after the password, then give a code (or a recovery code) at every login before any page.

Codes are computed here from the device's secret with django-otp's own TOTP functions, at the time step the
server accepts next (never by waiting).
"""

from __future__ import annotations

import base64
import io
import re
from binascii import unhexlify

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import SETUP_KEY_SESSION
from audit.models import AccessEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
HOME = reverse("portal:home")
VERIFY = reverse("accounts:otp_verify")
SETUP = reverse("accounts:otp_setup")
USERS = reverse("accounts:user_list")
ADMIN = "/django-admin/"


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED_ROLES = ["county_staff", "admin"]
    return settings


def login(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302, "the password login failed"


def code_for_key(key_hex: str, *, after_t: int = -1) -> str:
    """The code of the current time step, or of the next one when the current one was already used."""
    now_t = TOTP(unhexlify(key_hex)).t()
    return f"{hotp(unhexlify(key_hex), max(now_t, after_t + 1)):06d}"


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return code_for_key(device.key, after_t=device.last_t)


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def set_up(client: Client) -> list[str]:
    """Open the setup page, confirm with the app's code; returns the recovery codes shown."""
    assert client.get(SETUP).status_code == 200
    key = client.session[SETUP_KEY_SESSION]
    response = client.post(SETUP, {"code": code_for_key(key), "next": HOME})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def events(user, event: str | None = None) -> list[dict]:
    rows = AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.SECOND_FACTOR).order_by("id")
    return [e.detail for e in rows if event is None or e.detail.get("event") == event]


# ---- off: no second step -------------------------------------------------------------------------------------


def test_off_by_default_no_second_step(settings, personas):
    assert settings.OTP_REQUIRED_ROLES == []
    client = Client()
    login(client, "c_staff")
    assert client.get(HOME).status_code == 200
    assert client.get(USERS).status_code == 200
    # The second factor's pages send the user on.
    assert client.get(SETUP).status_code == 302
    assert client.get(VERIFY).status_code == 302
    assert not TOTPDevice.objects.exists()


def test_off_even_a_user_with_a_device_is_not_asked(settings, personas):
    TOTPDevice.objects.create(user=personas.county_staff, name="authenticator", confirmed=True)
    client = Client()
    login(client, "c_staff")
    assert client.get(HOME).status_code == 200


def test_on_other_roles_are_not_asked(otp_on, personas):
    client = Client()
    login(client, "t1_cadre")
    assert client.get(HOME).status_code == 200


# ---- setting up ----------------------------------------------------------------------------------------------


def test_on_county_staff_without_a_device_is_sent_to_set_one_up_from_every_page(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    response = client.get(USERS)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fusers%2F"
    assert client.get(HOME)["Location"].startswith(SETUP)
    # A POST elsewhere is refused the same way, and does nothing.
    assert client.post(reverse("accounts:user_create"), {"username": "x"})["Location"] == SETUP
    # Static files, the language switch and logout stay open.
    assert client.post(reverse("set_language"), {"language": "en", "next": SETUP}).status_code == 302
    assert client.get(SETUP).status_code == 200


def test_setup_page_shows_a_qr_code_and_the_secret_and_writes_nothing(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    key = client.session[SETUP_KEY_SESSION]
    secret = re.search(r"<code data-otp-secret>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    assert base64.b32decode(secret) == unhexlify(key)
    # No state change on GET: the secret waits in the session; the same one on a reload.
    assert not TOTPDevice.objects.exists()
    client.get(SETUP)
    assert client.session[SETUP_KEY_SESSION] == key


def test_setup_with_a_wrong_code_is_refused_and_logged(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    client.get(SETUP)
    key = client.session[SETUP_KEY_SESSION]
    response = client.post(SETUP, {"code": wrong_code(code_for_key(key))})
    assert response.status_code == 200
    assert "data-otp-codes" not in response.content.decode()
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert events(personas.county_staff) == [{"event": "failed", "step": "set up", "throttled": False}]
    assert client.get(HOME)["Location"].startswith(SETUP)


def test_setup_confirms_the_device_shows_ten_recovery_codes_once_and_verifies_the_session(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    codes = set_up(client)

    assert len(codes) == 10 == len(set(codes))
    device = TOTPDevice.objects.get(user=personas.county_staff)
    assert device.confirmed
    assert set(StaticToken.objects.filter(device__user=personas.county_staff).values_list("token", flat=True)) == set(
        codes
    )
    assert SETUP_KEY_SESSION not in client.session
    assert client.get(USERS).status_code == 200  # this session is verified
    assert events(personas.county_staff) == [
        {"event": "set up", "recovery codes": 10, "replaced an earlier device": False}
    ]
    # The codes are never shown again: the setup page (a replacement) shows a new secret, no codes.
    assert "data-otp-codes" not in client.get(SETUP).content.decode()


# ---- every login -----------------------------------------------------------------------------------------------


@pytest.fixture
def staff_with_device(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    codes = set_up(client)
    client.post(LOGOUT)
    return personas.county_staff, codes


def test_login_with_a_device_asks_for_a_code_before_any_page(staff_with_device):
    client = Client()
    login(client, "c_staff")
    assert client.get(USERS)["Location"] == f"{VERIFY}?next=%2Fusers%2F"
    assert client.get(ADMIN)["Location"].startswith(VERIFY)
    # The setup page cannot enrol another phone with the password alone.
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.count() == 1


def test_the_right_code_opens_the_portal_and_the_page_asked_for(staff_with_device):
    user, _codes = staff_with_device
    client = Client()
    login(client, "c_staff")
    response = client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get()), "next": USERS})
    assert response.status_code == 302
    assert response["Location"] == USERS
    assert client.get(USERS).status_code == 200
    assert events(user, "verified") == [{"event": "verified"}]


def _menu(html: str) -> bool:
    return 'id="main-nav"' in html or "data-nav-toggle" in html


def test_no_menu_until_the_second_factor_is_given_and_a_wrong_code_is_a_plain_error(staff_with_device):
    """The code page is a step of the login: no navigation (as on the login page), a way out (log out), and a wrong
    code is said next to the field, without the "nothing was saved" summary of the forms that save."""
    client = Client()
    login(client, "c_staff")
    html = client.get(VERIFY).content.decode()
    assert not _menu(html)
    assert f'action="{LOGOUT}"' in html

    right = code_for(TOTPDevice.objects.get())
    response = client.post(VERIFY, {"code": wrong_code(right)})
    html = response.content.decode()
    message = response.context["form"].errors["code"][0]
    assert f'<p class="error">{message}</p>' in html
    assert "data-error-summary" not in html
    assert not _menu(html)

    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    client.post(VERIFY, {"code": right})
    assert _menu(client.get(HOME).content.decode())


def test_no_menu_on_the_first_setup_but_a_way_out(otp_on, personas):
    client = Client()
    login(client, "c_staff")
    html = client.get(SETUP).content.decode()
    assert not _menu(html)
    assert f'action="{LOGOUT}"' in html


def test_a_code_is_not_accepted_twice(staff_with_device):
    device = TOTPDevice.objects.get()
    code = code_for(device)
    first = Client()
    login(first, "c_staff")
    assert first.post(VERIFY, {"code": code})["Location"] == HOME
    second = Client()
    login(second, "c_staff")
    assert second.post(VERIFY, {"code": code}).status_code == 200
    assert second.get(HOME)["Location"].startswith(VERIFY)


def test_a_wrong_code_is_refused_logged_and_throttled(staff_with_device, settings):
    user, _codes = staff_with_device
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600  # the next attempt waits an hour: no race with the clock
    client = Client()
    login(client, "c_staff")
    device = TOTPDevice.objects.get()
    right = code_for(device)
    response = client.post(VERIFY, {"code": wrong_code(right)})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["wrong"]
    assert client.get(HOME)["Location"].startswith(VERIFY)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1

    # Throttled: even the right code is refused until the wait is over; nothing is verified.
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["throttled"]
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert [e["throttled"] for e in events(user, "failed")] == [False, True]


def test_the_policy_throttle_doubles_the_wait_after_each_wrong_code(staff_with_device, settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR == settings.OTP_THROTTLE_FACTOR == 1
    device = TOTPDevice.objects.get()
    for _ in range(3):
        device.throttle_increment()
    allowed, info = device.verify_is_allowed()
    assert not allowed
    assert (info["locked_until"] - device.throttling_failure_timestamp).total_seconds() == 4


def test_a_recovery_code_works_once(staff_with_device):
    user, codes = staff_with_device
    client = Client()
    login(client, "c_staff")
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": USERS}, follow=True)
    assert response.redirect_chain[-1][0] == USERS
    assert "9" in " ".join(str(m) for m in response.context["messages"])
    assert events(user, "recovery code used") == [{"event": "recovery code used", "left": 9}]
    assert StaticToken.objects.count() == 9

    client.post(LOGOUT)
    again = Client()
    login(again, "c_staff")
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert again.get(HOME)["Location"].startswith(VERIFY)
    assert events(user, "failed")[-1] == {"event": "failed", "step": "login", "kind": "recovery", "throttled": False}


def test_an_open_redirect_in_next_goes_home_instead(staff_with_device):
    client = Client()
    login(client, "c_staff")
    response = client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get()), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_verified_user_may_replace_the_device(staff_with_device):
    user, old_codes = staff_with_device
    client = Client()
    login(client, "c_staff")
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get())})
    new_codes = set_up(client)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert StaticDevice.objects.filter(user=user).count() == 1
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
    assert not set(old_codes) & set(new_codes)
    assert events(user, "set up")[-1]["replaced an earlier device"] is True


def test_logout_ends_the_verified_session(staff_with_device):
    client = Client()
    login(client, "c_staff")
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get())})
    client.post(LOGOUT)
    login(client, "c_staff")
    assert client.get(HOME)["Location"].startswith(VERIFY)


# ---- the Django admin -----------------------------------------------------------------------------------------


def test_admin_requires_a_verified_session(otp_on, personas):
    client = Client()
    login(client, "sysadmin")
    assert client.get(ADMIN)["Location"].startswith(SETUP)
    set_up(client)
    assert client.get(ADMIN).status_code == 200

    client.post(LOGOUT)
    login(client, "sysadmin")
    assert client.get(ADMIN)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=personas.admin))})
    assert client.get(ADMIN).status_code == 200


def test_admin_site_itself_refuses_an_unverified_session(otp_on, personas, rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.middleware import OTPMiddleware

    request = rf.get(ADMIN)
    request.user = personas.admin
    request.session = SessionStore()
    OTPMiddleware(lambda r: None)(request)
    assert not admin.site.has_permission(request)
    otp_on.OTP_REQUIRED_ROLES = []
    assert admin.site.has_permission(request)


def test_device_admins_are_not_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


# ---- reset by the system administrator on the server ------------------------------------------------------


def test_reset_command_removes_the_device_and_the_next_login_sets_up_again(staff_with_device):
    user, _codes = staff_with_device
    call_command("reset_second_factor", "c_staff", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()
    assert events(user, "reset") == [{"event": "reset", "by": "manage.py reset_second_factor"}]
    client = Client()
    login(client, "c_staff")
    assert client.get(HOME)["Location"].startswith(SETUP)


def test_reset_command_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("reset_second_factor", "nobody-here")


def test_the_events_are_in_the_users_area(staff_with_device, area):
    assert set(
        AccessEvent.objects.filter(action=AccessEvent.Action.SECOND_FACTOR).values_list("region_path", flat=True)
    ) == {area.C.path}


def test_an_unknown_role_name_fails_the_system_checks(settings):
    from accounts.checks import otp_required_roles_check

    settings.OTP_REQUIRED_ROLES = ["county_staff", "admin"]
    assert otp_required_roles_check() == []
    settings.OTP_REQUIRED_ROLES = ["county_staf"]
    assert [e.id for e in otp_required_roles_check()] == ["accounts.E001"]


def test_the_code_comes_before_an_expired_passwords_change(staff_with_device):
    user, _codes = staff_with_device
    user.password_changed_at = None  # reset by a manager: must be changed at this login
    user.save(update_fields=["password_changed_at"])
    client = Client()
    login(client, "c_staff")
    assert client.get(HOME)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get())})
    assert client.get(HOME)["Location"] == reverse("accounts:password_change")


def test_a_new_account_with_a_password_to_change_sets_up_the_device_first(otp_on, personas):
    personas.county_staff.password_changed_at = None
    personas.county_staff.save(update_fields=["password_changed_at"])
    client = Client()
    login(client, "c_staff")
    assert client.get(HOME)["Location"].startswith(SETUP)
    set_up(client)
    assert client.get(HOME)["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200
