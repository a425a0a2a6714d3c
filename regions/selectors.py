"""Reads on the administrative tree, inside the reader's area."""

from __future__ import annotations

from django.db.models import Q

from regions.models import Region
from regions.scope import AreaUser, get_visible_or_404


def region_ancestors(*, region: Region) -> list[Region]:
    """The nodes above `region`, from the top (one query, by the codes in its path)."""
    return Region.objects.ancestors_of(region)


def region_get_for_user(*, user: AreaUser, pk: int) -> Region:
    return get_visible_or_404(Region.objects.select_related("parent"), user, pk=pk)


def counties_under(*, region: Region) -> list[Region]:
    """The counties whose figures roll up into ``region``: itself for a county, its counties for a city, its cities'
    counties for a province; nothing for a town or village (one query)."""
    if region.level == Region.Level.COUNTY:
        return [region]
    if region.level == Region.Level.CITY:
        return list(Region.objects.filter(parent=region, level=Region.Level.COUNTY).order_by("code"))
    if region.level == Region.Level.PROVINCE:
        return list(Region.objects.filter(parent__parent=region, level=Region.Level.COUNTY).order_by("code"))
    return []


def figure_paths(*, region: Region) -> list[str]:
    """The path prefixes whose figures a reader at ``region`` may read (reports, snapshots, completeness — never a
    family's file): its own subtree, and for a city or a province the nodes between it and its counties and the
    counties' subtrees. A path-scoped figure row ``r`` is readable when ``r.path`` starts with one of them."""
    if not region.is_above_county:
        return [region.path]
    above = [region.path]
    if region.level == Region.Level.PROVINCE:
        above += list(Region.objects.filter(parent=region).values_list("path", flat=True))
    return above + [county.path for county in counties_under(region=region)]


def figure_paths_q(*, region: Region, lookup: str = "path") -> Q:
    """figure_paths as a condition on the row's path lookup (``"unit__path"``, ``"village__path"``…)."""
    condition = Q(pk__in=[])
    for path in figure_paths(region=region):
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition
