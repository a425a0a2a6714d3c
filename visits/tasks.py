"""Celery tasks of the visits app: thin, each takes ids or a date and calls one service; safe to run twice.

The nightly run (engine → notifications → coverage snapshots) is composed by portal.tasks.nightly_pipeline.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from visits import engine, services
from visits.hooks import flags_refreshed


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def overdue_refresh_all(as_of: str | None = None) -> dict:
    """The engine over every household now (after a roster import changed many), then the inbox messages."""
    day = _as_of(as_of)
    result = engine.overdue_refresh(as_of=day)
    notifications_refresh.delay(day.isoformat())
    flags_refreshed.send(as_of=day, household_ids=None)
    return result.as_dict()


@shared_task(autoretry_for=(Exception,), retry_backoff=10, max_retries=5)
def overdue_refresh_household(household_id: int, as_of: str | None = None) -> dict:
    """After a visit is logged or a household changed: the engine over that household only."""
    day = _as_of(as_of)
    result = engine.overdue_refresh(as_of=day, household_ids=[household_id])
    flags_refreshed.send(as_of=day, household_ids=[household_id])
    return result.as_dict()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def notifications_refresh(as_of: str | None = None) -> int:
    created = services.notifications_refresh(as_of=_as_of(as_of))
    notifications_deliver.delay()
    return created


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=8)
def notifications_deliver() -> int:
    """Email and SMS for undelivered messages (also run by beat, so a failed delivery is retried later)."""
    return services.notifications_deliver()
