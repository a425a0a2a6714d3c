"""Logins, logouts, failed logins and account changes are audit events.

Django's auth signals are the one place that sees every login path (portal, admin, axes), so this is
the exception to "no signals" in docs/ARCHITECTURE.md; account changes arrive through accounts.hooks.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from audit.models import AccessEvent
from audit.services import access_event_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    access_event_record(actor=user, action=AccessEvent.Action.LOGIN, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        access_event_record(actor=user, action=AccessEvent.Action.LOGOUT, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username tried is kept; never the password. The event goes to that user's area.
    username = str(credentials.get("username", ""))[:150]
    region_path = User.objects.filter(username=username).values_list("region__path", flat=True).first() or ""
    access_event_record(
        actor=None,
        actor_username=username,
        action=AccessEvent.Action.LOGIN_FAILED,
        region_path=region_path,
        request=request,
    )


def account_changed_record(*, manager: User, user: User, detail: dict[str, Any]) -> None:
    """Listener of accounts.hooks.account_changed: the change, in the area of the account changed."""
    access_event_record(
        actor=manager,
        action=AccessEvent.Action.ACCOUNT,
        target=user,
        target_label=user.username,
        region_path=user.region.path if user.region is not None else "",
        detail=detail,
    )


def second_factor_record(*, user: User, event: str, request: HttpRequest | None, detail: dict[str, Any]) -> None:
    """Listener of accounts.hooks.second_factor_event: set up, verified, failed, recovery code used, reset — in the
    user's area."""
    access_event_record(
        actor=user,
        action=AccessEvent.Action.SECOND_FACTOR,
        request=request,
        region_path=user.region.path if user.region is not None else "",
        detail={"event": event, **detail},
    )
