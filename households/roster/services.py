"""The roster engine as one call: read, check, plan and (unless it is a dry run) write, all or nothing.

Used by the command (``import_roster``), the background jobs of the browser flow and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.memory import cyclic_gc_paused
from households.roster.apply import roster_apply
from households.roster.plan import Plan, roster_plan
from households.roster.reader import RosterFileError, workbook_read
from households.roster.validate import Issue, Note, roster_sort, roster_validate
from regions.models import Region


@dataclass
class RosterResult:
    valid: bool
    written: bool
    plan: Plan
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)  # created or changed by the import

    def as_json(self) -> dict[str, Any]:
        """The command's ``--json`` object (issue 4)."""
        return {
            "valid": self.valid,
            "households": self.plan.households.as_dict(),
            "members": self.plan.members.as_dict(),
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def county_of(region: Region) -> Region:
    """The county a region belongs to (the first node of its path)."""
    county = Region.objects.county_of(region.path)
    if county is None:
        raise Region.DoesNotExist(region.path)
    return county


def roster_run(
    *,
    data: bytes,
    county: Region,
    area_path: str,
    today: date,
    dry_run: bool,
    progress: Any = None,
) -> RosterResult:
    """Check the whole file and, when it is valid and this is no dry run, import it in one transaction.

    Raises RosterFileError when the file cannot be used at all. ``area_path`` is the importer's area: rows
    outside it are errors. The plan is made inside the transaction that writes, with the county row locked,
    so two imports of one county run one after the other and never write from a stale plan.
    """
    if not area_path.startswith(county.path):
        raise ValueError("the importer's area must lie inside the county")
    with cyclic_gc_paused():
        return _roster_run(
            data=data, county=county, area_path=area_path, today=today, dry_run=dry_run, progress=progress
        )


def _roster_run(
    *, data: bytes, county: Region, area_path: str, today: date, dry_run: bool, progress: Any
) -> RosterResult:
    report = progress or (lambda percent: None)
    sheets = workbook_read(data)
    report(30)
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=county.pk).first()
        roster = roster_validate(sheets=sheets, county=county, area_path=area_path, today=today)
        report(60)
        plan = roster_plan(roster=roster, county=county, area_path=area_path, today=today)
        roster_sort(roster, [s.name for s in sheets])
        report(80)
        written = False
        household_ids: list[int] = []
        if roster.valid and not dry_run:
            try:
                with transaction.atomic():
                    household_ids = roster_apply(plan=plan, county=county, today=today)
            except IntegrityError as exc:
                raise RosterFileError(
                    _("Someone else changed these records at the same time. Please import the file again."),
                    code="conflict",
                ) from exc
            written = True
    report(100)
    return RosterResult(
        valid=roster.valid,
        written=written,
        plan=plan,
        household_ids=household_ids,
        errors=roster.errors,
        warnings=roster.warnings,
        sheets=[s.name for s in sheets],
    )


__all__ = ["RosterFileError", "RosterResult", "county_of", "roster_run"]
