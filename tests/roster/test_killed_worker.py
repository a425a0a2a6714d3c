"""Faults (SECURITY.md): a roster import killed mid-write leaves nothing of itself, and a new import is a first one.

`manage.py import_roster` runs in a child process and is killed with SIGKILL inside its one transaction,
after it has written the households, the members and the households' history, while it waits to write the
members' history (households.roster.apply). See tests/killing.py.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from pghistory.models import Context

from audit.models import AccessEvent
from households.models import Household, Member
from tests.killing import TableLock, child_backends, manage, poll, started, tables_written
from tests.roster.conftest import SAMPLES, expected

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = SAMPLES / "roster_persons_clean.xlsx"


def rows() -> dict[str, int]:
    return {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "household history": Household.pgh_event_model.objects.count(),
        "member history": Member.pgh_event_model.objects.count(),
        "history context": Context.objects.count(),
        "import log": AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT).count(),
    }


def test_import_killed_mid_write_leaves_nothing_and_the_next_import_is_a_first_one(sample_county, tmp_path):
    want = expected("roster_persons_clean")
    assert rows() == dict.fromkeys(rows(), 0)

    log = tmp_path / "import_roster.log"
    argv = manage("import_roster", str(SAMPLE), "--county", sample_county.county.code, "--json")
    with TableLock(Member.pgh_event_model._meta.db_table) as lock, started(argv, log=log) as child:
        backend = lock.waiter(log=log)
        # The import has written in its transaction: households and members, and the households' history.
        assert {"households_household", "households_member", "households_householdevent"} <= tables_written(backend)

        child.kill()
        child.wait()
        lock.release()
        poll(lambda: not child_backends(), what="the killed import's backend to end", log=log)

    assert rows() == dict.fromkeys(rows(), 0)

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", str(SAMPLE), "--county", sample_county.county.code, "--json", stdout=out)

    assert exit_info.value.code == 0
    result = json.loads(out.getvalue())
    assert result["households"] == {"created": want["households"], "updated": 0, "unchanged": 0}
    assert result["members"] == {"created": want["members"], "updated": 0, "unchanged": 0}
    assert rows() == {
        "households": want["households"],
        "members": want["members"],
        "household history": want["households"],
        "member history": want["members"],
        "history context": 1,
        "import log": 1,
    }
