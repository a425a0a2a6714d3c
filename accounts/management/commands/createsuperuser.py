"""Django's createsuperuser, with the password rules applied in --noinput mode too.

Django validates the password only when it prompts for it; DJANGO_SUPERUSER_PASSWORD would skip every
rule; docs/SECURITY.md asks for validators in every path that sets a password. Prefer `manage.py create_user`, which
also binds the account to a role and an area.
"""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password:
            try:
                password_validation.validate_password(password)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        return super().handle(*args, **options)
