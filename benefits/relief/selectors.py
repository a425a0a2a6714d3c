"""Reads of relief and gifts: a household's, and the area's list with its filters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet, Sum

from benefits.models import Relief
from regions.scope import get_visible_or_404

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household
    from regions.models import Region


def relief_list_for_household(*, household: Household) -> list[Relief]:
    """The household's relief, newest first (one query)."""
    return list(Relief.objects.filter(household=household).select_related("member").order_by("-given_on", "-id"))


def relief_get_for_user(*, user: User, pk: int) -> Relief:
    """One relief row: 404 outside the user's area."""
    return get_visible_or_404(
        Relief.objects.select_related("household", "household__village", "household__county", "member"), user, pk=pk
    )


@dataclass(frozen=True)
class ReliefTotals:
    count: int
    households: int
    amount: Decimal


def relief_list_for_user(
    *, user: User, kind: str = "", year: int | None = None, town: Region | None = None
) -> QuerySet[Relief]:
    """The relief of the user's area, filtered by kind, year and town (a town inside the area)."""
    rows = Relief.objects.visible_to(user).select_related("household", "household__village__parent", "member")
    if kind:
        rows = rows.filter(kind=kind)
    if year:
        rows = rows.filter(given_on__year=year)
    if town is not None:
        rows = rows.filter(household__village__path__startswith=town.path)
    return rows.order_by("-given_on", "-id")


def relief_totals(rows: QuerySet[Relief]) -> ReliefTotals:
    """Count, households helped and money of a filtered list (one query)."""
    found = rows.order_by().aggregate(
        count=Count("id"), households=Count("household", distinct=True), amount=Sum("amount")
    )
    return ReliefTotals(found["count"], found["households"], found["amount"] or Decimal("0"))
