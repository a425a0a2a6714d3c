"""Celery tasks of the households app: thin, they take an id (or nothing) and call one service."""

from celery import shared_task
from django.utils import timezone


@shared_task
def roster_job_process_task(job_id: int) -> None:
    """Check or import one roster file (households.roster.jobs). Safe to run twice."""
    from households.roster.jobs import roster_job_process

    roster_job_process(job_id=job_id)


@shared_task
def roster_jobs_requeue_task() -> int:
    """Send again the roster jobs that waited while the broker was down."""
    from households.roster.jobs import roster_jobs_requeue

    return roster_jobs_requeue(now=timezone.now())


@shared_task
def roster_files_delete_expired_task() -> int:
    """Delete uploaded roster files after ROSTER_FILE_RETENTION_DAYS (policy)."""
    from households.roster.jobs import roster_files_delete_expired

    return roster_files_delete_expired(now=timezone.now())
