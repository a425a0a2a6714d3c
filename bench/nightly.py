"""Benchmark of the nightly run on several days (issue 13 Part C; figures go to docs/PERFORMANCE.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_visits_bench .venv/bin/python bench/visits.py --repeat 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_visits_bench .venv/bin/python bench/nightly.py

Runs on the county that ``bench/visits.py`` seeds (200,000 households, 2,000,000 visits up to the seeding day;
run that first). For each day of ``--dates`` (by default: the day, the first of its month, a quarter's last
and first day, a day inside the Spring Festival window and one after Mid-Autumn):

* **first run**: the flags, the worklist places and the messages are emptied and the two tables analysed
  empty — what a county has the night after its first roster import — then ``overdue_refresh`` runs, timed;
* **steady run**: the same day again (the nightly case: nothing to open, everything to check).

Then a **month boundary**: the engine on the last day of a month (steady), then on the first day of the next
(the day that opens the new month's flags). Then the **nightly pipeline** as a whole on the day, after a fresh
start, with its parts (engine, notifications, coverage snapshots) — ``portal.tasks.nightly_pipeline_run``.

``--anchor`` also times the first run with the planner left to choose its joins in the worklist statement
(``enable_nestloop`` on), the way the engine ran before 2026-12-06: on a fresh database that took minutes.
Every figure is printed with the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def load() -> str:
    return "load " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def fresh_start() -> None:
    """No flags, no places, no messages, and statistics that say so (the night after a first import)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM visits_notification")
        cursor.execute("DELETE FROM visits_householdurgency")
        cursor.execute("DELETE FROM visits_overdueflag")
        cursor.execute("VACUUM ANALYZE visits_overdueflag")
        cursor.execute("VACUUM ANALYZE visits_householdurgency")


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def default_dates(today: date) -> list[date]:
    quarter_end = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1) - timedelta(days=1)
    return [
        today,
        today.replace(day=1),
        quarter_end,
        quarter_end + timedelta(days=1),
        date(2026, 2, 14),  # inside the Spring Festival window (春节 2026-02-17)
        date(2026, 9, 28),  # after Mid-Autumn (中秋 2026-09-25), inside its window
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dates", nargs="*", type=date.fromisoformat, help="days to run (default: see above)")
    parser.add_argument("--anchor", action="store_true", help="also the first run with nested loops allowed")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from portal.tasks import nightly_pipeline_run
    from visits import engine

    # Autocommit between the runs: VACUUM cannot run inside a transaction.
    connection.ensure_connection()
    today = date.today()  # noqa: DTZ011 - the benchmark's day; the engine takes it as a parameter
    for day in args.dates or default_dates(today):
        fresh_start()
        first, first_s = timed(lambda day=day: engine.overdue_refresh(as_of=day))
        _, steady_s = timed(lambda day=day: engine.overdue_refresh(as_of=day))
        print(
            f"{day}: first run {first_s:.1f} s (opened {first.opened:,}, households {first.households:,}); "
            f"steady {steady_s:.1f} s; {load()}",
            flush=True,
        )

    first_of_month = today.replace(day=1)
    fresh_start()
    engine.overdue_refresh(as_of=first_of_month - timedelta(days=1))
    _, before_s = timed(lambda: engine.overdue_refresh(as_of=first_of_month - timedelta(days=1)))
    boundary, boundary_s = timed(lambda: engine.overdue_refresh(as_of=first_of_month))
    print(
        f"month boundary: {first_of_month - timedelta(days=1)} steady {before_s:.1f} s, then {first_of_month} "
        f"{boundary_s:.1f} s (opened {boundary.opened:,}, closed {boundary.closed:,}); {load()}",
        flush=True,
    )

    fresh_start()
    result, total_s = timed(lambda: nightly_pipeline_run(as_of=today))
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result["seconds"].items())
    print(f"nightly pipeline after a fresh start, {today}: {total_s:.1f} s ({parts}); {load()}", flush=True)
    _, again_s = timed(lambda: nightly_pipeline_run(as_of=today))
    print(f"nightly pipeline, the same night again (steady): {again_s:.1f} s; {load()}", flush=True)

    if args.anchor:
        fresh_start()
        original = engine.URGENCY_SQL
        try:
            # The statement as the planner would run it: the SET LOCAL of the engine is undone inside it.
            engine.URGENCY_SQL = "SET LOCAL enable_nestloop = on; " + original
            _, anchor_s = timed(lambda: engine.overdue_refresh(as_of=today))
        finally:
            engine.URGENCY_SQL = original
        print(f"anchor: first run with nested loops allowed {anchor_s:.1f} s; {load()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
