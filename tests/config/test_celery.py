"""Celery: the beat schedule names real tasks, and the housekeeping task does its job once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import sessions_clear_expired
from config.celery_app import app

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_clear_expired_sessions_is_idempotent():
    live, dead = SessionStore(), SessionStore()
    live.create()
    dead.create()
    Session.objects.filter(session_key=dead.session_key).update(expire_date=timezone.now() - timedelta(days=1))
    assert sessions_clear_expired.delay().get() == 1
    assert sessions_clear_expired.delay().get() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
