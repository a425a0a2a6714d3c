"""``manage.py grant_app_role [--create-role]``: the application role's privileges, right after a migrate.

Runs as the owner role (DATABASE_URL naming the owner). ``migrate`` does the same itself (``post_migrate``);
this command is for a server whose roles were set up after the last migrate, and after ``manage.py pgtrigger
install`` (which puts back pgtrigger's own ignore check). ``--create-role`` also creates the role, or sets its
password, from DATABASE_APP_USER / DATABASE_APP_PASSWORD (dev.py, CI and docker-compose; the owner there may
create roles). Idempotent.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.database_roles import DatabaseRoleError, app_role_create, app_role_grant
from audit.triggers import trigger_ignore_check_install


class Command(BaseCommand):
    help = "Grant the application database role its privileges (run as the owner role, after migrate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--create-role",
            action="store_true",
            help="create the role (or set its password) from DATABASE_APP_USER and DATABASE_APP_PASSWORD",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, create_role: bool, database: str, **options: Any) -> None:
        role = settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("DATABASE_APP_USER is empty: no application role to grant to.")
        try:
            if create_role:
                password = os.environ.get("DATABASE_APP_PASSWORD", "")
                if not password:
                    raise CommandError("--create-role needs DATABASE_APP_PASSWORD.")
                app_role_create(role=role, password=password, using=database)
            app_role_grant(role=role, using=database)
        except DatabaseRoleError as error:
            raise CommandError(str(error)) from error
        trigger_ignore_check_install(using=database)
        self.stdout.write(f"granted the application role {role!r} its privileges")
