"""Benchmark of the statistical forms' pages and exports (issue 17 "Speed": a report page and its drill-down
≤ 150 ms, an exported form ≤ 1 s; figures go to docs/PERFORMANCE.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_statforms .venv/bin/python bench/statform_pages.py

Runs on the database of bench/statforms.py (a city of 10 counties × 10 towns × 10 villages, 200,000 households,
2,000,000 visits: seed it with that script first). Through Django's test client (middleware, session, template,
access events included), each request --repeat times after one warm-up, medians:

* the warm-heart monthly form of last month: a county's page (10 towns, own level, 合计) for its staff, the
  city's page (10 counties) for a city user, a town's page;
* the drill-down of a cell: a town's routine-visit households, a village's;
* the exports: the county's and the city's warm-heart form (xlsx), the county's assistance form with its four
  persons' sheets, the county's yearly form as PDF;
* the naive anchor in the same run: the county's form counted row by row through the ORM (bench/statforms.py's
  ``naive_unit_values``, one query per measure and row unit), the ratio anchor ÷ the page.

* the county's page once its form is submitted (its cells frozen: nothing counted), inside a transaction rolled
  back at the end.

Writes nothing but two users (bench_life_*) and the access events of the drill and export requests.

With ``--snapshots`` (helper snap, docs/REPORTS.md §Snapshots): first the nightly refresh of the figure snapshots for
every county of the city (reports.statforms.snapshots.statform_counts_nightly: last month, this month, quarter, year;
each county and period timed), then the pages and exports read from the snapshots — the county's and the city's
page, a town's drill, the county's and the city's xlsx — the first run and the median of --repeat; at the end the
snapshot rows are deleted again (a page reads the snapshot whenever it holds the form's counts, so the default run
would no longer time the live count).
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


def _median(run, repeat: int) -> tuple[float, int]:
    run()  # warm-up
    times = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        status = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--snapshots", action="store_true", help="time the pages read from the figure snapshots")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from bench.statforms import CITY, load, naive_unit_values
    from regions.models import Region
    from reports.statforms import measures as M
    from reports.statforms.spec import TEMPLATES, Period

    setup_test_environment()
    call_command("migrate", verbosity=0)
    city = Region.objects.filter(code=CITY).first()
    if city is None:
        print("no bench city: run bench/statforms.py --seed-only on this database first")
        return 1
    county = Region.objects.filter(parent=city).order_by("code").first()
    town = Region.objects.filter(parent=county).order_by("code").first()
    village = Region.objects.filter(parent=town).order_by("code").first()
    today = date.today()  # noqa: DTZ011 - the benchmark's day
    last = Period.month(today.year, today.month).previous()
    year = Period.year(today.year - 1)

    def client_for(username: str, role: str, region: Region) -> Client:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "region": region, "password_changed_at": timezone.now(), "is_active": True},
        )
        client = Client()
        client.force_login(user)
        return client

    staff = client_for("bench_life_county", "county_staff", county)
    city_user = client_for("bench_life_city", "city_staff", city)

    def url(name: str, unit: Region, template: str = "warm_monthly", period: Period = last, *extra: str) -> str:
        return reverse(f"reports:forms:{name}", args=[unit.pk, template, period.key, *extra])

    def get(client: Client, path: str):
        def run() -> int:
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            return response.status_code

        return run

    if args.snapshots:
        return snapshot_bench(args.repeat, city, county, town, staff, city_user, url, get, today)

    cases = [
        ("page: county warm-heart form (10 towns)", get(staff, url("report", county)), 150),
        ("page: city warm-heart form (10 counties), city user", get(city_user, url("report", city)), 150),
        ("page: town warm-heart form (10 villages)", get(staff, url("report", town)), 150),
        ("drill: town, routine visits (households)", get(staff, url("drill", town, "warm_monthly", last,
                                                                       "visits_routine_households")), 150),
        ("drill: village, routine visits", get(staff, url("drill", village, "warm_monthly", last,
                                                          "visits_routine_households")), 150),
        ("export: county warm-heart xlsx", get(staff, url("export", county)), 1000),
        ("export: city warm-heart xlsx, city user", get(city_user, url("export", city)), 1000),
        ("export: county assistance xlsx + 4 persons' sheets",
         get(staff, url("export", county, "assistance_monthly") + "?details=1"), 1000),
        ("export: county yearly PDF", get(staff, url("export_pdf", county, "yearly", year)), 1000),
    ]  # fmt: skip
    print(f"bench_statforms: city {city.code}, county {county.code}, month {last.key}; {load()}")
    results = {}
    for label, run, target in cases:
        median, status = _median(run, args.repeat)
        results[label] = median
        verdict = "ok" if median <= target and status == 200 else "OVER" if status == 200 else f"HTTP {status}"
        print(f"{label}: median {median:.0f} ms (target ≤ {target} ms, {verdict}); {load()}")

    # A submitted form's page reads its frozen cells (no count): the county's form of last month submitted inside a
    # transaction that is rolled back at the end (the bench database keeps no report).
    from django.db import transaction

    from reports.statforms import services

    class _Rollback(Exception):
        pass

    user = User.objects.get(username="bench_life_county")
    try:
        with transaction.atomic():
            report = services.report_open(actor=user, template_code="warm_monthly", unit=county, period=last)
            services.report_submit(actor=user, report=report)
            median, status = _median(get(staff, url("report", county)), args.repeat)
            print(
                f"page: county warm-heart form, submitted (frozen cells): median {median:.0f} ms "
                f"(HTTP {status}); {load()}"
            )
            raise _Rollback
    except _Rollback:
        pass

    # The naive anchor: the county's form, row by row through the ORM.
    template = TEMPLATES["warm_monthly"]
    keys = M.template_measures(template)
    rows = [*Region.objects.filter(parent=county).order_by("code"), county]
    as_of = M.coverage_day(last, today=today)
    started = time.perf_counter()
    for unit in rows:
        naive_unit_values(keys, last, unit, as_of)
    naive = (time.perf_counter() - started) * 1000
    page = results["page: county warm-heart form (10 towns)"]
    print(
        f"anchor: county form row by row through the ORM {naive:.0f} ms; page {page:.0f} ms; ratio {naive / page:.1f}×"
    )
    return 0


def snapshot_bench(repeat, city, county, town, staff, city_user, url, get, today) -> int:
    """The nightly refresh of the city's counties, then the pages and exports read from the snapshots."""
    from collections import defaultdict

    from bench.statforms import load
    from regions.models import Region
    from reports.models import StatformCount, StatformCountStamp
    from reports.statforms import snapshots

    counties = list(Region.objects.filter(parent=city, level=Region.Level.COUNTY).order_by("code"))
    periods = snapshots.nightly_periods(today)
    print(f"bench_statforms --snapshots: city {city.code}, {len(counties)} counties; periods "
          f"{', '.join(p.key for p in periods)}; {load()}")  # fmt: skip
    by_period: dict[str, list[float]] = defaultdict(list)
    rows = 0
    started_all = time.perf_counter()
    for c in counties:
        for period in periods:
            started = time.perf_counter()
            rows += snapshots.statform_counts_refresh(county=c, period=period, today=today)
            by_period[period.key].append((time.perf_counter() - started) * 1000)
    total = time.perf_counter() - started_all
    print(f"nightly refresh, whole city: {total:.1f} s, {rows} rows; {load()}")
    for key, times in by_period.items():
        print(f"  {key}: per county median {statistics.median(times):.0f} ms, max {max(times):.0f} ms, "
              f"all counties {sum(times) / 1000:.1f} s")  # fmt: skip

    cases = [
        ("page: county warm-heart form (10 towns)", get(staff, url("report", county)), 150),
        ("page: city warm-heart form (10 counties), city user", get(city_user, url("report", city)), 150),
        ("page: town warm-heart form (10 villages)", get(staff, url("report", town)), 150),
        ("drill: town, routine visits (households)", get(staff, url("drill", town, "warm_monthly",
                                                                       snapshots.nightly_periods(today)[0],
                                                                       "visits_routine_households")), 150),
        ("page: county yearly form (this year)", get(staff, url("report", county, "yearly", periods[3])), 150),
        ("page: city coverage form (this month), city user", get(city_user, url("report", city, "coverage",
                                                                                 periods[1])), 150),
        ("export: county warm-heart xlsx", get(staff, url("export", county)), 1000),
        ("export: city warm-heart xlsx, city user", get(city_user, url("export", city)), 1000),
    ]  # fmt: skip
    try:
        for label, run, target in cases:
            started = time.perf_counter()
            status = run()
            first = (time.perf_counter() - started) * 1000
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                status = run()
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            verdict = "ok" if median <= target and status == 200 else "OVER" if status == 200 else f"HTTP {status}"
            print(f"{label} [snapshot]: first {first:.0f} ms, median {median:.0f} ms of {repeat} "
                  f"(target ≤ {target} ms, {verdict}); {load()}")  # fmt: skip
    finally:
        ids = [c.pk for c in counties]
        StatformCount.objects.filter(county_id__in=ids).delete()
        StatformCountStamp.objects.filter(county_id__in=ids).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
