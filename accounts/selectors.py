"""Reads on users, always inside the reader's area."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.roles import ASSIGNABLE_ROLES, Role
from core.db import among
from regions.models import Region
from regions.scope import get_visible_or_404
from regions.selectors import region_ancestors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def user_list_for_manager(*, manager: User, search: str = "", role: str = "") -> QuerySet[User]:
    qs = User.objects.visible_to(manager).select_related("region")
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(name__icontains=search))
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("region__path", "username")


def user_names(usernames: Iterable[str]) -> dict[str, str]:
    """The names of the logins among ``usernames`` that have one: the audit log and the archive's timeline name
    people, not only logins, the way they are named now. Only the names of usernames the page already shows.
    Always one query, none or many usernames (a page's query count does not depend on its history)."""
    wanted = sorted({username for username in usernames if username})
    return dict(
        User.objects.filter(among("username", wanted, cast="text")).exclude(name="").values_list("username", "name")
    )


def user_get_for_manager(*, manager: User, pk: int) -> User:
    return get_visible_or_404(User.objects.select_related("region"), manager, pk=pk)


def role_choices_for_manager(*, manager: User) -> list[tuple[str, StrOrPromise]]:
    allowed = ASSIGNABLE_ROLES.get(manager.role, frozenset())
    return [(value, label) for value, label in Role.choices if value in allowed]


def region_choices_for_user(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user)


@dataclass(frozen=True)
class RegionSummary:
    region: Region | None
    ancestors: list[Region]
    towns: int
    villages: int
    users: int


def region_summary_for_user(*, user: User) -> RegionSummary:
    region = getattr(user, "region", None)
    visible = Region.objects.visible_to(user)
    counts = visible.aggregate(
        towns=Count("pk", filter=Q(level=Region.Level.TOWN)),
        villages=Count("pk", filter=Q(level=Region.Level.VILLAGE)),
    )
    return RegionSummary(
        region=region if visible.exists() else None,
        ancestors=region_ancestors(region=region) if region else [],
        towns=counts["towns"],
        villages=counts["villages"],
        users=User.objects.visible_to(user).filter(is_active=True).count(),
    )


def region_tree_for_user(*, user: User) -> QuerySet[Region]:
    """Every visible node in tree order, with the number of active users working at it."""
    return (
        Region.objects.visible_to(user)
        .annotate(user_count=Count("users", filter=Q(users__is_active=True)))
        .order_by("path")
    )
