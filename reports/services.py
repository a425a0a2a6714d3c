"""Writes of the reports app: the coverage snapshots (set-based, idempotent)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction

from core.db import enqueue, pk_among
from households.models import Household
from visits import periods
from visits.models import Rule

TREND_MONTHS = 12
SNAPSHOT_RULES = ("monthly_contact", "quarterly_home_visit", "spring_festival", "mid_autumn")


def snapshot_periods(rule: Rule, *, as_of: date) -> list[periods.Period]:
    """The periods a rule's coverage is kept for: the last 13 months, 5 quarters, or the latest festival, ending with
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
    return [w for w in windows if w.start <= as_of][:1]


# Per village, rule and period: the households it applied to (registered by the period's start, on the
# roster at its end or still active) and those with a qualifying visit from the start to end + grace (never
# after as_of); members alive today for the persons. `hit` is one index range scan of the visits per period
# (a DISTINCT per period), instead of one probe per household and period.
SNAPSHOT_SQL = """
WITH rp (idx, rule_id, county_id, period_key, p_start, p_end) AS (
    SELECT * FROM unnest(%(idx)s::int[], %(rule_id)s::bigint[], %(county_id)s::bigint[], %(period_key)s::text[],
                         %(p_start)s::date[], %(p_end)s::date[])
),
hh AS (
    SELECT h.id, h.village_id, h.county_id, h.registered_on, h.status, h.closed_on
    FROM households_household h WHERE h.village_id IS NOT NULL {village_filter}
),
pairs AS (
    SELECT hh.id AS household_id, hh.village_id, rp.idx
    FROM hh JOIN rp ON rp.county_id = hh.county_id
    WHERE hh.registered_on <= rp.p_start AND (hh.status = 'active' OR hh.closed_on > rp.p_end)
),
hit AS ({hit}),
persons AS (
    SELECT m.household_id, count(*) AS n FROM households_member m
    WHERE m.alive {member_filter} GROUP BY m.household_id
)
INSERT INTO reports_coveragesnapshot (village_id, rule_id, period_key, period_start, period_end, households, met,
                                      persons, persons_met, computed_on, computed_at)
SELECT p.village_id, rp.rule_id, rp.period_key, min(rp.p_start), min(rp.p_end), count(*),
       count(*) FILTER (WHERE hit.household_id IS NOT NULL),
       coalesce(sum(pe.n), 0), coalesce(sum(pe.n) FILTER (WHERE hit.household_id IS NOT NULL), 0), %(as_of)s, now()
FROM pairs p
JOIN rp ON rp.idx = p.idx
LEFT JOIN hit ON hit.household_id = p.household_id AND hit.idx = p.idx
LEFT JOIN persons pe ON pe.household_id = p.household_id
GROUP BY p.village_id, rp.rule_id, rp.period_key
"""


@transaction.atomic
def coverage_snapshot_refresh(*, as_of: date, village_ids: list[int] | None = None) -> int:
    """Recompute the snapshots of every village (or of ``village_ids``) for the kept periods. Four queries."""
    rows = []
    for rule in Rule.objects.filter(active=True, code__in=SNAPSHOT_RULES).select_related("rule_set"):
        for p in snapshot_periods(rule, as_of=as_of):
            rows.append((rule, p, min(p.end + timedelta(days=rule.grace_days), as_of)))
    params: dict[str, Any] = {
        "as_of": as_of,
        "idx": list(range(len(rows))),
        "rule_id": [r.pk for r, _, _ in rows],
        "county_id": [r.rule_set.county_id for r, _, _ in rows],
        "period_key": [p.key for _, p, _ in rows],
        "p_start": [p.start for _, p, _ in rows],
        "p_end": [p.end for _, p, _ in rows],
        "villages": list(village_ids or []),
    }
    scoped = village_ids is not None
    if village_ids is not None:
        # The households' ids first, so that the visits are read by the (household, date) index.
        params["households"] = list(Household.objects.filter(village_id__in=village_ids).values_list("pk", flat=True))
    visit_filter = "AND v.household_id = ANY (%(households)s)" if scoped else ""
    hits = [
        f"SELECT DISTINCT v.household_id, {i} AS idx FROM visits_visit v "
        f"WHERE v.date >= %(p_start_{i})s AND v.date <= %(check_to_{i})s AND v.method = ANY (%(methods_{i})s) "
        + visit_filter
        for i in range(len(rows))
    ]
    for i, (rule, p, check_to) in enumerate(rows):
        params[f"p_start_{i}"], params[f"check_to_{i}"], params[f"methods_{i}"] = p.start, check_to, list(rule.methods)
    sql = SNAPSHOT_SQL.format(
        village_filter="AND h.village_id = ANY (%(villages)s)" if scoped else "",
        hit=" UNION ALL ".join(hits) or "SELECT NULL::bigint AS household_id, NULL::int AS idx WHERE false",
        member_filter="AND m.household_id = ANY (%(households)s)" if scoped else "",
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if scoped:
            cursor.execute("DELETE FROM reports_coveragesnapshot WHERE village_id = ANY (%(villages)s)", params)
        else:
            cursor.execute("DELETE FROM reports_coveragesnapshot")
        cursor.execute(sql, params)
        written = cursor.rowcount
        table_filter = "WHERE village_id = ANY (%(villages)s)" if scoped else ""
        cursor.execute(f"DELETE FROM reports_flagsnapshot {table_filter}", params)
        cursor.execute(
            FLAG_SNAPSHOT_SQL.format(village_filter="AND h.village_id = ANY (%(villages)s)" if scoped else ""), params
        )
        cursor.execute(f"DELETE FROM reports_contactsnapshot {table_filter}", params)
    _contact_snapshot(as_of=as_of, village_ids=village_ids)
    if scoped:  # after a visit there (a doctor's contact serves a signed household); every village is the night's
        medical_snapshot_refresh(as_of=as_of, village_ids=village_ids)
    return written


# Open overdue flags (reminders left out) per village, rule and age bucket; ages as on as_of.
FLAG_SNAPSHOT_SQL = """
INSERT INTO reports_flagsnapshot (village_id, rule_id, age, flags, computed_on, computed_at)
SELECT h.village_id, f.rule_id,
       CASE WHEN %(as_of)s - f.opened_on < 14 THEN 0 WHEN %(as_of)s - f.opened_on < 30 THEN 1 ELSE 2 END,
       count(*), %(as_of)s, now()
FROM visits_overdueflag f
JOIN households_household h ON h.id = f.household_id
JOIN visits_rule r ON r.id = f.rule_id AND r.mode = 'overdue'
WHERE f.closed_on IS NULL AND h.village_id IS NOT NULL {village_filter}
GROUP BY 1, 2, 3
"""


def _contact_snapshot(*, as_of: date, village_ids: list[int] | None) -> None:
    """Per village: households on the roster and those with every required contact (contacts'
    contact_figures_by_village, each county with its own scheme), with the last assignment change they include.
    One query per county."""
    from django.utils import timezone

    from contacts.selectors import assignment_change_latest, contact_figures_by_village, contact_scheme_for_county
    from regions.models import Region
    from reports.models import ContactSnapshot

    # Read before counting: a change committed meanwhile has a later id, so the dashboard recounts its village.
    events_upto = assignment_change_latest()
    computed_at = timezone.now()
    rows = []
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        households = Household.objects.filter(county=county)
        if village_ids is not None:
            households = households.filter(village_id__in=village_ids)
        figures = contact_figures_by_village(
            households=households, on=as_of, scheme=contact_scheme_for_county(county=county)
        )
        for village_id, (n, covered) in figures.items():
            rows.append(
                ContactSnapshot(
                    village_id=village_id,
                    households=n,
                    covered=covered,
                    computed_on=as_of,
                    computed_at=computed_at,
                    events_upto=events_upto,
                )
            )
    ContactSnapshot.objects.bulk_create(rows, batch_size=2000)


def coverage_snapshot_after_flags(*, as_of: date, household_ids: Sequence[int] | None) -> None:
    """Listener of visits.hooks.flags_refreshed: queue the snapshots of the villages of ``household_ids`` (every
    village when None)."""
    from reports.tasks import coverage_snapshot_refresh_task

    if household_ids is None:
        enqueue(coverage_snapshot_refresh_task, as_of.isoformat())
        return
    village_ids = sorted(
        {v for v in Household.objects.filter(pk_among(household_ids)).values_list("village_id", flat=True) if v}
    )
    if village_ids:
        enqueue(coverage_snapshot_refresh_task, as_of.isoformat(), village_ids)


# ------------------------------------------------------------------------------------------- medical coverage

# Per village, the medical coverages (reports.models.MedicalSnapshot; the same definitions as reports.selectors'
# live count of a village's households): set-based, one statement for every county (each with its settings, the
# defaults where it has none). The households on the roster on as_of; a member holds a card by a dedicated card
# running on as_of, the household's certificate number or a running four-on-one assignment (where the county
# counts them); a household refused when its latest contract ended for "refused" or "resident" and none runs; not
# served when a contract running on as_of started unserved_days ago or more and no family doctor's contact (home,
# phone, online) is dated in the unserved_days up to as_of; a member due a check reaches the county's age this year.
MEDICAL_SNAPSHOT_SQL = """
WITH conf AS (
    SELECT r.id AS county_id,
           coalesce(s.certificate_counts, %(d_cert)s) AS cert, coalesce(s.contact_card_counts, %(d_ccard)s) AS ccard,
           coalesce(s.unserved_days, %(d_unserved)s) AS unserved_days, coalesce(s.check_age, %(d_age)s) AS check_age
    FROM regions_region r LEFT JOIN medical_medicalsettings s ON s.county_id = r.id
    WHERE r.level = 'county'
),
hh AS (
    SELECT h.id, h.village_id, conf.*, (coalesce(h.certificate_number, '') <> '') AS has_cert
    FROM households_household h JOIN conf ON conf.county_id = h.county_id
    WHERE h.village_id IS NOT NULL AND h.registered_on <= %(as_of)s
      AND (h.status = 'active' OR h.closed_on > %(as_of)s) {village_filter}
),
running AS (
    SELECT DISTINCT c.household_id FROM medical_contract c
    WHERE c.status = 'signed' AND c.starts_on <= %(as_of)s AND c.ends_on >= %(as_of)s {contract_filter}
),
latest AS (
    SELECT DISTINCT ON (c.household_id) c.household_id, c.status, c.end_reason FROM medical_contract c
    WHERE c.starts_on <= %(as_of)s {contract_filter}
    ORDER BY c.household_id, coalesce(c.ended_on, c.ends_on) DESC, c.id DESC
),
unserved AS (
    SELECT DISTINCT c.household_id FROM medical_contract c JOIN hh ON hh.id = c.household_id
    WHERE c.status = 'signed' AND c.ends_on >= %(as_of)s AND c.starts_on <= %(as_of)s - hh.unserved_days
      AND NOT EXISTS (
          SELECT 1 FROM visits_visit v
          WHERE v.household_id = c.household_id AND v.visitor_role = 'family_doctor'
            AND v.method IN ('home', 'phone', 'online')
            AND v.date > %(as_of)s - hh.unserved_days AND v.date <= %(as_of)s
      )
),
assigned AS (
    SELECT DISTINCT a.household_id FROM contacts_assignment a
    WHERE a.start_date <= %(as_of)s AND (a.end_date IS NULL OR a.end_date > %(as_of)s) {assignment_filter}
),
households AS (
    SELECT hh.village_id, count(*) FILTER (WHERE NOT refused) AS willing,
           count(*) FILTER (WHERE signed) AS signed, count(*) FILTER (WHERE not_served) AS unserved
    FROM (
        SELECT hh.village_id, r.household_id IS NOT NULL AS signed, u.household_id IS NOT NULL AS not_served,
               coalesce(r.household_id IS NULL AND l.status = 'ended' AND l.end_reason IN ('refused', 'resident'),
                        false) AS refused
        FROM hh LEFT JOIN running r ON r.household_id = hh.id LEFT JOIN latest l ON l.household_id = hh.id
        LEFT JOIN unserved u ON u.household_id = hh.id
    ) hh
    GROUP BY hh.village_id
),
carded AS (
    SELECT DISTINCT g.member_id FROM medical_greencard g
    WHERE g.issued_on <= %(as_of)s AND (g.withdrawn_on IS NULL OR g.withdrawn_on > %(as_of)s) {card_filter}
),
checked AS (
    SELECT DISTINCT k.member_id FROM medical_healthcheck k
    WHERE k.checked_on >= %(year_start)s AND k.checked_on <= %(year_end)s {check_filter}
),
members AS (
    SELECT hh.village_id, count(*) AS persons,
           count(*) FILTER (WHERE cd.member_id IS NOT NULL OR (hh.cert AND hh.has_cert)
                            OR (hh.ccard AND a.household_id IS NOT NULL)) AS card_holders,
           count(*) FILTER (WHERE due) AS checks_due,
           count(*) FILTER (WHERE due AND ck.member_id IS NOT NULL) AS checks_done
    FROM (
        SELECT m.id, m.household_id,
               (m.birth_date IS NOT NULL AND m.birth_date <= make_date(%(year)s - hh.check_age, 12, 31)) AS due
        FROM households_member m JOIN hh ON hh.id = m.household_id WHERE m.alive
    ) mm
    JOIN hh ON hh.id = mm.household_id
    LEFT JOIN carded cd ON cd.member_id = mm.id
    LEFT JOIN assigned a ON a.household_id = mm.household_id
    LEFT JOIN checked ck ON ck.member_id = mm.id
    GROUP BY hh.village_id
)
INSERT INTO reports_medicalsnapshot (village_id, persons, card_holders, willing, signed, unserved, checks_due,
                                     checks_done, computed_on, computed_at)
SELECT h.village_id, coalesce(m.persons, 0), coalesce(m.card_holders, 0), h.willing, h.signed, h.unserved,
       coalesce(m.checks_due, 0), coalesce(m.checks_done, 0), %(as_of)s, now()
FROM households h LEFT JOIN members m ON m.village_id = h.village_id
"""


@transaction.atomic
def medical_snapshot_refresh(*, as_of: date, village_ids: list[int] | None = None) -> int:
    """Recompute the medical coverage snapshot of every village (or of ``village_ids``): two statements, the same
    result however often it runs."""
    from medical.models import MedicalSettings

    def default(name: str) -> Any:
        return MedicalSettings._meta.get_field(name).default  # type: ignore[union-attr]  # a concrete field

    defaults = {f: default(f) for f in ("certificate_counts", "contact_card_counts")}
    params: dict[str, Any] = {
        "as_of": as_of,
        "year": as_of.year,
        "year_start": date(as_of.year, 1, 1),
        "year_end": date(as_of.year, 12, 31),
        "d_cert": defaults["certificate_counts"],
        "d_ccard": defaults["contact_card_counts"],
        "d_unserved": default("unserved_days"),
        "d_age": default("check_age"),
        "villages": list(village_ids or []),
    }
    scoped = village_ids is not None
    if village_ids is not None:
        params["households"] = list(Household.objects.filter(village_id__in=village_ids).values_list("pk", flat=True))
    by_household = "AND {}.household_id = ANY (%(households)s)" if scoped else ""
    by_member = (
        "AND {}.member_id IN (SELECT id FROM households_member WHERE household_id = ANY (%(households)s))"
        if scoped
        else ""
    )
    sql = MEDICAL_SNAPSHOT_SQL.format(
        village_filter="AND h.village_id = ANY (%(villages)s)" if scoped else "",
        contract_filter=by_household.format("c"),
        assignment_filter=by_household.format("a"),
        card_filter=by_member.format("g"),
        check_filter=by_member.format("k"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if scoped:
            cursor.execute("DELETE FROM reports_medicalsnapshot WHERE village_id = ANY (%(villages)s)", params)
        else:
            cursor.execute("DELETE FROM reports_medicalsnapshot")
        cursor.execute(sql, params)
        return cursor.rowcount


def medical_nightly_run(*, as_of: date) -> dict[str, int]:
    """The nightly medical work (issue 16 "Speed"), set-based: the discharge loop's next steps (the contact's visit
    after the doctor's), then the medical coverages per village — signed but not served, checks due and done,
    cards, contracts — and the urgent mental-health follow-up's next year of weekly periods for a household still
    urgent whose written periods end within 60 days (medical.mental.services.mental_cadence_extend: without it they
    stop a year after the urgent assessment). Each part recomputes from the source data: a run twice leaves the same
    data."""
    from medical.mental.services import mental_cadence_extend
    from medical.services import discharge_loop_advance

    advanced = discharge_loop_advance(as_of=as_of)
    extended = mental_cadence_extend(as_of=as_of)
    villages = medical_snapshot_refresh(as_of=as_of)
    return {"discharges_advanced": len(advanced), "urgent_extended": len(extended), "villages": villages}
