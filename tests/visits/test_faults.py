"""docs/SECURITY.md §Faults: two runs at once, and logging a visit with the broker down."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection

from config.celery_app import app
from tests.factories import HouseholdFactory, MemberFactory
from tests.visits.factories import VisitFactory
from visits import services
from visits.engine import overdue_refresh
from visits.models import OverdueFlag, Visit
from visits.services import visit_record


def flag_rows() -> set[tuple]:
    return set(OverdueFlag.objects.values_list("household_id", "rule_id", "period_key", "opened_on", "closed_on"))


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_give_the_same_flags_as_one(area, rules):
    for i in range(30):
        h = HouseholdFactory(village=area.V1a if i % 2 else area.V2a, registered_on=date(2024, 1, 1))
        MemberFactory(household=h, self_care="disabled" if i % 3 == 0 else "self_care")
        if i % 4:
            VisitFactory(household=h, date=date(2025, 10, 1 + i % 28), method="phone")
    overdue_refresh(as_of=date(2025, 11, 6))
    single = flag_rows()
    OverdueFlag.objects.all().delete()

    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            overdue_refresh(as_of=date(2025, 11, 6))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert flag_rows() == single
    assert len(single) > 30


@pytest.fixture
def broker_down():
    """Celery for real (not eager), pointed at a closed port."""
    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    yield
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


@pytest.mark.django_db
def test_logging_a_visit_works_with_the_broker_down_and_the_nightly_run_catches_up(
    area, rules, personas, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    warnings: list[str] = []
    monkeypatch.setattr(services.logger, "warning", lambda msg, *args, **kw: warnings.append(msg % args))
    household = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    overdue_refresh(as_of=date(2025, 11, 6))
    assert OverdueFlag.objects.open().filter(rule__code="monthly_contact").exists()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_record(
            user=personas.village_cadre,
            household=household,
            date=date(2025, 11, 7),
            method=Visit.Method.PHONE,
            today=date(2025, 11, 7),
        )
    elapsed = time.monotonic() - started
    assert warnings == ["Could not queue visits.tasks.overdue_refresh_household; the nightly run will catch up"]

    assert Visit.objects.filter(pk=visit.pk).exists()
    assert elapsed < 10  # queuing answered in bounded time
    overdue_refresh(as_of=date(2025, 11, 8))  # the nightly run
    assert not OverdueFlag.objects.open().filter(rule__code="monthly_contact").exists()
