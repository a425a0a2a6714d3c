"""The visits' health and mood notes by tier (accounts.sensitivity): on the household's visits page, the visit
correction form and the emergency message; and the inbox through the area scope (issue 12, findings 4 and 5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import HouseholdFactory, UserFactory
from tests.visits.factories import VisitFactory
from tests.visits.test_corrections import edit_data, logged
from visits.models import Notification, Visit
from visits.selectors import inbox_for_user, my_work_summary, unread_count

pytestmark = pytest.mark.django_db

MOOD = "MOODNOTE7"
HEALTH = "VISITHEALTH7"


@pytest.fixture
def household(area, rules):
    return HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="V1A-7")


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.COUNTY_STAFF, True),
        (Role.FAMILY_DOCTOR, True),
        (Role.TOWN_CADRE, False),
        (Role.VILLAGE_CADRE, False),
        (Role.MEMBER, False),
    ],
)
def test_the_visits_page_shows_mood_and_health_notes_to_medical_roles_and_county_staff(
    client_for, area, household, role, sees
):
    VisitFactory(household=household, date=date(2025, 3, 3), mood=MOOD, health=HEALTH, needs="需要轮椅")
    region = {Role.COUNTY_STAFF: area.C, Role.TOWN_CADRE: area.T1}.get(role, area.V1a)
    user = UserFactory(role=role, region=region)

    html = client_for(user).get(reverse("visits:household_visits", args=[household.pk])).content.decode()

    assert "需要轮椅" in html  # not sensitive
    assert (MOOD in html, HEALTH in html) == (sees, sees)
    assert ("（无权查看）" in html) != sees


def test_a_cadre_corrects_a_visit_without_seeing_or_losing_its_mood_note(client_for, personas, household):
    visit = logged(personas.village_cadre, household, mood=MOOD, health=HEALTH, needs="旧的")
    client = client_for(personas.village_cadre)

    form = client.get(reverse("visits:visit_edit", args=[visit.pk])).content.decode()
    assert MOOD not in form
    assert HEALTH not in form
    assert 'name="mood"' not in form

    response = client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, mood="", health=""))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.needs, visit.mood, visit.health) == ("送药", MOOD, HEALTH)


def test_county_staff_correct_the_mood_note(client_for, personas, household):
    visit = logged(personas.village_cadre, household, mood=MOOD)
    client = client_for(personas.county_staff)
    assert MOOD in client.get(reverse("visits:visit_edit", args=[visit.pk])).content.decode()
    client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, mood="好转"))
    visit.refresh_from_db()
    assert visit.mood == "好转"


def test_the_emergency_message_carries_no_health_note(personas, household):
    logged(personas.village_cadre, household, purpose="emergency", health=HEALTH)
    messages = list(Notification.objects.filter(kind="emergency").values_list("message", flat=True))
    assert messages
    assert not any(HEALTH in m for m in messages)


def test_the_archive_timeline_restricts_a_corrected_mood_note(client_for, personas, household):
    visit = logged(personas.village_cadre, household, mood=MOOD)
    client_for(personas.county_staff).post(
        reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, mood="CORRECTEDMOOD7")
    )
    assert Visit.objects.get(pk=visit.pk).mood == "CORRECTEDMOOD7"
    cadre = client_for(personas.town_cadre).get(reverse("households:detail", args=[household.pk])).content.decode()
    staff = client_for(personas.county_staff).get(reverse("households:detail", args=[household.pk])).content.decode()
    for text in (MOOD, "CORRECTEDMOOD7"):
        assert text not in cadre
        assert text in staff


# ---- the inbox through the area scope ------------------------------------------------------------------------


@pytest.fixture
def message(personas, household) -> Notification:
    return Notification.objects.create(
        user=personas.village_cadre, kind="overdue", key="k1", household=household, message="V1A-7 逾期未走访"
    )


def _reads(client_for, user) -> tuple[bool, int, int]:
    page = client_for(user).get(reverse("visits:inbox")).content.decode()
    return "V1A-7 逾期未走访" in page, unread_count(user=user), len(inbox_for_user(user=user))


def test_the_inbox_shows_the_users_messages_inside_the_area(client_for, personas, message):
    assert _reads(client_for, personas.village_cadre) == (True, 1, 1)


@pytest.mark.parametrize("moved_to", ["other_village", "other_county", "no_area"])
def test_a_moved_user_no_longer_reads_the_old_areas_messages(client_for, personas, area, message, moved_to):
    user = personas.village_cadre
    user.region = {"other_village": area.V2a, "other_county": area.V3a, "no_area": None}[moved_to]
    user.save()

    assert _reads(client_for, user) == (False, 0, 0)
    assert my_work_summary(user=user, on=date(2025, 3, 3)).unread == 0
    client_for(user).post(reverse("visits:inbox_read"), {"ids": [message.pk]})
    message.refresh_from_db()
    assert message.read_at is None  # mark-read goes through the scope too
