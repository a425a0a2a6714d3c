"""The login throttle per address across usernames (accounts/throttle.py, config/settings/policy.py), beside the
account lockout by username that stays as it was (tests/accounts/test_security.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessFailureLog
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OFFICE = "10.20.30.40"


def login(client: Client, username: str, password: str, ip: str = OFFICE):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def guess_usernames(count: int, ip: str = OFFICE) -> list[int]:
    """One wrong password for each of ``count`` different usernames from ``ip``; the response codes."""
    return [login(Client(), f"guess{n:03d}", "wrong-Password-1", ip=ip).status_code for n in range(count)]


def test_the_policy_is_thirty_failures_in_fifteen_minutes():
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    assert settings.LOGIN_ADDRESS_WINDOW.total_seconds() == 15 * 60
    assert settings.AXES_ENABLE_ACCESS_FAILURE_LOG  # the throttle counts in axes' failure log


def test_after_thirty_usernames_from_one_address_the_right_password_does_not_log_in(personas):
    assert guess_usernames(settings.LOGIN_ADDRESS_FAILURE_LIMIT) == [200] * settings.LOGIN_ADDRESS_FAILURE_LIMIT

    client = Client()
    response = login(client, "v1a_cadre", TEST_PASSWORD)

    assert response.status_code == 429
    assert not client.get(reverse("portal:home")).wsgi_request.user.is_authenticated
    html = response.content.decode()
    assert 'data-lockout="address"' in html
    assert "登录已暂停" in html  # the user's language: Chinese unless switched
    assert "最长 15 分钟" in html


def test_the_throttle_page_speaks_english_after_the_switch(personas):
    guess_usernames(settings.LOGIN_ADDRESS_FAILURE_LIMIT)
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = login(client, "v1a_cadre", TEST_PASSWORD).content.decode()

    assert "Logins paused" in html
    assert "Too many failed logins from your network address" in html


def test_below_the_limit_a_colleague_behind_the_same_address_logs_in(personas):
    guess_usernames(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1)
    assert login(Client(), "v1a_cadre", TEST_PASSWORD).status_code == 302


def test_only_the_address_is_throttled(personas):
    guess_usernames(settings.LOGIN_ADDRESS_FAILURE_LIMIT)
    assert login(Client(), "v1a_cadre", TEST_PASSWORD, ip="10.20.30.41").status_code == 302


def test_the_address_is_free_once_its_failures_leave_the_window_and_refusals_lock_no_account(personas):
    guess_usernames(settings.LOGIN_ADDRESS_FAILURE_LIMIT)
    # A colleague tries more often than the account lockout allows while the address is paused …
    tries = [login(Client(), "v1a_cadre", TEST_PASSWORD).status_code for _ in range(settings.LOGIN_FAILURE_LIMIT + 1)]
    assert tries == [429] * (settings.LOGIN_FAILURE_LIMIT + 1)
    assert not AccessFailureLog.objects.filter(username="v1a_cadre").exists()
    # … and once the window has passed over the guesses (moved back here instead of waiting), logs in.
    AccessFailureLog.objects.update(
        attempt_time=AccessFailureLog.objects.order_by("attempt_time").first().attempt_time
        - settings.LOGIN_ADDRESS_WINDOW
        - timedelta(seconds=1)
    )
    client = Client()
    assert login(client, "v1a_cadre", TEST_PASSWORD).status_code == 302
    assert client.get(reverse("portal:home")).wsgi_request.user == User.objects.get(username="v1a_cadre")


def test_failures_already_refused_by_an_account_lockout_do_not_count_for_the_address(personas):
    # Five failures lock t1_cadre; the next attempts at that account are refused without a password check.
    codes = [login(Client(), "t1_cadre", "wrong-Password-1").status_code for _ in range(40)]
    assert codes[settings.LOGIN_FAILURE_LIMIT - 1 :] == [429] * (40 - settings.LOGIN_FAILURE_LIMIT + 1)
    assert login(Client(), "v1a_cadre", TEST_PASSWORD).status_code == 302


def test_the_account_lockout_still_says_the_account_is_locked(personas):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = login(Client(), "t1_cadre", "wrong-Password-1")
    assert response.status_code == 429
    assert 'data-lockout="account"' in response.content.decode()
