"""python manage.py import_roster PATH --county CODE [--dry-run] [--json]

Exit 0: valid (and imported unless --dry-run); 1: row errors, nothing written; 2: the file is unusable
(not an xlsx, no recognisable header, too large) or the county is unknown, nothing written.
The importer's area is the whole county.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from households.roster.reader import RosterFileError
from households.roster.services import roster_run
from regions.models import Region

EMPTY_COUNTS = {"created": 0, "updated": 0, "unchanged": 0}


class Command(BaseCommand):
    help = "Check and import a county's household roster (xlsx). All or nothing; safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--county", required=True, help="the county's region code, e.g. 630103")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, path: Path, county: str, dry_run: bool, json: bool, **options: Any) -> None:
        self.as_json = json
        region = Region.objects.filter(code=county, level=Region.Level.COUNTY).first()
        if region is None:
            self._unusable(f"Unknown county code {county}: load the regions first (load_regions).")
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._unusable(f"Cannot read {path}: {exc.strerror or exc}")
        try:
            with history_context(
                command="import_roster", service="roster_import", region_path=region.path, file=path.name
            ):
                result = roster_run(
                    data=data, county=region, area_path=region.path, today=timezone.localdate(), dry_run=dry_run
                )
        except RosterFileError as exc:
            self._unusable(exc.message)
        if result.written:
            access_event_record(
                actor=None,
                actor_username="import_roster",
                action=AccessEvent.Action.IMPORT,
                target_label=path.name,
                region_path=region.path,
                detail={"households": result.plan.households.as_dict(), "members": result.plan.members.as_dict()},
            )
        if self.as_json:
            self.stdout.write(_dumps(result.as_json()))
        else:
            self._report(result, dry_run=dry_run)
        sys.exit(0 if result.valid else 1)

    def _report(self, result: Any, *, dry_run: bool) -> None:
        for warning in result.warnings:
            where = (
                f"{warning.sheet} row {warning.row}: "
                if warning.row
                else (f"{warning.sheet}: " if warning.sheet else "")
            )
            self.stdout.write(f"warning: {where}{warning.message}")
        for error in result.errors:
            self.stderr.write(
                f"error: {error.sheet} row {error.row} {error.column or ''} ({error.field}): {error.message}"
            )
        plan = result.plan
        verb = "would be" if dry_run or not result.valid else "were"
        for label, counts in (("households", plan.households), ("members", plan.members)):
            self.stdout.write(
                f"{label}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged ({verb})"
            )
        if not result.valid:
            self.stderr.write(f"{len(result.errors)} error(s); nothing was written.")

    def _unusable(self, message: str) -> None:
        if self.as_json:
            self.stdout.write(
                _dumps(
                    {
                        "valid": False,
                        "households": EMPTY_COUNTS,
                        "members": EMPTY_COUNTS,
                        "errors": [{"sheet": None, "row": None, "field": None, "column": None, "message": message}],
                        "warnings": [],
                    }
                )
            )
        else:
            self.stderr.write(f"error: {message} Nothing was written.")
        sys.exit(2)


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
