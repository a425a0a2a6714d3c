"""The records behind a cell of a statistical form (docs/REPORTS.md §Counting): the households, persons, claims,
activities or pairings a measure counted for a unit and a period, with the fields a list shows, inside the reader's
area. The number of records (for an amount or person-times, their sum) is the cell: each measure's records are
selected by the same conditions as its count in reports.statforms.measures.

Only users who may open households' files drill to records (VIEW_HOUSEHOLDS in their area; for the mental-health
measures also VIEW_MENTAL_HEALTH); leaders and city or province users drill to child units' figures only, so they
get nothing here. ID numbers are always masked (accounts.sensitivity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Capability, Role
from accounts.sensitivity import shown
from regions.models import Region
from regions.paths import is_within
from regions.scope import user_scope_path
from reports.statforms import measures as M
from reports.statforms.spec import Period

if TYPE_CHECKING:
    from accounts.models import User

MENTAL_KEYS = frozenset({"mental.households", "mental.persons", "mental.assessed", "mental.files", "assist.new_psych"})


@dataclass
class Drill:
    measure: M.Measure
    period: Period
    unit: Region
    own_level: bool
    allowed: bool
    records: list[dict[str, Any]] = field(default_factory=list)
    total: Decimal = Decimal(0)  # the cell: the number of records, or their amount / person-times


def may_drill(user: User | None, unit: Region, measure_key: str) -> bool:
    """Whether ``user`` may see the records behind a cell of ``unit``: a user with VIEW_HOUSEHOLDS whose area
    contains the unit (never a leader, never above the county); VIEW_MENTAL_HEALTH for the mental-health measures."""
    scope = user_scope_path(user)
    if user is None or scope is None or unit.is_above_county or user.role == Role.LEADER:
        return False
    if not user.has_capability(Capability.VIEW_HOUSEHOLDS) or not is_within(unit.path, scope):
        return False
    return measure_key not in MENTAL_KEYS or user.has_capability(Capability.VIEW_MENTAL_HEALTH)


NODE = M.NODE
_IN_PERIOD = "{col} >= %(start)s AND {col} <= %(end)s"
_HOUSEHOLD_IN_NODES = M.HH
# Persons of a household in a period: its members not recorded dead before the period's start (measures.VISITS_SQL).
_PERSONS_OF = """
SELECT m.id FROM households_member m WHERE m.household_id IN ({households}) AND (m.alive OR m.death_date >= %(start)s)
"""


def _visit_households(condition: str) -> str:
    return (
        "SELECT DISTINCT v.household_id FROM visits_visit v JOIN households_household h ON h.id = v.household_id "
        f"WHERE {_IN_PERIOD.format(col='v.date')} AND {condition} AND {_HOUSEHOLD_IN_NODES}"
    )


def _mental(what: str, condition: str) -> str:
    # The count's own persons (measures.MENTAL_PA_CTE), so that a drill lists exactly what its cell counts.
    return (
        M.MENTAL_PA_CTE
        + f"""
SELECT {what}
FROM pa JOIN households_member m ON m.id = pa.member_id JOIN households_household h ON h.id = m.household_id
WHERE {M.HH} AND {condition}
"""
    )


# measure key → (records, SQL selecting the records' ids).
def _id_sql(key: str) -> tuple[str, str]:
    if key.startswith(("visits.", "needs.")):
        flag = key.split(".")[1] if key.startswith("visits.") else ""
        condition = f"v.purpose = '{flag}'" if flag else "btrim(v.needs, E' \\t\\r\\n') <> ''"
        households = _visit_households(condition)
        if key.endswith(".households"):
            return M.Records.HOUSEHOLDS, households
        return M.Records.PERSONS, _PERSONS_OF.format(households=households)
    return _OTHER_IDS[key]


_OTHER_IDS: dict[str, tuple[str, str]] = {
    "claims.paid_cases": (
        M.Records.CLAIMS,
        "SELECT c.id FROM benefits_insuranceclaim c JOIN households_household h ON h.id = c.household_id "
        f"WHERE c.state = 'paid' AND {_IN_PERIOD.format(col='c.paid_on')} AND {_HOUSEHOLD_IN_NODES}",
    ),
    "mental.households": (M.Records.HOUSEHOLDS, _mental("DISTINCT m.household_id", "pa.assessed")),
    "mental.persons": (M.Records.PERSONS, _mental("m.id", "pa.assessed")),
    "mental.assessed": (M.Records.PERSONS, _mental("m.id", "pa.assessed")),
    "mental.files": (M.Records.PERSONS, _mental("m.id", "pa.first_on >= %(start)s")),
    "assist.new_psych": (M.Records.PERSONS, _mental("m.id", "(pa.first_worthy >= %(start)s OR pa.urgent_in)")),
    "activities.sessions": (
        M.Records.ACTIVITIES,
        "SELECT a.id FROM activities_activity a WHERE NOT (a.kind = ANY (%(training)s)) "
        f"AND {_IN_PERIOD.format(col='a.starts_on')} AND a.organiser_id = ANY (%(nodes)s)",
    ),
    "activities.training_sessions": (
        M.Records.ACTIVITIES,
        "SELECT a.id FROM activities_activity a WHERE a.kind = ANY (%(training)s) "
        f"AND {_IN_PERIOD.format(col='a.starts_on')} AND a.organiser_id = ANY (%(nodes)s)",
    ),
    # A pair once, as its latest pairing in the period.
    "volunteers.pairs": (
        M.Records.PAIRINGS,
        "SELECT DISTINCT ON (p.volunteer_id, p.household_id) p.id FROM activities_pairing p "
        "JOIN households_household h ON h.id = p.household_id "
        "WHERE p.started_on <= %(end)s AND (p.ended_on IS NULL OR p.ended_on >= %(start)s) AND "
        f"{_HOUSEHOLD_IN_NODES} ORDER BY p.volunteer_id, p.household_id, p.started_on DESC, p.id DESC",
    ),
    "volunteers.paired_households": (
        M.Records.HOUSEHOLDS,
        "SELECT DISTINCT p.household_id FROM activities_pairing p JOIN households_household h ON h.id = p.household_id "
        "WHERE p.started_on <= %(end)s AND (p.ended_on IS NULL OR p.ended_on >= %(start)s) AND "
        f"{_HOUSEHOLD_IN_NODES}",
    ),
    "help.households": (
        M.Records.HOUSEHOLDS,
        f"SELECT h.id FROM ({M.HELPED_SQL}) helped JOIN households_household h ON h.id = helped.household_id "
        f"WHERE {_HOUSEHOLD_IN_NODES}",
    ),
    "assist.new_bereaved": (
        M.Records.PERSONS,
        "SELECT m.id FROM households_member m JOIN households_household h ON h.id = m.household_id "
        f"WHERE h.family_type = 'death' AND {_IN_PERIOD.format(col='h.child_event_date')} "
        "AND m.role IN ('husband', 'wife') AND (m.alive OR m.death_date >= h.child_event_date) "
        f"AND {_HOUSEHOLD_IN_NODES}",
    ),
    "assist.moved": (
        M.Records.PERSONS,
        "SELECT m.id FROM households_householdtransfer t JOIN households_member m ON m.household_id = t.household_id "
        "WHERE t.status = 'accepted' AND t.decided_at >= %(start_at)s AND t.decided_at < %(end_before)s "
        "AND t.from_county_id = ANY (%(nodes)s)",
    ),
    "assist.closed": (
        M.Records.PERSONS,
        "SELECT m.id FROM households_member m JOIN households_household h ON h.id = m.household_id "
        f"WHERE h.status = 'closed' AND {_IN_PERIOD.format(col='h.closed_on')} AND {_HOUSEHOLD_IN_NODES}",
    ),
}
_OTHER_IDS["claims.paid_amount"] = _OTHER_IDS["claims.paid_cases"]
_OTHER_IDS["activities.person_times"] = _OTHER_IDS["activities.sessions"]
_OTHER_IDS["activities.training_person_times"] = _OTHER_IDS["activities.training_sessions"]


def _cover_ids(key: str, window: M.Window) -> list[int]:
    """The coverage measures' records on the coverage day, by the counts' own definitions."""
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    from contacts.models import ContactScheme
    from contacts.selectors import contacts_complete_condition, households_active_on
    from households.models import Household

    if key in ("cover.households", "cover.contacts"):
        stored = {s.county_id: s for s in ContactScheme.objects.filter(county_id__in=window.counties)}
        ids: list[int] = []
        for county_id in window.counties:
            scheme = stored.get(county_id) or ContactScheme(county_id=county_id)
            households = households_active_on(Household.objects.filter(county_id=county_id), on=window.as_of)
            households = households.annotate(node=Coalesce("village_id", "county_id")).filter(node__in=window.nodes)
            if key == "cover.contacts":
                households = households.filter(Q(contacts_complete_condition(on=window.as_of, scheme=scheme)))
            ids += households.values_list("pk", flat=True)
        return ids
    what = {
        "cover.persons": "SELECT mm.id FROM mm",
        "cover.cards": "SELECT mm.id FROM mm WHERE mm.card",
        "cover.willing": "SELECT hf.id FROM hf WHERE hf.willing",
        "cover.signed": "SELECT hf.id FROM hf WHERE hf.signed",
    }[key]
    with transaction.atomic(), connection.cursor() as cursor:
        M.session_tune(cursor)
        cursor.execute(M.sql_for(M.MEDICAL_ROWS_SQL + what, window), {**window.params(), **M.medical_params(window)})
        return [row[0] for row in cursor.fetchall()]


def _ids(key: str, window: M.Window) -> list[int]:
    if key.startswith("cover."):
        return _cover_ids(key, window)
    _records, sql = _id_sql(key)
    params = {**window.params(), "levels": list(M.INTERVENTION_LEVELS), "training": list(M.TRAINING_KINDS)}
    with transaction.atomic(), connection.cursor() as cursor:
        M.session_tune(cursor)
        cursor.execute(M.sql_for(sql, window), params)
        return [row[0] for row in cursor.fetchall()]


def drill(
    measure_key: str,
    period: Period,
    unit: Region,
    user: User | None,
    *,
    own_level: bool = False,
    today: date | None = None,
) -> Drill:
    """The records behind the cell of ``measure_key`` on ``unit``'s row (``own_level``: its own level's row) for the
    period, in the reader's area, ordered for a list; nothing for a reader who drills to figures only."""
    measure = M.MEASURES[measure_key]
    result = Drill(measure=measure, period=period, unit=unit, own_level=own_level, allowed=False)
    if not may_drill(user, unit, measure_key):
        return result
    result.allowed = True
    tree = M.Tree.of(unit)
    window = M.Window(
        start=period.start,
        end=period.end,
        as_of=M.coverage_day(period, today=today),
        nodes=(unit.pk,) if own_level else tuple(tree.regions),
        counties=tuple(tree.counties),
        scope="" if own_level else tree.scope,
    )
    ids = _ids(measure_key, window)
    loader = _LOADERS[measure.records]
    result.records = loader(ids, user, measure_key=measure_key, window=window)
    if measure_key == "claims.paid_amount":
        result.total = sum((r["paid_amount"] for r in result.records), Decimal(0))
    elif measure_key in ("activities.person_times", "activities.training_person_times"):
        result.total = Decimal(sum(r["person_times"] for r in result.records))
    else:
        result.total = Decimal(len(result.records))
    return result


# ------------------------------------------------------------------------------------------------ the records


def _households(ids: list[int], user: Any, **_: Any) -> list[dict[str, Any]]:
    from households.models import Household

    rows = Household.objects.visible_to(user).filter(pk__in=ids).select_related("village", "county")
    return [
        {
            "id": h.pk,
            "number": h.number,
            "village": h.village.name if h.village is not None else "",
            "county": h.county.name,
            "address": h.address,
            "family_type": h.get_family_type_display(),
            "status": h.get_status_display(),
        }
        for h in rows.order_by("number", "pk")
    ]


def _parents(household_ids: set[int]) -> dict[int, dict[str, Any]]:
    from households.models import Member

    parents: dict[int, dict[str, Any]] = {}
    for m in Member.objects.filter(household_id__in=household_ids, role__in=("husband", "wife")).order_by("id"):
        side = "father" if m.role == Member.Role.HUSBAND else "mother"
        entry = parents.setdefault(m.household_id, {})
        entry.setdefault(f"{side}_name", m.name)
        entry.setdefault(f"{side}_id_raw", m.id_number or "")
    return parents


def _persons(ids: list[int], user: Any, *, measure_key: str, window: M.Window) -> list[dict[str, Any]]:
    from households.models import Household, Member

    if measure_key == "assist.moved":
        # The household now lies in the county it moved to: the sending county reads it through the transfer (seen
        # by both counties), as its own transfer page does.
        from households.models import HouseholdTransfer

        moved = HouseholdTransfer.objects.visible_to(user).filter(from_county_id__in=window.nodes)
        base = Member.objects.filter(household_id__in=moved.values("household_id"))
    else:
        base = Member.objects.visible_to(user)
    members = list(
        base.filter(pk__in=ids)
        .select_related("household", "household__village", "household__county")
        .order_by("household__number", "household_id", "id")
    )
    parents = _parents({m.household_id for m in members})
    events = _events(measure_key, members, window)
    records = []
    for m in members:
        h: Household = m.household
        family = parents.get(m.household_id, {})
        record = {
            "id": m.pk,
            "household_id": h.pk,
            "number": h.number,
            "name": m.name,
            "role": m.get_role_display(),
            "id_number": shown(user, Member, "id_number", m.id_number),
            "village": h.village.name if h.village is not None else "",
            "address": h.address,
            "father_name": family.get("father_name", ""),
            "father_id": shown(user, Member, "id_number", family.get("father_id_raw", "")),
            "mother_name": family.get("mother_name", ""),
            "mother_id": shown(user, Member, "id_number", family.get("mother_id_raw", "")),
        }
        record.update(events.get(m.pk, {}))
        records.append(record)
    return records


def _events(measure_key: str, members: list[Any], window: M.Window) -> dict[int, dict[str, Any]]:
    """The assistance sheets' event fields (date, reason, addresses) per person."""
    from households.models import HouseholdTransfer
    from medical.models import MentalAssessment

    out: dict[int, dict[str, Any]] = {}
    if measure_key == "assist.new_bereaved":
        for m in members:
            h = m.household
            out[m.pk] = {"event_date": h.child_event_date, "event_reason": h.get_family_type_display()}
    elif measure_key == "assist.closed":
        for m in members:
            h = m.household
            out[m.pk] = {"event_date": h.closed_on, "event_reason": h.get_closed_reason_display()}
    elif measure_key == "assist.moved":
        transfers = (
            HouseholdTransfer.objects.filter(
                household_id__in={m.household_id for m in members},
                status=HouseholdTransfer.Status.ACCEPTED,
                decided_at__gte=window.params()["start_at"],
                decided_at__lt=window.params()["end_before"],
            )
            .select_related("from_county", "to_county", "to_village")
            .order_by("decided_at")
        )
        by_household = {t.household_id: t for t in transfers}
        for m in members:
            t = by_household.get(m.household_id)
            if t is not None and t.decided_at is not None:
                out[m.pk] = {
                    "event_date": t.decided_at.date(),
                    "event_reason": t.note,
                    "from_address": t.from_county.name,
                    "to_address": f"{t.to_county.name} {t.to_village.name}",
                }
    elif measure_key == "assist.new_psych":
        rows = MentalAssessment.objects.filter(
            member_id__in=[m.pk for m in members], assessed_on__lte=window.end
        ).order_by("assessed_on", "id")
        for a in rows:
            worthy = a.urgent or a.risk_level in M.INTERVENTION_LEVELS
            if worthy and a.assessed_on >= window.start and a.member_id not in out:
                out[a.member_id] = {"event_date": a.assessed_on, "event_reason": a.get_risk_level_display()}
    return out


def _claims(ids: list[int], user: Any, **_: Any) -> list[dict[str, Any]]:
    from benefits.models import InsuranceClaim

    rows = (
        InsuranceClaim.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("household", "member")
        .order_by("paid_on", "pk")
    )
    return [
        {
            "id": c.pk,
            "household_id": c.household_id,
            "number": c.household.number,
            "name": c.member.name,
            "kind": c.get_kind_display(),
            "event_date": c.event_date,
            "paid_on": c.paid_on,
            "paid_amount": c.paid_amount or Decimal(0),
        }
        for c in rows
    ]


def _activities(ids: list[int], user: Any, **_: Any) -> list[dict[str, Any]]:
    from django.db.models import Count

    from activities.models import Activity

    rows = (
        Activity.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("organiser")
        .annotate(n=Count("attendances"))
        .order_by("starts_on", "pk")
    )
    return [
        {
            "id": a.pk,
            "title": a.title,
            "kind": a.get_kind_display(),
            "starts_on": a.starts_on,
            "ends_on": a.ends_on,
            "organiser": a.organiser.name,
            "person_times": a.n,  # type: ignore[attr-defined]  # the annotation
        }
        for a in rows
    ]


def _pairings(ids: list[int], user: Any, **_: Any) -> list[dict[str, Any]]:
    from activities.models import Pairing

    rows = (
        Pairing.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("volunteer", "household")
        .order_by("household__number", "pk")
    )
    return [
        {
            "id": p.pk,
            "household_id": p.household_id,
            "number": p.household.number,
            "volunteer": p.volunteer.name,
            "started_on": p.started_on,
            "ended_on": p.ended_on,
        }
        for p in rows
    ]


_LOADERS: dict[str, Any] = {
    M.Records.HOUSEHOLDS: _households,
    M.Records.PERSONS: _persons,
    M.Records.CLAIMS: _claims,
    M.Records.ACTIVITIES: _activities,
    M.Records.PAIRINGS: _pairings,
}


# The headings of the records' columns on the drill page (the records' keys are code, never shown).
FIELD_LABELS: dict[str, Any] = {
    "number": _("Household number"),
    "name": _("Name"),
    "role": _("Role"),
    "id_number": _("ID number"),
    "village": _("Village/community"),
    "county": _("County/district"),
    "address": _("Address"),
    "family_type": _("Family type"),
    "status": _("Status"),
    "father_name": pgettext_lazy("report heading", "Father's name"),
    "father_id": pgettext_lazy("report heading", "Father's ID number"),
    "mother_name": pgettext_lazy("report heading", "Mother's name"),
    "mother_id": pgettext_lazy("report heading", "Mother's ID number"),
    "event_date": _("Date of the event"),
    "event_reason": _("Reason"),
    "from_address": pgettext_lazy("report heading", "Moved out of"),
    "to_address": pgettext_lazy("report heading", "Moved into"),
    "kind": _("Kind"),
    "paid_on": _("Date paid"),
    "paid_amount": _("Amount paid (yuan)"),
    "title": _("Title"),
    "starts_on": _("Starts on"),
    "ends_on": _("Ends on"),
    "organiser": _("Organiser"),
    "person_times": _("Person-times"),
    "volunteer": _("Volunteer"),
    "started_on": _("Paired on"),
    "ended_on": _("Ended on"),
}


def field_label(key: str) -> str:
    """The heading of a record's field on the drill page (the key itself only for a field not listed)."""
    return str(FIELD_LABELS.get(key, key))
