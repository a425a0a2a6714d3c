"""The browser flow: upload → background check → preview → confirm → import; history, scope, faults."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from audit.models import AccessEvent
from households.models import Household, Member
from households.roster import jobs
from households.roster.models import RosterImportJob
from tests.killing import TIMEOUT, poll
from tests.roster.conftest import SAMPLE_NAMES, expected, outcome, sample_bytes
from visits.models import HouseholdUrgency

pytestmark = pytest.mark.django_db


def upload(client, name: str, capture) -> RosterImportJob:
    with capture(execute=True):
        response = client.post(
            reverse("households:roster:home"),
            {"file": SimpleUploadedFile(f"{name}.xlsx", sample_bytes(name))},
        )
    assert response.status_code == 302, response.content[:500]
    return RosterImportJob.objects.latest("pk")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_gives_its_expected_outcome_in_the_browser_flow(
    sample_county, client_for, django_capture_on_commit_callbacks, name
):
    want = expected(name)
    client = client_for(sample_county.staff)

    job = upload(client, name, django_capture_on_commit_callbacks)

    assert job.status == ("ready" if want["valid"] else "invalid")
    assert job.counts["households"]["created"] == want["households"]
    assert job.counts["members"]["created"] == want["members"]
    assert outcome(job.errors) == sorted(want["errors"])
    assert {tuple(r) for r in want["warning_rows"]} <= {(w["sheet"], w["row"]) for w in job.warnings}
    page = client.get(reverse("households:roster:job", args=[job.pk]))
    assert page.status_code == 200
    for _sheet, row, _field in want["errors"]:
        assert f'data-error-row="{row}"'.encode() in page.content
    assert (b"confirm-import" in page.content) is want["valid"]
    assert Household.objects.count() == 0  # a check writes nothing


def test_confirm_imports_and_the_history_shows_it(sample_county, client_for, django_capture_on_commit_callbacks):
    client = client_for(sample_county.staff)
    job = upload(client, "roster_persons_clean", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:roster:confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    assert Household.objects.count() == 120
    assert Member.objects.count() == 240
    # The overdue engine ran for the imported households: each has its place in the cadres' worklists.
    assert HouseholdUrgency.objects.filter(household__county=sample_county.county).count() == 120
    event = AccessEvent.objects.get(action=AccessEvent.Action.IMPORT)
    assert event.actor == sample_county.staff
    assert event.target_label == "roster_persons_clean.xlsx"
    history = client.get(reverse("households:roster:home"))
    assert "roster_persons_clean.xlsx" in history.content.decode()
    # Confirming again does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:roster:confirm", args=[job.pk]))
    assert Household.objects.count() == 120


def test_a_file_with_errors_cannot_be_confirmed(sample_county, client_for, django_capture_on_commit_callbacks):
    client = client_for(sample_county.staff)
    job = upload(client, "roster_persons_errors", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:roster:confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "invalid"
    assert Household.objects.count() == 0


def test_the_marked_workbook_highlights_each_bad_cell_with_a_comment(
    sample_county, client_for, django_capture_on_commit_callbacks
):
    client = client_for(sample_county.staff)
    job = upload(client, "roster_persons_errors", django_capture_on_commit_callbacks)

    response = client.get(reverse("households:roster:marked", args=[job.pk]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["花名册"]
    assert sheet["G10"].comment is not None  # row 10, ID number column
    assert sheet["G10"].comment.text.strip()
    assert sheet["D67"].fill.start_color.rgb.endswith("F4B6B6")  # the unknown village
    assert sheet["G11"].comment is None


def test_a_user_cannot_see_anyone_elses_job(sample_county, client_for, django_capture_on_commit_callbacks):
    job = upload(client_for(sample_county.staff), "roster_persons_errors", django_capture_on_commit_callbacks)
    for user in (sample_county.town_cadre, sample_county.outsider):
        client = client_for(user)
        for name in ("households:roster:job", "households:roster:marked"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404
        assert client.post(reverse("households:roster:confirm", args=[job.pk])).status_code == 404
        assert "roster_persons_errors" not in client.get(reverse("households:roster:home")).content.decode()


def test_a_role_without_editing_cannot_import(sample_county, client_for, personas):
    response = client_for(personas.leader).get(reverse("households:roster:home"))
    assert response.status_code == 403


def test_queuing_with_the_broker_down_keeps_the_job_waiting(
    sample_county, client_for, django_capture_on_commit_callbacks
):
    client = client_for(sample_county.staff)
    with mock.patch("households.tasks.roster_job_process_task.delay", side_effect=OperationalError("down")):
        job = upload(client, "roster_couples", django_capture_on_commit_callbacks)
        assert client.get(reverse("households:roster:job", args=[job.pk])).status_code == 200
    job.refresh_from_db()
    assert job.status == "queued"

    # The broker is back: the periodic task sends the waiting job again.
    sent = jobs.roster_jobs_requeue(now=timezone.now() + timedelta(minutes=5))

    job.refresh_from_db()
    assert sent == 1
    assert job.status == "ready"


def test_a_task_delivered_twice_checks_once(sample_county, client_for, django_capture_on_commit_callbacks):
    job = upload(client_for(sample_county.staff), "roster_couples", django_capture_on_commit_callbacks)
    finished = job.finished_at
    jobs.roster_job_process(job_id=job.pk)
    job.refresh_from_db()
    assert job.finished_at == finished


def test_a_task_sent_back_after_its_worker_died_imports_the_file(
    sample_county, client_for, django_capture_on_commit_callbacks
):
    """The worker process importing died (tests/roster/test_killed_worker.py kills one): the job says importing,
    nobody holds its lock, and the task the broker sends back imports the file from the start."""
    job = upload(client_for(sample_county.staff), "roster_couples", django_capture_on_commit_callbacks)
    RosterImportJob.objects.filter(pk=job.pk).update(status="importing", started_at=timezone.now())

    jobs.roster_job_process(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert Household.objects.count() == expected("roster_couples")["households"]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_again_while_a_worker_runs_the_job_waits_for_it_and_does_nothing(sample_county):
    job = jobs.roster_job_create(
        user=sample_county.staff, upload=SimpleUploadedFile("couples.xlsx", sample_bytes("roster_couples"))
    )
    job.refresh_from_db()  # checked at once (eager)
    checked = job.finished_at
    # A live worker importing the job: it holds the job's lock.
    live = connection.get_new_connection(connection.get_connection_params())
    live.autocommit = True
    errors: list[BaseException] = []

    def deliver_again() -> None:
        try:
            jobs.roster_job_process(job_id=job.pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=deliver_again)
    try:
        with live.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [jobs.JOB_LOCK, job.pk])
        RosterImportJob.objects.filter(pk=job.pk).update(status="importing", started_at=timezone.now())
        thread.start()
        poll(
            lambda: waiting_for_advisory_lock(jobs.JOB_LOCK, job.pk),
            what="the second delivery to wait for the job's lock",
        )
        # The live worker finishes the job and lets go.
        RosterImportJob.objects.filter(pk=job.pk).update(status="done", progress=100)
        with live.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [jobs.JOB_LOCK, job.pk])
        thread.join(timeout=TIMEOUT)
    finally:
        live.close()

    assert not thread.is_alive()
    assert errors == []
    job.refresh_from_db()
    assert (job.status, job.finished_at) == ("done", checked)  # the second delivery changed nothing
    assert Household.objects.count() == 0


def waiting_for_advisory_lock(key1: int, key2: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
            "AND objsubid = 2 AND NOT granted",
            [key1, key2],
        )
        return cursor.fetchone()[0] == 1


def test_uploaded_files_are_deleted_after_the_retention_period(
    sample_county, client_for, django_capture_on_commit_callbacks, settings
):
    job = upload(client_for(sample_county.staff), "roster_couples", django_capture_on_commit_callbacks)
    path = job.file.path

    assert jobs.roster_files_delete_expired(now=timezone.now()) == 0
    later = timezone.now() + timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS + 1)
    assert jobs.roster_files_delete_expired(now=later) == 1

    job.refresh_from_db()
    assert not job.file
    assert job.file_deleted_at is not None
    assert not Path(path).exists()


def test_a_renamed_csv_is_a_friendly_error_not_a_500(sample_county, client_for, django_capture_on_commit_callbacks):
    client = client_for(sample_county.staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:roster:home"), {"file": SimpleUploadedFile("roster.xlsx", b"a,b,c\n1,2,3\n")})
    job = RosterImportJob.objects.get()
    assert job.status == "invalid"
    page = client.get(reverse("households:roster:job", args=[job.pk]))
    assert "CSV" in page.content.decode()


def test_export_in_the_roster_layout_is_county_staff_only_and_logged(sample_county, client_for, personas):
    from households.roster.services import roster_run
    from tests.roster.conftest import TODAY

    county = sample_county.county
    roster_run(data=sample_bytes("roster_couples"), county=county, area_path=county.path, today=TODAY, dry_run=False)

    response = client_for(sample_county.staff).post(reverse("households:roster:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 160  # header + 159 persons
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.detail["full_values"] is False
    assert client_for(sample_county.town_cadre).post(reverse("households:roster:export")).status_code == 403


def test_the_roster_layout_export_takes_the_filters_of_the_list(sample_county, client_for):
    """The list page's second export button posts the same filters to the roster export."""
    from households.roster.services import roster_run
    from tests.roster.conftest import TODAY

    county = sample_county.county
    roster_run(data=sample_bytes("roster_couples"), county=county, area_path=county.path, today=TODAY, dry_run=False)
    client = client_for(sample_county.staff)
    list_page = client.get(reverse("households:list")).content.decode()
    assert f'formaction="{reverse("households:roster:export")}"' in list_page

    town = sample_county.other_town
    in_town = Household.objects.filter(village__parent=town)
    assert 0 < in_town.count() < Household.objects.filter(county=county).count()
    response = client.post(reverse("households:roster:export"), {"town": town.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == set(in_town.values_list("number", flat=True))
