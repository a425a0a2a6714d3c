from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import ClassVar

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import ROLE_CAPABILITIES, ROLE_LEVELS, Role
from regions.scope import ScopedQuerySet


class UserQuerySet(ScopedQuerySet["User"]):
    scope_path_lookup = "region__path"


# A named subclass: migrations reconstruct managers by name (Manager.deconstruct). mypy cannot follow a base made
# by a call, so the manager's methods are read as Any.
class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


def _new_session_token() -> str:
    return secrets.token_hex(16)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["password", "last_login", "session_token"],
)
class User(AbstractUser):
    """A portal user, bound to one region node (fail closed: no node, no data)."""

    Role = Role

    # One name, family name first, as Chinese people write it (王秀兰). AbstractUser's first_name and last_name
    # stay in the table but nothing reads or writes them: the forms, the admin and every page use `name`.
    name = models.CharField(
        pgettext_lazy("person", "name"),
        max_length=150,
        blank=True,
        help_text=_("Family name first, as it is written: 王秀兰."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # Rotated on logout and deactivation: every session of the user carries a hash of it, so rotating
    # it ends all of them (see get_session_auth_hash).
    session_token = models.CharField(max_length=32, default=_new_session_token, editable=False)

    objects: ClassVar[ScopedUserManager] = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def clean(self) -> None:
        super().clean()
        self.name = " ".join(self.name.split())
        region = self.region if self.region_id else None
        if region is not None and self.role:
            allowed = ROLE_LEVELS.get(self.role, frozenset())
            if region.level not in allowed:
                raise ValidationError(
                    {
                        "region": _("A %(role)s works at a %(levels)s node.")
                        % {
                            "role": self.get_role_display(),
                            "levels": " / ".join(str(region.Level(level).label) for level in sorted(allowed)),
                        }
                    }
                )

    def get_full_name(self) -> str:
        """The one name (family name first); Django's version would say "秀兰 王"."""
        return self.name.strip()

    def get_short_name(self) -> str:
        return self.name.strip()

    @property
    def display_name(self) -> str:
        """The name to show for the user: the name, or the username when there is none."""
        return self.name.strip() or self.username

    def has_capability(self, capability: str) -> bool:
        return (
            self.is_active
            and self.region_id is not None
            and capability in ROLE_CAPABILITIES.get(self.role, frozenset())
        )

    def password_expired(self, *, now: datetime | None = None) -> bool:
        """MLPS asks for periodic password change: PASSWORD_MAX_AGE_DAYS (policy)."""
        if self.password_changed_at is None:
            return True
        now = now or timezone.now()
        return now - self.password_changed_at > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)

    def get_session_auth_hash(self) -> str:
        # Django's hash covers the password; adding the session token lets logout end all sessions.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_token}",
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                "accounts.User.get_session_auth_hash",
                f"{self.password}:{self.session_token}",
                secret=fallback_secret,
                algorithm="sha256",
            ).hexdigest()
