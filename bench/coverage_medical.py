"""Benchmark of the medical coverages (issue 16 "Speed"; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database h_coverage_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_coverage_bench .venv/bin/python bench/coverage_medical.py

Seeds the county of ``bench/visits.py`` (200,000 households, 2,000,000 visits; skipped when there) and, once,
its medical work set-based in SQL: 21 designated institutions (18 with a working channel), dedicated cards for
60 % of the members (and the certificate / contact card counting by default), family-doctor contracts for 90 %
of the households (5 % ended as refused), this year's health checks for two thirds of the members 60 and over,
a hospital stay per 200 households discharged in the last two weeks. Then:

* the nightly medical step (``reports.services.medical_nightly_run``: the discharge loop's next steps, then the
  medical coverages per village — signed but not served, checks due and done, cards, contracts), first and
  again (the steady state, the same rows), timed with its queries counted: the budget is 10 s;
* the coverage snapshots (``coverage_snapshot_refresh``), so that the pages read snapshots as at night;
* the coverage dashboard through the Django test client as a leader — the county (budget 300 ms), a town, a
  village (live) — median and 95th percentile, database and Python time apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

_spec = importlib.util.spec_from_file_location("bench_visits", ROOT / "bench" / "visits.py")
assert _spec is not None
assert _spec.loader is not None
bench_visits = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_visits)

MEDICAL_SEED_SQL = [
    # Institutions: the county hospital and a health centre per town; three towns' centres not yet working
    # (no responsible person).
    """
    INSERT INTO medical_institution (county_id, region_id, name, level, grade, address, responsible_name,
        responsible_phone, liaison_name, liaison_phone, rules_file, rules_file_name, rules_summary, services,
        priority_window, active, updated_at)
    SELECT c.id, c.id, '基准县人民医院', 'county', '2', '', '院长', '', '', '', '', '', '优先挂号、优先就诊',
           ARRAY['registration', 'consultation', 'bed'], true, true, now()
    FROM regions_region c WHERE c.code = %(county)s
    UNION ALL
    SELECT c.id, t.id, t.name || '卫生院', 'township', '1', '',
           CASE WHEN t.code::bigint %% 7 = 0 THEN '' ELSE '主任' END,
           '', '', '', '', '', '优先挂号', ARRAY['registration'], false, true, now()
    FROM regions_region c JOIN regions_region t ON t.parent_id = c.id WHERE c.code = %(county)s
    """,
    """
    INSERT INTO medical_greencard (household_id, member_id, kind, number, issued_on, withdrawn_on, created_at)
    SELECT m.household_id, m.id, 'love', 'K' || m.id, DATE '2024-01-01' + (m.id %% 300)::int,
           CASE WHEN m.id %% 97 = 0 THEN DATE '2025-01-01' END, now()
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s) AND m.id %% 10 < 6
    """,
    """
    INSERT INTO medical_contract (household_id, member_id, doctor_id, township_doctor_id, team, clinic, clinic_phone,
        starts_on, ends_on, status, ended_on, end_reason, end_note, packages, personalised, personalised_fee,
        personalised_note, created_at)
    SELECT h.id, NULL, p.id, NULL, '', '', '', %(today)s::date - (h.id %% 360)::int,
           %(today)s::date - (h.id %% 360)::int + 364,
           CASE WHEN h.id %% 20 = 1 THEN 'ended' ELSE 'signed' END,
           CASE WHEN h.id %% 20 = 1 THEN %(today)s::date - (h.id %% 360)::int END,
           CASE WHEN h.id %% 20 = 1 THEN 'refused' ELSE '' END, '', ARRAY['basic'], false, NULL, '', now()
    FROM households_household h
    JOIN contacts_serviceperson p ON p.region_id = h.village_id AND p.role_type = 'family_doctor'
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s) AND h.id %% 10 <> 0
    """,
    """
    INSERT INTO medical_healthcheck (household_id, member_id, checked_on, institution_id, items, abnormal_findings,
        follow_up, created_at)
    SELECT m.household_id, m.id,
           make_date(%(year)s, 1, 1) + (m.id %% (%(today)s::date - make_date(%(year)s, 1, 1) + 1))::int,
           NULL, ARRAY['blood'], '', '', now()
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s)
      AND m.alive AND m.birth_date <= make_date(%(year)s - 60, 12, 31) AND m.id %% 3 <> 0
    """,
    """
    INSERT INTO medical_channeluse (household_id, member_id, institution_id, used_on, kind, services, fee_waived,
        ambulance, admitted_on, discharged_on, handover_to_id, note, created_at)
    SELECT m.household_id, m.id, (SELECT min(id) FROM medical_institution), %(today)s::date - 20, 'inpatient',
           ARRAY['bed'], 0, false, %(today)s::date - 20, %(today)s::date - (m.household_id %% 14)::int, NULL, '', now()
    FROM households_member m JOIN households_household h ON h.id = m.household_id
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s) AND h.id %% 200 = 3
      AND m.role = 'husband' AND h.status = 'active'
    """,
]


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def seed(params: dict) -> object:
    """The county of bench/visits.py and its medical work, each once (skipped when there); returns the county."""
    from django.db import connection, transaction

    from medical.models import Institution
    from medical.services import discharge_rules_ensure
    from regions.models import Region
    from visits.services import ruleset_create_default

    if not Region.objects.filter(code=bench_visits.COUNTY).exists():
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            # Columns added since bench/visits.py's seed was written (households.residence …): empty for the seed.
            cursor.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL "
                "AND table_name IN ('households_household', 'households_member', 'contacts_serviceperson', "
                "'contacts_assignment', 'visits_visit') AND data_type IN ('character varying', 'text', 'boolean')"
            )
            added = cursor.fetchall()
            for table, column, kind in added:
                empty = "false" if kind == "boolean" else "''"
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {empty}")
            for sql in bench_visits.SEED_SQL:
                cursor.execute(sql, params)
            for table, column, _kind in added:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        print(f"seeded the county in {time.perf_counter() - started:.1f} s")
    county = Region.objects.get(code=bench_visits.COUNTY)
    ruleset_create_default(county=county)
    discharge_rules_ensure(county=county)
    if not Institution.objects.filter(county=county).exists():
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for sql in MEDICAL_SEED_SQL:
                cursor.execute(sql, params)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"seeded the medical work in {time.perf_counter() - started:.1f} s")
    return county


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from households.models import Household
    from regions.models import Region
    from reports.models import MedicalSnapshot
    from reports.services import coverage_snapshot_refresh, medical_nightly_run

    setup_test_environment()
    call_command("migrate", verbosity=0)
    today = date.today()  # noqa: DTZ011 - the benchmark's day; every step takes it as a parameter
    params = {
        "county": bench_visits.COUNTY,
        "towns": bench_visits.TOWNS,
        "villages": bench_visits.VILLAGES_PER_TOWN,
        "households": args.households,
        "visits": args.visits,
        "today": today,
        "year": today.year,
    }
    county = seed(params)
    n = Household.objects.filter(county=county).count()
    print(f"data: {n:,} households; {load()}")
    if args.seed_only:
        return 0

    for label in ("nightly medical step, first", "nightly medical step, again"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = medical_nightly_run(as_of=today)
            seconds = time.perf_counter() - started
        print(f"{label}: {seconds:.2f} s in {len(queries)} queries, {result}; {load()}")
    figures = MedicalSnapshot.objects.order_by("village_id").values_list(
        "persons", "card_holders", "willing", "signed", "unserved", "checks_due", "checks_done"
    )
    totals = [sum(col) for col in zip(*figures, strict=True)]
    print(f"county totals (persons, cards, willing, signed, unserved, due, done): {totals}")

    started = time.perf_counter()
    coverage_snapshot_refresh(as_of=today)
    print(f"coverage snapshots: {time.perf_counter() - started:.2f} s; {load()}")

    leader, _ = User.objects.update_or_create(
        username="bench_leader", defaults={"role": "leader", "region": county, "password_changed_at": timezone.now()}
    )
    town = Region.objects.filter(parent=county).order_by("code").first()
    village = Region.objects.filter(parent=town).order_by("code")[1]

    def page(url: str) -> str:
        client = Client()
        client.force_login(leader)
        totals_ms, db_ms, count = [], [], 0
        for i in range(args.repeat + 1):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if i:  # the first warms
                totals_ms.append(elapsed)
                db_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
                count = len(queries)
        ordered = sorted(totals_ms)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return (
            f"median {statistics.median(totals_ms):.0f} ms, p95 {p95:.0f} ms "
            f"(database {statistics.median(db_ms):.0f} ms in {count} queries; {load()})"
        )

    for label, url in (
        ("dashboard, county (leader)", reverse("reports:coverage")),
        ("dashboard, town (leader)", reverse("reports:coverage_region", args=[town.pk])),
        ("dashboard, village (leader, live)", reverse("reports:coverage_region", args=[village.pk])),
    ):
        print(f"{label}: {page(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
