"""Writes of the reports app: the coverage snapshots (set-based, idempotent)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction

from visits import periods
from visits.models import Rule

TREND_MONTHS = 12
SNAPSHOT_RULES = ("monthly_contact", "quarterly_home_visit", "spring_festival", "mid_autumn")


def snapshot_periods(rule: Rule, *, as_of: date) -> list[periods.Period]:
    """The periods a rule's coverage is kept for: the last 13 months, 5 quarters, or 2 festivals, ending with
    the latest period that has started (the running one counts what is done so far)."""
    if rule.period in periods.CALENDAR:
        count = TREND_MONTHS + 1 if rule.period == "month" else 5
        result = [periods.CALENDAR[rule.period](as_of)]
        while len(result) < count:
            result.append(periods.previous(periods.CALENDAR[rule.period], result[-1]))
        return result
    day_of = periods.FESTIVAL_DATES[rule.period]
    windows = [
        periods.window(str(y), day_of(y), before=rule.window_before_days, after=rule.window_after_days)
        for y in (as_of.year, as_of.year - 1, as_of.year - 2)
    ]
    return [w for w in windows if w.start <= as_of][:2]


# Per village, rule and period: the households it applied to (registered by the period's start, on the
# roster at its end or still active) and those with a qualifying visit from the start to end + grace (never
# after as_of); members alive today for the persons.
SNAPSHOT_SQL = """
WITH rp (rule_id, county_id, period_key, p_start, p_end, check_to, methods) AS (
    SELECT * FROM unnest(%(rule_id)s::bigint[], %(county_id)s::bigint[], %(period_key)s::text[],
                         %(p_start)s::date[], %(p_end)s::date[], %(check_to)s::date[], %(methods)s::text[])
),
pairs AS (
    SELECT h.id AS household_id, h.village_id, rp.rule_id, rp.period_key, rp.p_start, rp.p_end,
           EXISTS (
               SELECT 1 FROM visits_visit v
               WHERE v.household_id = h.id AND v.date >= rp.p_start AND v.date <= rp.check_to
                 AND v.method = ANY (string_to_array(rp.methods, ','))
           ) AS met
    FROM households_household h JOIN rp ON rp.county_id = h.county_id
    WHERE h.village_id IS NOT NULL AND h.registered_on <= rp.p_start
      AND (h.status = 'active' OR h.closed_on > rp.p_end) {village_filter}
),
persons AS (
    SELECT m.household_id, count(*) AS n FROM households_member m
    WHERE m.alive AND m.household_id IN (SELECT household_id FROM pairs) GROUP BY m.household_id
)
INSERT INTO reports_coveragesnapshot (village_id, rule_id, period_key, period_start, period_end, households, met,
                                      persons, persons_met, computed_on)
SELECT p.village_id, p.rule_id, p.period_key, min(p.p_start), min(p.p_end), count(*), count(*) FILTER (WHERE p.met),
       coalesce(sum(pe.n), 0), coalesce(sum(pe.n) FILTER (WHERE p.met), 0), %(as_of)s
FROM pairs p LEFT JOIN persons pe ON pe.household_id = p.household_id
GROUP BY p.village_id, p.rule_id, p.period_key
ON CONFLICT (village_id, rule_id, period_key) DO UPDATE
SET households = EXCLUDED.households, met = EXCLUDED.met, persons = EXCLUDED.persons,
    persons_met = EXCLUDED.persons_met, computed_on = EXCLUDED.computed_on
"""


@transaction.atomic
def coverage_snapshot_refresh(*, as_of: date, village_ids: list[int] | None = None) -> int:
    """Recompute the snapshots of every village (or of ``village_ids``) for the kept periods. Three queries."""
    rows = []
    for rule in Rule.objects.filter(active=True, code__in=SNAPSHOT_RULES).select_related("rule_set"):
        for p in snapshot_periods(rule, as_of=as_of):
            rows.append((rule, p, min(p.end + timedelta(days=rule.grace_days), as_of)))
    params = {
        "as_of": as_of,
        "rule_id": [r.pk for r, _, _ in rows],
        "county_id": [r.rule_set.county_id for r, _, _ in rows],
        "period_key": [p.key for _, p, _ in rows],
        "p_start": [p.start for _, p, _ in rows],
        "p_end": [p.end for _, p, _ in rows],
        "check_to": [c for _, _, c in rows],
        "methods": [",".join(r.methods) for r, _, _ in rows],
        "villages": list(village_ids or []),
    }
    village_filter = "AND h.village_id = ANY (%(villages)s)" if village_ids is not None else ""
    with connection.cursor() as cursor:
        if village_ids is not None:
            cursor.execute("DELETE FROM reports_coveragesnapshot WHERE village_id = ANY (%(villages)s)", params)
        else:
            cursor.execute("DELETE FROM reports_coveragesnapshot")
        cursor.execute(SNAPSHOT_SQL.format(village_filter=village_filter), params)
        return cursor.rowcount
