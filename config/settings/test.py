"""Test settings: PostgreSQL from DATABASE_URL (dev.py test starts an embedded one when unset)."""

import os
import sys

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
if "mypy" in sys.modules:
    # mypy's django-stubs plugin loads these settings to read the models and never connects: `python -m mypy`
    # runs without a database. Tests still need DATABASE_URL.
    os.environ.setdefault("DATABASE_URL", "postgres://typecheck@127.0.0.1:1/typecheck")

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process through Celery's real task machinery; tests call the services with fixed dates.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = BASE_DIR / ".local" / "test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
