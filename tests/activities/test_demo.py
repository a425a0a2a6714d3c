"""seed_demo's activities (issue 17): every model of the app gets rows for the demo county, the attendance lies in
each organiser's area, a few households are left as gaps; a second run changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from activities import selectors
from activities.models import (
    Activity,
    ActivityPhoto,
    Attendance,
    Centre,
    Commendation,
    Invitation,
    Pairing,
    ServiceLog,
    Team,
    Volunteer,
)
from demo.activities import demo_activities_seed
from demo.contacts import seed_contacts
from demo.services import demo_households_seed
from households.models import household_scope_q
from regions.models import Region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 3, 1)


@pytest.fixture
def county() -> Region:
    call_command("load_regions", str(REGIONS))
    county = Region.objects.get(code="630103")
    demo_households_seed(seed=5, county=county, count=80)
    village = county.children.order_by("code").first().children.order_by("code").first()
    UserFactory(username="member1", role="member", region=village, name="黄强")
    seed_contacts(seed=5, county=county, today=TODAY)
    return county


def _snapshot() -> tuple:
    return (
        list(
            Activity.objects.order_by("starts_on", "title", "organiser__code").values_list("kind", "title", "starts_on")
        ),
        sorted(
            Attendance.objects.values_list(
                "activity__title", "activity__starts_on", "member__id_number", "service_person__phone"
            )
        ),
        Invitation.objects.count(),
        list(Volunteer.objects.order_by("phone").values_list("name", "phone", "skills")),
        ServiceLog.objects.count(),
    )


def test_every_model_is_seeded_in_area_and_deterministic(county):
    seeded = demo_activities_seed(seed=5, county=county, today=TODAY)
    assert seeded is not None
    for model in (Centre, Activity, Attendance, Invitation, Team, Volunteer, Pairing, ServiceLog, Commendation):
        assert model.objects.exists(), model.__name__
    assert ActivityPhoto.objects.count() == 0  # no files in the demo (photos are uploaded by users)
    assert {"training", "festival", "psych_class", "volunteer_service"} <= set(
        Activity.objects.values_list("kind", flat=True)
    )
    # Every family's attendance lies in its organiser's area; attending implies invited.
    for a in Activity.objects.select_related("organiser"):
        outside = a.attendances.filter(household__isnull=False).exclude(
            household_scope_q(a.organiser.path, prefix="household__")
        )
        assert not outside.exists(), a.title
        attended = set(a.attendances.exclude(household=None).values_list("household_id", flat=True))
        assert attended <= set(a.invitations.values_list("household_id", flat=True))
    assert Volunteer.objects.filter(user__username="member1").exists()
    staff = UserFactory(username="c", role="county_staff", region=county)
    assert selectors.invitation_gaps(user=staff, year=TODAY.year).exists()
    first = _snapshot()
    assert demo_activities_seed(seed=5, county=county, today=TODAY) is None  # a second run changes nothing
    assert _snapshot() == first
