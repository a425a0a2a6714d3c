"""The backup and its restore drill run for real against the test database (docs/SECURITY.md §Deployment)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from operations.backup import database_backup, restore_drill
from tests.database_roles import as_owner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _as_owner(area, personas):
    """Backups and the restore drill run as the owner role (README, database roles), after the test's data."""
    with as_owner():
        yield


def test_a_backup_restores_with_the_same_rows(area, personas, tmp_path):
    dump = database_backup(output=tmp_path / "portal.dump")
    assert dump.stat().st_size > 0
    result = restore_drill(dump=dump, tables=["accounts_user", "regions_region"])
    assert result.rows == {"accounts_user": User.objects.count(), "regions_region": 9}
    assert result.tables > 10


def test_restore_drill_command_reports_counts(area, personas, tmp_path, capsys):
    call_command("backup_database", "--output", str(tmp_path / "b.dump"))
    call_command("restore_drill", str(tmp_path / "b.dump"))
    out = capsys.readouterr().out
    assert "regions_region: 9" in out
    assert "dropped again" in out
