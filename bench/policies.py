"""Benchmark of the policy library's Chinese search (run by hand; figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database h_pol_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_pol_bench .venv/bin/python bench/policies.py [--documents 2000]

Seeds once (skipped when the documents are there): one county and ``--documents`` documents of realistic length (a
title, a summary of about 150 characters and a full text of about 4,000 characters), assembled at random (seeded)
from the sentences of the shipped and demo documents, with numbers such as 某卫发〔2016〕7号; the search vectors
are written by the services' own function (policies.search). Then, for each query, the median of 9 runs of:

* ``policies.selectors.document_search`` as county staff (the page's query: the visible documents matching every
  bigram, ranked, the first 30 and the count; the snippets included) — the GIN index on the search vector;
* the naive anchor in the same run: the query as one substring (ILIKE) of the title, number, summary or full text
  of the visible documents, the first 30 by date — a sequential scan.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

QUERIES = ["特别扶助", "独生子女伤残", "绿色通道", "公共租赁住房", "心理咨询", "2016", "7号", "房", "火星基地"]
RUNS = 9


def _sentences() -> list[str]:
    import importlib

    from demo.policies import DOCUMENTS as LOCAL

    national = importlib.import_module("policies.migrations.0002_national_documents").DOCUMENTS
    texts = [summary for _t, _i, summary in national] + [row[-1] for row in LOCAL]
    found = [s for text in texts for s in re.split(r"(?<=[。；])", text) if len(s) > 4]
    return found


def seed(count: int) -> None:
    from django.db import connection

    from policies.models import PolicyDocument
    from policies.search import tsvector_literal
    from regions.models import Region

    county = Region.objects.filter(code="639901").first() or Region.objects.create(
        code="639901", name="基准县", level="county", path="639901/"
    )
    have = PolicyDocument.objects.filter(area=county).count()
    if have >= count:
        return
    rng = random.Random(1)
    sentences = _sentences()
    issuers = ["县卫生健康局", "县计划生育协会", "县民政局", "县财政局", "县住房和城乡建设局", "县医疗保障局"]
    topics = [value for value, _label in PolicyDocument.Topic.choices]
    rows = []
    for i in range(have, count):
        issued = date(2005, 1, 1) + timedelta(days=rng.randrange(7000))
        title = "基准县关于" + "".join(rng.sample(sentences, 1))[:24].rstrip("。；，") + "的通知"
        summary = "".join(rng.sample(sentences, 3))[:160]
        body = "".join(rng.choice(sentences) for _ in range(140))[:4000]
        rows.append(
            PolicyDocument(
                title=title,
                issuer=rng.choice(issuers),
                number=f"基准卫发〔{issued.year}〕{i + 1}号",
                issued_on=issued,
                level="county",
                area=county,
                topic=rng.choice(topics),
                summary=summary,
                body=body,
            )
        )
    created = PolicyDocument.objects.bulk_create(rows, batch_size=500)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE policies_policydocument SET search_vector = %s::tsvector WHERE id = %s",
            [
                (
                    tsvector_literal(
                        [(d.title, "A"), (f"{d.number} {d.issuer}", "B"), (d.summary, "C"), (d.body, "D")]
                    ),
                    d.pk,
                )
                for d in created
            ],
        )
        cursor.execute("ANALYZE policies_policydocument")


def _median_ms(fn) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        found = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Q

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from policies.models import PolicyDocument
    from policies.selectors import Filters, document_search
    from regions.models import Region

    started = time.perf_counter()
    seed(args.documents)
    print(f"seed: {time.perf_counter() - started:.1f} s")
    county = Region.objects.get(code="639901")
    user = User.objects.filter(username="bench_policies").first() or User.objects.create(
        username="bench_policies", role="county_staff", region=county
    )
    total = PolicyDocument.objects.count()
    text = PolicyDocument.objects.filter(area=county).values_list("body", flat=True)[:200]
    average = sum(len(t) for t in text) / max(1, len(text))
    print(f"{total} documents, full text about {average:.0f} characters each")

    def search(query: str):
        return lambda: document_search(user=user, filters=Filters(query=query)).total

    def ilike(query: str):
        condition = Q(title__icontains=query) | Q(number__icontains=query) | Q(summary__icontains=query)
        condition |= Q(body__icontains=query)
        return lambda: len(
            list(PolicyDocument.objects.visible_to(user).filter(condition).order_by("-issued_on", "pk")[:30])
        )

    print(f"{'query':<12} {'search ms':>10} {'found':>6} {'ILIKE ms':>10} {'found':>6} {'ratio':>6}")
    for query in QUERIES:
        ms, found = _median_ms(search(query))
        anchor_ms, anchor_found = _median_ms(ilike(query))
        print(f"{query:<12} {ms:>10.1f} {found:>6} {anchor_ms:>10.1f} {anchor_found:>6} {anchor_ms / ms:>6.1f}")


if __name__ == "__main__":
    main()
