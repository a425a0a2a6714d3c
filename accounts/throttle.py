"""Login throttle per network address, across usernames (SECURITY.md "Identity and sessions").

django-axes locks an account after ``LOGIN_FAILURE_LIMIT`` failures, by username and by username+address: right
against guessing one account's password, but guessing over many usernames from one address went unchecked. Axes
has one failure limit for all its lockout parameters, so adding ``["ip_address"]`` would pause a whole county
office behind one NAT address after five typos. This handler adds a second, looser limit per address
(``LOGIN_ADDRESS_FAILURE_LIMIT`` failures within ``LOGIN_ADDRESS_WINDOW``, config/settings/policy.py), counted in
axes' own failure log. An attempt refused by the throttle is refused before any password is checked and is not
counted, neither for the address (so it is free again at most one window after the burst) nor for the username
(so a colleague who tries during the pause does not lock their account).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# Set on the request when the address, not the account, is what refused the login.
ADDRESS_THROTTLED = "portal_address_throttled"


def login_address_throttled(ip_address: str | None) -> bool:
    """Whether ``ip_address`` has had ``LOGIN_ADDRESS_FAILURE_LIMIT`` failed logins, over any usernames, within the
    last ``LOGIN_ADDRESS_WINDOW``. Attempts an earlier lockout refused (``locked_out``) are no password guesses."""
    if not ip_address:
        return False
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    since = timezone.now() - settings.LOGIN_ADDRESS_WINDOW
    failures = AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=since, locked_out=False)
    return failures[:limit].count() >= limit


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler (settings.AXES_HANDLER) with the address throttle added to its lockout."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if login_address_throttled(getattr(request, "axes_ip_address", None)):
            setattr(request, ADDRESS_THROTTLED, True)
            return True
        return False

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        # ``request`` is an HttpRequest that axes' middleware has given its ``axes_*`` attributes.
        if request is not None and getattr(request, ADDRESS_THROTTLED, False):
            # Refused by the throttle: no failure is recorded (see the module's docstring); the response is the
            # lockout page, as for a locked account.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=credentials.get(settings.AXES_USERNAME_FORM_FIELD),
                ip_address=request.axes_ip_address,
            )
            return
        super().user_login_failed(sender, credentials, request, **kwargs)


def login_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The lockout page (settings.AXES_LOCKOUT_CALLABLE): says whether the account or the address is paused."""
    address = bool(getattr(request, ADDRESS_THROTTLED, False))
    wait: timedelta = settings.LOGIN_ADDRESS_WINDOW if address else settings.LOGIN_LOCKOUT_COOLOFF
    context = {"address_throttled": address, "minutes": int(wait.total_seconds() // 60)}
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)  # axes.conf sets its default at start-up
    return render(request, "accounts/locked_out.html", context, status=status)
