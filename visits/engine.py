"""The overdue engine: opens and closes OverdueFlag rows from the visit data, set-based.

``overdue_refresh(as_of=…)`` recomputes, for every active household and every active rule of its county,
whether the rule's period (visits.periods) is met, in a constant number of SQL statements whatever the
number of households:

1. one advisory lock (``pg_advisory_xact_lock``): two runs at once queue behind each other, so they give
   the same flags as one; a run killed mid-way rolls back and leaves the previous state;
2. two temporary tables, read once and joined by both evaluations below: the active households (with
   whether a living member is 失能/半失能, and the day of the child's death for the anniversaries) and the
   latest visit of each household by method (a hash aggregate over the visits of the window), then ANALYZE;
3. one statement evaluates every (household, rule) pair and every open flag into a temporary table
   (applicable? met? its open flag?), then ANALYZE on it;
4. one UPDATE closes the open flags that are met or no longer apply;
5. one statement opens the flags of the pairs not met: the pair's latest flag again when it was closed as met
   and no visit meets it any more (a visit deleted or corrected: the same flag, with its escalation), else a
   new one (INSERT … ON CONFLICT);
6. one UPDATE raises the escalation level of flags open too long;
7. one statement writes each household's place in the worklist (visits.models.HouseholdUrgency:
   overdue, reminder or due, and when — with every rule, and without the family doctor's rules, and since
   when it waits for the doctor), from the open flags and the periods running on ``as_of``, and drops the
   closed households' places;
8. one SELECT counts.

The same statements restricted to some household ids serve the run after a visit is logged.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from core.db import advisory_xact_lock
from regions.models import Region
from visits import periods
from visits.models import Rule

# One lock for every run (nightly, per household, command): the runs serialise, never interleave.
LOCK_KEY = zlib.crc32(b"visits.overdue_refresh")


@dataclass
class RefreshResult:
    as_of: date
    households: int = 0
    opened: int = 0
    closed: int = 0
    open: int = 0
    escalated: int = 0
    opened_ids: list[int] = field(default_factory=list, repr=False)
    escalated_ids: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "households": self.households,
            "opened": self.opened,
            "closed": self.closed,
            "open": self.open,
        }


@dataclass(frozen=True)
class RulePeriod:
    """A rule's period on a day: the same for every household of the county (None for anniversaries)."""

    rule_id: int
    county_id: int
    period: periods.Period | None
    methods: list[str]
    by_doctor: bool
    applies_to: str
    anniversary: bool
    before: int
    after: int
    grace: int
    event: bool = False  # periods per household from visits.EventPeriod (a hospital discharge …)
    lapse: int = 0
    loss_years: int | None = None  # periods starting within this many years of the loss (Rule.loss_within_years)


def rule_period(rule: Rule, *, as_of: date) -> periods.Period | None:
    """The period a rule asks about on ``as_of`` (None: nothing to ask).

    A requirement asks about its latest due period; a reminder about the window running on ``as_of``.
    A festival's missed period lapses ``lapse_after_days`` after its window. An event rule's periods are per
    household (visits.EventPeriod): None here.
    """
    if rule.period == Rule.PeriodKind.EVENT:
        return None
    kw = {"before": rule.window_before_days, "after": rule.window_after_days}
    if rule.mode == Rule.Mode.REMINDER:
        if rule.period in periods.CALENDAR:
            return periods.CALENDAR[rule.period](as_of)
        return periods.current_window(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
    if rule.period in periods.CALENDAR:
        return periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days)
    p = periods.last_due_period(period=rule.period, as_of=as_of, grace_days=rule.grace_days, **kw)
    if p is None or as_of > p.end + timedelta(days=rule.grace_days + rule.lapse_after_days):
        return None
    return p


def active_rules() -> list[Rule]:
    return list(Rule.objects.filter(active=True).select_related("rule_set"))


def rule_periods(*, as_of: date, current: bool = False, rules: list[Rule] | None = None) -> list[RulePeriod]:
    """Every active rule (``rules``, or read in one query) with the period it asks about on ``as_of``.

    ``current=True`` gives instead the period running on ``as_of`` of each requirement (reminders left out):
    what is due next, for the worklist.
    """
    if rules is None:
        rules = active_rules()
    result = []
    for rule in rules:
        anniversary = rule.period == Rule.PeriodKind.DEATH_ANNIVERSARY
        event = rule.period == Rule.PeriodKind.EVENT
        if current:
            if rule.mode != Rule.Mode.OVERDUE or anniversary:
                continue
            p = (
                None
                if event
                else periods.current_period(
                    period=rule.period, as_of=as_of, before=rule.window_before_days, after=rule.window_after_days
                )
            )
        else:
            p = None if anniversary else rule_period(rule, as_of=as_of)
        if p is None and not (anniversary or event):
            continue
        result.append(
            RulePeriod(
                rule_id=rule.pk,
                county_id=rule.rule_set.county_id,
                period=p,
                methods=list(rule.methods),
                by_doctor=rule.by_family_doctor,
                applies_to=rule.applies_to,
                anniversary=anniversary,
                before=rule.window_before_days,
                after=rule.window_after_days,
                grace=rule.grace_days,
                event=event,
                lapse=rule.lapse_after_days,
                loss_years=rule.loss_within_years,
            )
        )
    return result


# ---- the SQL ----------------------------------------------------------------------------------------

# The visit methods, in the order of the per-method columns below.
METHODS = ("home", "phone", "online", "other")


def _latest_columns() -> str:
    """Per household, the latest visit date by method, and by method made by a family doctor."""
    cols = []
    for m in METHODS:
        cols.append(f"max(v.date) FILTER (WHERE v.method = '{m}') AS {m}_any")
        cols.append(f"max(v.date) FILTER (WHERE v.method = '{m}' AND v.visitor_role = 'family_doctor') AS {m}_doc")
    return ",\n           ".join(cols)


def _met_expression() -> str:
    """The pair's requirement is met: a qualifying visit (method, doctor) on or after its period's start."""

    def latest(kind: str) -> str:
        return "greatest(" + ", ".join(f"CASE WHEN p.m_{m} THEN l.{m}_{kind} END" for m in METHODS) + ")"

    return f"coalesce(CASE WHEN p.by_doctor THEN {latest('doc')} ELSE {latest('any')} END >= p.p_start, false)"


# The active households (with whether a living member is 失能/半失能) and, per household, the latest visit
# by method: read once per run into two temporary tables, which both the evaluation (the periods last due)
# and the worklist (the periods running) join. ``min_start`` is the earliest day either looks at: the
# latest visit up to as_of is the same whatever earlier day the window starts on, so one read serves both.
HOUSEHOLDS_SQL = """
CREATE TEMP TABLE visits_engine_hh ON COMMIT DROP AS
SELECT h.id, h.county_id, h.registered_on, h.family_type, c.household_id IS NOT NULL AS care,
       -- a bereaved family's child's death as month * 100 + day (the anniversary rules match on it), and year
       CASE WHEN h.family_type = 'death' THEN extract(month FROM h.child_event_date)::int * 100
                                              + extract(day FROM h.child_event_date)::int END AS event_md,
       extract(year FROM h.child_event_date)::int AS event_year,
       CASE WHEN h.family_type = 'death' THEN h.child_event_date END AS event_date
FROM households_household h
LEFT JOIN (
    SELECT DISTINCT m.household_id FROM households_member m
    WHERE m.alive AND m.self_care IN ('semi', 'disabled') {member_filter}
) c ON c.household_id = h.id
WHERE h.status = 'active' {household_filter}
"""

LATEST_SQL = (
    """
CREATE TEMP TABLE visits_engine_latest ON COMMIT DROP AS
SELECT v.household_id,
       """
    + _latest_columns()
    + """
FROM visits_visit v
WHERE v.date >= %(min_start)s AND v.date <= %(as_of)s {visit_filter}
GROUP BY v.household_id
"""
)

# Which (household, rule) pairs apply on %(as_of)s, their period, and whether a qualifying visit since the
# period's start has been logged. `rp` holds the rules' periods (computed in Python, visits.periods).
# Anniversaries are per household: the window around the anniversary of the child's death in the year
# before, of or after as_of (29 February falls on 28 February in a common year).
PAIRS_SQL = (
    """
WITH rp (rule_id, county_id, period_key, p_start, p_end, m_home, m_phone, m_online, m_other, by_doctor,
         applies_to, anniv, before_d, after_d, grace_d, event, lapse_d, loss_y) AS (
    SELECT * FROM unnest(%(rule_id)s::bigint[], %(county_id)s::bigint[], %(period_key)s::text[],
                         %(p_start)s::date[], %(p_end)s::date[], %(m_home)s::bool[], %(m_phone)s::bool[],
                         %(m_online)s::bool[], %(m_other)s::bool[], %(by_doctor)s::bool[],
                         %(applies_to)s::text[], %(anniv)s::bool[], %(before_d)s::int[], %(after_d)s::int[],
                         %(grace_d)s::int[], %(event)s::bool[], %(lapse_d)s::int[], %(loss_y)s::int[])
),
periods AS (
    SELECT hh.id AS household_id, rp.rule_id, rp.period_key, rp.p_start, rp.p_end,
           rp.by_doctor, rp.m_home, rp.m_phone, rp.m_online, rp.m_other
    FROM visits_engine_hh hh JOIN rp ON rp.county_id = hh.county_id AND NOT rp.anniv AND NOT rp.event
    WHERE hh.registered_on <= rp.p_start
      AND (rp.applies_to = 'all'
           OR (rp.applies_to = 'bereaved' AND hh.family_type = 'death')
           OR (rp.applies_to = 'care_dependent' AND hh.care))
      -- Grief-aware cadence (Rule.loss_within_years): only periods starting within those years after the loss.
      AND (rp.loss_y IS NULL OR rp.p_start < (hh.event_date + make_interval(years => rp.loss_y))::date)
    UNION ALL
    -- Anniversaries: the days whose window runs on as_of come from Python (``ad``: rule, the month and day a
    -- death must have, the anniversary's year and date), so each bereaved household is matched once.
    SELECT hh.id, rp.rule_id, ad.y::text, ad.d - rp.before_d, ad.d + rp.after_d,
           rp.by_doctor, rp.m_home, rp.m_phone, rp.m_online, rp.m_other
    FROM unnest(%(ad_rule)s::bigint[], %(ad_md)s::int[], %(ad_y)s::int[], %(ad_d)s::date[]) AS ad (rule_id, md, y, d)
    JOIN rp ON rp.rule_id = ad.rule_id AND rp.anniv
    JOIN visits_engine_hh hh ON hh.event_md = ad.md AND hh.county_id = rp.county_id
    WHERE ad.y > hh.event_year AND hh.registered_on <= ad.d - rp.before_d
    UNION ALL
    -- Events (visits.EventPeriod: a hospital discharge …), per household and rule the one the rule asks about: the
    -- latest whose due date + grace has passed and which has not lapsed; for the worklist (%(current)s) the
    -- running one that is due first.
    SELECT * FROM (
        SELECT DISTINCT ON (ev.household_id, ev.rule_id) ev.household_id, ev.rule_id, ev.key, ev.start, ev.due,
               rp.by_doctor, rp.m_home, rp.m_phone, rp.m_online, rp.m_other
        FROM visits_eventperiod ev
        JOIN rp ON rp.rule_id = ev.rule_id AND rp.event
        JOIN visits_engine_hh hh ON hh.id = ev.household_id
        WHERE CASE WHEN %(current)s THEN ev.start <= %(as_of)s AND ev.due + rp.grace_d >= %(as_of)s
                   ELSE ev.due + rp.grace_d < %(as_of)s AND ev.due + rp.grace_d + rp.lapse_d >= %(as_of)s END
              {event_filter}
        ORDER BY ev.household_id, ev.rule_id, CASE WHEN %(current)s THEN ev.due END, ev.due DESC
    ) ev
),
pairs AS (
    SELECT p.household_id, p.rule_id, p.period_key, p.p_start, p.p_end, p.by_doctor, """
    + _met_expression()
    + """ AS met
    FROM periods p LEFT JOIN visits_engine_latest l ON l.household_id = p.household_id
)
"""
)

# The engine's table: every applicable pair (met or not) and every open flag (applicable or not), so that
# the statements after it join by flag id and never read the table they write.
EVAL_SQL = (
    "CREATE TEMP TABLE visits_eval ON COMMIT DROP AS "
    + PAIRS_SQL
    + """,
open AS (
    SELECT f.id, f.household_id, f.rule_id FROM visits_overdueflag f WHERE f.closed_on IS NULL {flag_filter}
)
SELECT coalesce(p.household_id, o.household_id) AS household_id, coalesce(p.rule_id, o.rule_id) AS rule_id,
       p.period_key, p.p_start, p.p_end, p.household_id IS NOT NULL AS applies, coalesce(p.met, false) AS met,
       o.id AS open_flag_id
FROM pairs p FULL JOIN open o ON o.household_id = p.household_id AND o.rule_id = p.rule_id
"""
)

# The worklist's order (visits.models.HouseholdUrgency), from the open flags just written and the running
# periods: PAIRS_SQL evaluated on the periods running on as_of (rule_periods(current=True)), so "next due" is
# the earliest end of a running period whose requirement is not met yet — the engine's own definitions.
# Rows that would not change are not written (the nightly run touches only the households whose place moved).
URGENCY_SQL = (
    PAIRS_SQL
    + """,
due AS (
    SELECT household_id, min(p_end) AS next_due, min(p_end) FILTER (WHERE NOT by_doctor) AS c_next_due
    FROM pairs WHERE NOT met GROUP BY household_id
),
-- Per household, from its open flags: overdue and reminders of every rule (the family doctor's order) and
-- without the family doctor's rules (any other contact's order: only a doctor's visit clears those).
fl AS (
    SELECT f.household_id,
           count(*) FILTER (WHERE r.mode = 'overdue') AS overdue,
           max(f.escalation_level) FILTER (WHERE r.mode = 'overdue') AS level,
           min(f.opened_on) FILTER (WHERE r.mode = 'overdue') AS overdue_since,
           min(f.period_end) FILTER (WHERE r.mode = 'reminder') AS reminder_end,
           count(*) FILTER (WHERE r.mode = 'overdue' AND NOT r.by_family_doctor) AS c_overdue,
           max(f.escalation_level) FILTER (WHERE r.mode = 'overdue' AND NOT r.by_family_doctor) AS c_level,
           min(f.opened_on) FILTER (WHERE r.mode = 'overdue' AND NOT r.by_family_doctor) AS c_overdue_since,
           min(f.period_end) FILTER (WHERE r.mode = 'reminder' AND NOT r.by_family_doctor) AS c_reminder_end,
           min(f.opened_on) FILTER (WHERE r.mode = 'overdue' AND r.by_family_doctor) AS doctor_since
    FROM visits_overdueflag f JOIN visits_rule r ON r.id = f.rule_id
    WHERE f.closed_on IS NULL {flag_filter}
    GROUP BY f.household_id
),
ranked AS (
    SELECT hh.id AS household_id,
           CASE WHEN fl.overdue > 0 THEN 0 WHEN fl.reminder_end IS NOT NULL THEN 1 ELSE 2 END AS rank,
           CASE WHEN fl.overdue > 0 THEN fl.level ELSE 0 END AS escalation_level,
           CASE WHEN fl.overdue > 0 THEN fl.overdue_since
                WHEN fl.reminder_end IS NOT NULL THEN fl.reminder_end
                ELSE due.next_due END AS urgent_on,
           due.next_due,
           CASE WHEN fl.c_overdue > 0 THEN 0 WHEN fl.c_reminder_end IS NOT NULL THEN 1 ELSE 2 END AS contact_rank,
           CASE WHEN fl.c_overdue > 0 THEN fl.c_level ELSE 0 END AS contact_level,
           CASE WHEN fl.c_overdue > 0 THEN fl.c_overdue_since
                WHEN fl.c_reminder_end IS NOT NULL THEN fl.c_reminder_end
                ELSE due.c_next_due END AS contact_urgent_on,
           due.c_next_due AS contact_next_due,
           fl.doctor_since,
           greatest(l.home_any, l.phone_any, l.online_any, l.other_any) AS last_contact,
           coalesce(fl.overdue, 0) AS open_overdue
    FROM visits_engine_hh hh LEFT JOIN due ON due.household_id = hh.id LEFT JOIN fl ON fl.household_id = hh.id
         LEFT JOIN visits_engine_latest l ON l.household_id = hh.id
),
-- A closed household leaves the worklist (PostgreSQL runs a DELETE in WITH whether or not it is read).
gone AS (
    DELETE FROM visits_householdurgency u
    WHERE NOT EXISTS (SELECT 1 FROM households_household h WHERE h.id = u.household_id AND h.status = 'active')
          {urgency_filter}
),
-- A place that moved is updated, a new household's inserted: two hash joins with the places there are
-- (an INSERT … ON CONFLICT probed the primary key once per household, most of them to change nothing).
-- Both see the places as they were before the statement, so each household is written once.
moved AS (
    UPDATE visits_householdurgency u
    SET rank = r.rank, escalation_level = r.escalation_level, urgent_on = r.urgent_on, next_due = r.next_due,
        contact_rank = r.contact_rank, contact_level = r.contact_level, contact_urgent_on = r.contact_urgent_on,
        contact_next_due = r.contact_next_due, doctor_since = r.doctor_since, last_contact = r.last_contact,
        open_overdue = r.open_overdue
    FROM ranked r
    WHERE u.household_id = r.household_id
      AND (u.rank, u.escalation_level, u.urgent_on, u.next_due, u.contact_rank, u.contact_level,
           u.contact_urgent_on, u.contact_next_due, u.doctor_since, u.last_contact, u.open_overdue)
          IS DISTINCT FROM (r.rank, r.escalation_level, r.urgent_on, r.next_due, r.contact_rank, r.contact_level,
                            r.contact_urgent_on, r.contact_next_due, r.doctor_since, r.last_contact, r.open_overdue)
)
INSERT INTO visits_householdurgency (household_id, rank, escalation_level, urgent_on, next_due, contact_rank,
                                     contact_level, contact_urgent_on, contact_next_due, doctor_since,
                                     last_contact, open_overdue)
SELECT r.household_id, r.rank, r.escalation_level, r.urgent_on, r.next_due, r.contact_rank, r.contact_level,
       r.contact_urgent_on, r.contact_next_due, r.doctor_since, r.last_contact, r.open_overdue
FROM ranked r
WHERE NOT EXISTS (SELECT 1 FROM visits_householdurgency u WHERE u.household_id = r.household_id)
ON CONFLICT (household_id) DO NOTHING
"""
)

CLOSE_SQL = """
WITH closed AS (
    UPDATE visits_overdueflag f
    SET closed_on = %(as_of)s, closed_reason = CASE WHEN e.applies AND e.met THEN 'met' ELSE 'lapsed' END,
        met_from = CASE WHEN e.applies AND e.met THEN e.p_start END
    FROM visits_eval e
    WHERE e.open_flag_id = f.id AND (NOT e.applies OR e.met)
    RETURNING 1
)
SELECT count(*) FROM closed
"""

# A flag already open for the pair stays open (it says "behind since <its period>"). A pair not met without
# an open flag gets one:
# - the pair's latest flag again, with its period, its opening day and its escalation, when that flag was
#   closed as met and no visit that counts is dated from its ``met_from`` any more (the visit that met it was
#   deleted, or corrected to another date, method or visitor): the household was never back on track;
# - else a flag of the same period closed before (the household closed and reopened) is reopened;
# - else a new flag, behind since the pair's period.
# The latest flag is found on the index flag_unique_period, backwards: a rule's period keys sort as its
# periods do ("2025-09" < "2025-10", "2025-Q4", "2025-W07", "2025"; visits.periods.Period.key), so one index
# entry per pair, and a visit probe (the index visit_household_date) only where that flag was met. The rows
# reopened are left out of the INSERT: a statement's parts see the same snapshot, none writes a row twice.
OPEN_SQL = """
WITH need AS (
    SELECT e.household_id, e.rule_id, e.period_key, e.p_start, e.p_end
    FROM visits_eval e
    WHERE e.applies AND NOT e.met AND e.open_flag_id IS NULL
),
reopen AS (
    UPDATE visits_overdueflag f
    SET closed_on = NULL, closed_reason = '', met_from = NULL
    FROM need n
    CROSS JOIN LATERAL (
        SELECT l.id, l.closed_reason, coalesce(l.met_from, l.period_start) AS met_from
        FROM visits_overdueflag l
        WHERE l.household_id = n.household_id AND l.rule_id = n.rule_id
        ORDER BY l.period_key DESC
        LIMIT 1
    ) last
    JOIN visits_rule r ON r.id = n.rule_id
    WHERE f.id = last.id AND last.closed_reason = 'met'
      AND NOT EXISTS (
          SELECT 1 FROM visits_visit v
          WHERE v.household_id = n.household_id AND v.date >= last.met_from AND v.date <= %(as_of)s
            AND v.method = ANY (r.methods) AND (NOT r.by_family_doctor OR v.visitor_role = 'family_doctor')
      )
    RETURNING f.id, f.household_id, f.rule_id
),
opened AS (
    INSERT INTO visits_overdueflag (household_id, rule_id, period_key, period_start, period_end, opened_on,
                                    closed_reason, escalation_level)
    SELECT n.household_id, n.rule_id, n.period_key, n.p_start, n.p_end, %(as_of)s, '', 0
    FROM need n
    WHERE NOT EXISTS (SELECT 1 FROM reopen o WHERE o.household_id = n.household_id AND o.rule_id = n.rule_id)
    ON CONFLICT (household_id, rule_id, period_key) DO UPDATE
    SET closed_on = NULL, closed_reason = '', met_from = NULL
    WHERE visits_overdueflag.closed_on IS NOT NULL
    RETURNING id
)
SELECT id FROM reopen UNION ALL SELECT id FROM opened
"""

# Flags opened or closed in one run beyond which the flag table is analysed before it is read again.
ANALYZE_AFTER_CHANGES = 10_000

# Reminders never escalate; a requirement escalates to the town, then the county, after the days of its
# county's rule set counted from the day the flag opened.
_ESCALATION_LEVEL = """CASE WHEN %(as_of)s - f.opened_on >= s.escalate_county_after_days THEN 2
                            WHEN %(as_of)s - f.opened_on >= s.escalate_town_after_days THEN 1
                            ELSE 0 END"""

ESCALATE_SQL = f"""
UPDATE visits_overdueflag f
SET escalation_level = {_ESCALATION_LEVEL}, escalated_on = %(as_of)s
FROM visits_rule r JOIN visits_ruleset s ON s.id = r.rule_set_id
-- Only flags that may still rise (the partial index flag_escalation_pending), old enough for the earliest
-- step of any county; the flag table is read once (no self-join), whatever its statistics say.
WHERE r.id = f.rule_id AND r.mode = 'overdue'
  AND f.closed_on IS NULL AND f.escalation_level < 2
  AND f.opened_on <= %(as_of)s - (SELECT coalesce(min(escalate_town_after_days), 0) FROM visits_ruleset)
  AND {_ESCALATION_LEVEL} > f.escalation_level
  {{flag_filter}}
RETURNING f.id
"""

COUNT_SQL = """
SELECT (SELECT count(*) FROM households_household h WHERE h.status = 'active' {household_filter}),
       (SELECT count(*) FROM visits_overdueflag f WHERE f.closed_on IS NULL {flag_filter})
"""


def _anniversary_on(md: int, day: date) -> bool:
    """Whether a death on month-day ``md`` (month * 100 + day) has its anniversary on ``day``."""
    return periods.anniversary(date(2000, md // 100, md % 100), day.year) == day  # 2000: every md exists


def _anniversary_days(rps: list[RulePeriod], *, as_of: date) -> dict[str, list[Any]]:
    """For each anniversary rule, the days ``d`` whose window (d − before … d + after + grace) runs on
    ``as_of``, with the month and day a death must fall on to have its anniversary on ``d``: its own, and on
    28 February of a common year also 29 February (visits.periods.anniversary)."""
    days: dict[str, list[Any]] = {"ad_rule": [], "ad_md": [], "ad_y": [], "ad_d": []}
    for r in rps:
        if not r.anniversary:
            continue
        day = as_of - timedelta(days=r.after + r.grace)
        while day <= as_of + timedelta(days=r.before):
            # The deaths whose anniversary (periods.anniversary: the one rule for 29 February) falls on `day`.
            candidates = {day.month * 100 + day.day, 229}
            for md in sorted(md for md in candidates if _anniversary_on(md, day)):
                days["ad_rule"].append(r.rule_id)
                days["ad_md"].append(md)
                days["ad_y"].append(day.year)
                days["ad_d"].append(day)
            day += timedelta(days=1)
    return days


def _params(rps: list[RulePeriod], *, as_of: date) -> dict[str, Any]:
    return {
        **_anniversary_days(rps, as_of=as_of),
        "as_of": as_of,
        "rule_id": [r.rule_id for r in rps],
        "county_id": [r.county_id for r in rps],
        "period_key": [r.period.key if r.period else "" for r in rps],
        "p_start": [r.period.start if r.period else None for r in rps],
        "p_end": [r.period.end if r.period else None for r in rps],
        **{f"m_{m}": [m in r.methods for r in rps] for m in METHODS},
        "by_doctor": [r.by_doctor for r in rps],
        "applies_to": [r.applies_to for r in rps],
        "anniv": [r.anniversary for r in rps],
        "before_d": [r.before for r in rps],
        "after_d": [r.after for r in rps],
        "grace_d": [r.grace for r in rps],
        "event": [r.event for r in rps],
        "lapse_d": [r.lapse for r in rps],
        "loss_y": [r.loss_years for r in rps],
        # The earliest day any period starts: the visits the engine reads (an anniversary window starts at
        # most before + after + grace days before as_of).
        "min_start": min(
            [r.period.start for r in rps if r.period]
            + [as_of - timedelta(days=r.before + r.after + r.grace) for r in rps if r.anniversary]
            + [_events_min_start(rps, as_of=as_of)],
            default=as_of,
        ),
    }


def _events_min_start(rps: list[RulePeriod], *, as_of: date) -> date:
    """The earliest start of the events the engine may ask about on ``as_of`` (as_of when none): the visits it
    reads begin there. One indexed query (eventperiod_rule_due), none without event rules."""
    from visits.models import EventPeriod

    events = [r for r in rps if r.event]
    if not events:
        return as_of
    reach = as_of - timedelta(days=max(r.grace + r.lapse for r in events) + 1)
    first = (
        EventPeriod.objects.filter(rule_id__in=[r.rule_id for r in events], due__gte=reach, start__lte=as_of)
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    return min(first, as_of) if first else as_of


class EngineBusy(Exception):
    """Another run held the engine's lock longer than the caller would wait (the nightly run): nothing done."""


def engine_lock(*, wait_s: float | None = None) -> None:
    """Wait for, then hold until the transaction ends, the one lock of the engine.

    ``wait_s``: wait at most that long (a request refreshing one household does not queue behind the nightly
    run for minutes), else raise EngineBusy.
    """
    if wait_s is None:
        advisory_xact_lock(LOCK_KEY)
        return
    deadline = time.monotonic() + wait_s
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() >= deadline:
                raise EngineBusy
            time.sleep(0.05)


def ruleset_ensure_defaults() -> None:
    """Every county with households has a rule set (the defaults of docs/RULES.md). Two queries when done."""
    from households.models import Household
    from visits.services import ruleset_create_default

    missing = Region.objects.filter(level=Region.Level.COUNTY, visit_rule_set__isnull=True).filter(
        Exists(Household.objects.filter(county=OuterRef("pk"), status=Household.Status.ACTIVE))
    )
    for county in missing:
        ruleset_create_default(county=county)


def overdue_refresh(
    *, as_of: date, household_ids: list[int] | None = None, lock_wait_s: float | None = None
) -> RefreshResult:
    """Open, close and escalate the overdue flags of every active household (or of ``household_ids``).

    Idempotent: a second run on the same data and day changes nothing. One transaction (a savepoint inside
    the caller's): a run that dies leaves the flags as they were. ``lock_wait_s``: see ``engine_lock``.
    """
    ruleset_ensure_defaults()
    result = RefreshResult(as_of=as_of)
    with transaction.atomic(), connection.cursor() as cursor:
        engine_lock(wait_s=lock_wait_s)
        # The evaluation sorts and hashes a few rows per household: in memory, not in temporary files. JIT off:
        # on these statements its compilation costs more than it saves.
        cursor.execute("SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)")
        rules = active_rules()
        params = _params(rule_periods(as_of=as_of, rules=rules), as_of=as_of)
        params["ids"] = list(household_ids or [])
        # The same statements over every household, or restricted to some (the run after a visit).
        filters = {
            name: f"AND {column} = ANY (%(ids)s)" if household_ids is not None else ""
            for name, column in (
                ("household_filter", "h.id"),
                ("visit_filter", "v.household_id"),
                ("member_filter", "m.household_id"),
                ("flag_filter", "f.household_id"),
                ("urgency_filter", "u.household_id"),
                ("event_filter", "ev.household_id"),
            )
        }
        current = _params(rule_periods(as_of=as_of, current=True, rules=rules), as_of=as_of)
        current["ids"] = params["ids"]
        params["current"], current["current"] = False, True
        current["min_start"] = params["min_start"] = min(params["min_start"], current["min_start"])
        cursor.execute(HOUSEHOLDS_SQL.format(**filters), params)
        cursor.execute(LATEST_SQL.format(**filters), params)
        cursor.execute("ANALYZE visits_engine_hh, visits_engine_latest")  # statistics for the joins below
        cursor.execute(EVAL_SQL.format(**filters), params)
        cursor.execute("ANALYZE visits_eval")
        cursor.execute(CLOSE_SQL, params)
        result.closed = cursor.fetchone()[0]
        cursor.execute(OPEN_SQL, params)
        result.opened_ids = [row[0] for row in cursor.fetchall()]
        result.opened = len(result.opened_ids)
        if result.opened + result.closed > ANALYZE_AFTER_CHANGES:
            # The flags' statistics would still describe the table before this run (the first run on an
            # empty table, the first day of a month): the statements below would plan nested loops over
            # hundreds of thousands of rows they believe are not there, many times slower.
            # As the owner (the application role may not ANALYZE a table it does not own): audit/migrations/0004.
            cursor.execute("SELECT portal_analyze('visits_overdueflag')")
        cursor.execute(ESCALATE_SQL.format(**filters), params)
        result.escalated_ids = [row[0] for row in cursor.fetchall()]
        result.escalated = len(result.escalated_ids)
        if household_ids is None:
            # The worklist places of a whole run are written by one statement whose unreferenced UPDATE of the
            # places runs after its INSERT has filled the table. With statistics that say the table is empty (a
            # new county, the night after its first import) the planner joins it by a nested loop over a
            # sequential scan, which then reads every row the INSERT wrote once per household: 200,000
            # households took 266-797 s instead of about 10 (docs/PERFORMANCE.md). Hash joins read each side once,
            # whatever the statistics say; a run over a few households keeps the planner's choice (index probes).
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(URGENCY_SQL.format(**filters), current)
        if household_ids is None:
            cursor.execute("SET LOCAL enable_nestloop = on")
        cursor.execute(COUNT_SQL.format(**filters), params)
        result.households, result.open = cursor.fetchone()
        cursor.execute("DROP TABLE visits_eval, visits_engine_hh, visits_engine_latest")
    return result
