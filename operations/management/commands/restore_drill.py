"""python manage.py restore_drill DUMP — prove a backup restores: into a scratch database, counted, dropped."""

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = "Restore a backup into a scratch database, compare row counts with the live database, drop it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dump", type=Path)

    def handle(self, *args, dump: Path, **options) -> None:
        if not dump.exists():
            raise CommandError(f"No such file: {dump}")
        models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
        tables = sorted({m._meta.db_table for m in models})
        try:
            result = restore_drill(dump=dump, tables=tables)
        except BackupError as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        self.stdout.write(f"restored {result.tables} tables into {result.database} (dropped again)")
        for table, rows in result.rows.items():
            if rows:
                self.stdout.write(f"  {table}: {rows}")
