"""Benchmark of the city level (issue 17 parts 6 and 8; run by hand, figures go to docs/PERFORMANCE.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_lead2 .venv/bin/python bench/city.py

On a database that holds the demo (``manage.py seed_demo``: 西宁市 with 城中区, 城西区, 城北区) — or any city —
times, in ``--rounds`` rounds (medians), with the number of queries:

1. the city's coverage dashboard (``coverage_dashboard`` at the city: the villages' snapshots summed by county);
2. the naive anchor: each county's own dashboard, one after another, summed in Python (what a page built on the
   county function would do); the ratio is anchor ÷ ours;
3. the leaders' home of a city leader (``reports.leaders.leader_home``) and of a county leader.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _timed(function, rounds: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _round in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        queries = len(captured.captured_queries)
    return statistics.median(times), queries


def main() -> None:
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from regions.models import Region
    from regions.selectors import counties_under
    from reports.leaders import leader_home
    from reports.selectors import coverage_dashboard

    parser = argparse.ArgumentParser()
    parser.add_argument("--city", default="630100")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    city = Region.objects.get(code=args.city)
    counties = counties_under(region=city)
    as_of = timezone.localdate()
    reader = User(username="bench_city", role=Role.LEADER, region=city, is_active=True)
    county_reader = User(username="bench_county", role=Role.LEADER, region=counties[0], is_active=True)

    def anchor() -> None:
        total = 0
        for county in counties:
            total += coverage_dashboard(user=county_reader, region=county, as_of=as_of).total.households

    ours, ours_q = _timed(lambda: coverage_dashboard(user=reader, region=city, as_of=as_of), args.rounds)
    naive, naive_q = _timed(anchor, args.rounds)
    home, home_q = _timed(lambda: leader_home(user=reader, as_of=as_of), args.rounds)
    county_home, county_home_q = _timed(lambda: leader_home(user=county_reader, as_of=as_of), args.rounds)
    print(f"counties: {len(counties)}, villages: {Region.objects.filter(level='village').count()}")
    print(f"city dashboard          {ours * 1000:8.1f} ms  {ours_q:3d} queries")
    print(f"anchor (county by county){naive * 1000:7.1f} ms  {naive_q:3d} queries  ratio {naive / ours:.1f}x")
    print(f"leaders' home, city     {home * 1000:8.1f} ms  {home_q:3d} queries")
    print(f"leaders' home, county   {county_home * 1000:8.1f} ms  {county_home_q:3d} queries")


if __name__ == "__main__":
    main()
