"""What the accounts app announces to the apps above it (core.hooks; the audit app listens)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from core.hooks import Hook

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


class AccountChanged(Protocol):
    """A manager created or changed an account, (de)activated it or reset its password. ``detail`` says what:
    ``{"change": "created" | "updated" | "activated" | "deactivated" | "password reset", …}``."""

    def __call__(self, *, manager: User, user: User, detail: dict[str, Any]) -> None: ...


account_changed: Hook[AccountChanged] = Hook("accounts.account_changed")


class SecondFactorEvent(Protocol):
    """Something happened to a user's second factor (accounts.second_factor). ``event`` says what:
    ``"set up"`` (a device confirmed, recovery codes issued), ``"verified"`` (a code accepted), ``"failed"`` (a wrong
    code, or one refused while throttled), ``"recovery code used"``, ``"reset"`` (by an administrator's command);
    ``detail`` adds what else is known (never a code or a secret)."""

    def __call__(self, *, user: User, event: str, request: HttpRequest | None, detail: dict[str, Any]) -> None: ...


second_factor_event: Hook[SecondFactorEvent] = Hook("accounts.second_factor_event")
