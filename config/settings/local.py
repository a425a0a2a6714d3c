"""Development settings: dev.py sets DATABASE_URL (embedded PostgreSQL) and the broker."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DEBUG", "true")
# Without DATABASE_URL, the embedded PostgreSQL that `python3 dev.py run` starts (see dev.py), so a plain
# `python manage.py …` works beside it; commands that need no database (makemigrations --check) work anyway.
os.environ.setdefault(
    "DATABASE_URL",
    "postgres://postgres@/portal?host=" + str(Path(__file__).resolve().parents[2] / ".local" / "pgdata"),
)

from config.settings.base import *  # noqa: F403
from config.settings.base import env

# Without a broker the worker and beat run on kombu's filesystem transport (dev.py starts them).
if CELERY_BROKER_URL == "memory://":  # noqa: F405
    CELERY_BROKER_URL = "filesystem://"
    _queue = BASE_DIR / ".local" / "celery"  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),  # else kombu writes ./control/ beside manage.py
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
