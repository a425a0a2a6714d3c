"""The one history context (audit.history): every history row says who, in which area, through which service
and why — for a request, a service, a Celery job and a command alike; and the roster import's hand-written
history rows are the rows pghistory's triggers would have written."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models, transaction
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audit.history import event_context, history_context
from audit.selectors import change_event_list_for_user
from households.models import Household, Member
from households.roster import jobs
from households.roster.plan import HOUSEHOLD_MAP, MEMBER_MAP, Plan
from households.roster.services import roster_run
from tests.factories import UserFactory
from tests.households.conftest import household_form_data
from tests.roster.conftest import TODAY, edit_workbook, sample_bytes

pytestmark = pytest.mark.django_db

HISTORY_MODELS = (Household, Member)


def _events(model: type[models.Model], after: int = 0) -> list[Any]:
    return list(model.pgh_event_model.objects.filter(pgh_id__gt=after).select_related("pgh_context").order_by("pgh_id"))


def _last_event_ids() -> dict[type, int]:
    return {
        model: model.pgh_event_model.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first() or 0
        for model in HISTORY_MODELS
    }


# ---------------------------------------------------------------------------------------------------
# The browser roster import: the importer's name and area on every row, on the county's change log
# ---------------------------------------------------------------------------------------------------


def test_a_browser_roster_import_shows_on_the_county_change_log_with_the_importers_name_on_every_row(
    sample_county, client_for, django_capture_on_commit_callbacks
):
    importer = UserFactory(username="r_town", role=Role.TOWN_CADRE, region=sample_county.town)
    client = client_for(importer)
    with django_capture_on_commit_callbacks(execute=True):  # the upload, and its check run by the task
        client.post(
            reverse("households:roster:home"),
            {"file": SimpleUploadedFile("roster.xlsx", sample_bytes("roster_persons_clean"))},
        )
    job = jobs.RosterImportJob.objects.get()
    assert job.status == "ready"
    jobs.roster_job_confirm(user=importer, job=job)

    # The worker runs the import: no request, so nothing but the job says who asked for it.
    jobs.roster_job_process(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    written = _events(Household) + _events(Member)
    assert len(written) == Household.objects.count() + Member.objects.count() == 120 + 240
    contexts = {event_context(event) for event in written}
    assert {(c.username, c.region_path, c.service) for c in contexts} == {
        ("r_town", sample_county.town.path, "roster_import")
    }
    # The county's change log lists every one of them under the importer's name …
    staff = client_for(sample_county.staff)
    logged = change_event_list_for_user(user=sample_county.staff)
    assert Counter(e.pgh_obj_model for e in logged) == {"households.Household": 120, "households.Member": 240}
    page = staff.get(reverse("audit:change_list"))
    assert page.context["page"].paginator.count == 360
    assert [row.context.who for row in page.context["rows"]] == ["r_town"] * 50
    assert "r_town" in page.content.decode()
    # … and so does a search for the importer; another county's log does not.
    assert change_event_list_for_user(user=sample_county.staff, username="r_town").count() == 360
    assert not change_event_list_for_user(user=sample_county.outsider).exists()


def test_the_import_roster_command_names_itself_and_the_county(sample_county, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(sample_bytes("roster_couples"))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(path), "--county", sample_county.county.code)
    assert exit_.value.code == 0

    contexts = {event_context(event) for event in _events(Household) + _events(Member)}
    assert {(c.who, c.username, c.region_path, c.service) for c in contexts} == {
        ("import_roster", "", sample_county.county.path, "roster_import")
    }
    assert change_event_list_for_user(user=sample_county.staff, username="import_roster").exists()


# ---------------------------------------------------------------------------------------------------
# The keys are the same whoever writes
# ---------------------------------------------------------------------------------------------------


def test_a_request_and_the_service_it_calls_write_one_context_with_every_key(area, personas, client_for):
    client = client_for(personas.county_staff)
    data = household_form_data(village=area.V1a, members=[{"name": "王德明", "role": "husband"}])
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 302, response.content[:2000]

    (event,) = _events(Household)
    metadata = event.pgh_context.metadata
    assert {key: metadata[key] for key in ("username", "region_path", "service", "user")} == {
        "username": "c_staff",
        "region_path": area.C.path,
        "service": "household_create",
        "user": personas.county_staff.pk,
    }
    assert metadata["url"] == reverse("households:create")


def test_a_nested_context_adds_what_it_knows_and_blanks_nothing(area, personas):
    with (
        history_context(command="some_command", service="outer", region_path=area.C.path),
        history_context(actor=personas.town_cadre, service="household_close", reason="迁出"),
    ):
        Household.objects.create(county=area.C, village=area.V1a, number="N-1", registered_on=TODAY)
    (event,) = _events(Household)
    context = event_context(event)
    assert (context.username, context.command, context.service, context.reason) == (
        "t1_cadre",
        "some_command",
        "household_close",
        "迁出",
    )
    # The actor's area replaces the command's (the last one given wins, as pghistory keeps one context).
    assert context.region_path == area.T1.path


def test_a_row_written_outside_any_context_reads_as_blank(area):
    Household.objects.create(county=area.C, village=area.V1a, number="N-2", registered_on=TODAY)
    (event,) = _events(Household)
    assert event_context(event).who == ""
    assert event.pgh_context_id is None


# ---------------------------------------------------------------------------------------------------
# The roster import's hand-written history equals what the triggers write
# ---------------------------------------------------------------------------------------------------

# The bookkeeping the comparison leaves out: the event's own id and time, the row's timestamps.
_NOT_COMPARED = {"pgh_id", "pgh_created_at", "pgh_context", "created_at", "updated_at"}


def _without_last_rows(data: bytes, count: int) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    last = max(row[0].row for row in sheet.iter_rows() if row[4].value)  # the last row naming a person
    sheet.delete_rows(last - count + 1, count)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _event_rows(after: dict[type, int]) -> Counter:
    """The event rows written since ``after``: label, object, every tracked column, the context's metadata; ids
    of households and members as their numbers and names (the two writes take different ids)."""
    households = dict(Household.objects.values_list("pk", "number"))
    members = {pk: (households[h], name) for pk, h, name in Member.objects.values_list("pk", "household_id", "name")}
    rows = []
    for model in HISTORY_MODELS:
        for event in _events(model, after[model]):
            values = {
                f.attname: getattr(event, f.attname) for f in event._meta.concrete_fields if f.name not in _NOT_COMPARED
            }
            identify = households if model is Household else members
            values["pgh_obj_id"] = identify[values["pgh_obj_id"]]
            values["id"] = identify[values["id"]]
            if model is Member:
                values["household_id"] = households[values["household_id"]]
            values["context"] = event.pgh_context.metadata if event.pgh_context_id else None
            rows.append((model.__name__, tuple(sorted((k, repr(v)) for k, v in values.items()))))
    return Counter(rows)


def _apply_through_the_orm(plan: Plan, county: Any) -> None:
    """The plan written row by row through Django's ORM, pghistory's triggers writing the history."""
    new_households = Household.objects.bulk_create(
        [
            Household(
                county=county,
                registered_on=TODAY,
                village=row.village,
                number=number,
                **{attname: row.values[name] for name, attname in HOUSEHOLD_MAP.items() if name in row.given},
            )
            for row, number in plan.household_creates
        ]
    )
    pk_of = {id(row): household.pk for (row, _n), household in zip(plan.household_creates, new_households, strict=True)}

    def household_pk(owner: Any) -> int:
        return owner if isinstance(owner, int) else pk_of[id(owner)]

    for pk, changed in plan.household_updates.items():
        Household.objects.filter(pk=pk).update(**changed)
    for pk, changed in plan.member_updates.items():
        if "household_id" in changed:
            changed = {**changed, "household_id": household_pk(changed["household_id"])}
        Member.objects.filter(pk=pk).update(**changed)
    Member.objects.bulk_create(
        [
            Member(
                household_id=household_pk(owner),
                **{attname: v for name, attname in MEMBER_MAP.items() if (v := member.values.get(name)) is not None},
            )
            for member, owner in plan.member_creates
        ]
    )


def test_the_roster_imports_hand_written_history_equals_what_the_triggers_write(sample_county):
    """The import steps its history triggers aside and writes the event rows itself (households.roster.apply);
    the same changes written through the ORM, with the triggers, give the same event rows."""
    county = sample_county.county
    clean = sample_bytes("roster_persons_clean")
    # Already in the archive: the roster without its last rows. The file then adds those households and
    # members, and changes a household (address) and two members (a phone, a self-care).
    with history_context(actor=sample_county.staff, service="roster_import"):
        roster_run(data=_without_last_rows(clean, 5), county=county, area_path=county.path, today=TODAY, dry_run=False)
    corrected = edit_workbook(clean, {(4, 10): "13900001111", (4, 16): "礼让街街道解放路社区1号", (5, 18): "失能"})
    before = _last_event_ids()

    with transaction.atomic():  # the import, then rolled back
        with history_context(actor=sample_county.staff, service="roster_import", file="roster.xlsx"):
            result = roster_run(data=corrected, county=county, area_path=county.path, today=TODAY, dry_run=False)
        assert result.written
        by_hand = _event_rows(before)
        transaction.set_rollback(True)
    assert not _event_rows(before)
    plan = result.plan
    with history_context(actor=sample_county.staff, service="roster_import", file="roster.xlsx"):
        _apply_through_the_orm(plan, county)
    by_triggers = _event_rows(before)

    assert plan.households.as_dict() == {"created": 2, "updated": 1, "unchanged": 117}
    assert plan.members.as_dict() == {"created": 4, "updated": 2, "unchanged": 234}
    labels = Counter((model, dict(values)["pgh_label"]) for (model, values), n in by_triggers.items() for _ in range(n))
    assert labels == {
        ("Household", "'insert'"): plan.households.created,
        ("Household", "'update'"): 1,
        ("Member", "'insert'"): plan.members.created,
        ("Member", "'update'"): 2,
    }
    assert by_hand == by_triggers
