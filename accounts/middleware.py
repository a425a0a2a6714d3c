"""Session and password policy, and no caching of pages with personal data (SECURITY.md)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_LOGIN_AT = "accounts.login_at"


class SessionExpiryMiddleware:
    """Absolute session limit (SESSION_ABSOLUTE_TIMEOUT_SECONDS, policy).

    The idle limit is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST: each request pushes the expiry
    forward, silence lets it lapse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            login_at = request.session.get(SESSION_LOGIN_AT)
            if login_at is None or time.time() - login_at > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """A user whose password is older than PASSWORD_MAX_AGE_DAYS (or was reset) must change it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.password_expired():
            allowed = {
                reverse("accounts:password_change"),
                reverse("accounts:logout"),
                reverse("set_language"),
            }
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                messages.warning(request, _("Your password has expired. Please choose a new one."))
                return redirect("accounts:password_change")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages seen by a logged-in user may carry personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
