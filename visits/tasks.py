"""Celery tasks of the visits app: thin, each takes ids or a date and calls one service; safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from households.models import Household
from reports.tasks import coverage_snapshot_refresh_task
from visits import engine, services


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def overdue_refresh_nightly(as_of: str | None = None) -> dict:
    """Beat, every night: the engine over every household, then the inbox messages and their delivery."""
    day = _as_of(as_of)
    result = engine.overdue_refresh(as_of=day)
    notifications_refresh.delay(day.isoformat())
    coverage_snapshot_refresh_task.delay(day.isoformat())
    return result.as_dict()


@shared_task(autoretry_for=(Exception,), retry_backoff=10, max_retries=5)
def overdue_refresh_household(household_id: int, as_of: str | None = None) -> dict:
    """After a visit is logged: the engine over that household only, then its village's coverage figures."""
    day = _as_of(as_of)
    result = engine.overdue_refresh(as_of=day, household_ids=[household_id])
    village_id = Household.objects.filter(pk=household_id).values_list("village_id", flat=True).first()
    if village_id:
        coverage_snapshot_refresh_task.delay(day.isoformat(), [village_id])
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
