"""python manage.py backup_database [--output PATH] — pg_dump of the portal's database (custom format)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Write a pg_dump (custom format) of the database; restore with pg_restore or test with restore_drill."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args, output: Path | None, **options) -> None:
        output = output or Path("backups") / f"portal-{timezone.localtime():%Y%m%d-%H%M%S}.dump"
        try:
            path = database_backup(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {path} ({path.stat().st_size} bytes)")
