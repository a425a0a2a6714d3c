"""python manage.py load_regions FILE — the administrative tree from code,name,level,parent_code CSV (UTF-8 or
GB18030)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.history import history_keys
from regions.services import regions_decode_csv, regions_load_csv


class Command(BaseCommand):
    help = (
        "Load or update regions from a CSV file (code,name,level,parent_code), UTF-8 or GB18030. Idempotent; all or "
        "nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text, encoding = regions_decode_csv(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"Cannot read {file}: the text is neither UTF-8 nor GB18030 ({exc}).") from exc
        try:
            # The tree itself, not one county's data: no area (the system administrator reads it in the admin).
            with history_keys(command="load_regions", service="regions_load_csv", file=file.name):
                result = regions_load_csv(text=text)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} error(s); nothing was written.") from exc
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            f" (read as {'UTF-8' if encoding == 'utf-8-sig' else 'GB18030'})"
        )
