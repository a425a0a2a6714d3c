"""Reads on users, always inside the reader's area."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ASSIGNABLE_ROLES, Role
from core.db import among
from regions.models import Region
from regions.scope import user_scope_path
from regions.selectors import figure_paths, region_ancestors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def manager_area_paths(*, manager: User) -> list[str]:
    """The region paths whose users ``manager`` manages: their area; above the county (a city or a province, where a
    user has no path scope) a system administrator manages the node, the nodes between it and its counties and the
    counties' users (regions.selectors.figure_paths), the city association's staff the users of the node and, for a
    province, its cities — never a county's. Nothing for an inactive user or one without a node."""
    path = user_scope_path(manager)
    if path is not None:
        return [path]
    region = manager.region if manager.is_active and manager.region_id else None
    if region is None or not region.is_above_county:
        return []
    paths = figure_paths(region=region)
    if manager.role != Role.ADMIN:
        paths = [p for p in paths if p == region.path or p in _child_paths(region)]
    return paths


def _child_paths(region: Region) -> set[str]:
    return set(Region.objects.filter(parent=region, level__in=Region.ABOVE_COUNTY).values_list("path", flat=True))


def _within_q(lookup: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition


def users_managed_by(*, manager: User) -> QuerySet[User]:
    """The users of the manager's area (manager_area_paths)."""
    return User.objects.filter(_within_q("region__path", manager_area_paths(manager=manager)))


def user_list_for_manager(*, manager: User, search: str = "", role: str = "") -> QuerySet[User]:
    qs = users_managed_by(manager=manager).select_related("region")
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
    user = users_managed_by(manager=manager).select_related("region").filter(pk=pk).first()
    if user is None:
        raise Http404(_("Not found."))
    return user


def role_choices_for_manager(*, manager: User) -> list[tuple[str, StrOrPromise]]:
    allowed = ASSIGNABLE_ROLES.get(manager.role, frozenset())
    return [(value, label) for value, label in Role.choices if value in allowed]


def region_choices_for_user(*, user: User) -> QuerySet[Region]:
    """The nodes a manager may put a user at: their area (manager_area_paths)."""
    return Region.objects.filter(_within_q("path", manager_area_paths(manager=user)))


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
