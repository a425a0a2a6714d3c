"""Figures above the county (issue 17 part 6): a city's counties side by side, a province's cities.

A user at a city or a province node has no path scope (regions.scope.user_scope_path is None): no family's file,
no household list, no person. They read figures only, through regions.selectors.figure_paths:

* the dashboard of their own node (one row per county of a city, per city of a province), and of each node under
  it down to a county (a county's page: one row per town, figures only, no link further down); a town's or a
  village's page is not theirs (404, the same as a missing one);
* the figures are the county pages' own: the same snapshots (coverage, flags, contacts, medical) per village,
  summed by county (or by city) in the same functions of reports.selectors, each county with its own rules and
  due periods. A constant number of queries whatever the number of counties.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from regions.models import Region
from regions.paths import county_path
from regions.selectors import counties_under, figure_paths_q
from visits.models import Rule

if TYPE_CHECKING:
    from accounts.models import User
    from reports.selectors import Dashboard, FlagAges, _DuePeriods


def reads_above_county(user: Any) -> bool:
    """True for an active user whose node is a city or a province (they read figures only)."""
    region = getattr(user, "region", None)
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and region is not None and region.is_above_county
    )


def figures_region_get(*, user: User, pk: int | None) -> Region:
    """The node a reader above the county opens: their own by default, else a city, province or county inside
    their figures (figure_paths); a town or a village, or a node outside, answers 404."""
    own = user.region
    if own is None:
        raise Http404(_("Not found."))
    if pk is None:
        return own
    readable = Region.objects.filter(
        figure_paths_q(region=own),
        level__in=[Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY],
    )
    region = readable.filter(pk=pk).first()
    if region is None:
        raise Http404(_("Not found."))
    return region


def crumbs_above_county(*, user: User, region: Region) -> list[tuple[Region, bool]]:
    """For a reader above the county: the city (and province) above ``region`` that they may open, top first."""
    own = user.region
    if own is None or not reads_above_county(user) or region.is_above_county:
        return []
    crumbs: list[tuple[Region, bool]] = []
    node = region.parent
    while node is not None:
        crumbs.insert(0, (node, True))
        if node.pk == own.pk:
            break
        node = node.parent
    return crumbs


@dataclass
class MergedDue:
    """The due periods of several counties read as one: a snapshot row's kind by its rule (each county has its own
    rules), and the monthly contact trend of every county's monthly rule."""

    by_county: dict[int, _DuePeriods]

    def kinds(self) -> dict[tuple[int, str], str]:
        kinds: dict[tuple[int, str], str] = {}
        for due in self.by_county.values():
            kinds.update(due.kinds())
        return kinds

    def trend_includes(self, rule_id: int, start: date) -> bool:
        return any(due.trend_includes(rule_id, start) for due in self.by_county.values())

    def first(self) -> _DuePeriods | None:
        """The due periods the page names (the first county's: counties keep the national defaults)."""
        return next(iter(self.by_county.values()), None)


def _rules_by_county(counties: list[Region]) -> dict[int, dict[str, Rule]]:
    """Each county's rules by code (one query)."""
    rules: dict[int, dict[str, Rule]] = defaultdict(dict)
    for rule in Rule.objects.filter(rule_set__county__in=counties).select_related("rule_set"):
        rules[rule.rule_set.county_id][rule.code] = rule
    return rules


def _merge_flags(flags: list[FlagAges]) -> list[FlagAges]:
    """Open flags of several counties' rules merged by rule code (each county has its own rule of a code)."""
    from reports.selectors import FlagAges

    merged: dict[str, FlagAges] = {}
    for item in flags:
        if item.rule.code in merged:
            merged[item.rule.code].buckets = [
                a + b for a, b in zip(merged[item.rule.code].buckets, item.buckets, strict=True)
            ]
        else:
            merged[item.rule.code] = FlagAges(rule=item.rule, buckets=list(item.buckets))
    return list(merged.values())


def figures_dashboard(*, user: User, region: Region, as_of: date) -> Dashboard:
    """The dashboard of a city (a row per county) or a province (a row per city), from the villages' snapshots."""
    from reports import selectors as s

    counties = counties_under(region=region)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    # The row a county's figures go to: itself under a city, its city under a province.
    row_of_county = {c.pk: (c.parent_id if region.level == Region.Level.PROVINCE else c.pk) for c in counties}
    county_by_path = {c.path: c.pk for c in counties}
    villages = dict(
        Region.objects.filter(level=Region.Level.VILLAGE)
        .filter(_prefixed_q("path", [c.path for c in counties]))
        .values_list("pk", "path")
    )
    group_by_village = {pk: row_of_county[county_by_path[county_path(path)]] for pk, path in villages.items()}

    def group_of(village_id: int | None) -> int | None:
        return group_by_village.get(village_id) if village_id is not None else None

    rules = _rules_by_county(counties)
    due = MergedDue({county_id: s._DuePeriods.of(r, as_of=as_of) for county_id, r in rules.items()})
    all_rules = {rule.pk: rule for r in rules.values() for rule in r.values()}
    village_ids = list(villages)
    groups: dict[Any, s.Figures] = defaultdict(s.Figures)
    stamps: list[tuple[date, datetime | None]] = []
    stamps += s._add_contact_snapshots(groups, group_of, village_ids=village_ids, as_of=as_of)
    trend = s._add_coverage_snapshots(
        groups,
        group_of,
        village_ids=village_ids,
        rules={str(pk): rule for pk, rule in all_rules.items()},
        due=due,
        per_household=False,
        as_of=as_of,
    )
    flags = s._add_flag_snapshots(
        groups, group_of, village_ids=village_ids, rules={str(pk): rule for pk, rule in all_rules.items()}
    )
    stamps += s._add_medical_snapshots(groups, group_of, village_ids=village_ids)
    stamps += s._snapshot_stamps(village_ids)
    rows: list[s.Row] = []
    total = s.Figures()
    for child in children:
        figures = groups.get(child.pk, s.Figures())
        rows.append(s.Row(key=child.pk, label=child.name, figures=figures, region=child))
        total.add(figures)
    _add_institutions(rows, total, counties=counties, row_of_county=row_of_county)
    first = due.first()
    return s.Dashboard(
        region=region,
        as_of=as_of,
        child_level=str(Region.CHILD_LEVEL[region.level]),
        rows=rows,
        total=total,
        month=first.month if first else None,
        quarter=first.quarter if first else None,
        festival_rule=first.festival_rule if first else None,
        festival=first.festival if first else None,
        flags_by_rule=_merge_flags(flags),
        trend=trend,
        ancestors=_above(region),
        computed_on=min((on for on, _ in stamps), default=None),
        fresh_at=min((at for _, at in stamps if at is not None), default=None),
        crumbs=[(a, a.pk != region.pk and _is_readable(user, a)) for a in _above(region)],
        drill=True,
    )


def _above(region: Region) -> list[Region]:
    """The province above a city (a province has none)."""
    return [region.parent] if region.parent_id is not None and region.parent is not None else []


def _is_readable(user: User, node: Region) -> bool:
    own = user.region
    return own is not None and reads_above_county(user) and own.pk in (node.pk, node.parent_id)


def _add_institutions(rows: list[Any], total: Any, *, counties: list[Region], row_of_county: dict[int, Any]) -> None:
    """Designated institutions located in the counties, and those with a working green channel (two queries), in
    the row of their county (or its city) and in the total — reports.selectors._add_institutions' definition."""
    from medical.models import Institution

    by_pk = {row.key: row.figures for row in rows}
    county_by_path = {c.path: c.pk for c in counties}
    located = Institution.objects.filter(_prefixed_q("region__path", list(county_by_path)))
    working = set(located.working().values_list("pk", flat=True))
    total.institutions = total.institutions_working = 0
    for pk, path in located.values_list("pk", "region__path"):
        total.institutions += 1
        total.institutions_working += pk in working
        figures = by_pk.get(row_of_county.get(county_by_path.get(county_path(path), -1)))
        if figures is not None:
            figures.institutions += 1
            figures.institutions_working += pk in working


def _prefixed_q(lookup: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition
