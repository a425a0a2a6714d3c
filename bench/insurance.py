"""Benchmark of insurance: the enrolment of a county and the claims list (run by hand; figures go to
docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_insurance'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_insurance .venv/bin/python bench/insurance.py

Seeds once (skipped when the data is there), set-based in SQL with the triggers off: one county of 20 towns × 20
villages, ``--persons`` ÷ 2 households of two members (1 in 50 households closed, 1 in 17 members deceased), and
``--claims`` claims. Then:

* ``enrolment_write`` of a product covering every living member, from no lines (the lines deleted between rounds):
  the first run and the median of ``--rounds``, with its queries counted, and the count checked against a run on a
  county of 1/100 of the size;
* the anchor: a naive per-person ORM loop (the member and household read, eligibility decided in Python, an
  existence check and one INSERT per person) timed on ``--anchor`` persons and extrapolated; ratio = anchor ÷ run;
* the claims list page of county staff through the Django test client (page 1 and a deep page): median and 95th
  percentile in ms.
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

COUNTY = "639902"
SMALL = "639903"
TOWNS, VILLAGES_PER_TOWN = 20, 20

SEED_SQL = [
    """
    INSERT INTO regions_region (code, name, level, parent_id, path)
    VALUES (%(county)s, '保险基准县', 'county', NULL, %(county)s || '/')
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
    """
    WITH v AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS n FROM regions_region
               WHERE level = 'village' AND code LIKE %(county)s || '%%'),
         c AS (SELECT id FROM regions_region WHERE code = %(county)s)
    INSERT INTO households_household (county_id, village_id, number, family_type, certificate_number, address,
        living_situation, poverty_registered, subsistence_allowance, difficulties, difficulties_note,
        visit_preferences, do_not_disturb, registered_on, status, closed_reason, closed_on, closed_note,
        child_name, child_sex, child_disability_grade, residence, created_at, updated_at)
    SELECT c.id, v.id, 'I' || %(county)s || lpad(g::text, 7, '0'),
           CASE WHEN g %% 3 = 0 THEN 'disability' ELSE 'death' END, '', '', 'couple', false, false, '{}', '', '', '',
           DATE '2018-01-01' + ((g * 7919) %% 2000)::int,
           CASE WHEN g %% 50 = 0 THEN 'closed' ELSE 'active' END,
           CASE WHEN g %% 50 = 0 THEN 'moved_away' ELSE '' END,
           CASE WHEN g %% 50 = 0 THEN DATE '2025-06-01' END, '', '', '', '', '', now(), now()
    FROM generate_series(1::bigint, %(households)s) g
    JOIN v ON v.n = g %% (SELECT count(*) FROM v) CROSS JOIN c
    """,
    """
    INSERT INTO households_member (household_id, name, id_number, sex, birth_date, phone, role, alive, death_date,
        self_care, health_notes, chronic_diseases, major_diseases, disability, created_at, updated_at)
    SELECT h.id, '成员' || h.id || '-' || k, NULL, CASE WHEN k = 1 THEN 'M' ELSE 'F' END,
           DATE '1945-01-01' + ((h.id * k * 31) %% 9000)::int, '', CASE WHEN k = 1 THEN 'husband' ELSE 'wife' END,
           (h.id * k) %% 17 <> 0, CASE WHEN (h.id * k) %% 17 = 0 THEN DATE '2024-03-01' END,
           'self_care', '', '', '', '', now(), now()
    FROM households_household h JOIN regions_region c ON c.id = h.county_id AND c.code = %(county)s
    CROSS JOIN generate_series(1, 2) k
    """,
]

CLAIMS_SQL = """
INSERT INTO benefits_insuranceclaim (product_id, line_id, member_id, household_id, kind, accidental, traffic,
    disability, event_date, admitted_on, discharged_on, icu_days, hospital_name, hospital_grade, description,
    reported_by_kind, reporter_name, reported_at, recorded_by_id, state, flags, benefit_max, benefit_days,
    benefit_detail, paid_amount, paid_on, overpaid_reason, rejection_reason, rejection_note, created_at, updated_at)
SELECT %(product)s, NULL, m.id, m.household_id, 'hospital', false, false, false,
       DATE '2025-01-01' + (m.id %% 360)::int, DATE '2025-01-01' + (m.id %% 360)::int,
       DATE '2025-01-01' + (m.id %% 360)::int + 5, 0, '人民医院', '2', '', 'family', '',
       TIMESTAMPTZ '2025-01-02 09:00+08' + ((m.id %% 360) || ' days')::interval, NULL,
       CASE WHEN m.id %% 4 = 0 THEN 'paid' ELSE 'submitted' END, '[]', 500, 5, '{}',
       CASE WHEN m.id %% 4 = 0 THEN 500 END, CASE WHEN m.id %% 4 = 0 THEN DATE '2025-12-20' END, '', '', '',
       now(), now()
FROM (SELECT m.id, m.household_id FROM households_member m JOIN households_household h ON h.id = m.household_id
      JOIN regions_region c ON c.id = h.county_id AND c.code = %(county)s ORDER BY m.id LIMIT %(claims)s) m
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def seed(county: str, persons: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM regions_region WHERE code = %s", [county])
        if cursor.fetchone():
            return
        cursor.execute("SET session_replication_role = replica")
        params = {"county": county, "towns": TOWNS, "villages": VILLAGES_PER_TOWN, "households": persons // 2}
        for sql in SEED_SQL:
            cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE households_household; ANALYZE households_member; ANALYZE regions_region")


def product_for(county: str):
    from benefits.models import InsuranceProduct
    from regions.models import Region

    region = Region.objects.get(code=county)
    product = InsuranceProduct.objects.filter(county=region, year=2025).first()
    if product is None:
        product = InsuranceProduct.objects.create(
            county=region,
            year=2025,
            name="综合意外险",
            insurer="平安保险",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            premium=Decimal("450"),
            daily_allowance=Decimal("100"),
        )
        product.series = product.pk
        product.save(update_fields=["series"])
    return product


def naive_enrol(product, member_ids: list[int], as_of: date) -> None:
    """The anchor: one person at a time through the ORM."""
    from benefits.models import InsuredLine
    from households.models import Member

    on = max(product.starts_on, as_of)
    for pk in member_ids:
        member = Member.objects.select_related("household", "household__village").get(pk=pk)
        household = member.household
        if household.county_id != product.county_id or household.status != "active":
            continue
        if not member.alive or member.death_date is not None:
            continue
        if product.family_type and household.family_type != product.family_type:
            continue
        age = member.age(on=on)
        if product.age_from is not None and (age is None or age < product.age_from):
            continue
        if product.age_to is not None and (age is None or age > product.age_to):
            continue
        if InsuredLine.objects.filter(product=product, member=member).exists():
            continue
        InsuredLine.objects.create(
            product=product,
            series=product.series,
            policy_starts_on=product.starts_on,
            policy_ends_on=product.ends_on,
            member=member,
            household=household,
            town_id=household.village.parent_id if household.village_id else None,
            starts_on=on,
            ends_on=product.ends_on,
            premium=product.premium,
        )


def lines_clear(product) -> None:
    """The product's lines deleted and the table vacuumed (untimed): without the VACUUM every round leaves 200,000
    dead lines behind (this server runs without autovacuum), and the next round's anti-joins and index inserts wade
    through them — the colleague's first figures (23 s, median 15 s) measured that bloat as much as the enrolment."""
    from django.db import connection

    from benefits.models import InsuredLine

    InsuredLine.objects.filter(product=product).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE benefits_insuredline")


def timed_run(product, as_of: date, *, clear: bool = True, fresh: bool = False) -> tuple[float, int, int]:
    """One ``enrolment_write`` timed with its commit (the deferred foreign-key checks run there); ``clear``: from no
    lines; ``fresh``: on a new database connection."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from benefits.insurance.services import enrolment_write

    if clear:
        lines_clear(product)
    if fresh:
        connection.close()
        connection.ensure_connection()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        with transaction.atomic():
            count = enrolment_write(product, as_of)
        seconds = time.perf_counter() - start
    return seconds, len(ctx), count.added


def claims_page(rounds: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from regions.models import Region

    county = Region.objects.get(code=COUNTY)
    # With a password changed (as bench/households.py does): else every page redirects to the password change.
    user, _ = User.objects.update_or_create(
        username="bench_insurance_staff",
        defaults={"role": Role.COUNTY_STAFF, "region": county, "password_changed_at": timezone.now()},
    )
    client = Client()
    client.force_login(user)
    url = reverse("benefits:insurance:claims")
    for label, query in (("page 1", ""), ("page 200", "?page=200"), ("open, page 1", "?state=open")):
        client.get(url + query)  # warm
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(url + query)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (response.status_code, response.get("Location"))
        with CaptureQueriesContext(connection) as ctx:
            client.get(url + query)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        print(
            f"claims list {label}: median {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms of {rounds}; "
            f"{len(ctx)} queries ({load()})"
        )


KEYS_AB_MEMBER_FK = (
    "ALTER TABLE benefits_insuredline ADD CONSTRAINT insuredline_member_fk FOREIGN KEY (member_id) "
    "REFERENCES households_member(id) DEFERRABLE INITIALLY DEFERRED"
)


def keys_ab(product, as_of: date, rounds: int) -> None:
    """The line's keys as row-level deferred foreign keys (migration 0011 undone) against the set-based statement
    triggers (0011), alternated ``rounds`` times in one run on the same data; the database is left as 0011 made it."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("benefits.migrations.0011_insurance_set_based_keys")

    def row_keys() -> None:
        with connection.cursor() as cursor:
            cursor.execute(migration.BACKWARD)
            cursor.execute(KEYS_AB_MEMBER_FK)

    def set_keys() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE benefits_insuredline DROP CONSTRAINT insuredline_member_fk")
            cursor.execute(migration.FORWARD)

    times: dict[str, list[float]] = {"row keys": [], "set-based keys": []}
    for _ in range(rounds):
        row_keys()
        times["row keys"].append(timed_run(product, as_of)[0])
        set_keys()
        times["set-based keys"].append(timed_run(product, as_of)[0])
    for label, values in times.items():
        print(f"{label}: median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")
    ratio = statistics.median(times["row keys"]) / statistics.median(times["set-based keys"])
    print(f"row keys / set-based keys: {ratio:.2f}x ({load()})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys-ab", type=int, default=0, help="alternate the line's keys (0010 vs 0011) N times")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--anchor", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from benefits.models import InsuranceClaim
    from households.models import Member

    settings.ALLOWED_HOSTS = ["*"]
    seed(COUNTY, args.persons)
    seed(SMALL, max(args.persons // 100, 2))
    product, small = product_for(COUNTY), product_for(SMALL)
    as_of = date(2024, 12, 20)
    members = Member.objects.filter(household__county=product.county).count()
    print(f"county: {members} members ({load()})")

    if args.keys_ab:
        keys_ab(product, as_of, args.keys_ab)
        return 0
    _small_seconds, small_queries, small_added = timed_run(small, as_of)
    runs = [timed_run(product, as_of, fresh=i == 0) for i in range(args.rounds)]
    first, queries, added = runs[0]
    median = statistics.median(r[0] for r in runs)
    print(
        f"enrolment: {added} lines; first (new connection) {first:.2f} s, median {median:.2f} s of {args.rounds} "
        f"({', '.join(f'{r[0]:.2f}' for r in runs)}); {queries} queries "
        f"(1/100 county: {small_queries} queries, {small_added} lines) ({load()})"
    )
    assert queries == small_queries, "the query count grows with the county"
    reruns = [timed_run(product, as_of, clear=False) for _ in range(args.rounds)]
    assert all(r[2] == 0 for r in reruns)
    print(
        f"re-run, nothing to change: median {statistics.median(r[0] for r in reruns):.2f} s of {args.rounds}; "
        f"{reruns[0][1]} queries ({load()})"
    )

    sample = list(
        Member.objects.filter(household__county=product.county)
        .order_by("?")
        .values_list("pk", flat=True)[: args.anchor]
    )
    lines_clear(product)
    start = time.perf_counter()
    with transaction.atomic():
        naive_enrol(product, sample, as_of)
    anchor = (time.perf_counter() - start) * members / len(sample)
    print(f"anchor (per-person ORM, {len(sample)} persons extrapolated): {anchor:.1f} s; ratio {anchor / median:.0f}×")
    # The lines back for the claims list.
    timed_run(product, as_of)

    if InsuranceClaim.objects.filter(product=product).count() < args.claims:
        with connection.cursor() as cursor:
            cursor.execute(CLAIMS_SQL, {"product": product.pk, "county": COUNTY, "claims": args.claims})
            cursor.execute("ANALYZE benefits_insuranceclaim")
    print(f"claims: {InsuranceClaim.objects.filter(product=product).count()}")
    claims_page(args.rounds * 4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
