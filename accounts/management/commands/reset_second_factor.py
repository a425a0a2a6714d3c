"""python manage.py reset_second_factor USERNAME — remove a user's authenticator device and recovery codes.

For a lost or replaced phone when the recovery codes are gone too: the user's next login sets up a new device
(accounts.second_factor). Run on the server by the system administrator; the reset is an access event.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.second_factor import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's second-factor device and recovery codes; the next login sets up a new device."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).select_related("region").first()
        if user is None:
            raise CommandError(f"Unknown user {username}.")
        with transaction.atomic():
            removed = second_factor_reset(user=user, by="manage.py reset_second_factor")
        self.stdout.write(f"{username}: {removed} device(s) removed; the next login sets up a new one.")
