"""Writes on users. Every path that sets a password goes through user_set_password (validators)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.hooks import account_changed
from accounts.models import User, _new_session_token
from accounts.roles import ASSIGNABLE_ROLES
from accounts.selectors import manager_area_paths
from regions.models import Region
from regions.paths import is_within


def _check_manager_may_assign(*, manager: User | None, role: str, region: Region | None) -> None:
    """A manager hands out only roles they may assign, at nodes inside their own area."""
    if manager is None:  # a command run by the system administrator on the server
        return
    if role not in ASSIGNABLE_ROLES.get(manager.role, frozenset()):
        raise ValidationError({"role": _("You may not assign this role.")})
    paths = manager_area_paths(manager=manager)
    if region is None or not any(is_within(region.path, path) for path in paths):
        raise ValidationError({"region": _("Choose an area inside your own.")})


def user_set_password(*, user: User, password: str) -> None:
    """Validate against every AUTH_PASSWORD_VALIDATORS rule, then set. Ends the user's other sessions."""
    password_validation.validate_password(password, user=user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.session_token = _new_session_token()


@transaction.atomic
def user_create(
    *,
    manager: User | None,
    username: str,
    password: str,
    role: str,
    region: Region | None,
    name: str = "",
    email: str = "",
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    _check_manager_may_assign(manager=manager, role=role, region=region)
    user = User(
        username=username,
        role=role,
        region=region,
        name=name,
        email=email,
        phone=phone,
        is_staff=is_superuser,
        is_superuser=is_superuser,
    )
    user_set_password(user=user, password=password)
    user.full_clean()
    user.save()
    if manager is not None:
        account_changed.send(manager=manager, user=user, detail={"change": "created", "role": role})
    return user


@transaction.atomic
def user_update(*, manager: User, user: User, data: dict[str, Any]) -> User:
    """Change role, area, name or contact details of a user inside the manager's area."""
    editable = {"name", "email", "phone", "role", "region"}
    unknown = set(data) - editable
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    role = data.get("role", user.role)
    region = data.get("region", user.region)
    _check_manager_may_assign(manager=manager, role=role, region=region)
    if user.pk == manager.pk and (role != user.role or region != user.region):
        raise ValidationError(_("You cannot change your own role or area."))
    for field, value in data.items():
        setattr(user, field, value)
    user.full_clean()
    user.save()
    account_changed.send(manager=manager, user=user, detail={"change": "updated", "fields": sorted(data)})
    return user


@transaction.atomic
def user_set_active(*, manager: User, user: User, active: bool) -> User:
    """Deactivating ends every session of the user at once (fresh session token)."""
    if user.pk == manager.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    user.is_active = active
    if not active:
        user.session_token = _new_session_token()
    user.save(update_fields=["is_active", "session_token"])
    account_changed.send(manager=manager, user=user, detail={"change": "activated" if active else "deactivated"})
    return user


@transaction.atomic
def user_reset_password(*, manager: User, user: User, password: str) -> User:
    """A manager sets a new password; the user must change it at next login (it is marked expired)."""
    user_set_password(user=user, password=password)
    user.password_changed_at = None
    user.save(update_fields=["password", "password_changed_at", "session_token"])
    account_changed.send(manager=manager, user=user, detail={"change": "password reset"})
    return user


def user_end_all_sessions(*, user: User) -> None:
    """Logout ends every session of the user, not only this browser's (docs/SECURITY.md §Identity and sessions)."""
    User.objects.filter(pk=user.pk).update(session_token=_new_session_token())
