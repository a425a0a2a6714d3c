"""System checks of the accounts settings (``manage.py check``, and every command and server start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from accounts.roles import Role


@register()
def otp_required_roles_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A misspelt role in OTP_REQUIRED_ROLES would silently leave that role without its second factor."""
    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use role codes: {', '.join(Role.values)}.",
            id="accounts.E001",
        )
    ]
