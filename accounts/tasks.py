"""Periodic housekeeping for accounts."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def sessions_clear_expired() -> int:
    """Drop expired sessions (what `manage.py clearsessions` does); safe to run twice."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
