"""Reads on the administrative tree, inside the reader's area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.scope import get_visible_or_404
from regions.models import Region


@dataclass(frozen=True)
class RegionSummary:
    region: Region | None
    ancestors: list[Region]
    towns: int
    villages: int
    users: int


def region_ancestors(*, region: Region) -> list[Region]:
    """The nodes above `region`, from the top (one query, by the codes in its path)."""
    codes = region.path.strip("/").split("/")[:-1]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def region_summary_for_user(*, user: Any) -> RegionSummary:
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


def region_tree_for_user(*, user: Any) -> QuerySet[Region]:
    """Every visible node in tree order, with the number of active users working at it."""
    return (
        Region.objects.visible_to(user)
        .annotate(user_count=Count("users", filter=Q(users__is_active=True)))
        .order_by("path")
    )


def region_get_for_user(*, user: Any, pk: int) -> Region:
    return get_visible_or_404(Region.objects.select_related("parent"), user, pk=pk)
