"""What the accounts app announces to the apps above it (core.hooks; the audit app listens)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from core.hooks import Hook

if TYPE_CHECKING:
    from accounts.models import User


class AccountChanged(Protocol):
    """A manager created or changed an account, (de)activated it or reset its password. ``detail`` says what:
    ``{"change": "created" | "updated" | "activated" | "deactivated" | "password reset", …}``."""

    def __call__(self, *, manager: User, user: User, detail: dict[str, Any]) -> None: ...


account_changed: Hook[AccountChanged] = Hook("accounts.account_changed")
