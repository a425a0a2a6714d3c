"""Benchmark of the household archive at county scale (run by hand; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_households'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_households \\
        .venv/bin/python bench/households.py --households 50000 --repeat 30

Seeds (once; skipped when the data is there) 50,000 households with about 100,000 members through the
demo generator, set-based (bulk_create in batches of 2,000: one INSERT per batch and table), then
measures pages through the Django test client as county staff (the widest area, so the worst case):
median and 95th percentile in milliseconds, the median time spent in the database (queries and commits)
and outside it, the most queries a request ran, and the load average at the end.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600  # one connection, as a production worker keeps
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from config.startup import freeze_loaded_objects
    from demo.households import households_generate, households_insert
    from households.models import Household, Member
    from regions.models import Region

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_regions", str(ROOT / "demo" / "regions_sample.csv"), verbosity=0)
    county = Region.objects.get(code="630103")
    # Only the user who measures: demo_seed would also seed the other apps' demo data for every household.
    user, _created = User.objects.get_or_create(
        username="bench_county",
        defaults={"role": Role.COUNTY_STAFF, "region": county, "password_changed_at": timezone.now()},
    )
    have = Household.objects.filter(county=county).count()
    if have < args.households:
        started = time.perf_counter()
        villages = list(Region.objects.subtree_of(county).villages().order_by("code"))
        chunk = 10_000
        used_ids = set(Member.objects.exclude(id_number=None).values_list("id_number", flat=True))
        for start in range(have + 1, args.households + 1, chunk):
            count = min(chunk, args.households + 1 - start)
            generated = list(
                households_generate(
                    seed=args.seed * 1000 + start,
                    county=county,
                    villages=villages,
                    count=count,
                    today=timezone.localdate(),
                    start=start,
                    used_ids=used_ids,
                )
            )
            households_insert(generated)
            print(f"  seeded {start + count - 1:,} households", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # statistics and the visibility map (index-only scans)
        print(f"seeding took {time.perf_counter() - started:.0f} s")
    print(f"{Household.objects.count():,} households, {Member.objects.count():,} members")

    freeze_loaded_objects()  # as config/wsgi.py does in every web worker

    client = Client()
    client.force_login(user)
    town = county.children.order_by("code").first()
    list_url = reverse("households:list")
    total_pages = (Household.objects.count() + 24) // 25
    filtered = {"town": town.pk, "age_band": "70_79", "status": "active"}
    first = client.get(list_url, filtered)
    filtered_pages = first.context["page"].paginator.num_pages
    sample_member = Member.objects.exclude(id_number=None).order_by("id")[Member.objects.count() // 2]
    name_fragment = sample_member.name[1:]  # a given name, e.g. 秀兰: matches many
    phone_member = Member.objects.exclude(phone="").order_by("id")[Member.objects.count() // 3]

    def search(text: str) -> str:
        return client.post(reverse("households:search"), {"q": text})["Location"]

    archive_pks = list(Household.objects.order_by("?").values_list("pk", flat=True)[: args.repeat])

    cases = [
        ("list, unfiltered, page 1", lambda i: client.get(list_url)),
        ("list, unfiltered, deep page", lambda i: client.get(list_url, {"page": total_pages - 5 - i})),
        ("list, filtered (town, age 70–79, active), page 1", lambda i: client.get(list_url, filtered)),
        (
            "list, filtered, last page",
            lambda i: client.get(list_url, {**filtered, "page": filtered_pages}),
        ),
        ("list, sorted by village, deep page", lambda i: client.get(list_url, {"sort": "village", "page": 1500 + i})),
        ("search by ID number (POST + list)", lambda i: client.get(search(sample_member.id_number))),
        (f"search by given name ({name_fragment}, POST + list)", lambda i: client.get(search(name_fragment))),
        (f"search by full name ({sample_member.name}, POST + list)", lambda i: client.get(search(sample_member.name))),
        ("search by phone (POST + list)", lambda i: client.get(search(phone_member.phone))),
        (
            "search by the last four of an ID number (POST + list)",
            lambda i: client.get(search(sample_member.id_number[-4:])),
        ),
        ("search by the last four of a phone (POST + list)", lambda i: client.get(search(phone_member.phone[-4:]))),
        ("list, number descending, deep page", lambda i: client.get(list_url, {"sort": "-number", "page": 1500 + i})),
        ("list, sorted by type, deep page", lambda i: client.get(list_url, {"sort": "family_type", "page": 1500 + i})),
        (
            "list, sorted by status descending, page 1",
            lambda i: client.get(list_url, {"sort": "-status"}),
        ),
        ("archive page", lambda i: client.get(reverse("households:detail", args=[archive_pks[i % len(archive_pks)]]))),
    ]
    # The database's share of each request: its queries and commits (the rest is Python: middleware, view,
    # templates, and the test client's own bookkeeping), so runs on a busy machine can still be compared.
    database = {"ms": 0.0, "queries": 0}

    def timed_query(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            database["ms"] += (time.perf_counter() - started) * 1000
            database["queries"] += 1

    commit = connection._commit

    def timed_commit(*a, **kw):
        started = time.perf_counter()
        try:
            return commit(*a, **kw)
        finally:
            database["ms"] += (time.perf_counter() - started) * 1000

    connection._commit = timed_commit

    print()
    print("| page | median ms | p95 ms | database ms (median) | Python ms (median) | queries | results |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, request in cases:
        request(0)  # warm
        timings, in_database, queries = [], [], 0
        result = ""
        for i in range(args.repeat):
            database.update(ms=0.0, queries=0)
            with connection.execute_wrapper(timed_query):
                started = time.perf_counter()
                response = request(i)
                timings.append((time.perf_counter() - started) * 1000)
            in_database.append(database["ms"])
            queries = max(queries, database["queries"])
            assert response.status_code == 200, (label, response.status_code)
            if response.context and "page" in response.context:
                result = f"{response.context['page'].paginator.count:,}"
        python = sorted(total - db for total, db in zip(timings, in_database, strict=True))
        timings.sort()
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
        print(
            f"| {label} | {statistics.median(timings):.0f} | {p95:.0f} | {statistics.median(in_database):.0f} "
            f"| {statistics.median(python):.0f} | {queries} | {result} |"
        )
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
