"""The browser flow of a roster import as job services: upload → check → preview → confirm → import.

Each step that reads the file runs in a Celery task that takes the job id and calls ``roster_job_process``.
A job is queued after commit; when the broker is down the row simply stays queued and
``roster_jobs_requeue`` (beat, and the job page) sends it again later. When the worker process running a step
dies, the broker sends the task again (``acks_late``, ``reject_on_worker_lost``) and the step runs again from
the start: the job's lock tells a dead worker from a live one (docs/SECURITY.md §Faults).
"""

from __future__ import annotations

import logging
import secrets
import zlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from core.db import advisory_lock, enqueue
from households.extensions import ChangeReason, household_changed
from households.roster.models import RosterImportJob
from households.roster.reader import RosterFileError
from households.roster.services import RosterResult, county_of, roster_run
from households.services import identity_conflict_record
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
Status = RosterImportJob.Status
# A pending job whose task has not started after this long is sent again (the broker may have been down).
REQUEUE_AFTER = timedelta(minutes=1)
# The advisory lock a worker holds on the job it runs (the two-key form: int4 keys, the job id the second).
JOB_LOCK = zlib.crc32(b"households.roster_job") & 0x7FFFFFFF


def roster_job_create(*, user: User, upload: UploadedFile) -> RosterImportJob:
    """Keep the uploaded file with a new job and queue its check."""
    require_capability(user, Capability.EDIT_HOUSEHOLDS)
    area_path = user_scope_path(user)
    if area_path is None:
        raise ValidationError(_("Your account has no area, so it cannot import."))
    if upload.size > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d MB. Split the roster by town.")
            % {"limit": settings.ROSTER_MAX_UPLOAD_BYTES // 2**20}
        )
    job = RosterImportJob(
        token=secrets.token_hex(16),
        user=user,
        county=county_of(user.region),
        area_path=area_path,
        file_name=(upload.name or "roster.xlsx")[-200:],
        queued_at=timezone.now(),
    )
    job.file.save(f"{job.token}.xlsx", ContentFile(upload.read()), save=False)
    job.save()
    transaction.on_commit(lambda: roster_job_enqueue(job_id=job.pk))
    return job


def roster_job_confirm(*, user: User, job: RosterImportJob) -> RosterImportJob:
    """The user has seen the preview and asks for the import (POST only)."""
    require_capability(user, Capability.EDIT_HOUSEHOLDS)
    updated = (
        RosterImportJob.objects.filter(pk=job.pk, status=Status.READY)
        .exclude(file="")
        .update(status=Status.CONFIRMED, progress=0, queued_at=timezone.now())
    )
    if not updated:
        raise ValidationError(_("This file cannot be imported (it has errors, or it was imported already)."))
    transaction.on_commit(lambda: roster_job_enqueue(job_id=job.pk))
    job.refresh_from_db()
    return job


def roster_job_enqueue(*, job_id: int) -> bool:
    """Send the job's task. With the broker down the job waits as a row; ``roster_jobs_requeue`` sends it again."""
    from households.tasks import roster_job_process_task

    return enqueue(
        roster_job_process_task,
        job_id,
        on_failure=lambda: logger.warning("roster job %s could not be queued; it stays pending", job_id),
    )


def roster_job_requeue_if_stale(*, job: RosterImportJob, now: datetime) -> None:
    if job.status in RosterImportJob.PENDING and (job.queued_at is None or job.queued_at < now - REQUEUE_AFTER):
        RosterImportJob.objects.filter(pk=job.pk).update(queued_at=now)
        roster_job_enqueue(job_id=job.pk)


def roster_jobs_requeue(*, now: datetime) -> int:
    """Periodic: send pending jobs again; a job stuck running past the hard time limit is retried
    (its import is one transaction, so a worker that died wrote nothing)."""
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    RosterImportJob.objects.filter(status=Status.CHECKING, started_at__lt=now - limit).update(status=Status.QUEUED)
    RosterImportJob.objects.filter(status=Status.IMPORTING, started_at__lt=now - limit).update(status=Status.CONFIRMED)
    stale = list(
        RosterImportJob.objects.filter(
            status__in=RosterImportJob.PENDING, queued_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)[:100]
    )
    RosterImportJob.objects.filter(pk__in=stale).update(queued_at=now)
    for job_id in stale:
        roster_job_enqueue(job_id=job_id)
    return len(stale)


def _claim(job_id: int) -> RosterImportJob | None:
    """Take a pending job, or a running one: the caller holds the job's lock, so whoever was running it died, and
    the task that ``acks_late`` and ``reject_on_worker_lost`` sent back runs the step again from the start.
    A task delivered twice finds the job finished and does nothing."""
    with transaction.atomic():
        job = RosterImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (*RosterImportJob.PENDING, *RosterImportJob.RUNNING):
            return None
        job.status = Status.CHECKING if job.status in (Status.QUEUED, Status.CHECKING) else Status.IMPORTING
        job.started_at = timezone.now()
        job.progress = 5
        job.save(update_fields=["status", "started_at", "progress"])
    return job


def roster_job_process(*, job_id: int) -> None:
    """Check (QUEUED) or import (CONFIRMED) the job's file. The body of the Celery task."""
    with advisory_lock(JOB_LOCK, job_id):
        _process(job_id)


def _process(job_id: int) -> None:
    job = _claim(job_id)
    if job is None:
        return
    importing = job.status == Status.IMPORTING
    try:
        with job.file.open("rb") as stream:
            data = stream.read()
        RosterImportJob.objects.filter(pk=job.pk).update(progress=15)

        def progress(percent: int) -> None:
            RosterImportJob.objects.filter(pk=job.pk).update(progress=percent)

        # The importer's name and area on every history row (the worker has no request to take them from).
        with history_context(
            actor=job.user, service="roster_import", region_path=job.area_path, roster_job=job.pk, file=job.file_name
        ):
            result = roster_run(
                data=data,
                county=job.county,
                area_path=job.area_path,
                today=timezone.localdate(),
                dry_run=not importing,
                progress=progress,
            )
    except RosterFileError as exc:
        _finish(job, status=Status.INVALID if not importing else Status.FAILED, failure=exc.message)
        return
    except Exception:
        logger.exception("roster job %s failed", job.pk)
        _finish(
            job, status=Status.FAILED, failure=_("The file could not be processed. Try again or ask the administrator.")
        )
        raise
    _store(job, result)
    if result.plan.identity_conflicts:
        identity_conflict_record(
            actor=job.user,
            service="roster_import",
            masked_numbers=result.plan.identity_conflicts,
            region_path=job.area_path,
        )
    if importing and result.written:
        job.imported_at = timezone.now()
        _finish(job, status=Status.DONE)
        household_changed(household_ids=result.household_ids, reason=ChangeReason.IMPORTED)
        access_event_record(
            actor=job.user,
            action=AccessEvent.Action.IMPORT,
            target=job,
            target_label=job.file_name,
            region_path=job.area_path,
            detail={"households": result.plan.households.as_dict(), "members": result.plan.members.as_dict()},
        )
    elif importing:  # the archive changed since the check and the file no longer passes
        _finish(job, status=Status.INVALID, failure=_("The file no longer passes the check; see the errors."))
    else:
        _finish(job, status=Status.READY if result.valid else Status.INVALID)


def _store(job: RosterImportJob, result: RosterResult) -> None:
    job.valid = result.valid
    job.counts = {"households": result.plan.households.as_dict(), "members": result.plan.members.as_dict()}
    job.errors = [{**e.as_dict(), "col": e.col} for e in result.errors]
    job.warnings = [w.as_dict() for w in result.warnings]
    job.changes = result.plan.changes
    job.missing = result.plan.missing
    job.missing_count = result.plan.missing_count


def _finish(job: RosterImportJob, *, status: str, failure: str = "") -> None:
    job.status = status
    job.failure = failure
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()


def roster_files_delete_expired(*, now: datetime) -> int:
    """Periodic: delete uploaded files older than ROSTER_FILE_RETENTION_DAYS (policy); the job row stays."""
    before = now - timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS)
    count = 0
    for job in RosterImportJob.objects.expired(before=before).exclude(status__in=RosterImportJob.RUNNING):
        job.file.delete(save=False)
        job.file_deleted_at = now
        job.save(update_fields=["file", "file_deleted_at"])
        count += 1
    return count
