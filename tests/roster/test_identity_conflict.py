"""A roster row naming a person registered outside the importer's area: the neutral answer of the household form
(neither where nor whose), the attempt logged in the importer's area, nothing written (docs/SECURITY.md §Access)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from households.models import Member
from households.roster.models import RosterImportJob
from households.roster.services import roster_run
from tests.roster.conftest import make_workbook, sample_bytes

pytestmark = pytest.mark.django_db


def test_a_person_of_another_town_gets_the_neutral_answer_and_the_attempt_is_logged(
    sample_county, client_for, django_capture_on_commit_callbacks
):
    county = sample_county.county
    roster_run(
        data=sample_bytes("roster_persons_clean"),
        county=county,
        area_path=county.path,
        today=timezone.localdate(),
        dry_run=False,
    )
    before = list(Member.objects.order_by("pk").values())
    data = make_workbook(
        [
            ["户编号", "乡镇", "村", "姓名", "身份证号码", "家庭类别"],
            ["90001", "人民街街道", "东关社区", "戴振华", "630103197307164610", "失独"],
        ]
    )
    client = client_for(sample_county.town_cadre)
    client.post(reverse("set_language"), {"language": "en"})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:roster:home"), {"file": SimpleUploadedFile("r.xlsx", data)})

    job = RosterImportJob.objects.latest("pk")
    assert job.status == "invalid"
    assert [e["message"] for e in job.errors] == [
        "This person cannot be registered here; the county association can move the family's file to your area."
    ]
    event = AccessEvent.objects.get(action=AccessEvent.Action.IDENTITY_CONFLICT)
    assert (event.actor, event.region_path) == (sample_county.town_cadre, sample_county.other_town.path)
    assert event.detail["persons"] == 1
    assert "630103197307164610" not in str(event.detail)  # masked, never the full number
    assert list(Member.objects.order_by("pk").values()) == before
