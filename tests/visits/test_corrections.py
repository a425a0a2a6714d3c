"""Correcting a logged visit: who may (the area, the role, the author within a week), the flags that follow,
and the history that keeps what it was, who changed it and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Events

from accounts.roles import Role
from contacts.models import ServicePerson
from tests.factories import HouseholdFactory, ServicePersonFactory, UserFactory
from tests.visits.conftest import only_rules
from visits import services
from visits.engine import overdue_refresh
from visits.models import FollowUp, Notification, OverdueFlag, Visit

pytestmark = pytest.mark.django_db

OLD = date(2020, 1, 1)


@pytest.fixture
def household(area, rules):
    return HouseholdFactory(village=area.V1a, registered_on=OLD, number="V1A-9")


def logged(user, household, *, days_ago: int = 0, **fields) -> Visit:
    """A visit logged by `user` (through the service), `days_ago` days ago."""
    today = timezone.localdate()
    visit = services.visit_record(
        user=user,
        household=household,
        date=fields.pop("date", today - timedelta(days=days_ago)),
        method=fields.pop("method", "phone"),
        **fields,
    )
    if days_ago:
        Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        visit.refresh_from_db()
    return visit


def edit_data(visit: Visit, **changes) -> dict:
    data = {"date": visit.date.isoformat(), "method": visit.method, "purpose": visit.purpose, "needs": "送药"}
    return {**data, **changes}


# ---- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "days_ago", "expected"),
    [
        ("village_cadre", 0, 302),  # the author, the same day
        ("village_cadre", 7, 302),  # the author, a week later: still
        ("village_cadre", 8, 403),  # the author, after the week: the town corrects it
        ("other_village_cadre", 0, 403),  # a cadre of the same village, not the author
        ("town_cadre", 90, 302),  # the town's cadre, any time
        ("county_staff", 400, 302),  # the county's staff, any time
        ("leader", 0, 403),  # reads dashboards, never writes visits
        ("other_town_cadre", 0, 404),  # another town: outside the area
        ("other_county_staff", 0, 404),  # another county
        ("no_area", 0, 404),
        ("deactivated", 0, 302),  # to the login page
    ],
)
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_who_may_correct_a_visit(client_for, personas, area, household, persona, days_ago, expected, action):
    users = {"other_village_cadre": UserFactory(username="v1a_other", role=Role.VILLAGE_CADRE, region=area.V1a)}
    user = users.get(persona) or getattr(personas, persona)
    visit = logged(personas.village_cadre, household, days_ago=days_ago)
    before = list(Visit.objects.values_list("pk", "date", "needs"))
    if action == "edit":
        url, data = reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit)
    else:
        url, data = reverse("visits:visit_delete", args=[visit.pk]), {"reason": "记错了家庭"}
    client = client_for(user)

    get, post = client.get(url), client.post(url, data)

    assert post.status_code == expected
    if persona == "deactivated":
        assert post.url.startswith(reverse("accounts:login"))
    if expected == 302 and persona != "deactivated":
        assert get.status_code == 200
        after = list(Visit.objects.values_list("pk", "date", "needs"))
        assert after == ([(visit.pk, visit.date, "送药")] if action == "edit" else [])
    else:
        assert get.status_code == expected
        assert list(Visit.objects.values_list("pk", "date", "needs")) == before


def test_the_service_enforces_the_policy_whoever_calls_it(personas, area, household):
    visit = logged(personas.village_cadre, household, days_ago=8)
    today = timezone.localdate()
    other_town = personas.other_town_cadre  # the area: another town's cadre
    for user in (personas.village_cadre, other_town, personas.leader):
        with pytest.raises(PermissionDenied):
            services.visit_update(user=user, visit=visit, date=visit.date, method="home", purpose="routine")
        with pytest.raises(PermissionDenied):
            services.visit_delete(user=user, visit=visit, reason="x", today=today)
    assert Visit.objects.filter(pk=visit.pk, method="phone").exists()
    with pytest.raises(ValidationError):
        services.visit_delete(user=personas.town_cadre, visit=visit, reason="  ")
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_the_household_page_offers_corrections_only_where_allowed(client_for, personas, household):
    mine = logged(personas.village_cadre, household, days_ago=1)
    old = logged(personas.village_cadre, household, days_ago=20)
    url = reverse("visits:household_visits", args=[household.pk])

    cadre_page = client_for(personas.village_cadre).get(url).content.decode()
    town_page = client_for(personas.town_cadre).get(url).content.decode()

    assert reverse("visits:visit_edit", args=[mine.pk]) in cadre_page
    assert reverse("visits:visit_edit", args=[old.pk]) not in cadre_page
    assert reverse("visits:visit_delete", args=[old.pk]) in town_page


# ---- the flags follow ---------------------------------------------------------------------------------------


def test_deleting_the_visit_that_closed_a_flag_reopens_it(
    client_for, personas, household, rules, django_capture_on_commit_callbacks
):
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    overdue_refresh(as_of=today)
    flag = OverdueFlag.objects.get(household=household, rule__code="monthly_contact")
    period = flag.period_key
    client = client_for(personas.village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("visits:log", args=[household.pk]),
            {"date": today.isoformat(), "method": "phone", "purpose": "routine"},
        )
    flag.refresh_from_db()
    assert (flag.closed_on, flag.closed_reason) == (today, "met")
    visit = Visit.objects.get(household=household)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("visits:visit_delete", args=[visit.pk]), {"reason": "记错了家庭"})

    assert response.status_code == 302
    flag.refresh_from_db()
    # The same flag opens again, "behind since" the same period, with its history.
    assert (flag.closed_on, flag.closed_reason, flag.period_key) == (None, "", period)
    assert OverdueFlag.objects.open().filter(household=household).count() == 1
    assert household.urgency.rank == 0


def test_deleting_the_visit_that_met_an_escalated_flag_reopens_it_with_its_level(
    client_for, personas, household, rules, django_capture_on_commit_callbacks
):
    """docs/RULES.md "Correcting a visit": the same flag, behind since the same period, with its escalation —
    not a new flag at the contact's level."""
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    overdue_refresh(as_of=today - timedelta(days=45))
    overdue_refresh(as_of=today - timedelta(days=1))  # open 44 days: escalated to the county
    flag = OverdueFlag.objects.get(household=household)
    before = (flag.period_key, flag.opened_on, flag.escalation_level, flag.escalated_on)
    assert flag.escalation_level == OverdueFlag.Level.COUNTY
    client = client_for(personas.village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("visits:log", args=[household.pk]),
            {"date": today.isoformat(), "method": "home", "purpose": "routine"},
        )
    flag.refresh_from_db()
    assert flag.closed_reason == "met"
    visit = Visit.objects.get(household=household)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("visits:visit_delete", args=[visit.pk]), {"reason": "记错了家庭"})

    flag.refresh_from_db()
    assert (flag.closed_on, flag.closed_reason) == (None, "")
    assert (flag.period_key, flag.opened_on, flag.escalation_level, flag.escalated_on) == before
    assert OverdueFlag.objects.filter(household=household).count() == 1
    household.urgency.refresh_from_db()
    assert (household.urgency.rank, household.urgency.escalation_level) == (0, OverdueFlag.Level.COUNTY)


def test_correcting_the_method_of_the_visit_that_met_a_flag_reopens_it(
    client_for, personas, household, rules, django_capture_on_commit_callbacks
):
    only_rules(rules, "quarterly_home_visit")
    today = timezone.localdate()
    overdue_refresh(as_of=today - timedelta(days=100))
    overdue_refresh(as_of=today - timedelta(days=1))
    flag = OverdueFlag.objects.get(household=household)
    level = flag.escalation_level
    assert level > 0
    with django_capture_on_commit_callbacks(execute=True):
        visit = logged(personas.village_cadre, household, method="home")
    flag.refresh_from_db()
    assert flag.closed_reason == "met"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.town_cadre).post(
            reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, method="phone", reason="其实是电话")
        )

    flag.refresh_from_db()
    assert (flag.closed_on, flag.escalation_level) == (None, level)
    assert OverdueFlag.objects.filter(household=household).count() == 1


def test_moving_a_visit_out_of_the_period_reopens_the_flag(
    client_for, personas, household, rules, django_capture_on_commit_callbacks
):
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    overdue_refresh(as_of=today)
    with django_capture_on_commit_callbacks(execute=True):
        visit = logged(personas.village_cadre, household)
    assert not OverdueFlag.objects.open().filter(household=household).exists()
    long_ago = today - timedelta(days=200)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.town_cadre).post(
            reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, date=long_ago.isoformat())
        )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.date == long_ago
    assert OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()


def test_an_edit_keeps_the_visitor_as_logged_and_refuses_a_future_date(client_for, personas, household):
    visit = logged(personas.village_cadre, household)
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = client_for(personas.town_cadre)

    refused = client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, date=tomorrow.isoformat()))
    client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, method="home"))

    assert refused.status_code == 200
    visit.refresh_from_db()
    # Corrected by the town's cadre: still the village cadre's visit, in the village cadre's role.
    assert (visit.method, visit.visitor_user, visit.visitor_role, visit.recorded_by) == (
        "home",
        personas.village_cadre,
        "village_cadre",
        personas.village_cadre,
    )


def test_a_visit_by_a_contact_who_left_can_still_be_corrected(client_for, personas, area, household):
    doctor = ServicePersonFactory(region=area.V1a, role_type="family_doctor", name="赵医生")
    visit = logged(personas.village_cadre, household, visitor=doctor, method="home")
    ServicePerson.objects.filter(pk=doctor.pk).update(active=False)  # no longer serving
    url = reverse("visits:visit_edit", args=[visit.pk])
    client = client_for(personas.town_cadre)

    assert "赵医生" in client.get(url).content.decode()
    response = client.post(url, edit_data(visit, visitor=doctor.pk, method="phone"))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.visitor, visit.visitor_role, visit.method) == (doctor, "family_doctor", "phone")


# ---- the history ----------------------------------------------------------------------------------------------


def test_edit_and_delete_leave_history_rows_with_who_and_why(client_for, personas, household):
    visit = logged(
        personas.village_cadre,
        household,
        follow_ups=[{"action": "送药上门", "due_on": timezone.localdate() + timedelta(days=3)}],
    )
    client = client_for(personas.town_cadre)
    client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, method="home", reason="其实是入户走访"))

    client.post(reverse("visits:visit_delete", args=[visit.pk]), {"reason": "记错了家庭"})

    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert not FollowUp.objects.filter(visit_id=visit.pk).exists()
    events = Events.objects.filter(pgh_obj_model="visits.Visit", pgh_obj_id=str(visit.pk)).order_by("pgh_created_at")
    rows = [(e.pgh_label, e.pgh_data["method"], (e.pgh_context or {}).get("reason")) for e in events]
    assert rows == [("insert", "phone", None), ("update", "home", "其实是入户走访"), ("delete", "home", "记错了家庭")]
    deleted = events.get(pgh_label="delete")
    assert (deleted.pgh_context["username"], deleted.pgh_context["service"]) == ("t1_cadre", "visit_delete")
    # The follow-up agreed at the visit is in the history too.
    followup = Events.objects.filter(pgh_obj_model="visits.FollowUp", pgh_label="delete").get()
    assert followup.pgh_data["action"] == "送药上门"


def test_the_archive_timeline_shows_the_correction_and_the_deletion(client_for, personas, household):
    visit = logged(personas.village_cadre, household, needs="需要轮椅")
    client = client_for(personas.town_cadre)
    client.post(reverse("visits:visit_edit", args=[visit.pk]), edit_data(visit, method="home"))
    client.post(reverse("visits:visit_delete", args=[visit.pk]), {"reason": "重复登记"})

    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()

    assert "重复登记" in page  # the reason
    assert "t1_cadre" in page  # who
    assert visit.date.isoformat() in page


def test_an_emergency_message_stays_when_its_visit_is_deleted(personas, household):
    visit = logged(personas.village_cadre, household, purpose="emergency", needs="老人摔伤")
    assert Notification.objects.filter(visit=visit).exists()

    services.visit_delete(user=personas.county_staff, visit=visit, reason="演练，不是真实事件")

    assert Notification.objects.filter(kind="emergency", visit__isnull=True, household=household).count() == 3
