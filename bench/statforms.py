"""Benchmark of the statistical forms' counting (issue 17 part 4 "Speed"; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_statforms'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_statforms .venv/bin/python bench/statforms.py

Seeds once (skipped when the city is there), set-based in SQL (generate_series; history triggers off during the
seed): a city of 10 counties × 10 towns × 10 villages, 200,000 households (1 in 500 without a village, 1 in 50
closed during the year, a fifth of the 失独 families' losses dated in the year), 440,000 members, four-on-one
contacts for 90 % of the households, 2,000,000 visits over the year up to the day (every purpose, one in eight
recording needs), 5,000 insurance claims (70 % paid), 22,000 mental-health assessments, about 15,000 activities
(village, town, county and city organisers; a tenth trainings) with about 180,000 attendances, 20,000 pairings,
a payout roster per county returned during the year, 300 accepted transfers, family-doctor contracts and green
cards. Then:

* **every unit's monthly forms filled**: ``forms_under`` for the warm-heart and the assistance monthly forms of the
  last full month, every unit at every level (1 city, 10 counties, 100 towns, 1,000 villages) — target ≤ 5 s, its
  queries counted (CaptureQueriesContext): the first run on a fresh connection, then the median of --repeat runs;
  the same for a month three months earlier (the plans stable);
* **the naive anchor** in the same run: the same forms filled unit by unit through the ORM (one query per measure
  and unit); timed over a sample of units per level and extrapolated by the number of units at each level;
* the yearly and the coverage forms of the city (every unit), ``form_rows`` of one county, and one drill (a
  village's and a town's routine visits) for the page's ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

CITY = "639800"
COUNTIES, TOWNS, VILLAGES = 10, 10, 10
TABLES = (
    "regions_region",
    "households_household",
    "households_member",
    "contacts_serviceperson",
    "contacts_assignment",
    "visits_visit",
    "benefits_insuranceproduct",
    "benefits_insuranceclaim",
    "medical_mentalassessment",
    "activities_activity",
    "activities_attendance",
    "activities_volunteer",
    "activities_pairing",
    "benefits_payoutbatch",
    "benefits_payoutline",
    "households_householdtransfer",
    "medical_contract",
    "medical_greencard",
)

SEED_SQL = [
    "INSERT INTO regions_region (code, name, level, parent_id, path) VALUES (%(city)s, '基准市', 'city', NULL, "
    "%(city)s || '/')",
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    SELECT left(%(city)s, 4) || lpad(c::text, 2, '0'), '基准县' || c, 'county', ci.id,
           left(%(city)s, 4) || lpad(c::text, 2, '0') || '/'
    FROM regions_region ci, generate_series(1, %(counties)s) c WHERE ci.code = %(city)s
    """,
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    SELECT c.code || lpad(t::text, 3, '0'), c.name || '镇' || t, 'town', c.id, c.path || c.code || lpad(t::text, 3, '0')
           || '/'
    FROM regions_region c, generate_series(1, %(towns)s) t
    WHERE c.level = 'county' AND c.parent_id = (SELECT id FROM regions_region WHERE code = %(city)s)
    """,
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    SELECT t.code || lpad(v::text, 3, '0'), t.name || '村' || v, 'village', t.id,
           t.path || t.code || lpad(v::text, 3, '0') || '/'
    FROM regions_region t, generate_series(1, %(villages)s) v
    WHERE t.level = 'town' AND t.code LIKE left(%(city)s, 4) || '%%'
    """,
    # Households spread evenly over the villages (1 in 500 without a village: at its county).
    """
    WITH v AS (SELECT id, parent_id, row_number() OVER (ORDER BY code) - 1 AS n FROM regions_region
               WHERE level = 'village' AND code LIKE left(%(city)s, 4) || '%%'),
         vc AS (SELECT v.id, v.n, t.parent_id AS county_id FROM v JOIN regions_region t ON t.id = v.parent_id)
    INSERT INTO households_household (county_id, village_id, number, family_type, certificate_number, address,
        registered_on, status, closed_reason, closed_on, child_event_date, created_at, updated_at)
    SELECT vc.county_id, CASE WHEN g %% 500 = 7 THEN NULL ELSE vc.id END, 'S' || lpad(g::text, 7, '0'),
           CASE WHEN g %% 3 = 0 THEN 'disability' ELSE 'death' END, CASE WHEN g %% 4 = 0 THEN 'Z' || g ELSE '' END,
           '基准地址' || g,
           %(today)s::date - 30 - ((g * 7919) %% 3000)::int,
           CASE WHEN g %% 50 = 0 THEN 'closed' ELSE 'active' END,
           CASE WHEN g %% 50 = 0 THEN 'moved_away' ELSE '' END,
           CASE WHEN g %% 50 = 0 THEN %(today)s::date - (g %% 365)::int END,
           CASE WHEN g %% 3 <> 0 AND g %% 5 = 1 THEN %(today)s::date - ((g * 13) %% 365)::int
                ELSE DATE '2010-01-01' + (g %% 4000)::int END,
           now(), now()
    FROM generate_series(1::bigint, %(households)s) g
    JOIN vc ON vc.n = g %% (SELECT count(*) FROM vc)
    """,
    """
    INSERT INTO households_member (household_id, name, id_number, sex, birth_date, role, alive, death_date,
        created_at, updated_at)
    SELECT h.id, '成员' || h.id || '-' || k, NULL, CASE WHEN k = 1 THEN 'M' ELSE 'F' END,
           DATE '1950-01-01' + ((h.id * k * 31) %% 5000)::int,
           (ARRAY['husband', 'wife', 'grandchild'])[k],
           (h.id * k) %% 17 <> 0, CASE WHEN (h.id * k) %% 17 = 0 THEN %(today)s::date - ((h.id * k) %% 700)::int END,
           now(), now()
    FROM households_household h CROSS JOIN generate_series(1, 3) k
    WHERE h.county_id IN (SELECT id FROM regions_region WHERE parent_id = (SELECT id FROM regions_region
                          WHERE code = %(city)s)) AND (k < 3 OR h.id %% 5 = 0)
    """,
    """
    INSERT INTO contacts_serviceperson (name, role_type, region_id, active, created_at, updated_at)
    SELECT r.name || '-' || role, role, r.id, true, now(), now()
    FROM regions_region r CROSS JOIN unnest(ARRAY['village_cadre', 'family_doctor', 'association_member']) role
    WHERE r.level = 'village' AND r.code LIKE left(%(city)s, 4) || '%%'
    UNION ALL
    SELECT r.name || '-town_leader', 'town_leader', r.id, true, now(), now()
    FROM regions_region r WHERE r.level = 'town' AND r.code LIKE left(%(city)s, 4) || '%%'
    """,
    """
    INSERT INTO contacts_assignment (household_id, slot, person_id, start_date, end_date, created_at)
    SELECT h.id, p.role_type, p.id, DATE '2024-01-01', NULL, now()
    FROM households_household h JOIN regions_region v ON v.id = h.village_id
    JOIN contacts_serviceperson p ON (p.region_id = v.id OR p.region_id = v.parent_id)
    WHERE h.id %% 10 <> 0
    """,
    # Visits over the year up to the day, uneven by household; purposes and needs by hash.
    """
    WITH hh AS (SELECT array_agg(id ORDER BY id) AS ids FROM households_household),
         g AS (SELECT g, hashint4(g) AS r FROM generate_series(1, %(visits)s) g)
    INSERT INTO visits_visit (household_id, date, visitor_name, visitor_role, method, purpose, needs, created_at)
    SELECT hh.ids[1 + floor(power(abs(g.r::bigint)::float8 / 2147483649, 1.3) * array_length(hh.ids, 1))::int],
           %(today)s::date - (abs(hashint4(g.g + 1)::bigint) %% 365)::int, '基准',
           (ARRAY['village_cadre', 'family_doctor', 'town_leader', 'association_member'])
               [1 + abs(hashint4(g.g + 2)::bigint) %% 4],
           (ARRAY['phone', 'phone', 'home', 'online', 'other'])[1 + abs(hashint4(g.g + 3)::bigint) %% 5],
           (ARRAY['routine', 'routine', 'routine', 'routine', 'routine', 'routine', 'routine', 'festival',
                  'birthday', 'hospital', 'emergency', 'event'])[1 + abs(hashint4(g.g + 4)::bigint) %% 12],
           CASE WHEN abs(hashint4(g.g + 5)::bigint) %% 8 = 0 THEN '需要' ELSE '' END, now()
    FROM g CROSS JOIN hh
    """,
    """
    INSERT INTO benefits_insuranceproduct (county_id, year, name, insurer, starts_on, ends_on, premium)
    SELECT c.id, extract(year FROM %(today)s::date)::int, '意外险', '平安', %(today)s::date - 365, %(today)s::date,
           100
    FROM regions_region c WHERE c.level = 'county' AND c.code LIKE left(%(city)s, 4) || '%%'
    """,
    """
    INSERT INTO benefits_insuranceclaim (product_id, member_id, household_id, kind, event_date, reported_by_kind,
        reported_at, state, paid_amount, paid_on, created_at, updated_at)
    SELECT p.id, m.id, m.household_id, 'accident', %(today)s::date - (m.id %% 365)::int - 10, 'family', now(),
           CASE WHEN m.id %% 10 < 7 THEN 'paid' ELSE 'submitted' END,
           CASE WHEN m.id %% 10 < 7 THEN 100 + m.id %% 5000 END,
           CASE WHEN m.id %% 10 < 7 THEN %(today)s::date - (m.id %% 365)::int END, now(), now()
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    JOIN benefits_insuranceproduct p ON p.county_id = h.county_id
    WHERE m.role = 'husband' AND h.id %% 40 = 3
    """,
    """
    INSERT INTO medical_mentalassessment (household_id, member_id, assessed_on, instrument, answers, total, score,
        band, consent, risk_level, action, urgent, assessor_name, created_at)
    SELECT m.household_id, m.id, %(today)s::date - ((m.id * 7) %% 500)::int, 'phq9', '{0,0,0,0,0,0,0,0,0}', 3, 3,
           'minimal', true, (ARRAY['low', 'low', 'low', 'medium', 'high', 'immediate'])[1 + m.id %% 6], '随访',
           m.id %% 6 >= 4, '医生', now()
    FROM households_member m WHERE m.id %% 20 = 1
    """,
    # Activities: each village one a month, each town four, each county two; a tenth are trainings.
    """
    INSERT INTO activities_activity (kind, title, starts_on, ends_on, organiser_id, created_at, updated_at)
    SELECT CASE WHEN (r.id + k) %% 10 = 0 THEN 'training' ELSE
               (ARRAY['birthday', 'lecture', 'culture_sports', 'social', 'home_care', 'festival'])[1 + (r.id + k) %% 6]
           END,
           r.name || '活动' || k, %(today)s::date - ((r.id * 11 + k * 29) %% 365)::int,
           %(today)s::date - ((r.id * 11 + k * 29) %% 365)::int, r.id, now(), now()
    FROM regions_region r CROSS JOIN generate_series(1, 24) k
    WHERE r.code LIKE left(%(city)s, 4) || '%%'
      AND k <= CASE r.level WHEN 'village' THEN 12 ELSE 24 END
    """,
    """
    INSERT INTO activities_attendance (activity_id, household_id, member_id, created_at)
    SELECT a.id, m.household_id, m.id, now()
    FROM activities_activity a JOIN households_household h ON h.village_id = a.organiser_id
    JOIN households_member m ON m.household_id = h.id AND m.role = 'husband'
    WHERE a.kind <> 'training' AND (h.id + a.id) %% 20 = 0
    UNION ALL
    SELECT a.id, m.household_id, m.id, now()
    FROM activities_activity a JOIN regions_region v ON v.parent_id = a.organiser_id
    JOIN households_household h ON h.village_id = v.id
    JOIN households_member m ON m.household_id = h.id AND m.role = 'wife'
    WHERE a.kind <> 'training' AND (h.id + a.id) %% 100 = 0
    UNION ALL
    SELECT a.id, m.household_id, m.id, now()
    FROM activities_activity a JOIN households_household h ON h.county_id = a.organiser_id
    JOIN households_member m ON m.household_id = h.id AND m.role = 'husband'
    WHERE a.kind <> 'training' AND (h.id + a.id) %% 400 = 0
    """,
    """
    INSERT INTO activities_attendance (activity_id, service_person_id, created_at)
    SELECT a.id, p.id, now()
    FROM activities_activity a JOIN contacts_serviceperson p ON p.region_id = a.organiser_id
    WHERE a.kind = 'training'
    """,
    """
    INSERT INTO activities_volunteer (region_id, name, skills, active, created_at, updated_at)
    SELECT t.id, t.name || '志愿者' || k, '{}', true, now(), now()
    FROM regions_region t CROSS JOIN generate_series(1, 20) k
    WHERE t.level = 'town' AND t.code LIKE left(%(city)s, 4) || '%%'
    """,
    """
    INSERT INTO activities_pairing (volunteer_id, household_id, started_on, ended_on, created_at)
    SELECT (SELECT min(id) FROM activities_volunteer vo WHERE vo.region_id = v.parent_id) + h.id %% 20, h.id,
           %(today)s::date - (h.id %% 700)::int,
           CASE WHEN h.id %% 3 = 0 THEN %(today)s::date - (h.id %% 700)::int + 200 END, now()
    FROM households_household h JOIN regions_region v ON v.id = h.village_id WHERE h.id %% 10 = 4
    """,
    """
    INSERT INTO benefits_payoutbatch (county_id, scheme, kind, period_start, period_end, title, state, created_at,
        filled_on)
    SELECT c.id, 'death', 'regular', %(today)s::date - 200, %(today)s::date - 30, '特扶', 'returned', now(),
           %(today)s::date - 200
    FROM regions_region c WHERE c.level = 'county' AND c.code LIKE left(%(city)s, 4) || '%%'
    """,
    """
    INSERT INTO benefits_payoutline (batch_id, seq, member_id, household_id, scheme, months, month_count, amount,
        explanation, head_name, payee_name, payee_id_number, account_number, bank_name, village_name,
        beneficiary_name, beneficiary_id_number, status, returned_at, retry_count, is_regular)
    SELECT b.id, row_number() OVER (PARTITION BY b.id ORDER BY m.id), m.id, m.household_id, 'death',
           daterange(%(today)s::date - 200, %(today)s::date - 30, '[]'), 6, 3540, '[]', m.name, m.name, 'X', '6217',
           '农行', '村', m.name, 'X', CASE WHEN m.id %% 50 = 0 THEN 'failed' ELSE 'paid' END,
           now() - ((m.id %% 300) || ' days')::interval, 0, true
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    JOIN benefits_payoutbatch b ON b.county_id = h.county_id
    WHERE m.role = 'wife' AND h.family_type = 'death' AND h.id %% 2 = 0
    """,
    # 300 accepted transfers to the next county during the year (the household moved there).
    """
    WITH t AS (
        SELECT h.id, h.county_id AS from_id, h.number,
               (SELECT c2.id FROM regions_region c2 WHERE c2.level = 'county' AND c2.parent_id = c.parent_id
                AND c2.id <> c.id ORDER BY c2.code LIMIT 1) AS to_id
        FROM households_household h JOIN regions_region c ON c.id = h.county_id
        WHERE h.id %% 666 = 5 AND h.status = 'active' AND h.village_id IS NOT NULL
    )
    INSERT INTO households_householdtransfer (household_id, from_county_id, to_county_id, to_village_id, status,
        id_number_masked, note, reason, number_before, number_after, requested_at, decided_at)
    SELECT t.id, t.from_id, t.to_id,
           (SELECT v.id FROM regions_region v JOIN regions_region tw ON tw.id = v.parent_id
            WHERE tw.parent_id = t.to_id ORDER BY v.code LIMIT 1),
           'accepted', '6301**', '投靠子女', '', t.number, 'T' || t.number, now(),
           now() - ((t.id %% 360) || ' days')::interval
    FROM t
    """,
    """
    UPDATE households_household h SET county_id = t.to_county_id, village_id = t.to_village_id,
        number = t.number_after
    FROM households_householdtransfer t WHERE t.household_id = h.id AND t.status = 'accepted'
    """,
    """
    INSERT INTO medical_contract (household_id, doctor_id, starts_on, ends_on, status, ended_on, end_reason,
        packages, personalised, created_at)
    SELECT h.id, p.id, %(today)s::date - (h.id %% 360)::int, %(today)s::date - (h.id %% 360)::int + 364,
           CASE WHEN h.id %% 20 = 1 THEN 'ended' ELSE 'signed' END,
           CASE WHEN h.id %% 20 = 1 THEN %(today)s::date - (h.id %% 360)::int END,
           CASE WHEN h.id %% 20 = 1 THEN 'refused' ELSE '' END, '{basic}', false, now()
    FROM households_household h
    JOIN contacts_serviceperson p ON p.region_id = h.village_id AND p.role_type = 'family_doctor'
    WHERE h.id %% 10 <> 0
    """,
    """
    INSERT INTO medical_greencard (household_id, member_id, kind, number, issued_on, withdrawn_on, created_at)
    SELECT m.household_id, m.id, 'love', 'K' || m.id, %(today)s::date - 700 + (m.id %% 300)::int,
           CASE WHEN m.id %% 97 = 0 THEN %(today)s::date - 100 END, now()
    FROM households_member m WHERE m.id %% 10 < 6
    """,
]


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def seed(params: dict) -> None:
    """The city, once (skipped when there): NOT NULL columns the seed leaves out get a temporary empty default."""
    from django.db import connection, transaction

    from regions.models import Region

    if Region.objects.filter(code=CITY).exists():
        return
    started = time.perf_counter()
    empty = {
        "character varying": "''",
        "text": "''",
        "boolean": "false",
        "jsonb": "'{}'",
        "ARRAY": "'{}'",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "numeric": "0",
        "timestamp with time zone": "now()",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no history triggers in the seed
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER' AND column_name <> 'id' "
            "AND table_name = ANY (%s)",
            [list(TABLES)],
        )
        added = [(t, c, k) for t, c, k in cursor.fetchall() if k in empty]
        for table, column, kind in added:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {empty[kind]}")
        for i, sql in enumerate(SEED_SQL):
            step = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  seed step {i}: {cursor.rowcount:,} rows, {time.perf_counter() - step:.1f} s", flush=True)
        for table, column, _kind in added:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")


# ------------------------------------------------------------------------------------------------ the naive anchor


def naive_unit_values(keys: list[str], period, unit, as_of: date) -> dict[str, int]:  # noqa: C901 - the anchor
    """One unit's measures through the ORM, unit by unit and measure by measure (what a straightforward page would
    do): the unit's households by path, then one query per measure."""
    from django.db.models import Q, Sum

    from activities.models import Activity, Attendance, Pairing
    from benefits.models import InsuranceClaim
    from households.models import Household, HouseholdTransfer, Member
    from medical.models import MentalAssessment
    from visits.models import Visit

    if unit.level == "city":
        area = Q(village__path__startswith="__none__")
        for county in unit.children.all():
            area |= Q(village__path__startswith=county.path) | Q(village__isnull=True, county=county)
    else:
        area = Q(village__path__startswith=unit.path)
        if unit.level == "county":
            area |= Q(village__isnull=True, county=unit)
    households = Household.objects.filter(area)
    s, e = period.start, period.end
    alive = Q(alive=True) | Q(death_date__gte=s)
    out: dict[str, int] = {}
    for key in keys:
        if key.startswith(("visits.", "needs.")):
            visits = Visit.objects.filter(household__in=households, date__range=(s, e))
            purpose = key.split(".")[1] if key.startswith("visits.") else ""
            visits = visits.filter(purpose=purpose) if purpose else visits.exclude(needs="")
            ids = visits.values("household_id").distinct()
            if key.endswith("households"):
                out[key] = ids.count()
            else:
                out[key] = Member.objects.filter(alive, household_id__in=ids).count()
        elif key.startswith("claims."):
            paid = InsuranceClaim.objects.filter(household__in=households, state="paid", paid_on__range=(s, e))
            out[key] = paid.count() if key.endswith("cases") else int(paid.aggregate(t=Sum("paid_amount"))["t"] or 0)
        elif key.startswith("mental.") or key == "assist.new_psych":
            assessed = MentalAssessment.objects.filter(member__household__in=households)
            in_period = assessed.filter(assessed_on__range=(s, e))
            if key == "mental.households":
                out[key] = in_period.values("member__household_id").distinct().count()
            elif key in ("mental.persons", "mental.assessed"):
                out[key] = in_period.values("member_id").distinct().count()
            elif key == "mental.files":
                opened = in_period.exclude(member__mental_assessments__assessed_on__lt=s)
                out[key] = opened.values("member_id").distinct().count()
            else:
                worthy = Q(risk_level__in=["medium", "high", "immediate"]) | Q(urgent=True)
                firsts = in_period.filter(worthy).exclude(
                    Q(member__mental_assessments__assessed_on__lt=s)
                    & (
                        Q(member__mental_assessments__risk_level__in=["medium", "high", "immediate"])
                        | Q(member__mental_assessments__urgent=True)
                    )
                )
                urgent = in_period.filter(urgent=True)
                out[key] = (firsts.values("member_id").union(urgent.values("member_id"))).count()
        elif key.startswith("activities."):
            organised = Activity.objects.filter(
                Q(organiser__path__startswith=unit.path) | Q(organiser=unit), starts_on__range=(s, e)
            )
            training = "training" in key
            organised = organised.filter(kind="training") if training else organised.exclude(kind="training")
            if key.endswith("sessions"):
                out[key] = organised.count()
            else:
                out[key] = Attendance.objects.filter(activity__in=organised).count()
        elif key == "assist.new_bereaved":
            out[key] = Member.objects.filter(
                household__in=households.filter(family_type="death", child_event_date__range=(s, e)),
                role__in=["husband", "wife"],
            ).count()
        elif key == "assist.moved":
            moved = HouseholdTransfer.objects.filter(
                status="accepted", decided_at__date__range=(s, e), from_county__path__startswith=unit.path
            )
            out[key] = Member.objects.filter(household_id__in=moved.values("household_id")).count()
        elif key == "assist.closed":
            closed = households.filter(status="closed", closed_on__range=(s, e))
            out[key] = Member.objects.filter(household__in=closed).count()
        elif key.startswith("volunteers."):
            out[key] = Pairing.objects.filter(household__in=households, started_on__lte=e).count()
        else:
            out[key] = 0
    return out


def main() -> int:  # noqa: C901 - the benchmark, written out
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sample", type=int, default=8, help="villages in the naive anchor (towns: a half)")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from households.models import Household
    from regions.models import Region
    from reports.statforms import measures as M
    from reports.statforms.drill import drill
    from reports.statforms.spec import TEMPLATES, Period

    setup_test_environment()
    call_command("migrate", verbosity=0)
    today = date.today()  # noqa: DTZ011 - the benchmark's day; every count takes it as a parameter
    params = {
        "city": CITY,
        "counties": COUNTIES,
        "towns": TOWNS,
        "villages": VILLAGES,
        "households": args.households,
        "visits": args.visits,
        "today": today,
    }
    seed(params)
    city = Region.objects.get(code=CITY)
    print(f"data: {Household.objects.count():,} households; {load()}")
    if args.seed_only:
        return 0

    last = Period.month(today.year, today.month).previous()
    earlier = last.previous().previous().previous()
    monthly = [TEMPLATES["warm_monthly"], TEMPLATES["assistance_monthly"]]

    def fill(period: Period) -> tuple[float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            units = 0
            for template in monthly:
                units += len(M.forms_under(template, period, city, today=today))
            seconds = time.perf_counter() - started
        return seconds, len(queries), units

    for period in (last, earlier):
        connection.close()  # the first run on a fresh connection
        first, n_queries, units = fill(period)
        runs = [fill(period)[0] for _ in range(args.repeat)]
        print(
            f"every unit's monthly forms ({units} forms: warm-heart and assistance, {units // 2} units), "
            f"{period.key}: first {first:.2f} s (fresh connection), median {statistics.median(runs):.2f} s "
            f"(min {min(runs):.2f}, max {max(runs):.2f}, {len(runs)} runs) in {n_queries} queries; {load()}"
        )
        last_median = statistics.median(runs)

    # ---- the naive anchor: unit by unit through the ORM, sampled per level, extrapolated --------------------
    keys = sorted({k for t in monthly for k in M.template_measures(t)})
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    towns = list(Region.objects.filter(parent__in=counties).order_by("code"))
    villages = list(Region.objects.filter(parent__in=towns).order_by("code"))
    by_level = {"city": [city], "county": counties, "town": towns, "village": villages}
    samples = {
        "city": [city],
        "county": counties[:1],
        "town": towns[:: max(1, len(towns) // max(1, args.sample // 2))][: max(1, args.sample // 2)],
        "village": villages[:: max(1, len(villages) // args.sample)][: args.sample],
    }
    naive_total = 0.0
    parts = []
    for level, sample in samples.items():
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            for unit in sample:
                naive_unit_values(keys, last, unit, as_of=today)
        per_unit = (time.perf_counter() - started) / len(sample)
        estimate = per_unit * len(by_level[level])
        naive_total += estimate
        parts.append(
            f"{level}: {per_unit * 1000:.0f} ms × {len(by_level[level])} = {estimate:.1f} s "
            f"({len(queries) // len(sample)} queries a unit, {len(sample)} sampled)"
        )
    print(f"naive anchor (unit by unit, ORM, {last.key}): {naive_total:.1f} s extrapolated — " + "; ".join(parts))
    print(f"ratio naive / set-based (median): {naive_total / last_median:.0f}x; {load()}")

    # ---- the other forms, one county's form, a drill --------------------------------------------------------
    for code in ("yearly", "coverage"):
        period = Period.year(today.year) if code == "yearly" else last
        runs = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                M.forms_under(TEMPLATES[code], period, city, today=today)
                runs.append(time.perf_counter() - started)
        print(
            f"{code} forms of every unit ({period.key}): median {statistics.median(runs):.2f} s in {len(queries)} "
            f"queries; {load()}"
        )
    county = counties[0]
    for code in ("warm_monthly", "assistance_monthly", "yearly", "coverage"):
        period = Period.year(today.year) if code == "yearly" else last
        runs = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                M.form_rows(TEMPLATES[code], period, county, today=today)
                runs.append((time.perf_counter() - started) * 1000)
        print(
            f"form_rows, one county's {code} form ({period.key}): median {statistics.median(runs):.0f} ms "
            f"in {len(queries)} queries; {load()}"
        )

    from django.utils import timezone

    from accounts.models import User

    staff, _ = User.objects.update_or_create(
        username="bench_statforms_staff",
        defaults={"role": "county_staff", "region": county, "password_changed_at": timezone.now()},
    )
    town, village = towns[0], villages[1]
    for label, unit, key in (
        ("village, routine visits", village, "visits.routine.households"),
        ("town, routine visits", town, "visits.routine.households"),
        ("town, claims paid", town, "claims.paid_cases"),
        ("county, new bereaved persons", county, "assist.new_bereaved"),
    ):
        runs, n = [], 0
        for _ in range(args.repeat + 1):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = drill(key, last, unit, staff, today=today)
                runs.append((time.perf_counter() - started) * 1000)
            n = len(queries)
        print(
            f"drill, {label}: {len(result.records)} records, median {statistics.median(runs[1:]):.0f} ms in "
            f"{n} queries; {load()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
