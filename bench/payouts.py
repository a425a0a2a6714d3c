"""Benchmark of the payout roster and the bank's return (issue 14; run by hand, figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database h_payouts_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_payouts_bench .venv/bin/python bench/payouts.py

Seeds once (skipped when there), set-based in SQL: a county of its own (639902) with 10 towns × 10 villages,
25,000 households, 50,000 parents, and a batch of 50,000 lines in the state "payment generated" (the lines are
written straight from the members: the engine has its own benchmark). Then, in ``--rounds`` rounds (medians):

1. the roster: ``payout_roster_xlsx`` (one query, the hand-written xlsx) in a child process, timed there, with
   the child's peak resident memory (``resource.getrusage`` ru_maxrss, the interpreter and Django included);
2. the return: the roster with 支付状态 filled in (1 line in 50 failed, with a reason) read and applied by
   ``payout_return_apply`` (checks, one UPDATE from arrays, the step, the follow-ups); the lines are set back to
   planned between rounds (not timed);
3. the anchors, on a sample (``--anchor-rows``, 1,000 by default) extrapolated linearly to 50,000: the roster as
   a per-line ORM loop (each line fetched, its household and member read) into an ordinary openpyxl workbook;
   the return as a per-line loop (fetch the line by 序号, compare, ``save()``), printed alone and with the
   naive read of the file (openpyxl ``load_workbook``, timed on the whole file) added, as the roster's anchor
   includes the naive write. The ratio is anchor ÷ ours.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

COUNTY = "639902"
TOWNS, VILLAGES = 10, 10
HOUSEHOLDS = 25_000
TITLE = "基准县 特扶 2025-01 至 2025-06 发放花名册"

SEED_SQL = [
    """INSERT INTO regions_region (code, name, level, parent_id, path)
       VALUES (%(county)s, '基准县二', 'county', NULL, %(county)s || '/')""",
    """INSERT INTO regions_region (code, name, level, parent_id, path)
       SELECT c.code || lpad(t::text, 3, '0'), '基准镇' || t, 'town', c.id,
              c.path || c.code || lpad(t::text, 3, '0') || '/'
       FROM regions_region c, generate_series(1, %(towns)s) t WHERE c.code = %(county)s""",
    """INSERT INTO regions_region (code, name, level, parent_id, path)
       SELECT t.code || lpad(v::text, 3, '0'), t.name || '村' || v, 'village', t.id,
              t.path || t.code || lpad(v::text, 3, '0') || '/'
       FROM regions_region t, generate_series(1, %(villages)s) v
       WHERE t.level = 'town' AND t.code LIKE %(county)s || '%%'""",
    """WITH v AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS n FROM regions_region
                  WHERE level = 'village' AND code LIKE %(county)s || '%%'),
            c AS (SELECT id FROM regions_region WHERE code = %(county)s)
       INSERT INTO households_household (county_id, village_id, number, family_type, certificate_number, address,
           residence, living_situation, poverty_registered, subsistence_allowance, difficulties, difficulties_note,
           visit_preferences, do_not_disturb, registered_on, status, closed_reason, closed_note, child_name, child_sex,
           child_disability_grade, created_at, updated_at)
       SELECT c.id, v.id, 'B2-' || lpad(h::text, 6, '0'), 'death', '', '基准县幸福路' || h || '号', 'rural', '', false,
              false, '{}', '', '', '', DATE '2020-01-01', 'active', '', '', '', '', '', now(), now()
       FROM generate_series(0, %(households)s - 1) h JOIN v ON v.n = h %% (%(towns)s * %(villages)s), c""",
    """INSERT INTO households_member (household_id, name, id_number, sex, birth_date, phone, role, alive, self_care,
           health_notes, chronic_diseases, major_diseases, disability, created_at, updated_at)
       SELECT h.id, CASE r WHEN 0 THEN '基准夫' ELSE '基准妻' END || h.id, NULL, CASE r WHEN 0 THEN 'M' ELSE 'F' END,
              DATE '1958-01-10', '13800000000', CASE r WHEN 0 THEN 'husband' ELSE 'wife' END, true, '', '', '', '', '',
              now(), now()
       FROM households_household h, generate_series(0, 1) r WHERE h.number LIKE 'B2-%%'""",
    """INSERT INTO benefits_payoutbatch (county_id, scheme, kind, period_start, period_end, title, state,
           created_at, filled_on)
       SELECT id, 'death', 'regular', DATE '2025-01-01', DATE '2025-06-01', %(title)s, 'generated', now(),
              DATE '2025-07-01'
       FROM regions_region WHERE code = %(county)s""",
    """INSERT INTO benefits_payoutline (batch_id, seq, member_id, household_id, scheme, months, month_count, amount,
           explanation, head_name, head_id_number, payee_name, payee_id_number, payee_relationship, account_number,
           bank_name, village_name, group_name, beneficiary_name, beneficiary_id_number, phone, address, age, status,
           failure_reason, retry_count, is_regular)
       SELECT b.id, row_number() OVER (ORDER BY m.id), m.id, m.household_id, 'death',
              daterange(DATE '2025-01-01', DATE '2025-06-01', '[]'), 6, 3540.00,
              '[{"from": "2025-01", "to": "2025-06", "months": 6, "amount_per_month": "590.00"}]'::jsonb,
              '基准夫' || m.household_id, '63990219580110' || lpad((m.id %% 10000)::text, 4, '0'), m.name,
              '63990219580110' || lpad((m.id %% 10000)::text, 4, '0'), '本人', '6228' || lpad(m.id::text, 15, '0'),
              '中国农业银行', v.name, '', m.name, '6399021958' || lpad(m.id::text, 8, '0'), '13800000000',
              h.address, 67, 'planned', '', 0, true
       FROM households_member m JOIN households_household h ON h.id = m.household_id
       JOIN regions_region v ON v.id = h.village_id, benefits_payoutbatch b
       WHERE h.number LIKE 'B2-%%' AND b.title = %(title)s""",
]


def setup() -> None:
    import django

    django.setup()
    from config.startup import freeze_loaded_objects

    freeze_loaded_objects()  # as a web worker does once loaded (config/wsgi.py): URLconf imported, gc.freeze()


def seed() -> int:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from benefits.models import PayoutBatch

    batch = PayoutBatch.objects.filter(title=TITLE).first()
    if batch is None:
        params = {"county": COUNTY, "towns": TOWNS, "villages": VILLAGES, "households": HOUSEHOLDS, "title": TITLE}
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in SEED_SQL:
                cursor.execute(statement, params)
        batch = PayoutBatch.objects.get(title=TITLE)
        print(f"seeded in {time.perf_counter() - started:.1f} s")
    return batch.pk


def _high_water_mb() -> float:
    """The process's peak resident memory (VmHWM: per address space, so not the parent's, which ru_maxrss keeps
    across the fork and exec of a child on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def roster_child(batch_id: int) -> None:
    """In a child process: the roster written, its time and the process's peak memory printed as JSON."""
    setup()
    from benefits.models import PayoutBatch
    from benefits.payouts.exports import payout_roster_xlsx

    batch = PayoutBatch.objects.get(pk=batch_id)
    baseline_mb = _high_water_mb()
    started = time.perf_counter()
    content, lines = payout_roster_xlsx(batch)
    seconds = time.perf_counter() - started
    peak_mb = _high_water_mb()
    print(
        json.dumps(
            {"seconds": seconds, "lines": lines, "bytes": len(content), "peak_mb": peak_mb, "baseline_mb": baseline_mb}
        )
    )


def roster_measure(batch_id: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--roster-child", str(batch_id)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def return_file(batch_id: int) -> bytes:
    from benefits.models import PayoutLine
    from benefits.payouts.exports import LINE_FIELDS, roster_xlsx_write

    rows = []
    for values in PayoutLine.objects.filter(batch_id=batch_id).order_by("seq").values_list(*LINE_FIELDS):
        row = list(values)
        failed = row[0] % 50 == 0
        row[1] = "failed" if failed else "paid"
        row[16] = "户名与账号不符" if failed else ""
        rows.append(row)
    from datetime import date

    return roster_xlsx_write(title=TITLE, filled_on=date(2025, 7, 1), lines=rows)


def lines_reset(batch_id: int) -> None:
    from benefits.models import PayoutBatch, PayoutLine, PayoutStep

    PayoutLine.objects.filter(batch_id=batch_id).update(status="planned", failure_reason="", returned_at=None)
    PayoutStep.objects.filter(batch_id=batch_id).delete()
    PayoutBatch.objects.filter(pk=batch_id).update(state="generated")
    from django.db import connection

    # A line comes back once in real use: clear the row versions this reset left, as autovacuum would.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM benefits_payoutline")


def actor():
    from accounts.models import User
    from regions.models import Region

    county = Region.objects.get(code=COUNTY)
    user = User.objects.filter(username="bench_payouts").first()
    if user is None:
        user = User.objects.create(username="bench_payouts", role="county_staff", region=county)
    return user


def return_measure(batch_id: int, data: bytes) -> float:
    from benefits.models import PayoutBatch
    from benefits.payouts.returns import payout_return_apply

    lines_reset(batch_id)
    batch = PayoutBatch.objects.get(pk=batch_id)
    user = actor()
    started = time.perf_counter()
    applied = payout_return_apply(actor=user, batch=batch, data=data, file_name="bench.xlsx")
    seconds = time.perf_counter() - started
    assert applied.paid + applied.failed == 50_000, applied
    return seconds


def roster_anchor(batch_id: int, rows: int) -> float:
    """The naive roster: each line fetched by its own query, its member and household read, an ordinary
    openpyxl workbook."""
    from openpyxl import Workbook

    from benefits.models import PayoutLine

    ids = list(PayoutLine.objects.filter(batch_id=batch_id).order_by("seq").values_list("pk", flat=True)[:rows])
    started = time.perf_counter()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    for pk in ids:
        line = PayoutLine.objects.get(pk=pk)
        member, household = line.member, line.household
        sheet.append([line.seq, "", line.head_name, line.head_id_number, line.payee_name, line.payee_id_number,
                      line.account_number, line.bank_name, line.village_name, "", member.name,
                      line.beneficiary_id_number, line.phone, household.address, line.age, line.amount,
                      line.batch.filled_on, ""])  # fmt: skip
    workbook.save(io.BytesIO())
    return time.perf_counter() - started


def return_read_anchor(data: bytes) -> float:
    """The naive return's read: the whole file loaded with openpyxl (the stack's workbook library) and its
    rows taken as values. Timed on the whole file, not extrapolated."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) > 50_000
    return time.perf_counter() - started


def return_anchor(batch_id: int, rows: int) -> float:
    """The naive return's loop: per row, the line fetched by 序号, compared, saved."""
    from django.db import transaction

    from benefits.models import PayoutLine

    lines_reset(batch_id)
    wanted = list(
        PayoutLine.objects.filter(batch_id=batch_id).order_by("seq").values_list("seq", "beneficiary_id_number")[:rows]
    )
    started = time.perf_counter()
    with transaction.atomic():
        for seq, id_number in wanted:
            line = PayoutLine.objects.get(batch_id=batch_id, seq=seq)
            assert line.beneficiary_id_number == id_number
            assert line.status == "planned"
            line.status = "failed" if seq % 50 == 0 else "paid"
            line.failure_reason = "户名与账号不符" if seq % 50 == 0 else ""
            line.save()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--anchor-rows", type=int, default=1_000)
    parser.add_argument("--roster-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.roster_child:
        roster_child(args.roster_child)
        return 0
    setup()
    batch_id = seed()
    data = return_file(batch_id)
    scale = 50_000 / args.anchor_rows
    rosters, applies, roster_anchors, return_anchors, read_anchors = [], [], [], [], []
    for index in range(args.rounds):
        roster = roster_measure(batch_id)
        rosters.append(roster)
        applies.append(return_measure(batch_id, data))
        roster_anchors.append(roster_anchor(batch_id, args.anchor_rows) * scale)
        return_anchors.append(return_anchor(batch_id, args.anchor_rows) * scale)
        read_anchors.append(return_read_anchor(data))
        whole = return_anchors[-1] + read_anchors[-1]
        print(
            f"round {index + 1}: roster {roster['seconds']:.2f} s (peak {roster['peak_mb']:.0f} MB, "
            f"{roster['baseline_mb']:.0f} MB before it, "
            f"{roster['bytes'] / 2**20:.1f} MB file), anchor {roster_anchors[-1]:.1f} s "
            f"(×{roster_anchors[-1] / roster['seconds']:.0f}); return {applies[-1]:.2f} s, anchor: loop "
            f"{return_anchors[-1]:.1f} s (×{return_anchors[-1] / applies[-1]:.0f}), with the openpyxl read "
            f"{whole:.1f} s (×{whole / applies[-1]:.0f}); "
            f"load {os.getloadavg()[0]:.1f}"
        )
    lines_reset(batch_id)
    roster_s = statistics.median(r["seconds"] for r in rosters)
    peak = max(r["peak_mb"] for r in rosters)
    apply_s = statistics.median(applies)
    print(
        f"median of {args.rounds}: roster of 50,000 lines {roster_s:.2f} s, peak {peak:.0f} MB "
        "(target ≤ 5 s, ≤ 300 MB); "
        f"naive loop {statistics.median(roster_anchors):.1f} s extrapolated from {args.anchor_rows} lines "
        f"(×{statistics.median(roster_anchors) / roster_s:.0f})"
    )
    loop_s = statistics.median(return_anchors)
    whole_s = statistics.median(a + r for a, r in zip(return_anchors, read_anchors, strict=True))
    print(
        f"median of {args.rounds}: return of 50,000 lines applied {apply_s:.2f} s (target ≤ 5 s); naive loop "
        f"{loop_s:.1f} s extrapolated (×{loop_s / apply_s:.0f}); the loop with the file read by openpyxl "
        f"{whole_s:.1f} s (×{whole_s / apply_s:.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
