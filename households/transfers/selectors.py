"""Reads of transfers: a county's incoming requests (its households asked for) and outgoing ones (its asks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, QuerySet, Value, When

from households.models import HouseholdTransfer
from regions.models import Region
from regions.scope import get_visible_or_404, user_scope_path

if TYPE_CHECKING:
    from accounts.models import User


@dataclass
class TransferLists:
    incoming: list[HouseholdTransfer]  # requests for households of the user's area (the user answers)
    outgoing: list[HouseholdTransfer]  # the user's county's requests (the other county answers)


def _base(user: User) -> QuerySet[HouseholdTransfer]:
    return HouseholdTransfer.objects.visible_to(user).select_related(
        "household", "household__village", "from_county", "to_county", "to_village", "requested_by", "decided_by"
    )


def transfer_lists_for_user(*, user: User, limit: int = 200) -> TransferLists:
    """Both lists of the user's county, the open requests first, then the newest."""
    path = user_scope_path(user)
    if path is None:
        return TransferLists(incoming=[], outgoing=[])
    open_first = Case(When(status=HouseholdTransfer.Status.REQUESTED, then=Value(0)), default=Value(1))
    ordered = _base(user).order_by(open_first, "-requested_at", "-id")
    return TransferLists(
        incoming=list(ordered.filter(from_county__path__startswith=path)[:limit]),
        outgoing=list(ordered.filter(to_county__path__startswith=path)[:limit]),
    )


def transfer_get_for_user(*, user: User, pk: int) -> HouseholdTransfer:
    """One transfer of the user's county (either side), or 404."""
    return get_visible_or_404(_base(user), user, pk=pk)


def transfer_villages_for_user(*, user: User) -> QuerySet[Region]:
    """The villages a family may be transferred into: those of the user's area."""
    return Region.objects.visible_to(user).villages().select_related("parent").order_by("path")
