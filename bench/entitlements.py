"""Benchmark of the amount engine at county scale (run by hand; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_entitlements'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_entitlements \\
        .venv/bin/python bench/entitlements.py --persons 200000 --rounds 7

Seeds (once; skipped when the data is there) households through the demo generator until the county has
``--persons`` parents (husbands and wives), gives them a residence (60 % rural) and a reward-assistance profile
(a third of the rural parents), a province and a county top-up, then measures ``benefits.engine.run`` for one
month of the county: the first run on a fresh connection, then the median of ``--rounds`` runs, for this month
and for other months (2014-06, when urban and rural differ; 2022-07, the step) — a plan that is good for one date
and bad for another shows here. The anchor is the naive version, a per-person ORM loop (the person, the spouse,
the household, the profile, the review cases and the standards read per person), timed on a sample of
``--anchor`` persons and extrapolated; the ratio is anchor ÷ engine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def naive_month(member, month: date):
    """The per-person ORM version of one person's month (the anchor): every fact and standard read for the person."""
    from benefits.engine import age_on, birthday
    from benefits.models import BenefitProfile, ReviewCase, Standard
    from households.models import Household, Member

    household = Household.objects.get(pk=member.household_id)
    wife = Member.objects.filter(household=household, role="wife").order_by("id").first()
    profile = BenefitProfile.objects.filter(member=member).first()
    list(ReviewCase.objects.filter(member=member).select_related("cycle"))
    born = wife.birth_date if wife and wife.birth_date else member.birth_date
    if born is None or household.child_event_date is None:
        return None
    if month <= birthday(born, 49) or month <= household.child_event_date:
        return None
    if member.death_date and month > member.death_date:
        return None
    scheme = household.family_type
    standards = Standard.objects.for_county(household.county.code).filter(
        scheme=scheme, effective_from__lte=month, residence__in=["", household.residence]
    )
    total = Decimal(0)
    for standard in standards:
        if standard.effective_to is None or standard.effective_to >= month:
            total += standard.monthly_amount
    if profile and profile.reward_qualified and member.birth_date:
        age_on(member.birth_date, month)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--anchor", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from benefits.engine import run
    from benefits.models import BenefitProfile, Standard
    from demo.households import households_generate, households_insert
    from households.models import Household, Member
    from regions.models import Region

    call_command("migrate", verbosity=0)
    call_command("load_regions", str(ROOT / "demo" / "regions_sample.csv"), verbosity=0)
    county = Region.objects.get(code="630103")
    parents = Member.objects.filter(household__county=county, role__in=["husband", "wife"])
    have = parents.count()
    if have < args.persons:
        started = time.perf_counter()
        villages = list(Region.objects.subtree_of(county).villages().order_by("code"))
        used_ids = set(Member.objects.exclude(id_number=None).values_list("id_number", flat=True))
        next_number = Household.objects.filter(county=county).count() + 1
        while parents.count() < args.persons:
            generated = list(
                households_generate(
                    seed=next_number,
                    county=county,
                    villages=villages,
                    count=10_000,
                    today=timezone.localdate(),
                    start=next_number,
                    used_ids=used_ids,
                )
            )
            households_insert(generated)
            next_number += 10_000
            print(f"  {parents.count():,} parents", flush=True)
        print(f"seeding took {time.perf_counter() - started:.0f} s")
    if not BenefitProfile.objects.exists():  # not prepared by an earlier run
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the statistics of the seeded tables, before the set-based statements plan
            cursor.execute(
                "UPDATE households_household SET residence = CASE WHEN random() < 0.6 THEN 'rural' ELSE 'urban' END "
                "WHERE residence = ''"
            )
            cursor.execute(
                """INSERT INTO benefits_benefitprofile (member_id, reward_qualified, complication_grade, payee_name,
                          payee_id_number, payee_relationship, account_number, bank_name, updated_at)
                   SELECT m.id, random() < 0.33, '', m.name, coalesce(m.id_number, ''), '本人',
                          '6217' || lpad(m.id::text, 15, '0'), '中国农业银行', now()
                     FROM households_member m JOIN households_household h ON h.id = m.household_id
                    WHERE m.role IN ('husband', 'wife') AND h.residence = 'rural'
                      AND NOT EXISTS (SELECT 1 FROM benefits_benefitprofile p WHERE p.member_id = m.id)"""
            )
            cursor.execute("VACUUM ANALYZE")
        print(f"residences and profiles took {time.perf_counter() - started:.0f} s")
    if not Standard.objects.filter(area_code="63").exists():
        Standard.objects.create(scheme="death", level="province", area_code="63", amount=100,
                                effective_from=date(2020, 1, 1), document="bench province top-up")  # fmt: skip
        Standard.objects.create(scheme="death", level="county", area_code="630103", amount=720, period="year",
                                effective_from=date(2023, 1, 1), document="bench county top-up")  # fmt: skip
    n_parents = parents.count()
    print(f"{Household.objects.filter(county=county).count():,} households, {n_parents:,} parents; {load()}")

    this_month = timezone.localdate().replace(day=1)
    months = [this_month, date(2014, 6, 1), date(2022, 7, 1)]
    connection.close()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        first = run(county, [this_month])
    first_s = time.perf_counter() - started
    print(
        f"first run on a fresh connection ({this_month:%Y-%m}): {first_s:.2f} s, {len(first.lines):,} lines, "
        f"{len(first.problems):,} problems, {len(queries.captured_queries)} queries"
    )
    medians = {}
    for month in months:
        times = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            result = run(county, [month])
            times.append(time.perf_counter() - started)
        medians[month] = statistics.median(times)
        print(
            f"{month:%Y-%m}: median {medians[month]:.2f} s (min {min(times):.2f}, max {max(times):.2f}) over "
            f"{args.rounds} runs, {len(result.lines):,} lines; {load()}"
        )

    result = run(county, [this_month])
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for line in result.lines:
            line.facts  # noqa: B018 - the explanation's facts, read once for the whole run
    print(
        f"the facts of all {len(result.lines):,} lines (the command's --json, a batch): "
        f"{time.perf_counter() - started:.2f} s, {len(queries.captured_queries)} queries; {load()}"
    )

    sample = list(parents.order_by("?")[: args.anchor])
    started = time.perf_counter()
    for member in sample:
        naive_month(member, this_month)
    anchor_s = (time.perf_counter() - started) / len(sample) * n_parents
    print(
        f"naive per-person ORM loop: {len(sample):,} persons in {(time.perf_counter() - started):.2f} s, "
        f"extrapolated to {n_parents:,}: {anchor_s:.1f} s; ratio anchor ÷ engine median ({this_month:%Y-%m}): "
        f"{anchor_s / medians[this_month]:.0f}×; {load()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
