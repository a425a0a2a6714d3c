"""docs/SECURITY.md §Faults: a roster import killed mid-write leaves nothing of itself, and the file is imported once.

`manage.py import_roster`, then a real Celery worker running the import job of the browser flow, is killed
with SIGKILL inside the import's one transaction, after it has written the households, the members and the
households' history, while it waits to write the members' history (households.roster.apply).
See tests/killing.py.
"""

from __future__ import annotations

import io
import json
import os
import signal
from datetime import timedelta

import psutil
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessEvent
from households.models import Household, Member
from households.roster.jobs import roster_job_confirm, roster_job_create, roster_jobs_requeue
from households.roster.models import RosterImportJob
from tests.killing import (
    TIMEOUT,
    TableLock,
    celery_sends_to,
    child_backends,
    manage,
    poll,
    started,
    tables_written,
    worker,
)
from tests.roster.conftest import SAMPLES, SampleCounty, expected

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = SAMPLES / "roster_persons_clean.xlsx"


def rows() -> dict[str, int]:
    return {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "household history": Household.pgh_event_model.objects.count(),
        "member history": Member.pgh_event_model.objects.count(),
        # The contexts the archive's rows were written in (the engine's run queued after the import may write
        # rules of its own, in a context of its own, at a moment the test does not control).
        "history context": len(
            set(Household.pgh_event_model.objects.values_list("pgh_context_id", flat=True))
            | set(Member.pgh_event_model.objects.values_list("pgh_context_id", flat=True))
        ),
        "import log": AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT).count(),
    }


def test_import_killed_mid_write_leaves_nothing_and_the_next_import_is_a_first_one(sample_county, tmp_path):
    want = expected("roster_persons_clean")
    assert rows() == dict.fromkeys(rows(), 0)

    log = tmp_path / "import_roster.log"
    argv = manage("import_roster", str(SAMPLE), "--county", sample_county.county.code, "--json")
    with TableLock(Member.pgh_event_model._meta.db_table) as lock, started(argv, log=log) as child:
        backend = lock.waiter(log=log)
        # The import has written in its transaction: households and members, and the households' history.
        assert {"households_household", "households_member", "households_householdevent"} <= tables_written(backend)

        child.kill()
        child.wait()
        lock.release()
        poll(lambda: not child_backends(), what="the killed import's backend to end", log=log)

    assert rows() == dict.fromkeys(rows(), 0)

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", str(SAMPLE), "--county", sample_county.county.code, "--json", stdout=out)

    assert exit_info.value.code == 0
    result = json.loads(out.getvalue())
    assert result["households"] == {"created": want["households"], "updated": 0, "unchanged": 0}
    assert result["members"] == {"created": want["members"], "updated": 0, "unchanged": 0}
    assert rows() == {
        "households": want["households"],
        "members": want["members"],
        "household history": want["households"],
        "member history": want["members"],
        "history context": 1,
        "import log": 1,
    }


def ready_job(county: SampleCounty) -> RosterImportJob:
    """A job checked at once (eager, in this process), ready to import."""
    job = roster_job_create(user=county.staff, upload=SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes()))
    job.refresh_from_db()
    assert job.status == RosterImportJob.Status.READY
    return job


def finished(job: RosterImportJob) -> bool:
    job.refresh_from_db()
    # The job is saved done just before the import is logged: the task has ended once both are there.
    return job.status not in (*RosterImportJob.PENDING, *RosterImportJob.RUNNING) and (
        job.status != RosterImportJob.Status.DONE or rows()["import log"] > 0
    )


def imported_once(job: RosterImportJob) -> None:
    want = expected("roster_persons_clean")
    assert job.status == RosterImportJob.Status.DONE
    assert job.counts == {
        "households": {"created": want["households"], "updated": 0, "unchanged": 0},
        "members": {"created": want["members"], "updated": 0, "unchanged": 0},
    }
    assert rows() == {
        "households": want["households"],
        "members": want["members"],
        "household history": want["households"],
        "member history": want["members"],
        "history context": 1,
        "import log": 1,
    }


def test_worker_process_killed_mid_import_its_task_comes_back_and_the_job_finishes_once(sample_county, tmp_path):
    """acks_late with reject_on_worker_lost: the worker process running the task dies, the worker puts the
    message back in the queue and a new worker process runs the import from the start."""
    job = ready_job(sample_county)
    log = tmp_path / "worker.log"
    argv, env = worker(tmp_path)
    with (
        TableLock(Member.pgh_event_model._meta.db_table) as lock,
        celery_sends_to(tmp_path),
        started(argv, env=env, log=log) as main,
    ):
        roster_job_confirm(user=sample_county.staff, job=job)  # queued after commit (autocommit here: at once)
        backend = lock.waiter(log=log)
        assert {"households_household", "households_member", "households_householdevent"} <= tables_written(backend)
        (running,) = psutil.Process(main.pid).children()
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=TIMEOUT)
        lock.release()

        poll(lambda: finished(job), what="the job to finish", log=log)

    assert "WorkerLostError" in log.read_text()
    imported_once(job)


def test_whole_worker_killed_mid_import_the_job_is_sent_again_after_the_time_limit(sample_county, tmp_path):
    """The worker itself killed: the message it had taken dies with it (kombu's filesystem transport keeps no
    copy; Redis would hand it back after its visibility timeout). The job stays "importing", with nothing
    written, until the periodic requeue sends it again past the hard time limit, and a new worker imports it."""
    job = ready_job(sample_county)
    log = tmp_path / "worker.log"
    argv, env = worker(tmp_path)
    with TableLock(Member.pgh_event_model._meta.db_table) as lock, celery_sends_to(tmp_path):
        with started(argv, env=env, log=log) as main:
            roster_job_confirm(user=sample_county.staff, job=job)
            backend = lock.waiter(log=log)
            assert {"households_household", "households_member"} <= tables_written(backend)
            os.killpg(main.pid, signal.SIGKILL)
            main.wait(timeout=TIMEOUT)
        lock.release()
        poll(lambda: not child_backends(), what="the killed worker's backend to end", log=log)

        job.refresh_from_db()
        assert job.status == RosterImportJob.Status.IMPORTING
        assert rows() == dict.fromkeys(rows(), 0)
        assert not any((tmp_path / "queue").iterdir())  # the message is gone

        with started(argv, env=env, log=log):
            later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
            assert roster_jobs_requeue(now=later) == 1
            poll(lambda: finished(job), what="the job to finish", log=log)

    imported_once(job)
