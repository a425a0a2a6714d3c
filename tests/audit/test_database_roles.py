"""Issue 12 item 1: the application's database role cannot rewrite the audit trail.

The tests connect as the application role (tests/database_roles.py), the role the web process and the
workers use: on the access events and on every history table it may only read and add rows; it owns no table,
so it cannot TRUNCATE one or disable or drop a trigger; it is no superuser, so it cannot switch triggers off
with ``session_replication_role``; and ``pgtrigger.ignore`` — a session variable any role may set — is refused
for the history and append-only triggers (audit/triggers.py).
"""

from __future__ import annotations

import pghistory.models
import pgtrigger
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.database_roles import append_only_tables
from audit.models import AccessEvent
from households.models import Household, Member
from tests.database_roles import as_owner
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

HISTORY_TABLE = Member.pgh_event_model._meta.db_table
AUDIT_TABLE = AccessEvent._meta.db_table


def _refused(statement: str, params: list | None = None) -> str:
    """Run ``statement`` in a savepoint; it must fail. Returns PostgreSQL's message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(caught.value)


@pytest.fixture
def member(area) -> Member:
    member = MemberFactory(household=HouseholdFactory(village=area.V1a))
    AccessEvent.objects.create(actor_username="someone", action=AccessEvent.Action.VIEW, target_label="H-1")
    return member


def _member_updates(member: Member) -> list[str]:
    return list(
        Member.pgh_event_model.objects.filter(pgh_obj_id=member.pk, pgh_label="update").values_list("name", flat=True)
    )


def _triggers(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
        return [name for (name,) in cursor.fetchall()]


def test_the_tests_connect_as_the_application_role_which_is_no_superuser_and_owns_no_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False)
        cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole")
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("table", [AUDIT_TABLE, HISTORY_TABLE])
def test_the_application_role_cannot_update_delete_or_truncate_audit_or_history_rows(member, table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        rows = cursor.fetchone()[0]
    assert rows >= 1

    assert "permission denied" in _refused(f'UPDATE "{table}" SET id = id')
    assert "permission denied" in _refused(f'DELETE FROM "{table}"')
    assert "permission denied" in _refused(f'TRUNCATE "{table}"')

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        assert cursor.fetchone()[0] == rows


def test_every_history_table_reads_and_adds_only(member):
    tables = append_only_tables()
    assert {AUDIT_TABLE, HISTORY_TABLE, Household.pgh_event_model._meta.db_table, "pghistory_context"} <= set(tables)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'SELECT'),"
                " has_table_privilege(current_user, %s, 'INSERT'),"
                " has_table_privilege(current_user, %s, 'UPDATE'), has_table_privilege(current_user, %s, 'DELETE'),"
                " has_table_privilege(current_user, %s, 'TRUNCATE')",
                [table] * 5,
            )
            assert cursor.fetchone() == (True, True, False, False, False), table


def test_the_history_context_may_only_be_upserted_not_rewritten_in_its_identity(member):
    # pghistory's _pgh_attach_context() upserts metadata and updated_at; nothing else of the row may change.
    assert "permission denied" in _refused("UPDATE pghistory_context SET created_at = now()")
    assert "permission denied" in _refused("UPDATE pghistory_context SET id = gen_random_uuid()")
    assert "permission denied" in _refused("DELETE FROM pghistory_context")


def test_pgtrigger_ignore_set_in_sql_neither_skips_history_nor_allows_deleting_audit_rows(member):
    names = _triggers(Member._meta.db_table) + _triggers(AUDIT_TABLE) + _triggers(HISTORY_TABLE)
    assert any(name.startswith("pgtrigger_update_update_") for name in names)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + ",".join(names) + "}"])
        Member.objects.filter(pk=member.pk).update(name="改过的名字")
        assert "permission denied" in _refused(f'DELETE FROM "{AUDIT_TABLE}"')
        assert "permission denied" in _refused(f'UPDATE "{HISTORY_TABLE}" SET name = %s', ["x"])

    assert _member_updates(member) == ["改过的名字"]
    assert AccessEvent.objects.count() == 1


def test_the_ignore_check_refuses_the_history_and_append_only_triggers_and_honours_others(member):
    # pgtrigger's triggers (history, append-only) on these tables; a plain trigger of another app (benefits'
    # member_insuredlines_protect) never reads the setting at all.
    protected = [
        name for name in _triggers(AUDIT_TABLE) + _triggers(Member._meta.db_table) if name.startswith("pgtrigger_")
    ]
    assert protected
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join([*protected, "other"]) + "}"])
        for name in protected:
            cursor.execute("SELECT public._pgtrigger_should_ignore(%s)", [name])
            assert cursor.fetchone() == (False,), name
        cursor.execute("SELECT public._pgtrigger_should_ignore('other')")
        assert cursor.fetchone() == (True,)


def test_pgtrigger_ignore_from_python_changes_nothing(member):
    with pgtrigger.ignore("audit.AccessEvent:append_only", "households.Member:update_update"):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AccessEvent.objects.all().delete()
        Member.objects.filter(pk=member.pk).update(name="再改一次")
    assert AccessEvent.objects.count() == 1
    assert _member_updates(member) == ["再改一次"]


@pytest.mark.parametrize("table", [AUDIT_TABLE, Member._meta.db_table, HISTORY_TABLE])
def test_the_application_role_cannot_disable_or_drop_a_trigger(member, table):
    trigger = _triggers(table)[0]
    assert "must be owner" in _refused(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL')
    assert "must be owner" in _refused(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    assert "must be owner" in _refused(f'DROP TRIGGER "{trigger}" ON "{table}"')
    assert trigger in _triggers(table)


def test_the_application_role_cannot_replace_the_ignore_check():
    message = _refused(
        "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN "
        "LANGUAGE sql AS $$ SELECT true $$"
    )
    # PostgreSQL 15+ refuses any CREATE in public to a non-owner; before 15, replacing asks for ownership.
    assert "must be owner" in message or "permission denied for schema public" in message


def test_the_application_role_cannot_set_session_replication_role(member):
    assert "permission denied" in _refused("SET session_replication_role = replica")
    assert "permission denied" in _refused("SET LOCAL session_replication_role = replica")
    Member.objects.filter(pk=member.pk).update(name="第三个名字")
    assert _member_updates(member) == ["第三个名字"]


@pytest.mark.django_db(transaction=True)
def test_grant_app_role_is_idempotent_and_a_new_table_gets_read_and_add_only():
    role = settings.DATABASE_APP_ROLE
    with as_owner():
        call_command("grant_app_role")
        call_command("grant_app_role")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE dbroles_probe (id bigserial PRIMARY KEY, note text)")
            try:
                cursor.execute(
                    "SELECT has_table_privilege(%s, 'dbroles_probe', 'INSERT'), "
                    "has_table_privilege(%s, 'dbroles_probe', 'UPDATE'), "
                    "has_table_privilege(%s, 'households_member', 'UPDATE'), "
                    "has_table_privilege(%s, %s, 'UPDATE'), "
                    "has_sequence_privilege(%s, 'dbroles_probe_id_seq', 'USAGE')",
                    [role, role, role, role, HISTORY_TABLE, role],
                )
                assert cursor.fetchone() == (True, False, True, False, True)
            finally:
                cursor.execute("DROP TABLE dbroles_probe")
    assert pghistory.models.Context.objects.count() == 0  # still the application role, on a clean database
