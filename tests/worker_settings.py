"""Settings of the real Celery worker that tests/roster/test_killed_worker.py starts (tests/killing.py).

The test settings, but the worker takes its tasks from kombu's filesystem transport in the folder
TEST_CELERY_QUEUE, where the test sends them, and the tasks it sends go there too (not eager).
"""

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403
from tests.killing import filesystem_broker_options

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(Path(os.environ["TEST_CELERY_QUEUE"]))
# Results are not stored, so there is none to wait for before a killed worker process counts as lost (10 s).
CELERY_WORKER_LOST_WAIT = 1
