"""Benchmark of the overdue engine and the coverage pages (run by hand; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database h_visits_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_visits_bench .venv/bin/python bench/visits.py

Seeds once (skipped when the data is there), set-based in SQL (generate_series; triggers off during the
seed): one county of 20 towns × 20 villages, 200,000 households (1 in 50 closed, registration dates spread
over eight years), 400,000 members (5 % 失能/半失能, some deceased), four-on-one assignments for 90 % of the
households, and 2,000,000 visits over the two years up to the day. Then:

* the engine (``overdue_refresh``) from no flags, and again on the same day (the steady state), timed and
  with its queries counted (CaptureQueriesContext) — and the count checked against a run on 1/100 of the data;
* a naive per-household loop (the ORM, rule by rule) over a sample, extrapolated: the anchor;
* the coverage snapshots (nightly);
* the pages through the Django test client: the coverage dashboard of the county and of a town (as a
  leader), "my households" of a village cadre (500 households): median and 95th percentile in ms.
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

COUNTY = "639901"
TOWNS, VILLAGES_PER_TOWN = 20, 20

SEED_SQL = [
    # Regions: county 639901, towns 639901001…, villages 639901001001…
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    VALUES (%(county)s, '基准县', 'county', NULL, %(county)s || '/')
    """,
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    SELECT c.code || lpad(t::text, 3, '0'), '基准镇' || t, 'town', c.id,
           c.path || c.code || lpad(t::text, 3, '0') || '/'
    FROM regions_region c, generate_series(1, %(towns)s) t WHERE c.code = %(county)s
    """,
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    SELECT t.code || lpad(v::text, 3, '0'), t.name || '村' || v, 'village', t.id,
           t.path || t.code || lpad(v::text, 3, '0') || '/'
    FROM regions_region t, generate_series(1, %(villages)s) v WHERE t.level = 'town' AND t.code LIKE %(county)s || '%%'
    """,
    # Households, spread evenly over the villages.
    """
    WITH v AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS n FROM regions_region
               WHERE level = 'village' AND code LIKE %(county)s || '%%'),
         c AS (SELECT id FROM regions_region WHERE code = %(county)s)
    INSERT INTO households_household (county_id, village_id, number, family_type, certificate_number, address,
        living_situation, poverty_registered, subsistence_allowance, difficulties, difficulties_note,
        visit_preferences, do_not_disturb, registered_on, status, closed_reason, closed_on, closed_note,
        child_name, child_sex, child_event_date, child_disability_grade, created_at, updated_at)
    SELECT c.id, v.id, 'B' || lpad(g::text, 7, '0'),
           CASE WHEN g %% 3 = 0 THEN 'disability' ELSE 'death' END, '', '', 'couple', false, false, '{}', '', '', '',
           DATE '2018-01-01' + ((g * 7919) %% 3200)::int,
           CASE WHEN g %% 50 = 0 THEN 'closed' ELSE 'active' END,
           CASE WHEN g %% 50 = 0 THEN 'moved_away' ELSE '' END,
           CASE WHEN g %% 50 = 0 THEN DATE '2025-06-01' END, '', '', '',
           DATE '2005-01-01' + ((g * 104729) %% 6000)::int, '', now(), now()
    FROM generate_series(1::bigint, %(households)s) g
    JOIN v ON v.n = g %% (SELECT count(*) FROM v) CROSS JOIN c
    """,
    # Two members per household: 5 % need care (失能/半失能), some deceased.
    """
    INSERT INTO households_member (household_id, name, id_number, sex, birth_date, phone, role, alive, death_date,
        self_care, health_notes, chronic_diseases, major_diseases, disability, created_at, updated_at)
    SELECT h.id, '成员' || h.id || '-' || k, NULL, CASE WHEN k = 1 THEN 'M' ELSE 'F' END,
           DATE '1950-01-01' + ((h.id * k * 31) %% 5000)::int, '', CASE WHEN k = 1 THEN 'husband' ELSE 'wife' END,
           (h.id * k) %% 17 <> 0, CASE WHEN (h.id * k) %% 17 = 0 THEN DATE '2024-03-01' END,
           CASE WHEN (h.id * k) %% 40 = 0 THEN 'disabled' WHEN (h.id * k) %% 40 = 1 THEN 'semi' ELSE 'self_care' END,
           '', '', '', '', now(), now()
    FROM households_household h CROSS JOIN generate_series(1, 2) k
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s)
    """,
    # People who serve: per village a village cadre, a family doctor and an association member; per town a
    # town leader. Four-on-one assignments for 90 % of the households.
    """
    INSERT INTO contacts_serviceperson (name, phone, role_type, unit, region_id, user_id, active, note,
        created_at, updated_at)
    SELECT r.name || '-' || role, '', role, '', r.id, NULL::bigint, true, '', now(), now()
    FROM regions_region r
    CROSS JOIN unnest(ARRAY['village_cadre', 'family_doctor', 'association_member']) role
    WHERE r.level = 'village' AND r.code LIKE %(county)s || '%%'
    UNION ALL
    SELECT r.name || '-town_leader', '', 'town_leader', '', r.id, NULL, true, '', now(), now()
    FROM regions_region r WHERE r.level = 'town' AND r.code LIKE %(county)s || '%%'
    """,
    """
    INSERT INTO contacts_assignment (household_id, slot, person_id, start_date, end_date, substitute_for_id, note,
        created_by_id, created_at)
    SELECT h.id, p.role_type, p.id, DATE '2024-01-01', NULL, NULL, '', NULL, now()
    FROM households_household h
    JOIN regions_region v ON v.id = h.village_id
    JOIN contacts_serviceperson p ON (p.region_id = v.id OR p.region_id = v.parent_id)
    WHERE h.county_id = (SELECT id FROM regions_region WHERE code = %(county)s) AND h.id %% 10 <> 0
    """,
    # Visits: two years up to today, uneven by household (some rarely seen), mostly phone calls.
    """
    WITH hh AS (SELECT array_agg(id ORDER BY id) AS ids FROM households_household
                WHERE county_id = (SELECT id FROM regions_region WHERE code = %(county)s)),
         g AS (SELECT g, hashint4(g) AS r FROM generate_series(1, %(visits)s) g)
    INSERT INTO visits_visit (household_id, date, visitor_id, visitor_user_id, visitor_name, visitor_role, method,
        purpose, health, mood, living_conditions, needs, help_given, recorded_by_id, created_at)
    SELECT hh.ids[1 + floor(power(abs(g.r::bigint)::float8 / 2147483649, 1.4) * array_length(hh.ids, 1))::int],
           %(today)s::date - (abs(hashint4(g.g + 1)::bigint) %% 730)::int,
           NULL, NULL, '基准',
           (ARRAY['village_cadre', 'family_doctor', 'town_leader', 'association_member'])
               [1 + abs(hashint4(g.g + 2)::bigint) %% 4],
           (ARRAY['phone', 'phone', 'home', 'online', 'other'])[1 + abs(hashint4(g.g + 3)::bigint) %% 5],
           'routine', '', '', '', '', '', NULL, now()
    FROM g CROSS JOIN hh
    """,
]


class QueryTimer:
    """A connection.execute_wrapper that adds up the time spent in the database and counts the queries."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000
            self.count += 1


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): the figures are only as quiet as the machine was."""
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def engine_and_anchor(args, *, today, county, rule_set, village, village_ids, n_households) -> None:
    """The engine (first run, steady state, one village, one household), the naive anchor, the snapshots."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.models import Household
    from reports.services import coverage_snapshot_refresh
    from visits.engine import overdue_refresh, rule_period
    from visits.models import OverdueFlag, Rule

    # ---- the engine --------------------------------------------------------------------------------
    OverdueFlag.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        first = overdue_refresh(as_of=today)
        first_s = time.perf_counter() - started
    started = time.perf_counter()
    steady = overdue_refresh(as_of=today)
    steady_s = time.perf_counter() - started
    with CaptureQueriesContext(connection) as small:
        overdue_refresh(as_of=today, household_ids=village_ids)
    started = time.perf_counter()
    overdue_refresh(as_of=today, household_ids=village_ids[:1])
    one_ms = (time.perf_counter() - started) * 1000
    print(f"engine, first run (no flags): {first_s:.2f} s, {len(queries.captured_queries)} queries; {first.as_dict()}")
    print(f"engine, second run (steady state): {steady_s:.2f} s; {steady.as_dict()}; {load()}")
    print(
        f"engine over one village ({len(village_ids)} households): {len(small.captured_queries)} queries "
        f"(the same count); one household after a visit: {one_ms:.0f} ms; {load()}"
    )

    # ---- the anchor: a naive per-household loop (ORM, rule by rule) over a sample ---------------------
    rules = list(Rule.objects.filter(rule_set=rule_set, active=True).exclude(period="death_anniversary"))
    sample = list(Household.objects.filter(county=county, status="active").order_by("pk")[: args.sample])
    with CaptureQueriesContext(connection) as naive_q:
        started = time.perf_counter()
        for household in sample:
            for rule in rules:
                p = rule_period(rule, as_of=today)
                if p is None or household.registered_on > p.start:
                    continue
                if (
                    rule.applies_to == "care_dependent"
                    and not household.members.filter(alive=True, self_care__in=["semi", "disabled"]).exists()
                ):
                    continue
                if rule.applies_to == "bereaved" and household.family_type != "death":
                    continue
                visits = household.visits.filter(date__gte=p.start, date__lte=today, method__in=rule.methods)
                if rule.by_family_doctor:
                    visits = visits.filter(visitor_role="family_doctor")
                visits.exists()
        naive_s = time.perf_counter() - started
    per = naive_s / len(sample)
    print(
        f"naive loop: {len(sample)} households in {naive_s:.2f} s, {len(naive_q.captured_queries)} queries "
        f"(reads only, no flag written) → extrapolated to {n_households:,}: {per * n_households:.0f} s, "
        f"{len(naive_q.captured_queries) / len(sample) * n_households:,.0f} queries"
    )

    started = time.perf_counter()
    coverage_snapshot_refresh(as_of=today)
    print(f"coverage snapshots (nightly, all villages): {time.perf_counter() - started:.2f} s; {load()}")
    times = []
    for _ in range(5):
        started = time.perf_counter()
        coverage_snapshot_refresh(as_of=today, village_ids=[village.pk])
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"coverage snapshots of one village (after a visit there): median {statistics.median(times):.0f} ms "
        f"of 5 (first {times[0]:.0f} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--sample", type=int, default=500, help="households in the naive loop")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pages-only", action="store_true", help="skip the engine, the anchor and the snapshots")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from households.models import Household, Member
    from regions.models import Region
    from visits.engine import overdue_refresh
    from visits.models import Visit
    from visits.services import ruleset_create_default

    setup_test_environment()
    call_command("migrate", verbosity=0)
    today = date.today()  # noqa: DTZ011 - the benchmark's day; the engine takes it as a parameter
    if not Region.objects.filter(code=COUNTY).exists():
        started = time.perf_counter()
        params = {
            "county": COUNTY,
            "towns": TOWNS,
            "villages": VILLAGES_PER_TOWN,
            "households": args.households,
            "visits": args.visits,
            "today": today,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no history triggers in the seed
            for sql in SEED_SQL:
                cursor.execute(sql, params)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"seeded in {time.perf_counter() - started:.1f} s")
    county = Region.objects.get(code=COUNTY)
    rule_set = ruleset_create_default(county=county)
    town = Region.objects.filter(parent=county).order_by("code").first()
    # The second village: in the first one every household is closed (household numbers ≡ 0 mod 400 and 50).
    village = Region.objects.filter(parent=town).order_by("code")[1]
    users = {}
    for username, role, region in (
        ("bench_leader", "leader", county),
        ("bench_village", "village_cadre", village),
    ):
        users[username], _ = User.objects.update_or_create(
            username=username, defaults={"role": role, "region": region, "password_changed_at": timezone.now()}
        )
    n_households = Household.objects.filter(county=county).count()
    n_visits = Visit.objects.filter(household__county=county).count()
    print(f"data: {n_households:,} households, {Member.objects.count():,} members, {n_visits:,} visits")

    village_ids = list(Household.objects.filter(village=village).values_list("pk", flat=True))
    if not args.pages_only:
        engine_and_anchor(
            args,
            today=today,
            county=county,
            rule_set=rule_set,
            village=village,
            village_ids=village_ids,
            n_households=n_households,
        )
    else:
        overdue_refresh(as_of=today)  # the flags (and the worklist's order) of the day

    # ---- the pages ------------------------------------------------------------------------------------
    def page(user, url) -> str:
        """Median and p95 of the whole request, and per request the median time in the database (the sum of
        its queries) and in Python (the rest: middleware, building, rendering)."""
        client = Client()
        client.force_login(user)
        totals, db, queries = [], [], 0

        def get():
            timer = QueryTimer()
            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
            db.append(timer.ms)
            assert response.status_code == 200, (url, response.status_code)
            return timer.count

        get()  # warm
        totals.clear()
        db.clear()
        for _ in range(args.repeat):
            queries = get()
        ordered = sorted(totals)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        python = statistics.median(t - d for t, d in zip(totals, db, strict=True))
        return (
            f"median {statistics.median(totals):.0f} ms, p95 {p95:.0f} ms "
            f"(database {statistics.median(db):.0f} ms in {queries} queries, Python {python:.0f} ms; {load()})"
        )

    for label, user, url in (
        ("dashboard, county (leader)", users["bench_leader"], reverse("reports:coverage")),
        ("dashboard, town (leader)", users["bench_leader"], reverse("reports:coverage_region", args=[town.pk])),
        ("dashboard, village (leader)", users["bench_leader"], reverse("reports:coverage_region", args=[village.pk])),
        (
            f"my households, village cadre ({len(village_ids)} households)",
            users["bench_village"],
            reverse("visits:my_households"),
        ),
    ):
        print(f"{label}: {page(user, url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
