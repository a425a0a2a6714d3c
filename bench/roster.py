"""Benchmark of the roster import (issue 4; run by hand, figures go to docs/PERFORMANCE.md).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_roster'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_roster .venv/bin/python bench/roster.py

Generates (once, cached in .local/bench/) a clean roster of 50,000 persons in 25,000 households, persons
layout, 22 columns, in a child process so its memory does not count. Then, in a bench county of its own
(emptied first), measures end to end — reading the bytes, every check, the plan and the writes:

1. the dry run on an empty archive (everything would be created);
2. the real import (everything created, in one transaction);
3. the same file again (everything unchanged);
4. the anchor: a plain django-import-export ``ModelResource`` import of the same person rows. It is slow,
   so by default it runs on ``--anchor-rows`` rows and the time is extrapolated linearly to the whole file
   (the output says so); ``--anchor-rows 50000`` runs it on every row.

The four are measured in ``--rounds`` rounds (3 by default; the archive emptied before each), and the
medians are the figures, with each round's ratio of anchor to import: the machine is shared, and its speed
moved by half between runs minutes apart.

Peak memory is the process's maximum resident set size (``resource.getrusage``) after every round.
Each run also prints its phases (read = checks and calamine, validate, plan, apply = the writes; commit is
the rest, mostly the deferred foreign-key checks) and the load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

COUNTY = ("639901", "基准县")
TOWNS = 10
VILLAGES_PER_TOWN = 10


def generate(path: Path, households: int) -> None:
    """Write the roster (openpyxl, write-only). Runs in a child process."""
    import django

    django.setup()
    from openpyxl import Workbook

    from households.roster.workbook import HEADERS
    from households.validation import id_number_make

    assert len(HEADERS) + 1 == 22
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append([f"{COUNTY[1]}计划生育特殊家庭花名册（2024年）"])
    sheet.append([*HEADERS, "备注"])
    types = ("独生子女死亡", "失独", "独生子女伤残", "伤残")
    care = ("自理", "半失能", "失能", "自理")
    sequence = 0
    for index in range(households):
        town, village = index % TOWNS + 1, (index // TOWNS) % VILLAGES_PER_TOWN + 1
        family_type = types[index % 4]
        disability = family_type in ("独生子女伤残", "伤残")
        for role, sex, base in (("丈夫", "M", date(1940, 1, 1)), ("妻子", "F", date(1942, 1, 1))):
            sequence += 1
            born = base + timedelta(days=index % 9000)
            id_number = id_number_make(area_code=COUNTY[0], birth_date=born, sequence=index // 9000, sex=sex)
            birth_cell = (
                born if index % 3 == 0 else (f"{born:%Y-%m-%d}" if index % 3 == 1 else f"{born:%Y年%-m月%-d日}")
            )
            sheet.append(
                [
                    sequence,
                    f"{index + 1:06d}",
                    f"第{town}街道",
                    f"第{town}街道{village}社区",
                    f"成员{sequence}",
                    "男" if sex == "M" else "女",
                    id_number,
                    birth_cell,
                    role,
                    f"13{sequence % 10}{sequence:08d}",
                    family_type,
                    f"子女{index}",
                    f"{date(2000, 1, 1) + timedelta(days=index % 8000):%Y-%m-%d}",
                    "二级" if disability else "",
                    f"TF{COUNTY[0]}{index:06d}",
                    f"第{town}街道{village}社区{index % 90 + 1}号楼{index % 6 + 1}单元{index % 1800 + 100}室",
                    "是",
                    care[index % 4],
                    "良好",
                    "否" if index % 5 else "是",
                    "需要定期陪诊" if index % 7 == 0 else "",
                    "",
                ]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=25_000)
    parser.add_argument("--anchor-rows", type=int, default=2_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of dry run, import, import again and anchor; medians reported"
    )
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.generate_only, args.households)
        return 0

    path = ROOT / ".local" / "bench" / f"roster-{args.households}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--households", str(args.households), "--generate-only", str(path)], check=True
        )
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from households.models import Member
    from households.roster import services
    from households.roster.services import roster_run
    from regions.models import Region

    phases: dict[str, float] = {}
    for label, name in (
        ("read", "workbook_read"),
        ("validate", "roster_validate"),
        ("plan", "roster_plan"),
        ("apply", "roster_apply"),
    ):
        setattr(services, name, _timed_phase(getattr(services, name), label, phases))

    call_command("migrate", verbosity=0)
    county = _bench_county(Region)
    data = path.read_bytes()
    persons = args.households * 2
    size = len(data) / 2**20
    print(f"file: {path.name}, {size:.1f} MB, {persons:,} persons, {args.households:,} households, 22 columns")
    today = timezone.localdate()

    def timed(label: str, dry_run: bool) -> float:
        phases.clear()
        started = time.perf_counter()
        result = roster_run(data=data, county=county, area_path=county.path, today=today, dry_run=dry_run)
        elapsed = time.perf_counter() - started
        assert result.valid, [e.as_dict() for e in result.errors[:5]]
        counts = f"households {result.plan.households.as_dict()}  members {result.plan.members.as_dict()}"
        print(f"{label:<28} {elapsed:6.2f} s   {counts}")
        phases["commit and rest"] = elapsed - sum(phases.values())
        breakdown = ", ".join(f"{name} {seconds:.2f}" for name, seconds in phases.items())
        print(f"{'':<28} {breakdown}; load average {os.getloadavg()[0]:.1f}")
        return elapsed

    def empty_archive() -> None:
        """The county's households and members gone (raw SQL, triggers off: the ORM's cascade took longer than
        the import), then VACUUM ANALYZE so that each round starts from the same state."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "DELETE FROM households_member m USING households_household h "
                "WHERE h.id = m.household_id AND h.county_id = %s",
                [county.pk],
            )
            cursor.execute("DELETE FROM households_household WHERE county_id = %s", [county.pk])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE households_member, households_household")

    # Each round: the three runs and the anchor, one after the other, so that each round's ratio compares
    # figures of the same minute; the machine is shared, so the medians of the rounds are the figures.
    rows = min(args.anchor_rows, persons)
    results: dict[str, list[float]] = {"dry": [], "real": [], "again": [], "anchor": []}
    for round_number in range(1, args.rounds + 1):
        print(f"-- round {round_number} of {args.rounds}")
        empty_archive()
        results["dry"].append(timed("dry run (empty archive)", True))
        results["real"].append(timed("import (all created)", False))
        results["again"].append(timed("import again (unchanged)", False))
        assert Member.objects.filter(household__county=county).count() == persons
        anchor = _anchor(path, county, rows=rows)
        results["anchor"].append(anchor / rows * persons)
        print(f"{'anchor (ModelResource)':<28} {anchor:6.2f} s for {rows:,} rows → {anchor / rows * persons:.0f} s")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of the process): {peak:.0f} MB")

    def spread(values: list[float]) -> str:
        return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"

    dry, real, again = (statistics.median(results[k]) for k in ("dry", "real", "again"))
    estimate = statistics.median(results["anchor"])
    ratios = [a / r for a, r in zip(results["anchor"], results["real"], strict=True)]
    how = "measured" if args.anchor_rows >= persons else f"extrapolated from {args.anchor_rows:,} rows"
    print(f"over {args.rounds} rounds:")
    print(f"  dry run         {spread(results['dry'])}")
    print(f"  import          {spread(results['real'])}")
    print(f"  import again    {spread(results['again'])}")
    print(f"  django-import-export ModelResource, {persons:,} rows {how}: {spread(results['anchor'])}")
    print(
        f"  ratio (anchor / portal import): median {statistics.median(ratios):.0f}× (each round: "
        + ", ".join(f"{r:.0f}×" for r in ratios)
        + ")"
    )
    print(
        f"targets (medians): dry run ≤ 5 s: {'OK' if dry <= 5 else 'MISSED'}; "
        f"import ≤ 8 s: {'OK' if real <= 8 else 'MISSED'}; memory ≤ 500 MB: {'OK' if peak <= 500 else 'MISSED'}; "
        f"≥ 20×: {'OK' if statistics.median(ratios) >= 20 else 'MISSED'}"
    )
    connection.close()
    del again, estimate
    return 0


def _timed_phase(function, label: str, phases: dict[str, float]):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0.0) + time.perf_counter() - started

    return timed


def _bench_county(Region):
    from regions.services import regions_load_csv

    lines = ["code,name,level,parent_code", f"{COUNTY[0]},{COUNTY[1]},county,"]
    for town in range(1, TOWNS + 1):
        town_code = f"{COUNTY[0]}{town:03d}"
        lines.append(f"{town_code},第{town}街道,town,{COUNTY[0]}")
        for village in range(1, VILLAGES_PER_TOWN + 1):
            lines.append(f"{town_code}{village:03d},第{town}街道{village}社区,village,{town_code}")
    regions_load_csv(text="\n".join(lines) + "\n")
    return Region.objects.get(code=COUNTY[0])


def _anchor(path: Path, county, *, rows: int) -> float:
    """A plain ModelResource import of the person rows (households already exist: the FK by number)."""
    import tablib
    from django.db import transaction
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from households.models import Household, Member

    class MemberResource(resources.ModelResource):
        household = fields.Field(
            attribute="household", column_name="household", widget=widgets.ForeignKeyWidget(Household, "number")
        )

        class Meta:
            model = Member
            fields = ("household", "name", "id_number", "sex", "birth_date", "phone", "role")
            import_id_fields = ("id_number",)

        def get_queryset(self):
            return Member.objects.filter(household__county=county)

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("花名册").to_python()
    dataset = tablib.Dataset(headers=["household", "name", "id_number", "sex", "birth_date", "phone", "role"])
    roles = {"丈夫": "husband", "妻子": "wife"}
    for row in sheet[2 : 2 + rows]:
        born = row[7] if isinstance(row[7], date) else None
        dataset.append([row[1], row[4], row[6], "M" if row[5] == "男" else "F", born, row[9], roles[row[8]]])
    ids = [r[2] for r in dataset]
    with transaction.atomic():
        Member.objects.filter(id_number__in=ids).delete()  # so the anchor creates rows, as the import did
        started = time.perf_counter()
        result = MemberResource().import_data(dataset, dry_run=False, raise_errors=True)
        elapsed = time.perf_counter() - started
        assert not result.has_errors()
        transaction.set_rollback(True)
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
