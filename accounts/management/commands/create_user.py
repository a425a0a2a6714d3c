"""python manage.py create_user USERNAME --role ROLE --region CODE — an account bound to an area.

The password is asked for twice (or read from PORTAL_USER_PASSWORD when --no-input) and checked by every
password rule.
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import user_create
from core.history import history_keys
from regions.models import Region


class Command(BaseCommand):
    help = "Create a portal user with a role and an area (region code)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", required=True, help="region code, e.g. 630103")
        parser.add_argument("--name", default="", help="full name (family name first)")
        parser.add_argument(
            "--superuser", action="store_true", help="may also use the Django admin (system administrators only)"
        )
        parser.add_argument("--no-input", action="store_true", help="read the password from PORTAL_USER_PASSWORD")

    def handle(self, *args, username, role, region, name, superuser, no_input, **options) -> None:
        if superuser and role != Role.ADMIN:
            # The admin opens for the system administrator's role only (accounts/admin_site.py).
            raise CommandError("Only a system administrator (--role admin) may use the Django admin.")
        node = Region.objects.filter(code=region).first()
        if node is None:
            raise CommandError(f"Unknown region code {region}.")
        if no_input:
            password = os.environ.get("PORTAL_USER_PASSWORD", "")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            with history_keys(command="create_user", service="user_create", region_path=node.path):
                user = user_create(
                    manager=None,
                    username=username,
                    password=password,
                    role=role,
                    region=node,
                    name=name,
                    is_superuser=superuser,
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Created {user.username} ({user.get_role_display()}, {node.name}).")
