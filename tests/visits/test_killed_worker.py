"""docs/SECURITY.md §Faults: the overdue engine killed mid-run leaves the previous flags and worklist, and catches up.

`manage.py flag_overdue` runs in a child process and is killed with SIGKILL inside its one transaction, after
it has closed flags and while it waits to write the worklist (visits.engine: the flags first, then
HouseholdUrgency). See tests/killing.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import HouseholdFactory, MemberFactory
from tests.killing import TableLock, advisory_lock_free, child_backends, manage, poll, started, tables_written
from tests.visits.factories import VisitFactory
from visits.engine import LOCK_KEY, overdue_refresh
from visits.models import HouseholdUrgency, OverdueFlag, Visit

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = date(2025, 11, 6), date(2025, 11, 7)


def state() -> tuple[list[dict], list[dict]]:
    """Every flag and every worklist place, every column."""
    return (
        list(OverdueFlag.objects.order_by("pk").values()),
        list(HouseholdUrgency.objects.order_by("pk").values()),
    )


def test_engine_killed_mid_run_leaves_the_previous_state_and_the_next_run_catches_up(area, rules, tmp_path):
    households = []
    for i in range(24):
        household = HouseholdFactory(village=area.V1a if i % 2 else area.V2a, registered_on=date(2024, 1, 1))
        MemberFactory(household=household, self_care="disabled" if i % 3 == 0 else "self_care")
        if i % 4 == 0:
            VisitFactory(household=household, date=date(2025, 10, 10), method=Visit.Method.PHONE)
        households.append(household)
    overdue_refresh(as_of=BEFORE)
    before = state()
    behind = set(OverdueFlag.objects.open().filter(rule__code="monthly_contact").values_list("household_id", flat=True))
    assert len(behind) == 18
    assert len(before[1]) == 24  # every household has its place in the worklist
    # Visits that close flags: a late monthly contact for six households, a home visit for three others.
    visited = [h for h in households if h.pk in behind]
    for household in visited[:6]:
        VisitFactory(household=household, date=AFTER, method=Visit.Method.PHONE)
    for household in visited[6:9]:
        VisitFactory(household=household, date=AFTER, method=Visit.Method.HOME)

    log = tmp_path / "flag_overdue.log"
    with (
        TableLock(HouseholdUrgency._meta.db_table) as lock,
        started(manage("flag_overdue", "--as-of", AFTER.isoformat()), log=log) as child,
    ):
        backend = lock.waiter(log=log)
        # The run has begun writing: it has closed flags in its transaction (their rows are locked by it).
        assert "visits_overdueflag" in tables_written(backend)
        with lock.connection.cursor() as cursor:
            cursor.execute("SELECT id FROM visits_overdueflag FOR UPDATE SKIP LOCKED")
            closing = set(OverdueFlag.objects.values_list("pk", flat=True)) - {pk for (pk,) in cursor.fetchall()}
        assert closing

        child.kill()
        child.wait()
        lock.release()
        poll(lambda: not child_backends(), what="the killed run's backend to end", log=log)

    assert state() == before
    assert advisory_lock_free(LOCK_KEY)

    result = overdue_refresh(as_of=AFTER)

    closed = OverdueFlag.objects.filter(closed_on=AFTER)
    assert set(closed.values_list("pk", flat=True)) == closing
    assert result.closed == len(closing)
    assert set(closed.filter(rule__code="monthly_contact").values_list("household_id", flat=True)) == {
        h.pk for h in visited[:9]
    }
    assert state() != before
    assert overdue_refresh(as_of=AFTER).closed == 0  # caught up: a second run changes nothing
