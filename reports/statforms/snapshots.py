"""The statistical forms' figure snapshots (docs/REPORTS.md §Snapshots): every measure of the forms counted per node
for a county and a period, stored, and read by the form pages and exports instead of counting the records on every
request.

* ``statform_counts_refresh`` counts one county's tree for one period (reports.statforms.measures.node_counts: one
  statement per measure family) and replaces that county's rows for that period in one transaction, under an
  advisory lock per county and period: a run killed half-way leaves the previous counts whole, two runs at once
  leave one set of rows. The nightly pipeline refreshes every county (``statform_counts_nightly``); a filler's
  "Count again now" the counties under the unit (``statform_counts_recount``).
* ``stored_counts`` is a measures.CountSource: a tree's counts from the rows when every county of the tree has a
  stamp for the period holding the measures asked (else None: the form counts live). The nodes above the counties
  (a city's or a province's own node: an activity it organised) are counted live — a few rows.
* Submitting a report counts live (reports.statforms.services): what is frozen is never a stale figure.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import require_capability
from core.db import advisory_xact_lock
from regions.models import Region
from regions.selectors import counties_under, figure_paths_q
from reports.models import StatformCountStamp
from reports.statforms import measures as M
from reports.statforms.spec import TEMPLATES, Period, PeriodKind

if TYPE_CHECKING:
    from accounts.models import User

# pg_advisory_xact_lock's key space of these refreshes: the namespace in the high half, crc32(county, period) below.
LOCK_NAMESPACE = 0x5747_0000_0000


def period_measures(kind: PeriodKind) -> list[str]:
    """The measures of every form filed for periods of ``kind`` (a month: the warm-heart, assistance and coverage
    forms'; a year: the yearly form's too)."""
    return sorted({key for t in TEMPLATES.values() if kind in t.period_kinds for key in M.template_measures(t)})


def _lock_key(county: Region, period: Period) -> int:
    return LOCK_NAMESPACE + zlib.crc32(f"statform_counts:{county.pk}:{period.key}".encode())


# The rows of one county and period, set-based: the counts passed as arrays (one statement).
INSERT_SQL = """
INSERT INTO reports_statformcount (county_id, region_id, period_key, measure, value)
SELECT %(county)s, n, %(period)s, k, v
FROM unnest(%(nodes)s::bigint[], %(keys)s::text[], %(values)s::numeric[]) AS x (n, k, v)
"""
STAMP_SQL = """
INSERT INTO reports_statformcountstamp (county_id, period_key, computed_at, as_of, measures)
VALUES (%(county)s, %(period)s, %(at)s, %(as_of)s, %(measures)s)
ON CONFLICT (county_id, period_key)
DO UPDATE SET computed_at = EXCLUDED.computed_at, as_of = EXCLUDED.as_of, measures = EXCLUDED.measures
"""


def statform_counts_refresh(*, county: Region, period: Period, today: date | None = None) -> int:
    """Count every measure of the forms of ``period``'s kind for the county's tree and replace its rows and stamp
    for the period, in one transaction (the lock: a second run waits, then counts again). Returns the rows written
    (a node's zero is not stored: absent counts 0). A constant number of queries whatever the county."""
    today = today or timezone.localdate()
    keys = period_measures(period.kind)
    with transaction.atomic():
        advisory_xact_lock(_lock_key(county, period))
        counts = M.node_counts(keys, period, [county], today=today)
        nodes, names, values = [], [], []
        for node, by_key in counts.items():
            for key, value in by_key.items():
                if value:
                    nodes.append(node)
                    names.append(key)
                    values.append(value)
        params: dict[str, Any] = {
            "county": county.pk,
            "period": period.key,
            "nodes": nodes,
            "keys": names,
            "values": values,
            "at": timezone.now(),
            "as_of": M.coverage_day(period, today=today),
            "measures": keys,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM reports_statformcount WHERE county_id = %(county)s AND period_key = %(period)s", params
            )
            cursor.execute(INSERT_SQL, params)
            cursor.execute(STAMP_SQL, params)
    return len(nodes)


def nightly_periods(as_of: date) -> list[Period]:
    """What the night refreshes: the month just ended and the current month, the current quarter and year — and the
    quarter and the year just ended during the month after them (their forms are filed then)."""
    month = Period.containing(PeriodKind.MONTH, as_of)
    quarter = Period.containing(PeriodKind.QUARTER, as_of)
    year = Period.containing(PeriodKind.YEAR, as_of)
    periods = [month.previous(), month, quarter, year]
    if as_of.month == quarter.start.month:
        periods.append(quarter.previous())
    if as_of.month == 1:
        periods.append(year.previous())
    return periods


def statform_counts_nightly(*, as_of: date, county_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Refresh every county's counts (or ``county_ids``') for the night's periods, one transaction per county and
    period (a worker killed half-way leaves the counties not reached with their previous counts)."""
    counties = Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
    if county_ids is not None:
        counties = counties.filter(pk__in=list(county_ids))
    refreshed = rows = 0
    periods = nightly_periods(as_of)
    for county in counties:
        for period in periods:
            rows += statform_counts_refresh(county=county, period=period, today=as_of)
            refreshed += 1
    return {"refreshed": refreshed, "rows": rows}


def statform_counts_recount(*, actor: User, unit: Region, period: Period, today: date | None = None) -> int:
    """ "Count again now": refresh the counties under the unit (its county for a town or a village) for the period,
    for a user who may fill the forms and reads the unit's figures. Returns the counties refreshed."""
    require_capability(actor, Capability.FILL_STAT_REPORTS)
    region = actor.region
    if region is None or not Region.objects.filter(figure_paths_q(region=region), pk=unit.pk).exists():
        raise PermissionDenied(_("This is outside your area."))
    counties = counties_under(region=unit) or [c for c in (Region.objects.county_of(unit.path),) if c is not None]
    for county in counties:
        statform_counts_refresh(county=county, period=period, today=today)
    return len(counties)


# ------------------------------------------------------------------------------------------------------- reads

READ_SQL = """
SELECT c.region_id, c.measure, c.value FROM reports_statformcount c
WHERE c.county_id = ANY (%(counties)s) AND c.period_key = %(period)s AND c.measure = ANY (%(keys)s)
"""


def stored_counts(
    keys: Sequence[str], period: Period, tree: M.Tree, today: date | None = None
) -> tuple[M.Counts, M.Stamp] | None:
    """The tree's counts from the snapshot (measures.CountSource): None unless every county of the tree has a stamp
    for the period holding every measure of ``keys``. The stamp: the oldest count and its coverage day. Two queries
    (three on a city's or a province's tree: its own nodes counted live)."""
    wanted = set(keys)
    if not tree.counties or not wanted:
        return None
    stamps = list(
        StatformCountStamp.objects.filter(county_id__in=tree.counties, period_key=period.key).values_list(
            "computed_at", "as_of", "measures"
        )
    )
    if len(stamps) != len(set(tree.counties)) or any(not wanted <= set(held) for _at, _on, held in stamps):
        return None
    counts: M.Counts = {}
    with connection.cursor() as cursor:
        cursor.execute(READ_SQL, {"counties": list(tree.counties), "period": period.key, "keys": sorted(wanted)})
        regions = tree.regions
        for node, key, value in cursor.fetchall():
            if node in regions:
                counts.setdefault(node, {})[key] = value
    upper = [r for r in tree.regions.values() if r.is_above_county]
    if upper:  # facts organised by a city or a province themselves (activities): a handful, counted now
        above = M.Tree(root=upper[0], regions={r.pk: r for r in upper}, children={}, counties=[])
        for node, by_key in M._count(wanted, period, above, today=today, scope="").items():
            counts.setdefault(node, {}).update(by_key)
    oldest = min(stamps, key=lambda s: s[0])
    return counts, M.Stamp(counted_at=oldest[0], as_of=min(s[1] for s in stamps))
