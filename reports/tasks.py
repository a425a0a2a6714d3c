"""Celery tasks of the reports app: thin, each takes ids or a date and calls one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from reports.services import coverage_snapshot_refresh


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def coverage_snapshot_refresh_task(as_of: str | None = None, village_ids: list[int] | None = None) -> int:
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return coverage_snapshot_refresh(as_of=day, village_ids=village_ids)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def report_reminders_task(as_of: str | None = None) -> int:
    """The statistical forms' reminders some days before their deadlines, then their email/SMS (safe to run twice:
    one reminder per user, form, unit and period)."""
    from reports.statforms.services import report_reminders_deliver, report_reminders_refresh

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    written = report_reminders_refresh(as_of=day)
    report_reminders_deliver()
    return written


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def statform_counts_nightly_task(as_of: str | None = None) -> dict[str, int]:
    """The statistical forms' figure snapshots of every county for the night's periods (safe to run twice: each
    county and period's rows are replaced in one transaction)."""
    from reports.statforms.snapshots import statform_counts_nightly

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return statform_counts_nightly(as_of=day)
