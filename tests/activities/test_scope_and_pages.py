"""Who sees what of activities and volunteers: outside the area every id-taking page answers 404 on GET and POST and
nothing changes; each persona's lists hold only its area's rows; a city user sees nothing of this. Person-times and
the invitation gaps recomputed independently; the household timeline's entries; the volunteer's phone masked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from activities import selectors, services
from activities.extension import ActivitiesArchive
from activities.models import Activity, ActivityPhoto, Attendance, Invitation, Pairing, ServiceLog
from activities.services import ActivityData, Attendees
from audit.models import AccessEvent
from tests.factories import RegionFactory, UserFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# (URL name, the object it takes, data of a POST)
ID_URLS = [
    ("activities:detail", "activity", {}),
    ("activities:edit", "activity", {"kind": "lecture", "title": "x", "starts_on": "2025-05-01"}),
    ("activities:attendance", "activity", {"member": ["1"]}),
    ("activities:delete", "activity", {}),
    ("activities:photo_add", "activity", {}),
    ("activities:service_add", "activity", {"served_on": "2025-05-10", "hours": "2"}),
    ("activities:photo", "photo", {}),
    ("activities:photo_delete", "photo", {}),
    ("activities:centre_edit", "centre", {"name": "x"}),
    ("activities:volunteer", "volunteer", {}),
    ("activities:volunteer_edit", "volunteer", {"name": "x"}),
    ("activities:volunteer_phone", "volunteer", {}),
    ("activities:pairing_add", "volunteer", {"household": "A-001", "started_on": "2025-01-01"}),
    ("activities:commendation_add", "volunteer", {"title": "x", "awarded_on": "2025-01-01"}),
    ("activities:pairing_end", "pairing", {"ended_on": "2025-06-01"}),
]
MATRIX_URLS = {name for name, _obj, _data in ID_URLS}


@pytest.fixture
def objects(area, personas, world):
    a = services.activity_save(
        actor=personas.town_cadre,
        data=ActivityData(kind="birthday", title="东关集体庆生", starts_on=date(2025, 5, 10), organiser=area.T1),
        attendees=Attendees(household_ids=[world.h1.pk], member_ids=[world.h2_member.pk]),
        today=TODAY,
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = services.photo_add(actor=personas.town_cadre, activity=a, upload=SimpleUploadedFile("p.png", PNG))
    pairing = services.pairing_start(
        actor=personas.town_cadre, volunteer=world.volunteer, household=world.h1, started_on=date(2025, 1, 1)
    )
    yield {"activity": a, "photo": photo, "centre": world.centre, "volunteer": world.volunteer, "pairing": pairing}
    photo.image.delete(save=False)


def _state():
    return (
        list(Activity.objects.values_list("pk", "title", "starts_on")),
        Attendance.objects.count(),
        Invitation.objects.count(),
        ActivityPhoto.objects.count(),
        ServiceLog.objects.count(),
        list(Pairing.objects.values_list("pk", "ended_on")),
    )


@pytest.mark.parametrize(("name", "obj", "data"), ID_URLS)
@pytest.mark.parametrize("actor", ["other_county_staff", "no_area", "other_town_cadre"])
def test_outside_404_and_nothing_changes(objects, personas, client_for, name, obj, data, actor):
    if actor == "other_town_cadre" and obj == "centre":
        pytest.skip("a centre of T1 is not seen by T2: covered by the other personas")
    url = reverse(name, args=[objects[obj].pk])
    before = _state()
    client = client_for(getattr(personas, actor))
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data).status_code in (404, 405)
    assert _state() == before


def test_a_city_user_sees_nothing_of_this(area, objects, client_for):
    city = RegionFactory.city("630100", "西宁市")
    user = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    assert not Activity.objects.visible_to(user).exists()
    assert not selectors.invitation_gaps(user=user, year=2025).exists()
    assert not selectors.volunteer_hours(user=user).exists()
    client = client_for(user)
    for name, obj, _data in ID_URLS:
        assert client.get(reverse(name, args=[objects[obj].pk])).status_code in (403, 404, 405)
    for name in ("activities:list", "activities:gaps", "activities:volunteers", "activities:centres"):
        response = client.get(reverse(name))
        assert response.status_code in (200, 403)
        assert "东关集体庆生" not in response.content.decode()


PERSONAS_SEE = {
    # persona → (sees the T1 activity, sees the volunteer of V1a)
    "county_staff": (True, True),
    "town_cadre": (True, True),
    "village_cadre": (False, True),  # the organiser (T1) is above the village
    "leader": (True, True),
    "other_county_staff": (False, False),
    "other_town_cadre": (False, False),
    "no_area": (False, False),
    "deactivated": (False, False),
}


@pytest.mark.parametrize(("persona", "expected"), PERSONAS_SEE.items())
def test_each_persona_sees_its_area(objects, personas, persona, expected):
    user = getattr(personas, persona)
    assert (
        Activity.objects.visible_to(user).filter(pk=objects["activity"].pk).exists(),
        selectors.volunteer_hours(user=user).filter(pk=objects["volunteer"].pk).exists(),
    ) == expected
    # Attendance only within the area: the V1a cadre sees the V1a household's rows, not V1b's.
    if persona == "village_cadre":
        seen = set(Attendance.objects.visible_to(user).values_list("household__village_id", flat=True))
        assert seen == {objects["pairing"].household.village_id}


def test_a_leader_reads_figures_elsewhere_not_these_pages(objects, personas, client_for):
    # VIEW_ACTIVITIES is not a leader's (accounts.roles): the reports give leaders the activities' figures.
    assert client_for(personas.leader).get(reverse("activities:list")).status_code == 403


@pytest.mark.parametrize("persona", ["county_staff", "town_cadre", "village_cadre"])
def test_pages_answer_for_each_persona(objects, personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    for name in ("activities:list", "activities:gaps", "activities:volunteers", "activities:centres"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("activities:volunteer", args=[objects["volunteer"].pk])).status_code == 200


def test_person_times_recomputed_independently(area, personas, world, objects):
    services.activity_save(
        actor=personas.county_staff,
        data=ActivityData(kind="training", title="培训", starts_on=date(2025, 5, 20), organiser=area.C),
        attendees=Attendees(service_person_ids=[world.cadre.pk, world.far_cadre.pk], member_ids=[world.h3_member.pk]),
        today=TODAY,
    )
    rows = selectors.activities_for(user=personas.county_staff, month="2025-05")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, count(t.id) FROM activities_activity a"
            " LEFT JOIN activities_attendance t ON t.activity_id = a.id"
            " WHERE a.starts_on >= '2025-05-01' AND a.starts_on < '2025-06-01' GROUP BY a.id"
        )
        expected = dict(cursor.fetchall())
    assert {a.pk: a.person_times for a in rows} == expected
    assert selectors.person_times(rows) == sum(expected.values()) == 3 + 3


def test_the_gap_list(area, personas, world, objects):
    # h1, h2 attended (invited); h3 of T2 and h4 of the other county were never invited in 2025.
    gaps = set(selectors.invitation_gaps(user=personas.county_staff, year=2025).values_list("number", flat=True))
    assert gaps == {"A-003"}
    assert set(selectors.invitation_gaps(user=personas.county_staff, year=2024).values_list("number", flat=True)) == {
        "A-001",
        "A-002",
        "A-003",
    }
    services.invitations_add(actor=personas.county_staff, activity=objects["activity"], household_ids=[])
    a2 = services.activity_save(
        actor=personas.other_town_cadre,
        data=ActivityData(kind="lecture", title="讲座", starts_on=date(2025, 6, 1), organiser=area.T2),
        today=TODAY,
    )
    services.invitations_add(actor=personas.other_town_cadre, activity=a2, household_ids=[world.h3.pk])
    assert not selectors.invitation_gaps(user=personas.county_staff, year=2025).exists()
    assert list(
        selectors.invitation_gaps(user=personas.other_county_staff, year=2025).values_list("number", flat=True)
    ) == ["B-001"]


def test_the_timeline_and_the_card(personas, world, objects):
    entries = ActivitiesArchive().timeline(household=world.h1, user=personas.village_cadre)
    titles = [e.title for e in entries]
    assert any("东关集体庆生" in t for t in titles)
    assert len(entries) == 2  # the activity attended, the pairing
    attended = next(e for e in entries if "东关集体庆生" in e.title)
    assert "张建国" in attended.changes[1].after
    assert "李秀英" in attended.changes[1].after
    panel = ActivitiesArchive().panel(household=world.h1, user=personas.village_cadre, today=date(2025, 6, 30))
    assert panel.context["person_times_this_year"] == 2
    assert [p.volunteer.name for p in panel.context["pairings"]] == ["孙丽"]
    admin = UserFactory(username="plain_admin", role=Role.ADMIN, region=None)
    assert ActivitiesArchive().timeline(household=world.h1, user=admin) == []


def test_the_volunteers_phone_is_masked(objects, personas, client_for):
    html = (
        client_for(personas.county_staff).get(reverse("activities:volunteer", args=[objects["volunteer"].pk])).content
    )
    assert "13900001111" not in html.decode()
    assert "139****1111" in html.decode()


def test_the_volunteers_phone_is_revealed_to_managers_and_logged(objects, personas, client_for):
    url = reverse("activities:volunteer_phone", args=[objects["volunteer"].pk])
    page = client_for(personas.county_staff).get(reverse("activities:volunteer", args=[objects["volunteer"].pk]))
    assert url in page.content.decode()
    response = client_for(personas.county_staff).post(url)
    assert response.status_code == 200
    assert "13900001111" in response.content.decode()
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL, actor=personas.county_staff)
    assert event.detail == {"field": "phone", "volunteer": objects["volunteer"].pk}
    # A village cadre reads the volunteer masked and may not reveal it.
    assert client_for(personas.village_cadre).post(url).status_code in (403, 404)
    assert AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).count() == 1


def test_a_volunteer_logs_from_the_phone(world, client_for):
    client = client_for(world.volunteer_user)
    assert client.get(reverse("activities:my_service")).status_code == 200
    response = client.post(
        reverse("activities:my_service"), {"served_on": "2025-06-01", "hours": "2.5", "household": world.h1.pk}
    )
    assert response.status_code == 302
    assert ServiceLog.objects.get().hours == Decimal("2.5")
    response = client.post(reverse("activities:my_service"), {"served_on": "2025-06-01", "hours": "30"})
    assert response.status_code == 400
    assert ServiceLog.objects.count() == 1


def test_attendance_picker_saves_and_refuses(objects, personas, world, client_for):
    client = client_for(personas.town_cadre)
    url = reverse("activities:attendance", args=[objects["activity"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "A-001" in page.content.decode()
    assert "A-003" not in page.content.decode()  # T2's household is not offered
    before = _state()
    response = client.post(url, {"member": [str(world.h3_member.pk)]})
    assert response.status_code == 400
    assert _state() == before
    response = client.post(url, {"member": [str(world.h1_wife.pk)]})
    assert response.status_code == 302
    assert list(objects["activity"].attendances.values_list("member_id", flat=True)) == [world.h1_wife.pk]
