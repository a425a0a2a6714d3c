"""Reads on users, always inside the reader's area."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import ASSIGNABLE_ROLES, Role
from accounts.scope import get_visible_or_404
from regions.models import Region


def user_list_for_manager(*, manager: User, search: str = "", role: str = "") -> QuerySet[User]:
    qs = User.objects.visible_to(manager).select_related("region")
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search))
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("region__path", "username")


def user_get_for_manager(*, manager: User, pk: int) -> User:
    return get_visible_or_404(User.objects.select_related("region"), manager, pk=pk)


def role_choices_for_manager(*, manager: User) -> list[tuple[str, str]]:
    allowed = ASSIGNABLE_ROLES.get(manager.role, frozenset())
    return [(value, label) for value, label in Role.choices if value in allowed]


def region_choices_for_user(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user)
