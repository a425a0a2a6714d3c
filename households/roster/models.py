"""A roster import in the browser is a job row: the file, its status, progress and outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User


class RosterImportJobQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> RosterImportJobQuerySet:
        """A user sees their own jobs, and only while they are inside their current area (fail closed)."""
        path = user_scope_path(user)
        if path is None:
            return self.none()
        return self.filter(user=user, area_path__startswith=path)

    def expired(self, *, before: Any) -> RosterImportJobQuerySet:
        return self.filter(created_at__lt=before).exclude(file="")


def _upload_to(job: RosterImportJob, filename: str) -> str:
    # The stored name never carries the user's file name (it may hold a village or a person's name).
    return f"roster/{timezone.now():%Y/%m}/{job.token}.xlsx"


class RosterImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Ready to import")
        INVALID = "invalid", _("Has errors")
        FAILED = "failed", _("Failed")
        CONFIRMED = "confirmed", _("Waiting to be imported")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")

    # Statuses a worker picks up; the others are final or wait for the user.
    PENDING = (Status.QUEUED, Status.CONFIRMED)
    RUNNING = (Status.CHECKING, Status.IMPORTING)

    token = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="roster_jobs"
    )
    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="roster_jobs"
    )
    # The importer's area when the file was uploaded: rows outside it are errors.
    area_path = models.CharField(max_length=255)
    file = models.FileField(_("file"), upload_to=_upload_to, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    valid = models.BooleanField(default=False)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=list, blank=True)
    missing = models.JSONField(default=list, blank=True)
    missing_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(_("reason for failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RosterImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="roster_job_progress_percent"),
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="roster_job_pending")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_running(self) -> bool:
        return self.status in (*self.PENDING, *self.RUNNING)

    @property
    def may_confirm(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)
