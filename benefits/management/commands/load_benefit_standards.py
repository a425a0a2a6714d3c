"""``manage.py load_benefit_standards FILE.csv``: a province's, city's or county's standards from a file (the
format is in the README and benefits.standards.csvload). All rows or none; a re-run skips what is already there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from benefits.standards.csvload import StandardsFileError, standards_file_load
from benefits.standards.services import standard_describe


class Command(BaseCommand):
    help = "Load assistance standards from a CSV file (UTF-8): all rows or none; identical ones are skipped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from exc
        try:
            result = standards_file_load(content, command="load_benefit_standards")
        except StandardsFileError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("Nothing was loaded: %(n)d problem(s) in %(file)s.") % {"n": len(exc.messages), "file": file}
            ) from exc
        for standard in result.created:
            self.stdout.write(_("Added: %(standard)s") % {"standard": standard_describe(standard)})
        for standard in result.skipped:
            self.stdout.write(_("Already there, skipped: %(standard)s") % {"standard": standard_describe(standard)})
        self.stdout.write(
            _("%(created)d added, %(skipped)d already there.")
            % {"created": len(result.created), "skipped": len(result.skipped)}
        )
