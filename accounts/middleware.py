"""Session and password policy, and no caching of pages with personal data (docs/SECURITY.md §Identity and sessions)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from accounts.second_factor import has_device, second_factor_pending

SESSION_LOGIN_AT = "accounts.login_at"
# When the session was last saved by SessionExpiryMiddleware (time.time()); see there.
SESSION_REFRESHED_AT = "accounts.refreshed_at"


class SessionExpiryMiddleware:
    """Idle and absolute session limits (SESSION_IDLE_TIMEOUT_SECONDS, SESSION_ABSOLUTE_TIMEOUT_SECONDS, policy).

    Idle: the stored session expires SESSION_COOKIE_AGE after it was last saved (the database backend reads
    only unexpired rows). Each save pushes the expiry forward. Saving on every request
    (SESSION_SAVE_EVERY_REQUEST) would cost every page a row UPDATE and a second, synchronous commit; instead the
    session is marked modified, so that SessionMiddleware saves it, only when its last save is
    SESSION_IDLE_REFRESH_SECONDS old or more (or when the request changed it anyway). The idle limit is
    therefore between SESSION_COOKIE_AGE − SESSION_IDLE_REFRESH_SECONDS and SESSION_COOKIE_AGE after the last
    request: never longer than the policy.

    Absolute: SESSION_ABSOLUTE_TIMEOUT_SECONDS after the login, however active the session.
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
        response = self.get_response(request)
        if request.user.is_authenticated:  # after the view: not once it logged the user out
            session = request.session
            now = time.time()
            refreshed_at = session.get(SESSION_REFRESHED_AT)
            if (
                session.modified
                or not isinstance(refreshed_at, (int, float))
                or not 0 <= now - refreshed_at < settings.SESSION_IDLE_REFRESH_SECONDS
            ):
                session[SESSION_REFRESHED_AT] = now  # modified: SessionMiddleware saves it, with a new expiry
        return response


class SecondFactorMiddleware:
    """Until the session's second factor is given (accounts.second_factor), every page but the second factor's own,
    logout and the language switch sends the user there: to the code, or to setting up the device when the user has
    none. After django-otp's OTPMiddleware (request.user.is_verified) and before the password's expiry (a code
    first, then a new password). The Django admin is a page like the others, and checks again itself
    (accounts.admin_site). Nothing happens while the deployment requires no second factor (OTP_REQUIRED_ROLES)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.OTP_REQUIRED_ROLES and second_factor_pending(request) and not self._exempt(request.path):
            target = reverse("accounts:otp_verify" if has_device(request.user) else "accounts:otp_setup")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith(settings.STATIC_URL) or path in {
            reverse("accounts:otp_verify"),
            reverse("accounts:otp_setup"),
            reverse("accounts:logout"),
            reverse("set_language"),
        }


class PasswordExpiryMiddleware:
    """A user whose password is older than PASSWORD_MAX_AGE_DAYS (or was reset) must change it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # While the second factor is pending, SecondFactorMiddleware (before this one) keeps the user on its pages:
        # the code first, then the new password (else each would send the user to the other).
        if user.is_authenticated and user.password_expired() and not second_factor_pending(request):
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


class PortalLocaleMiddleware:
    """Simplified Chinese unless the user chose another language with the switch (the language cookie that
    Django's set_language view writes). The browser's Accept-Language is not consulted: offices often run
    English-language browsers, and the portal's working language is Chinese (README.md "Languages")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Cookie",))
        return response
