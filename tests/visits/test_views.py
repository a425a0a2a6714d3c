"""The visits pages over HTTP: my households, the log form, the inbox, the rules; the area-scope matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import resolve, reverse
from django.utils import timezone

from tests.factories import HouseholdFactory
from tests.visits.conftest import only_rules
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import FollowUp, Notification, OverdueFlag, Rule, RuleSet, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(area, rules):
    """A household in V1a (town T1), one in V2a (town T2), one in the other county."""
    old = date(2020, 1, 1)
    return {
        "v1a": HouseholdFactory(village=area.V1a, registered_on=old, number="V1A-1"),
        "v2a": HouseholdFactory(village=area.V2a, registered_on=old, number="V2A-1"),
        "c2": HouseholdFactory(village=area.V3a, registered_on=old, number="C2-1"),
    }


def state() -> tuple:
    return (
        list(Visit.objects.order_by("pk").values_list("pk", "date", "method")),
        FollowUp.objects.filter(status="done").count(),
        list(Rule.objects.order_by("pk").values_list("grace_days", "active")),
        list(RuleSet.objects.order_by("pk").values_list("escalate_town_after_days", flat=True)),
    )


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py): the names of urls_for's URLs.
MATRIX_URLS = {
    "visits:household_visits",
    "visits:log",
    "visits:follow_up_done",
    "visits:visit_edit",
    "visits:visit_delete",
    "visits:rule_edit",
}


def urls_for(homes, follow_up, c_rule) -> list[tuple[str, str, dict]]:
    """(method, url, post data) for every URL of the app that takes an id."""
    h = homes["v2a"].pk
    log = {"date": timezone.localdate().isoformat(), "method": "phone", "purpose": "routine"}
    return [
        ("get", reverse("visits:household_visits", args=[h]), {}),
        ("get", reverse("visits:log", args=[h]), {}),
        ("post", reverse("visits:log", args=[h]), log),
        ("post", reverse("visits:follow_up_done", args=[follow_up.pk]), {"outcome": "x"}),
        ("get", reverse("visits:visit_edit", args=[follow_up.visit_id]), {}),
        ("post", reverse("visits:visit_edit", args=[follow_up.visit_id]), log),
        ("get", reverse("visits:visit_delete", args=[follow_up.visit_id]), {}),
        ("post", reverse("visits:visit_delete", args=[follow_up.visit_id]), {"reason": "x"}),
        ("get", reverse("visits:rule_edit", args=[c_rule.pk]), {}),
        ("post", reverse("visits:rule_edit", args=[c_rule.pk]), {"name": "x", "methods": ["home"], "grace_days": 1}),
    ]


@pytest.fixture
def follow_up(homes):
    visit = VisitFactory(household=homes["v2a"], date=date(2025, 1, 1))
    return FollowUp.objects.create(visit=visit, action="送药", due_on=date(2025, 1, 8))


@pytest.mark.parametrize("persona", ["other_county_staff", "no_area", "deactivated"])
def test_outside_personas_get_404_and_change_nothing(client_for, personas, persona, homes, follow_up, rules):
    client = client_for(getattr(personas, persona))
    before = state()
    urls = urls_for(homes, follow_up, rules.rules.first())
    assert {resolve(url).view_name for _, url, _ in urls} == MATRIX_URLS
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        # A deactivated user's session is over: the login page, never the data.
        assert response.status_code in ((302,) if persona == "deactivated" else (404,)), (persona, method, url)
    assert state() == before


@pytest.mark.parametrize("persona", ["village_cadre", "town_cadre"])
def test_cadres_get_404_for_a_household_of_another_town(client_for, personas, persona, homes, follow_up, rules):
    client = client_for(getattr(personas, persona))
    before = state()
    for method, url, data in urls_for(homes, follow_up, rules.rules.first())[:-2]:  # all but the county's rules
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert state() == before


def test_only_county_staff_edit_rules(client_for, personas, rules):
    rule = rules.rules.get(code="monthly_contact")
    url = reverse("visits:rule_edit", args=[rule.pk])
    data = {
        "name": rule.name,
        "active": "on",
        "methods": ["home", "phone"],
        "grace_days": 3,
        "window_before_days": 0,
        "window_after_days": 0,
        "lapse_after_days": 30,
    }
    assert client_for(personas.town_cadre).post(url, data).status_code == 404  # a county's rules: county scope
    assert client_for(personas.leader).post(url, data).status_code == 403
    rule.refresh_from_db()
    assert rule.grace_days == 5

    response = client_for(personas.county_staff).post(url, data)

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.grace_days, rule.methods) == (3, ["home", "phone"])


def test_escalation_days_are_edited_on_the_rules_page(client_for, personas, rules):
    url = reverse("visits:rules")
    assert client_for(personas.village_cadre).post(url, {"escalate_town_after_days": 2}).status_code == 403
    response = client_for(personas.county_staff).post(
        url, {"escalate_town_after_days": 7, "escalate_county_after_days": 21}
    )
    assert response.status_code == 302
    rules.refresh_from_db()
    assert (rules.escalate_town_after_days, rules.escalate_county_after_days) == (7, 21)


def test_rules_page_explains_the_semantics_to_a_leader(client_for, personas, rules):
    response = client_for(personas.leader).get(reverse("visits:rules"))
    assert response.status_code == 200
    assert b"data-semantics" in response.content
    assert b'data-rule="doctor_weekly_contact"' in response.content
    assert b"2026-02-17" in response.content or b"2027-02-06" in response.content


def test_village_cadre_logs_a_phone_call_in_one_post(client_for, personas, homes, django_capture_on_commit_callbacks):
    household = homes["v1a"]
    today = timezone.localdate()
    overdue_refresh(as_of=today)
    assert OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()

    client = client_for(personas.village_cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("visits:log", args=[household.pk]),
            {"date": today.isoformat(), "method": "phone", "purpose": "routine"},
        )

    assert response.status_code == 302
    visit = Visit.objects.get(household=household)
    assert (visit.visitor_user, visit.visitor_role, visit.recorded_by) == (
        personas.village_cadre,
        "village_cadre",
        personas.village_cadre,
    )
    # The engine ran for the household after the commit (tasks run eagerly in the tests).
    assert not OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()
    # Confirmed as what it was: a phone contact, not a visit.
    confirmed = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith(f"Phone contact with {household.number} logged.") for m in confirmed), confirmed


def test_log_form_refuses_a_future_date_and_changes_nothing(client_for, personas, homes):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(personas.village_cadre).post(
        reverse("visits:log", args=[homes["v1a"].pk]), {"date": tomorrow.isoformat(), "method": "home"}
    )
    assert response.status_code == 200
    assert Visit.objects.count() == 0


def test_emergency_through_the_form_reaches_village_town_and_county(client_for, personas, homes):
    response = client_for(personas.village_cadre).post(
        reverse("visits:log", args=[homes["v1a"].pk]),
        {
            "date": timezone.localdate().isoformat(),
            "method": "home",
            "purpose": "emergency",
            "needs": "老人摔伤住院",
        },
    )
    assert response.status_code == 302
    users = set(Notification.objects.filter(kind="emergency").values_list("user__username", flat=True))
    assert users == {"v1a_cadre", "t1_cadre", "c_staff"}


def test_my_households_lists_overdue_first(client_for, personas, area, rules):
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    fine = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="A-FINE")
    HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1), number="Z-LATE")
    VisitFactory(household=fine, date=today, method="phone")
    VisitFactory(household=fine, date=today - timedelta(days=40), method="phone")
    overdue_refresh(as_of=today)
    HouseholdFactory(village=area.V2a, number="OTHER-TOWN")

    response = client_for(personas.village_cadre).get(reverse("visits:my_households"))

    assert response.status_code == 200
    numbers = [item.household.number for item in response.context["items"]]
    assert numbers[0] == "Z-LATE"
    assert set(numbers) == {"A-FINE", "Z-LATE"}


def test_inbox_marks_only_own_messages_read(client_for, personas, homes):
    mine = Notification.objects.create(
        user=personas.village_cadre, kind="overdue", key="a", household=homes["v1a"], message="m"
    )
    theirs = Notification.objects.create(
        user=personas.town_cadre, kind="overdue", key="a", household=homes["v1a"], message="m"
    )
    client = client_for(personas.village_cadre)
    assert b"m" in client.get(reverse("visits:inbox")).content

    client.post(reverse("visits:inbox_read"), {"ids": [mine.pk, theirs.pk]})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_leader_cannot_log_a_visit(client_for, personas, homes):
    assert client_for(personas.leader).get(reverse("visits:my_households")).status_code == 403
    response = client_for(personas.leader).post(
        reverse("visits:log", args=[homes["v1a"].pk]), {"date": "2025-01-01", "method": "home"}
    )
    assert response.status_code == 403
    assert Visit.objects.count() == 0


def test_visits_show_in_the_household_archive_timeline(client_for, personas, homes):
    VisitFactory(household=homes["v1a"], date=date(2025, 3, 3), method="home", needs="需要轮椅")

    response = client_for(personas.village_cadre).get(reverse("households:detail", args=[homes["v1a"].pk]))

    assert response.status_code == 200
    assert "需要轮椅" in response.content.decode()
