"""The second factor in a real browser: county staff set up the authenticator app after the password, log in again
with a code, are refused a wrong one; with the setting off there is no second step.

The code is computed here from the secret the page shows (as the phone's app would), with django-otp's TOTP
function, at the time step the server accepts next — never by waiting for the clock.
"""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from audit.models import AccessEvent
from tests.browser.conftest import RoleUsers, login

pytestmark = pytest.mark.browser


def code(secret: bytes, *, after_t: int = -1) -> str:
    """The app's code now, or the next step's when the server has already taken this one (it accepts one step
    either side)."""
    return f"{hotp(secret, max(TOTP(secret).t(), after_t + 1)):06d}"


def log_out(page: Page) -> None:
    page.locator("form[action='/logout/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_county_staff_sets_up_the_app_then_logs_in_with_a_code_and_a_wrong_code_is_refused(
    page: Page, role_users: RoleUsers, settings, screenshot
) -> None:
    settings.OTP_REQUIRED_ROLES = ["county_staff", "admin"]
    staff = role_users.county_staff

    # First login: the password, then straight to setting up the app — whatever page was asked for.
    page.goto("/users/")
    login(page, staff.username, open_form=False)
    expect(page).to_have_url(re.compile(r"/otp/setup/\?next=%2Fusers%2F$"))
    expect(page.locator("[data-otp-qr]")).to_be_visible()
    secret_text = page.locator("[data-otp-secret]").inner_text()
    secret = base64.b32decode(secret_text.replace(" ", ""))
    screenshot("setup")
    # Every other page sends the user back here.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/otp/setup/"))
    assert page.locator("[data-otp-secret]").inner_text() == secret_text  # the same secret on a reload

    page.locator("main form input[name=code]").fill(code(secret))
    page.locator("main form button.primary").click()
    codes = page.locator("[data-otp-codes] li")
    expect(codes).to_have_count(10)
    screenshot("recovery-codes")
    page.locator("[data-otp-continue]").click()
    expect(page).to_have_url(re.compile(r"/$"))  # the page last asked for
    page.goto("/users/")
    expect(page).to_have_url(re.compile(r"/users/$"))  # this session is verified
    log_out(page)

    # Second login: the code from the app.
    login(page, staff.username)
    expect(page).to_have_url(re.compile(r"/otp/\?next=%2F$"))
    device = TOTPDevice.objects.get(user=staff)
    page.locator("main form input[name=code]").fill(code(secret, after_t=device.last_t))
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-area]")).to_be_visible()
    log_out(page)

    # Third login: a wrong code is refused, and the portal stays closed.
    login(page, staff.username)
    device.refresh_from_db()
    right = int(code(secret, after_t=device.last_t))
    page.locator("main form input[name=code]").fill(f"{(right + 1) % 1_000_000:06d}")
    page.locator("main form button.primary").click()
    expect(page.locator(".field.has-error .error")).to_be_visible()
    screenshot("wrong-code")
    page.goto("/users/")
    expect(page).to_have_url(re.compile(r"/otp/\?next=%2Fusers%2F$"))
    page.goto("/django-admin/")
    expect(page).to_have_url(re.compile(r"/otp/"))

    recorded = [
        e.detail["event"]
        for e in AccessEvent.objects.filter(actor=staff, action=AccessEvent.Action.SECOND_FACTOR).order_by("id")
    ]
    assert recorded == ["set up", "verified", "failed"]


def test_setting_off_no_second_step(page: Page, role_users: RoleUsers, settings) -> None:
    settings.OTP_REQUIRED_ROLES = []
    login(page, role_users.county_staff.username)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/users/")
    expect(page).to_have_url(re.compile(r"/users/$"))
    assert not TOTPDevice.objects.exists()
