"""python manage.py flag_overdue [--as-of YYYY-MM-DD] [--json] [--notify]: run the overdue engine now."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from visits.engine import overdue_refresh
from visits.services import notifications_refresh


class Command(BaseCommand):
    help = "Open and close the overdue flags of every active household (the nightly job, run by hand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="The day to evaluate (YYYY-MM-DD); today by default.")
        parser.add_argument("--json", action="store_true", help="Print the result as one JSON object.")
        parser.add_argument("--notify", action="store_true", help="Also write the inbox messages.")

    def handle(self, *args, **options) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-of must be a date YYYY-MM-DD") from exc
        result = overdue_refresh(as_of=as_of)
        data = result.as_dict()
        if options["notify"]:
            data["notifications"] = notifications_refresh(as_of=as_of)
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write(" ".join(f"{key}={value}" for key, value in data.items()))
