"""The two database roles (issue 12; docs/SECURITY.md §Audit, README "Database roles").

Migrations run as the **owner** role, which owns every table, trigger and function. The web process, the
workers and the tests' application code connect as the **application** role (``settings.DATABASE_APP_ROLE``),
which owns nothing and may only read and write rows:

- every table: SELECT, INSERT, UPDATE, DELETE; every sequence: USAGE (``nextval`` for new ids); EXECUTE on
  ``portal_analyze(table)``, the owner's ``SECURITY DEFINER`` function that runs ANALYZE (only an owner may);
- the audit trail's tables — every pghistory event table, ``pghistory_context`` and ``audit_accessevent`` —
  SELECT and INSERT only. ``pghistory_context`` also has UPDATE of ``metadata`` and ``updated_at``: pghistory's
  ``_pgh_attach_context()``, which every history trigger calls, upserts the context row
  (``INSERT … ON CONFLICT (id) DO UPDATE SET metadata, updated_at``) when a nested context adds keys, and
  PostgreSQL asks for UPDATE on the columns an ``ON CONFLICT DO UPDATE`` sets. The event rows themselves
  (what changed, before and after) stay insert-only.

Not owning a table, the application role cannot TRUNCATE it, ALTER/DISABLE/DROP its triggers or replace a
trigger function; not a superuser, it cannot set ``session_replication_role``; and the ignore check of
``audit.triggers`` refuses ``pgtrigger.ignore`` for the history and append-only triggers.

``app_role_grant`` runs after every ``migrate`` (``post_migrate``, ``audit.apps``) and in
``manage.py grant_app_role``; it is idempotent. Default privileges give a table created later SELECT and
INSERT only until the next grant, so a new history table is never writable by mistake.
"""

from __future__ import annotations

import sys
from typing import Any

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from psycopg2 import sql

# The columns of pghistory_context that its upsert sets (pghistory.models.Context.install_pgh_attach_context_func).
CONTEXT_UPSERT_COLUMNS = ("metadata", "updated_at")


class DatabaseRoleError(Exception):
    """The application role is missing or has more power than it may."""


def append_only_tables() -> list[str]:
    """The tables of the audit trail: every pghistory event table, the context table and the access events."""
    tables = {pghistory.models.Context._meta.db_table, apps.get_model("audit", "AccessEvent")._meta.db_table}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def _role_check(cursor: Any, role: str) -> None:
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolbypassrls, rolname = current_user, "
        "pg_has_role(rolname, current_user, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        raise DatabaseRoleError(f"the application role {role!r} does not exist (see the README: database roles)")
    superuser, createrole, bypassrls, is_self, member = row
    if is_self:
        raise DatabaseRoleError(f"connected as the application role {role!r}: grant as the owner role")
    if superuser or createrole or bypassrls:
        raise DatabaseRoleError(f"the application role {role!r} must be NOSUPERUSER NOCREATEROLE NOBYPASSRLS")
    if member:
        raise DatabaseRoleError(f"the application role {role!r} must not be a member of the owner role")
    cursor.execute(
        "SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner = %s::regrole",
        [role],
    )
    owned = cursor.fetchone()[0]
    if owned:
        raise DatabaseRoleError(
            f"the application role {role!r} owns {owned}: `REASSIGN OWNED BY {role} TO <owner>` as the owner first"
        )


def app_role_exists(*, role: str, using: str = "default") -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def app_role_create(*, role: str, password: str, using: str = "default") -> None:
    """Create the application role when missing, else set its password (dev, CI, docker-compose: the owner
    there may create roles; on a real server the DBA runs the README's SQL)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # Roles are shared by the cluster's databases: parallel test workers create it once, one at a time.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('portal.database_roles'))")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        cursor.execute(
            sql.SQL(
                "{} ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD %s"
            ).format(sql.SQL(verb), sql.Identifier(role)),
            [password],
        )


def app_role_grant(*, role: str, using: str = "default") -> None:
    """Give the application role exactly its privileges on every table and sequence (idempotent)."""
    name = sql.Identifier(role)
    append_only = sql.SQL(", ").join(map(sql.Identifier, append_only_tables()))
    context = sql.Identifier(pghistory.models.Context._meta.db_table)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(connections[using].settings_dict["NAME"]), name
        ),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(append_only, name),
        sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
            sql.SQL(", ").join(map(sql.Identifier, CONTEXT_UPSERT_COLUMNS)), context, name
        ),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(name),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {}").format(name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {}").format(name),
        # ANALYZE of a table on the role's behalf (audit/migrations/0004): the engine's statistics refresh.
        sql.SQL("GRANT EXECUTE ON FUNCTION public.portal_analyze(text) TO {}").format(name),
    ]
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _role_check(cursor, role)
        for statement in statements:
            cursor.execute(statement)
        # PostgreSQL before 15 let every role create objects in public (a function there could shadow ours);
        # 15 and later already refuse it. A warning, not an error, when the owner does not own the schema.
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def app_role_grant_after_migrate(*, using: str = "default", verbosity: int = 1, **_: Any) -> None:
    """``post_migrate``: keep the grants right after every migrate. Skipped (with a note) when the
    application role does not exist yet, or when migrate ran as the application role itself."""
    role = settings.DATABASE_APP_ROLE
    if not role:
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return
    if not app_role_exists(role=role, using=using):
        if verbosity:
            print(
                f"Note: the application database role {role!r} does not exist: no grants "
                "(create it, then run `manage.py grant_app_role`).",
                file=sys.stderr,
            )
        return
    app_role_grant(role=role, using=using)
