"""``manage.py entitlements --county CODE --month YYYY-MM [--json]``: what the engine says each person is due.

One line per person and scheme, then the totals; with ``--json`` one object (README "Entitlements"):
``{"county", "month", "lines": [{"id_number", "scheme", "amount", "confirmed", "explanation": [{"part", "amount",
"standard"}…]}…], "totals"}``, amounts as decimal strings. Persons the rules make eligible whose facts are
incomplete follow as ``problems`` (and on standard error without ``--json``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benefits.engine import PROBLEM_TEXTS, as_json, run
from regions.models import Region


class Command(BaseCommand):
    help = "Print every person's special-assistance entitlement in a county for a month, with its explanation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="the county's code (6 digits)")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--json", action="store_true", help="one JSON object on standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        match = re.fullmatch(r"(\d{4})-(\d{2})", options["month"])
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CommandError("--month must be YYYY-MM, e.g. 2026-07")
        month = date(int(match.group(1)), int(match.group(2)), 1)
        county = Region.objects.filter(code=options["county"], level=Region.Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county with the code {options['county']!r}")
        result = run(county, [month])
        lines = sorted(result.lines, key=lambda e: (e.id_number or "", e.scheme))
        totals: dict[str, Any] = {"persons": len({e.member_id for e in lines}), "lines": len(lines)}
        by_scheme: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            by_scheme[line.scheme] += line.amount
        totals["amount"] = str(sum(by_scheme.values(), Decimal("0.00")))
        totals["by_scheme"] = {scheme: str(amount) for scheme, amount in sorted(by_scheme.items())}
        problems = [
            {"id_number": p.id_number, "name": p.name, "scheme": p.scheme, "problem": p.reason} for p in result.problems
        ]
        if options["json"]:
            payload = {
                "county": county.code,
                "month": month.strftime("%Y-%m"),
                "lines": [as_json(line) for line in lines],
                "totals": totals,
                "problems": problems,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1))
            return
        for line in lines:
            parts = " + ".join(f"{p.level} {p.amount}" for p in line.parts)
            confirmed = "confirmed" if line.confirmed else "unconfirmed"
            self.stdout.write(
                f"{line.id_number or '-'}\t{line.name}\t{line.scheme}\t{line.amount}\t{confirmed}\t{parts}"
            )
        self.stdout.write(
            f"total: {totals['persons']} persons, {totals['lines']} lines, {totals['amount']} yuan "
            + " ".join(f"{k}={v}" for k, v in totals["by_scheme"].items())
        )
        for problem in problems:
            self.stderr.write(f"{problem['id_number'] or '-'}\t{problem['name']}\t{PROBLEM_TEXTS[problem['problem']]}")
