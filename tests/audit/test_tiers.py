"""The audit change log by tier (accounts.sensitivity): personal values masked for county staff and the system
administrator, health values hidden from the administrator; a reveal there is a logged act, for the roles that
may reveal, inside their area (issue 12, finding 3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.history import history_context
from audit.models import AccessEvent
from audit.selectors import change_event_list_for_user, change_rows
from households.models import Household, Member

pytestmark = pytest.mark.django_db

PHONE, NEW_PHONE = "13800000014", "13900000027"
HEALTH = "AUDITHEALTH7"


@pytest.fixture
def changed_member(area, personas) -> Member:
    with history_context(actor=personas.county_staff, service="household_create"):
        household = Household.objects.create(
            county=area.C,
            village=area.V1a,
            number="630101-00009",
            family_type=Household.FamilyType.DEATH,
            registered_on=date(2024, 3, 1),
        )
        member = Member.objects.create(household=household, name="赵大", role="husband", phone=PHONE)
    with history_context(actor=personas.county_staff, service="household_update"):
        Member.objects.filter(pk=member.pk).update(phone=NEW_PHONE, health_notes=HEALTH)
    return member


def test_county_staff_read_health_but_personal_values_masked(client_for, personas, changed_member):
    html = client_for(personas.county_staff).get(reverse("audit:change_list")).content.decode()
    assert "138****0014 → 139****0027" in html
    assert PHONE not in html
    assert NEW_PHONE not in html
    assert HEALTH in html
    assert reverse("audit:change_reveal") in html  # county staff may reveal (logged)


def test_the_administrator_sees_personal_values_masked_and_no_health(client_for, personas, changed_member):
    html = client_for(personas.admin).get(reverse("audit:change_list")).content.decode()
    assert "138****0014 → 139****0027" in html
    assert HEALTH not in html
    assert "（无权查看）" in html
    assert reverse("audit:change_reveal") not in html  # the administrator reads no family's file


def test_change_rows_without_a_reader_show_nothing_sensitive(personas, changed_member):
    rows = change_rows(list(change_event_list_for_user(user=personas.county_staff)))
    texts = {c.after for row in rows for c in row.changes}
    assert HEALTH not in texts
    assert NEW_PHONE not in texts


def _update_slug(user) -> str:
    rows = change_rows(list(change_event_list_for_user(user=user)), reader=user)
    return next(r.slug for r in rows if r.action == "update" and any(c.name == "phone" for c in r.changes))


def test_county_staff_reveal_a_phone_in_the_change_log_and_it_is_logged(client_for, personas, changed_member):
    slug = _update_slug(personas.county_staff)
    response = client_for(personas.county_staff).post(
        reverse("audit:change_reveal"), {"change": slug, "field": "phone"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"value": f"{PHONE} → {NEW_PHONE}"}
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL)
    assert event.actor == personas.county_staff
    assert event.detail == {"change": slug, "field": "phone"}
    assert event.region_path == personas.county_staff.region.path
    assert PHONE not in event.target_label


def test_only_personal_values_are_revealed(client_for, personas, changed_member):
    slug = _update_slug(personas.county_staff)
    response = client_for(personas.county_staff).post(reverse("audit:change_reveal"), {"change": slug, "field": "name"})
    assert response.status_code == 400
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


@pytest.mark.parametrize(("persona", "status"), [("admin", 403), ("other_county_staff", 404), ("town_cadre", 403)])
def test_who_may_not_reveal_in_the_change_log(client_for, personas, changed_member, persona, status):
    slug = _update_slug(personas.county_staff)
    response = client_for(getattr(personas, persona)).post(
        reverse("audit:change_reveal"), {"change": slug, "field": "phone"}
    )
    assert response.status_code == status
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


def test_the_reveal_is_a_post(client_for, personas):
    assert client_for(personas.county_staff).get(reverse("audit:change_reveal")).status_code == 405
