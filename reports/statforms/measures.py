"""The counting half of the statistical forms: every measure a counted column names, counted per region node for a
period in a few set-based queries, and a unit's form built from those counts (docs/REPORTS.md §Counting).

**Attribution.** Every counted fact belongs to one node of the tree: a household's facts (visits, claims,
assessments, pairings, new bereaved, closings, coverage) to its village, or to its county when it has no village; an
activity's to its organiser; a transfer's to the county the household left. A unit's figure is the sum over the
nodes of its subtree, a city's or a province's over its counties (regions.selectors.counties_under). Because one
household lies in one node, distinct household and person counts add up from nodes to units.

**Queries.** ``node_counts`` runs one grouped statement per measure *family* over the whole tree (the coverage of
contacts: one per distinct contact scheme of the counties), whatever the number of units; ``forms_under`` builds
every unit's form of a tree from one such count, ``form_rows`` one unit's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from regions.models import Region
from regions.selectors import figure_paths
from reports.statforms.spec import FormTemplate, Period, Source, Unit

# ------------------------------------------------------------------------------------------------ the registry

VISIT_PURPOSES = ("routine", "festival", "birthday", "hospital", "emergency")
# The risk levels that call for an intervention: the assessor's medium, high or immediate (an urgent assessment —
# PHQ-9 item 9 above 0 — counts whatever its level).
INTERVENTION_LEVELS = ("medium", "high", "immediate")
# The attendance at these activities is the trainings' (of contacts and cadres), not a service to families.
TRAINING_KINDS = ("training",)


class Records:
    """What lies behind a cell (reports.statforms.drill)."""

    HOUSEHOLDS = "households"
    PERSONS = "persons"
    CLAIMS = "claims"
    ACTIVITIES = "activities"
    PAIRINGS = "pairings"


@dataclass(frozen=True)
class Measure:
    key: str
    label: Promise | str
    unit: Unit
    family: str  # the statement that counts it (one per family)
    records: str  # Records: what drill lists behind a cell
    as_of_end: bool = False  # a state at the period's end (coverage), not facts within it


def _m(key: str, label: Promise | str, unit: Unit, family: str, records: str, **kw: Any) -> Measure:
    return Measure(key, label, unit, family, records, **kw)


_H, _P, _R = Records.HOUSEHOLDS, Records.PERSONS, Records.CLAIMS
_VISIT_LABELS = {
    "routine": pgettext_lazy("measure", "Routine visits"),
    "festival": pgettext_lazy("measure", "Festival visits"),
    "birthday": pgettext_lazy("measure", "Birthday company"),
    "hospital": pgettext_lazy("measure", "Hospital visits"),
    "emergency": pgettext_lazy("measure", "Emergency visits"),
}
_HOUSEHOLDS = pgettext_lazy("measure", "%(what)s: households")
_PERSONS = pgettext_lazy("measure", "%(what)s: persons")


class _Label(Promise):
    """A measure's label "<what>: households", said in the reader's language when shown (never at import)."""

    def __init__(self, template: Promise, what: Promise) -> None:
        self.template, self.what = template, what

    def __str__(self) -> str:
        return str(self.template) % {"what": self.what}


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        *(
            m
            for purpose in VISIT_PURPOSES
            for m in (
                _m(
                    f"visits.{purpose}.households",
                    _Label(_HOUSEHOLDS, _VISIT_LABELS[purpose]),
                    Unit.HOUSEHOLDS,
                    "visits",
                    _H,
                ),
                _m(f"visits.{purpose}.persons", _Label(_PERSONS, _VISIT_LABELS[purpose]), Unit.PERSONS, "visits", _P),
            )
        ),
        _m(
            "needs.households",
            _Label(_HOUSEHOLDS, pgettext_lazy("measure", "Needs surveys")),
            Unit.HOUSEHOLDS,
            "visits",
            _H,
        ),
        _m("needs.persons", _Label(_PERSONS, pgettext_lazy("measure", "Needs surveys")), Unit.PERSONS, "visits", _P),
        _m("claims.paid_cases", pgettext_lazy("measure", "Insurance claims paid"), Unit.CASES, "claims", _R),
        _m("claims.paid_amount", pgettext_lazy("measure", "Insurance claims paid: amount"), Unit.YUAN, "claims", _R),
        _m(
            "mental.households",
            pgettext_lazy("measure", "Mental-health services: households"),
            Unit.HOUSEHOLDS,
            "mental",
            _H,
        ),
        _m("mental.persons", pgettext_lazy("measure", "Mental-health services: persons"), Unit.PERSONS, "mental", _P),
        _m("mental.files", pgettext_lazy("measure", "Mental-health files opened"), Unit.FILES, "mental", _P),
        _m("mental.assessed", pgettext_lazy("measure", "Persons assessed"), Unit.PERSONS, "mental", _P),
        _m("assist.new_psych", pgettext_lazy("measure", "New psychological interventions"), Unit.PERSONS, "mental", _P),
        _m(
            "activities.sessions",
            pgettext_lazy("measure", "Service activities"),
            Unit.SESSIONS,
            "activities",
            Records.ACTIVITIES,
        ),
        _m(
            "activities.person_times",
            pgettext_lazy("measure", "Service activities: person-times"),
            Unit.PERSON_TIMES,
            "activities",
            Records.ACTIVITIES,
        ),
        _m(
            "activities.training_sessions",
            pgettext_lazy("measure", "Trainings"),
            Unit.SESSIONS,
            "activities",
            Records.ACTIVITIES,
        ),
        _m(
            "activities.training_person_times",
            pgettext_lazy("measure", "Trainings: person-times"),
            Unit.PERSON_TIMES,
            "activities",
            Records.ACTIVITIES,
        ),
        _m(
            "volunteers.pairs",
            pgettext_lazy("measure", "Pairings with families"),
            Unit.PAIRS,
            "volunteers",
            Records.PAIRINGS,
        ),
        _m(
            "volunteers.paired_households",
            pgettext_lazy("measure", "Paired households"),
            Unit.HOUSEHOLDS,
            "volunteers",
            _H,
        ),
        _m("help.households", pgettext_lazy("measure", "Households helped"), Unit.HOUSEHOLDS, "help", _H),
        _m("assist.new_bereaved", pgettext_lazy("measure", "New bereaved persons"), Unit.PERSONS, "assist", _P),
        _m("assist.moved", pgettext_lazy("measure", "Persons whose file moves"), Unit.PERSONS, "assist", _P),
        _m(
            "assist.closed",
            pgettext_lazy("measure", "Persons whose file changes or closes"),
            Unit.PERSONS,
            "assist",
            _P,
        ),
        _m(
            "cover.households",
            pgettext_lazy("measure", "Households on the roll"),
            Unit.HOUSEHOLDS,
            "contacts",
            _H,
            as_of_end=True,
        ),
        _m(
            "cover.contacts",
            pgettext_lazy("measure", "Households with every required contact"),
            Unit.HOUSEHOLDS,
            "contacts",
            _H,
            as_of_end=True,
        ),
        _m(
            "cover.persons",
            pgettext_lazy("measure", "Persons on the roll"),
            Unit.PERSONS,
            "medical",
            _P,
            as_of_end=True,
        ),
        _m(
            "cover.cards",
            pgettext_lazy("measure", "Green-channel card holders"),
            Unit.PERSONS,
            "medical",
            _P,
            as_of_end=True,
        ),
        _m(
            "cover.willing",
            pgettext_lazy("measure", "Households willing to sign a family doctor"),
            Unit.HOUSEHOLDS,
            "medical",
            _H,
            as_of_end=True,
        ),
        _m(
            "cover.signed",
            pgettext_lazy("measure", "Households with a family doctor signed"),
            Unit.HOUSEHOLDS,
            "medical",
            _H,
            as_of_end=True,
        ),
    )
}


# ------------------------------------------------------------------------------------------------ the window


@dataclass(frozen=True)
class Window:
    """What a count reads: the period's days, the day the coverage is taken on (the period's end, or today for a
    period still running), the nodes counted and their counties."""

    start: date
    end: date
    as_of: date
    nodes: tuple[int, ...]
    counties: tuple[int, ...]
    # "counties": the nodes are whole counties' trees (a county, a city, a province); "villages": a town's or a
    # village's tree (no household without a village lies there); "": any set of nodes.
    scope: str = ""

    @property
    def households(self) -> str:
        """The condition on ``h`` (households_household) for the households whose facts belong to the nodes: on the
        column the planner estimates well (a county's or the villages' ids) when the window allows, else the node."""
        if self.scope == "counties":
            return "h.county_id = ANY (%(counties)s)"
        if self.scope == "villages":
            return "h.village_id = ANY (%(nodes)s)"
        return f"h.county_id = ANY (%(counties)s) AND {NODE} = ANY (%(nodes)s)"

    def params(self) -> dict[str, Any]:
        tz = timezone.get_current_timezone()
        return {
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of,
            "nodes": list(self.nodes),
            "counties": list(self.counties),
            # A time stamp's local day in the period (a payout's return, a transfer's answer).
            "start_at": dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            "end_before": dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        }


def coverage_day(period: Period, *, today: date | None = None) -> date:
    """The day the coverage measures are taken on: the period's end, or today while the period runs."""
    today = today or timezone.localdate()
    return min(period.end, today)


NODE = "coalesce(h.village_id, h.county_id)"
# Where a statement selects the window's households (``h``); replaced by Window.households (see there).
HH = "(__HOUSEHOLDS__)"
# On the roll on the coverage day (contacts.selectors.households_active_on).
_ON_ROLL = "h.registered_on <= %(as_of)s AND (h.status = 'active' OR h.closed_on > %(as_of)s)"


def sql_for(sql: str, w: Window) -> str:
    return sql.replace(HH, w.households)


# ------------------------------------------------------------------------------------------------ the families
# Each family: one statement returning (node, measure key, value) rows, for every node of the window at once.

# Per household visited in the period: which purposes, whether a visit recorded needs; its persons are its members
# not recorded dead before the period's start.
VISITS_SQL = f"""
WITH hv AS (
    SELECT v.household_id, {{purposes}},
           bool_or(btrim(v.needs, E' \\t\\r\\n') <> '') AS needs
    FROM visits_visit v
    WHERE v.date >= %(start)s AND v.date <= %(end)s
      AND v.household_id IN (SELECT h.id FROM households_household h WHERE {HH})
    GROUP BY v.household_id
),
pp AS (
    SELECT m.household_id, count(*) AS n FROM households_member m
    WHERE m.household_id IN (SELECT h.id FROM households_household h WHERE {HH})
      AND (m.alive OR m.death_date >= %(start)s)
    GROUP BY m.household_id
)
SELECT {NODE}, {{counts}}
FROM hv JOIN households_household h ON h.id = hv.household_id LEFT JOIN pp ON pp.household_id = hv.household_id
GROUP BY 1
"""


# The same count for a window of one county or less: each household's visits of the period read by the visits'
# (household, date) index, one probe per household, instead of every visit of the period read and hashed.
VISITS_BY_HOUSEHOLD_SQL = f"""
WITH hv AS (
    SELECT h.id AS household_id, {NODE} AS node, x.*
    FROM households_household h
    CROSS JOIN LATERAL (
        SELECT count(*) AS visits, {{purposes}}, bool_or(btrim(v.needs, E' \\t\\r\\n') <> '') AS needs
        FROM visits_visit v WHERE v.household_id = h.id AND v.date >= %(start)s AND v.date <= %(end)s
    ) x
    WHERE {HH} AND x.visits > 0
)
SELECT hv.node, {{counts}}
FROM hv CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM households_member m
    WHERE m.household_id = hv.household_id AND (m.alive OR m.death_date >= %(start)s)
) pp
GROUP BY 1
"""


def _visits_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    flags = [*VISIT_PURPOSES, "needs"]
    purposes = ", ".join(f"bool_or(v.purpose = '{p}') AS {p}" for p in VISIT_PURPOSES)
    counts = ", ".join(f"count(*) FILTER (WHERE {f}), coalesce(sum(pp.n) FILTER (WHERE {f}), 0)" for f in flags)
    sql = VISITS_BY_HOUSEHOLD_SQL if len(w.counties) <= 1 else VISITS_SQL
    cursor.execute(sql_for(sql.format(purposes=purposes, counts=counts), w), w.params())
    keys = [k for f in flags for k in (_visit_key(f, "households"), _visit_key(f, "persons"))]
    for node, *values in cursor.fetchall():
        yield from ((node, key, value) for key, value in zip(keys, values, strict=True))


def _visit_key(flag: str, what: str) -> str:
    return f"needs.{what}" if flag == "needs" else f"visits.{flag}.{what}"


CLAIMS_SQL = f"""
SELECT {NODE}, count(*), coalesce(sum(c.paid_amount), 0)
FROM benefits_insuranceclaim c JOIN households_household h ON h.id = c.household_id
WHERE c.state = 'paid' AND c.paid_on >= %(start)s AND c.paid_on <= %(end)s AND {HH}
GROUP BY 1
"""


def _claims_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(CLAIMS_SQL, w), w.params())
    for node, cases, amount in cursor.fetchall():
        yield node, "claims.paid_cases", cases
        yield node, "claims.paid_amount", amount


# Per person assessed up to the period's end: whether assessed in the period, the first assessment ever (a file
# opened), the first at an intervention level (or urgent), whether an urgent one lies in the period. The person's
# household is the member's (an assessment's household is its member's: a member never changes household).
MENTAL_PA_CTE = f"""
WITH pa AS (
    SELECT a.member_id,
           bool_or(a.assessed_on >= %(start)s) AS assessed,
           min(a.assessed_on) AS first_on,
           min(a.assessed_on) FILTER (WHERE a.risk_level = ANY (%(levels)s) OR a.urgent) AS first_worthy,
           bool_or(a.urgent AND a.assessed_on >= %(start)s) AS urgent_in
    FROM medical_mentalassessment a
    WHERE a.assessed_on <= %(end)s
      AND a.household_id IN (SELECT h.id FROM households_household h WHERE {HH})
    GROUP BY a.member_id
)
"""
MENTAL_SQL = (
    MENTAL_PA_CTE
    + f"""
SELECT {NODE}, count(DISTINCT m.household_id) FILTER (WHERE pa.assessed), count(*) FILTER (WHERE pa.assessed),
       count(*) FILTER (WHERE pa.first_on >= %(start)s),
       count(*) FILTER (WHERE pa.first_worthy >= %(start)s OR pa.urgent_in)
FROM pa JOIN households_member m ON m.id = pa.member_id JOIN households_household h ON h.id = m.household_id
WHERE {HH}
GROUP BY 1
"""
)


def _mental_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(MENTAL_SQL, w), {**w.params(), "levels": list(INTERVENTION_LEVELS)})
    for node, households, persons, files, psych in cursor.fetchall():
        yield node, "mental.households", households
        yield node, "mental.persons", persons
        yield node, "mental.assessed", persons
        yield node, "mental.files", files
        yield node, "assist.new_psych", psych


# Activities starting in the period, by organiser; one attendance row is one person-time.
ACTIVITIES_SQL = """
WITH act AS (
    SELECT a.id, a.organiser_id, a.kind = ANY (%(training)s) AS training
    FROM activities_activity a
    WHERE a.starts_on >= %(start)s AND a.starts_on <= %(end)s AND a.organiser_id = ANY (%(nodes)s)
),
att AS (
    SELECT t.activity_id, count(*) AS n FROM activities_attendance t JOIN act ON act.id = t.activity_id
    GROUP BY t.activity_id
)
SELECT act.organiser_id,
       count(*) FILTER (WHERE NOT act.training), coalesce(sum(att.n) FILTER (WHERE NOT act.training), 0),
       count(*) FILTER (WHERE act.training), coalesce(sum(att.n) FILTER (WHERE act.training), 0)
FROM act LEFT JOIN att ON att.activity_id = act.id
GROUP BY 1
"""


def _activities_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(ACTIVITIES_SQL, {**w.params(), "training": list(TRAINING_KINDS)})
    keys = (
        "activities.sessions",
        "activities.person_times",
        "activities.training_sessions",
        "activities.training_person_times",
    )
    for node, *values in cursor.fetchall():
        yield from ((node, key, value) for key, value in zip(keys, values, strict=True))


# Pairings active on some day of the period; a pair is a (volunteer, household), counted once however many times it
# was paired in the period.
VOLUNTEERS_SQL = f"""
SELECT {NODE}, count(DISTINCT (p.volunteer_id, p.household_id)), count(DISTINCT p.household_id)
FROM activities_pairing p JOIN households_household h ON h.id = p.household_id
WHERE p.started_on <= %(end)s AND (p.ended_on IS NULL OR p.ended_on >= %(start)s) AND {HH}
GROUP BY 1
"""


def _volunteers_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(VOLUNTEERS_SQL, w), w.params())
    for node, pairs, households in cursor.fetchall():
        yield node, "volunteers.pairs", pairs
        yield node, "volunteers.paired_households", households


# A household helped in the period: a visit, an attendance at an activity starting in it, a claim paid or a payout
# line paid (the bank's return, local day) in it.
HELPED_SQL = """
SELECT v.household_id FROM visits_visit v WHERE v.date >= %(start)s AND v.date <= %(end)s
UNION
SELECT t.household_id FROM activities_attendance t JOIN activities_activity a ON a.id = t.activity_id
WHERE t.household_id IS NOT NULL AND a.starts_on >= %(start)s AND a.starts_on <= %(end)s
UNION
SELECT c.household_id FROM benefits_insuranceclaim c
WHERE c.state = 'paid' AND c.paid_on >= %(start)s AND c.paid_on <= %(end)s
UNION
SELECT l.household_id FROM benefits_payoutline l
WHERE l.status = 'paid' AND l.returned_at >= %(start_at)s AND l.returned_at < %(end_before)s
"""
HELP_SQL = f"""
WITH helped AS ({HELPED_SQL})
SELECT {NODE}, count(*) FROM helped JOIN households_household h ON h.id = helped.household_id
WHERE {HH}
GROUP BY 1
"""


# The same count for a window of one county or less: per household, whether any of the four exists (index probes).
HELP_BY_HOUSEHOLD_SQL = f"""
SELECT {NODE}, count(*) FROM households_household h
WHERE {HH} AND (
    EXISTS (SELECT 1 FROM visits_visit v WHERE v.household_id = h.id AND v.date >= %(start)s AND v.date <= %(end)s)
    OR EXISTS (SELECT 1 FROM activities_attendance t JOIN activities_activity a ON a.id = t.activity_id
               WHERE t.household_id = h.id AND a.starts_on >= %(start)s AND a.starts_on <= %(end)s)
    OR EXISTS (SELECT 1 FROM benefits_insuranceclaim c WHERE c.household_id = h.id AND c.state = 'paid'
               AND c.paid_on >= %(start)s AND c.paid_on <= %(end)s)
    OR EXISTS (SELECT 1 FROM benefits_payoutline l WHERE l.household_id = h.id AND l.status = 'paid'
               AND l.returned_at >= %(start_at)s AND l.returned_at < %(end_before)s)
)
GROUP BY 1
"""


def _help_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(HELP_BY_HOUSEHOLD_SQL if len(w.counties) <= 1 else HELP_SQL, w), w.params())
    for node, households in cursor.fetchall():
        yield node, "help.households", households


# New bereaved: the parents (husband, wife) of a 失独 household whose child died in the period, not recorded dead
# before the child. Moved: every member of a household whose transfer to another county was accepted in the period,
# at the county it left. Closed: every member of a household closed in the period.
ASSIST_SQL = f"""
SELECT {NODE}, 'assist.new_bereaved', count(*)
FROM households_member m JOIN households_household h ON h.id = m.household_id
WHERE h.family_type = 'death' AND h.child_event_date >= %(start)s AND h.child_event_date <= %(end)s
  AND m.role IN ('husband', 'wife') AND (m.alive OR m.death_date >= h.child_event_date) AND {HH}
GROUP BY 1
UNION ALL
SELECT t.from_county_id, 'assist.moved', count(*)
FROM households_householdtransfer t JOIN households_member m ON m.household_id = t.household_id
WHERE t.status = 'accepted' AND t.decided_at >= %(start_at)s AND t.decided_at < %(end_before)s
  AND t.from_county_id = ANY (%(nodes)s)
GROUP BY 1
UNION ALL
SELECT {NODE}, 'assist.closed', count(*)
FROM households_member m JOIN households_household h ON h.id = m.household_id
WHERE h.status = 'closed' AND h.closed_on >= %(start)s AND h.closed_on <= %(end)s AND {HH}
GROUP BY 1
"""


def _assist_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(ASSIST_SQL, w), w.params())
    yield from cursor.fetchall()


# 联系人全覆盖 on the coverage day, set-based: a household on the roll is covered when each required slot of
# its county's scheme has at least the needed current holders (terms running that day, substitutes left out) —
# the condition of contacts.selectors.contacts_complete_condition, counted for every household at once (the ORM's
# EXISTS per slot and household took a second for one county). ``req``: (county, slot, holders needed).
CONTACTS_SQL = f"""
WITH req (county_id, slot, needed) AS (
    SELECT * FROM unnest(%(req_county)s::bigint[], %(req_slot)s::text[], %(req_needed)s::int[])
),
roll AS (
    SELECT h.id, h.county_id, {NODE} AS node FROM households_household h WHERE {HH} AND {_ON_ROLL}
),
held AS (
    SELECT a.household_id, a.slot, count(*) AS n FROM contacts_assignment a
    WHERE a.start_date <= %(as_of)s AND (a.end_date IS NULL OR a.end_date > %(as_of)s) AND a.substitute_for_id IS NULL
      AND a.household_id IN (SELECT h.id FROM households_household h WHERE {HH})
    GROUP BY 1, 2
),
missing AS (
    SELECT DISTINCT roll.id FROM roll JOIN req ON req.county_id = roll.county_id
    LEFT JOIN held ON held.household_id = roll.id AND held.slot = req.slot
    WHERE coalesce(held.n, 0) < req.needed
)
SELECT roll.node, count(*), count(*) FILTER (WHERE missing.id IS NULL)
FROM roll LEFT JOIN missing ON missing.id = roll.id
GROUP BY 1
"""


def contact_requirements(w: Window) -> dict[str, list[Any]]:
    """Each county's required slots and holders (its scheme; the default four-on-one where it has none). One query."""
    from contacts.models import ContactScheme

    stored = {s.county_id: s for s in ContactScheme.objects.filter(county_id__in=w.counties)}
    req: dict[str, list[Any]] = {"req_county": [], "req_slot": [], "req_needed": []}
    for county_id in w.counties:
        scheme = stored.get(county_id) or ContactScheme(county_id=county_id)
        for slot, needed in scheme.required_slots().items():
            req["req_county"].append(county_id)
            req["req_slot"].append(str(slot))
            req["req_needed"].append(needed)
    return req


def _contacts_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(CONTACTS_SQL, w), {**w.params(), **contact_requirements(w)})
    for node, n, covered in cursor.fetchall():
        yield node, "cover.households", n
        yield node, "cover.contacts", covered


# The medical coverages on the coverage day (reports.services MEDICAL_SNAPSHOT_SQL's definitions, per node and with
# the county's settings): the households on the roll; persons: their members alive that day; a card holder by a
# dedicated card running that day, the household's certificate number or a running four-on-one assignment (where
# the county counts them); signed: a contract running that day (signed then, and not ended by then); willing: not
# refused — the latest contract started by then ended by then as refused or by the resident, and none runs.
_WINDOW_HOUSEHOLDS = f"SELECT h.id FROM households_household h WHERE {HH}"
MEDICAL_ROWS_SQL = f"""
WITH hf AS (
    SELECT h.id, {NODE} AS node, r.household_id IS NOT NULL AS signed,
           NOT coalesce(r.household_id IS NULL AND l.status = 'ended' AND l.ended_on <= %(as_of)s
                        AND l.end_reason IN ('refused', 'resident'), false) AS willing
    FROM households_household h
    LEFT JOIN (
        SELECT DISTINCT c.household_id FROM medical_contract c
        WHERE c.starts_on <= %(as_of)s AND c.ends_on >= %(as_of)s
          AND (c.status = 'signed' OR (c.status = 'ended' AND c.ended_on > %(as_of)s))
          AND c.household_id IN ({_WINDOW_HOUSEHOLDS})
    ) r ON r.household_id = h.id
    LEFT JOIN (
        SELECT DISTINCT ON (c.household_id) c.household_id, c.status, c.end_reason, c.ended_on
        FROM medical_contract c
        WHERE c.starts_on <= %(as_of)s AND c.household_id IN ({_WINDOW_HOUSEHOLDS})
        ORDER BY c.household_id, coalesce(c.ended_on, c.ends_on) DESC, c.id DESC
    ) l ON l.household_id = h.id
    WHERE {HH} AND {_ON_ROLL}
),
mm AS (
    SELECT m.id, {NODE} AS node,
           (g.member_id IS NOT NULL
            OR (h.county_id = ANY (%(cert_counties)s) AND coalesce(h.certificate_number, '') <> '')
            OR (h.county_id = ANY (%(card_counties)s) AND a.household_id IS NOT NULL)) AS card
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    LEFT JOIN (
        SELECT DISTINCT g.member_id FROM medical_greencard g
        WHERE g.issued_on <= %(as_of)s AND (g.withdrawn_on IS NULL OR g.withdrawn_on > %(as_of)s)
          AND g.household_id IN ({_WINDOW_HOUSEHOLDS})
    ) g ON g.member_id = m.id
    LEFT JOIN (
        SELECT DISTINCT a.household_id FROM contacts_assignment a
        WHERE a.start_date <= %(as_of)s AND (a.end_date IS NULL OR a.end_date > %(as_of)s)
          AND a.household_id IN ({_WINDOW_HOUSEHOLDS})
    ) a ON a.household_id = h.id
    WHERE {HH} AND {_ON_ROLL} AND (m.alive OR m.death_date > %(as_of)s)
)
"""
MEDICAL_SQL = (
    MEDICAL_ROWS_SQL
    + """
SELECT hs.node, coalesce(ms.persons, 0), coalesce(ms.cards, 0), hs.willing, hs.signed
FROM (SELECT node, count(*) FILTER (WHERE willing) AS willing, count(*) FILTER (WHERE signed) AS signed
      FROM hf GROUP BY node) hs
LEFT JOIN (SELECT node, count(*) AS persons, count(*) FILTER (WHERE card) AS cards FROM mm GROUP BY node) ms
       ON ms.node = hs.node
"""
)


def medical_params(w: Window) -> dict[str, Any]:
    """The counties of the window where the special-assistance certificate, and where the contact card, counts as a
    green-channel card (their medical settings, the defaults where they have none). One query."""
    from medical.models import MedicalSettings

    def default(name: str) -> Any:
        return MedicalSettings._meta.get_field(name).default  # type: ignore[union-attr]  # a concrete field

    stored = {s.county_id: s for s in MedicalSettings.objects.filter(county_id__in=w.counties)}
    cert, card = [], []
    for county_id in w.counties:
        conf = stored.get(county_id)
        if conf.certificate_counts if conf else default("certificate_counts"):
            cert.append(county_id)
        if conf.contact_card_counts if conf else default("contact_card_counts"):
            card.append(county_id)
    return {"cert_counties": cert, "card_counties": card}


def _medical_family(cursor: Any, w: Window) -> Iterable[tuple[int, str, Any]]:
    cursor.execute(sql_for(MEDICAL_SQL, w), {**w.params(), **medical_params(w)})
    for node, persons, cards, willing, signed in cursor.fetchall():
        yield node, "cover.persons", persons
        yield node, "cover.cards", cards
        yield node, "cover.willing", willing
        yield node, "cover.signed", signed


FAMILIES: dict[str, Callable[[Any, Window], Iterable[tuple[int, str, Any]]]] = {
    "visits": _visits_family,
    "claims": _claims_family,
    "mental": _mental_family,
    "activities": _activities_family,
    "volunteers": _volunteers_family,
    "help": _help_family,
    "assist": _assist_family,
    "contacts": _contacts_family,
    "medical": _medical_family,
}

# ------------------------------------------------------------------------------------------------ the tree


@dataclass
class Tree:
    """The nodes whose figures roll up into ``root`` (regions.selectors.figure_paths): for a city its own node, its
    counties and their subtrees; for a county, town or village its subtree."""

    root: Region
    regions: dict[int, Region]
    children: dict[int, list[Region]]
    counties: list[int]

    @classmethod
    def of(cls, root: Region) -> Tree:
        paths = figure_paths(region=root)
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        regions = {r.pk: r for r in Region.objects.filter(condition).order_by("code")}
        regions[root.pk] = root
        children: dict[int, list[Region]] = defaultdict(list)
        for region in regions.values():
            if region.pk != root.pk and region.parent_id in regions:
                children[region.parent_id].append(region)
        counties = [r.pk for r in regions.values() if r.level == Region.Level.COUNTY]
        if not counties:  # a town or a village: the county it lies in (its households' settings and scheme)
            county = Region.objects.county_of(root.path)
            counties = [county.pk] if county else []
        return cls(root=root, regions=regions, children=dict(children), counties=counties)

    @property
    def scope(self) -> str:
        """Window.scope for this tree's nodes."""
        return "villages" if self.root.level in (Region.Level.TOWN, Region.Level.VILLAGE) else "counties"

    def descendants_first(self) -> list[Region]:
        """Every node, each after all of its descendants (for adding subtrees up)."""
        order: list[Region] = []
        stack: list[tuple[Region, bool]] = [(self.root, False)]
        while stack:
            region, done = stack.pop()
            if done:
                order.append(region)
                continue
            stack.append((region, True))
            stack.extend((child, False) for child in self.children.get(region.pk, []))
        return order


Counts = dict[int, dict[str, Decimal]]


@dataclass(frozen=True)
class Stamp:
    """When counts taken from a store (reports.statforms.snapshots) were counted: the oldest of the counties' counts,
    and the day their coverage measures were taken on."""

    counted_at: dt.datetime
    as_of: date


# Where counts come from besides the records: (measure keys, period, tree, today) → the same {node: {measure: value}}
# mapping ``_count`` gives and its stamp, or None when the store cannot answer (then the records are counted).
CountSource = Callable[[Sequence[str], Period, "Tree", date | None], tuple[Counts, Stamp] | None]


def _counted(
    keys: Sequence[str], period: Period, tree: Tree, *, today: date | None, source: CountSource | None
) -> tuple[Counts, date, Stamp | None]:
    """The counts for the tree from ``source`` when it answers, else from the records; their coverage day; the
    stamp (None: counted now)."""
    if source is not None:
        stored = source(keys, period, tree, today)
        if stored is not None:
            return stored[0], stored[1].as_of, stored[1]
    return _count(keys, period, tree, today=today), coverage_day(period, today=today), None


def _count(
    keys: Iterable[str], period: Period, tree: Tree, *, today: date | None = None, scope: str | None = None
) -> Counts:
    keys = set(keys)
    unknown = keys - MEASURES.keys()
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    window = Window(
        start=period.start,
        end=period.end,
        as_of=coverage_day(period, today=today),
        nodes=tuple(tree.regions),
        counties=tuple(tree.counties),
        scope=tree.scope if scope is None else scope,
    )
    counts: Counts = defaultdict(dict)
    families = sorted({MEASURES[k].family for k in keys})
    with transaction.atomic(), connection.cursor() as cursor:
        session_tune(cursor)
        for family in families:
            for node, key, value in FAMILIES[family](cursor, window):
                if key in keys:
                    counts[node][key] = counts[node].get(key, Decimal(0)) + Decimal(value)
    return dict(counts)


def session_tune(cursor: Any) -> None:
    """For the rest of the transaction: hashes and sorts of a month's visits in memory; no JIT (its compilation,
    seconds on these statements, costs more than it saves — the overdue engine's finding too); no parallel workers
    (each worker built the same hash of the period's visits again: three times the work for no gain in time)."""
    cursor.execute(
        "SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true), "
        "set_config('max_parallel_workers_per_gather', '0', true)"
    )


def node_counts(
    measure_keys: Iterable[str], period: Period, roots: Sequence[Region], *, today: date | None = None
) -> Counts:
    """{region id: {measure key: value}}: each measure for the period attributed per node, for every node under the
    roots (a root and its figure tree). One statement per measure family over all roots' nodes (plus two to read the
    tree per root); a node without facts is absent, a measure without facts at a node is absent (0)."""
    keys = list(measure_keys)
    merged: Counts = {}
    trees = [Tree.of(root) for root in roots]
    if not trees:
        return merged
    union = Tree(
        root=trees[0].root,
        regions={pk: r for t in trees for pk, r in t.regions.items()},
        children={},
        counties=sorted({c for t in trees for c in t.counties}),
    )
    scopes = {t.scope for t in trees}
    return _count(keys, period, union, today=today, scope=scopes.pop() if len(scopes) == 1 else "")


# ------------------------------------------------------------------------------------------------ the forms


class RowKind:
    UNIT = "unit"  # a child unit (or, on a village's form, the village itself)
    OWN = "own"  # the facts attributed to the unit's own node (本级)
    TOTAL = "total"  # 合计


@dataclass
class FormRow:
    kind: str
    region: Region
    values: dict[str, Decimal | None]  # column key → value; typed columns None (staff fill them)

    @property
    def label(self) -> str:
        if self.kind == RowKind.OWN:
            return str(pgettext_lazy("report row", "Own level"))
        if self.kind == RowKind.TOTAL:
            return str(pgettext_lazy("report row", "Total"))
        return self.region.name


@dataclass
class FormFigures:
    """A unit's form for a period, counted values only: one row per child unit, the own level's row (not on a
    village's form) and the total."""

    template: FormTemplate
    period: Period
    unit: Region
    as_of: date  # the coverage day
    rows: list[FormRow]
    total: FormRow
    measure_values: dict[int, dict[str, Decimal]] = field(default_factory=dict, repr=False)
    stamp: Stamp | None = None  # counts read from the snapshot: when they were counted (None: counted now)

    @property
    def all_rows(self) -> list[FormRow]:
        return [*self.rows, self.total]


def template_measures(template: FormTemplate) -> list[str]:
    return sorted({c.measure for c in template.columns if c.source == Source.COUNTED})


HUNDRED = Decimal(100)
RATE_PLACES = Decimal("0.1")


def column_values(template: FormTemplate, measures: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """A row's values from its measure values: counted columns, sums of counted columns, rates recomputed from the
    row's own numerator and denominator (None when the denominator is 0); typed columns None, and a sum or a rate
    over a typed column None (the lifecycle recomputes them with the typed values)."""
    values: dict[str, Decimal | None] = {}
    for column in template.columns:
        if column.source == Source.COUNTED:
            values[column.key] = measures.get(column.measure, Decimal(0))
        elif column.source == Source.TYPED:
            values[column.key] = None
    for column in template.columns:
        if column.source == Source.SUM:
            known = [v for v in (values.get(p) for p in column.parts) if v is not None]
            values[column.key] = sum(known, Decimal(0)) if len(known) == len(column.parts) else None
    for column in template.columns:
        if column.source == Source.RATE:
            values[column.key] = rate(values.get(column.parts[0]), values.get(column.parts[1]))
    return values


def rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (numerator * HUNDRED / denominator).quantize(RATE_PLACES)


def _subtree_sums(tree: Tree, counts: Counts) -> Counts:
    sums: Counts = {}
    for region in tree.descendants_first():
        total = dict(counts.get(region.pk, {}))
        for child in tree.children.get(region.pk, []):
            for key, value in sums[child.pk].items():
                total[key] = total.get(key, Decimal(0)) + value
        sums[region.pk] = total
    return sums


def _form(
    template: FormTemplate,
    period: Period,
    tree: Tree,
    unit: Region,
    counts: Counts,
    sums: Counts,
    as_of: date,
    stamp: Stamp | None = None,
) -> FormFigures:
    children = tree.children.get(unit.pk, [])
    rows: list[FormRow] = []
    if unit.level == Region.Level.VILLAGE:
        rows.append(FormRow(RowKind.UNIT, unit, column_values(template, sums.get(unit.pk, {}))))
    else:
        rows += [FormRow(RowKind.UNIT, c, column_values(template, sums.get(c.pk, {}))) for c in children]
        rows.append(FormRow(RowKind.OWN, unit, column_values(template, counts.get(unit.pk, {}))))
    total = FormRow(RowKind.TOTAL, unit, column_values(template, sums.get(unit.pk, {})))
    return FormFigures(template=template, period=period, unit=unit, as_of=as_of, rows=rows, total=total, stamp=stamp)


def form_rows(
    template: FormTemplate,
    period: Period,
    unit: Region,
    *,
    today: date | None = None,
    source: CountSource | None = None,
) -> FormFigures:
    """The unit's form for the period: a row per child unit, the own level's and the total, counted from the records
    (typed columns empty), or read from ``source`` when it answers. A constant number of queries whatever the unit."""
    tree = Tree.of(unit)
    counts, as_of, stamp = _counted(template_measures(template), period, tree, today=today, source=source)
    return _form(template, period, tree, unit, counts, _subtree_sums(tree, counts), as_of, stamp)


def forms_under(
    template: FormTemplate,
    period: Period,
    root: Region,
    *,
    today: date | None = None,
    source: CountSource | None = None,
) -> dict[int, FormFigures]:
    """Every unit's form of the tree under ``root`` (itself included), from one count: region id → FormFigures."""
    tree = Tree.of(root)
    counts, as_of, stamp = _counted(template_measures(template), period, tree, today=today, source=source)
    sums = _subtree_sums(tree, counts)
    return {
        pk: _form(template, period, tree, region, counts, sums, as_of, stamp) for pk, region in tree.regions.items()
    }
