"""pgtrigger's ignore check as audit/triggers.py installs it after every migrate: same answers, no
exception block — except that history triggers are never ignored (tests/audit/test_database_roles.py)."""

from __future__ import annotations

import pghistory.models
import pytest
from django.db import connection

from households.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _should_ignore(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT public._pgtrigger_should_ignore(%s)", [name])
        return cursor.fetchone()[0]


def test_the_installed_check_is_the_one_without_an_exception_block():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosrc, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.proname = '_pgtrigger_should_ignore'"
        )
        source, language = cursor.fetchone()
    assert language == "sql"
    assert "current_setting('pgtrigger.ignore', true)" in source


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, False), ("", False), ("{}", False), ("{other}", False), ("{a_trigger,other}", True)],
)
def test_the_check_answers_as_pgtriggers_own(setting, expected):
    if setting is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [setting])
    assert _should_ignore("a_trigger") is expected


def test_history_is_written_even_when_its_trigger_is_named_to_be_ignored(area):
    household = HouseholdFactory(village=area.V1a)
    events = pghistory.models.Events.objects.tracks(household)
    assert events.filter(pgh_label="insert").count() == 1

    household.address = "新地址 1 号"
    household.save()
    with connection.cursor() as cursor:  # as the roster import once did: now refused (audit/triggers.py)
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', '{' || string_agg(tgname, ',') || '}', true) FROM pg_trigger "
            "WHERE tgrelid = 'households_household'::regclass AND tgname LIKE 'pgtrigger_update_update_%'"
        )
    Household.objects.filter(pk=household.pk).update(address="新地址 2 号")

    assert list(events.filter(pgh_label="update").values_list("pgh_data__address", flat=True)) == [
        "新地址 1 号",
        "新地址 2 号",
    ]
