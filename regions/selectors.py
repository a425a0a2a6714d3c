"""Reads on the administrative tree, inside the reader's area."""

from __future__ import annotations

from regions.models import Region
from regions.scope import AreaUser, get_visible_or_404


def region_ancestors(*, region: Region) -> list[Region]:
    """The nodes above `region`, from the top (one query, by the codes in its path)."""
    return Region.objects.ancestors_of(region)


def region_get_for_user(*, user: AreaUser, pk: int) -> Region:
    return get_visible_or_404(Region.objects.select_related("parent"), user, pk=pk)
