"""My households: the order kept by the engine (overdue, escalated first, then oldest; reminders; due soonest),
one page at a time, in a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import HouseholdFactory
from tests.visits.conftest import only_rules
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import HouseholdUrgency
from visits.views import WORKLIST_PAGE_SIZE

pytestmark = pytest.mark.django_db

OLD = date(2020, 1, 1)


def numbers(response) -> list[str]:
    return [item.household.number for item in response.context["items"]]


def test_overdue_escalated_first_then_oldest_then_reminders_then_due_soonest(client_for, personas, area, rules):
    only_rules(rules, "monthly_contact", "death_anniversary")
    village = area.V1a
    # A: never contacted; behind since August (opened 10 September), escalated to the county by 10 October.
    HouseholdFactory(village=village, number="A", registered_on=OLD, family_type="disability")
    # B: contacted in August only; behind since September (opened 10 October).
    b = HouseholdFactory(village=village, number="B", registered_on=OLD, family_type="disability")
    VisitFactory(household=b, date=date(2025, 8, 20), method="phone")
    # C: up to date, and the anniversary of the child's death runs (8 to 14 October): a reminder.
    c = HouseholdFactory(village=village, number="C", registered_on=OLD, child_event_date=date(2015, 10, 11))
    # D: up to date; October is still to do (due 31 October).
    d = HouseholdFactory(village=village, number="D", registered_on=OLD, family_type="disability")
    # E: October done already: nothing due. F: registered in October: nothing asked of it yet.
    e = HouseholdFactory(village=village, number="E", registered_on=OLD, family_type="disability")
    HouseholdFactory(village=village, number="F", registered_on=date(2025, 10, 3), family_type="disability")
    for h in (c, d, e):
        VisitFactory(household=h, date=date(2025, 8, 15), method="phone")
        VisitFactory(household=h, date=date(2025, 9, 15), method="phone")
    VisitFactory(household=e, date=date(2025, 10, 5), method="phone")
    overdue_refresh(as_of=date(2025, 9, 10))
    overdue_refresh(as_of=date(2025, 10, 10))
    # Z: registered since the engine's last run: no place yet, it comes with those that have nothing due.
    HouseholdFactory(village=village, number="Z", registered_on=OLD, family_type="disability")

    response = client_for(personas.village_cadre).get(reverse("visits:my_households"))

    assert response.status_code == 200
    assert numbers(response) == ["A", "B", "C", "D", "E", "F", "Z"]
    urgency = {u.household.number: u for u in HouseholdUrgency.objects.select_related("household")}
    assert (urgency["A"].rank, urgency["A"].escalation_level, urgency["A"].urgent_on) == (0, 2, date(2025, 9, 10))
    assert (urgency["B"].rank, urgency["B"].escalation_level, urgency["B"].urgent_on) == (0, 0, date(2025, 10, 10))
    assert (urgency["C"].rank, urgency["C"].urgent_on) == (1, date(2025, 10, 14))
    assert (urgency["D"].rank, urgency["D"].urgent_on, urgency["D"].next_due) == (
        2,
        date(2025, 10, 31),
        date(2025, 10, 31),
    )
    assert (urgency["E"].rank, urgency["E"].next_due) == (2, None)
    page = response.content.decode()
    assert 'data-flag="monthly_contact"' in page
    assert 'data-flag="death_anniversary"' in page


def test_a_closed_household_leaves_the_worklist(area, rules):
    household = HouseholdFactory(village=area.V1a, registered_on=OLD)
    overdue_refresh(as_of=date(2025, 10, 10))
    assert HouseholdUrgency.objects.filter(household=household).exists()
    type(household).objects.filter(pk=household.pk).update(
        status="closed", closed_on=date(2025, 10, 11), closed_reason="moved_away"
    )

    overdue_refresh(as_of=date(2025, 10, 12), household_ids=[household.pk])

    assert not HouseholdUrgency.objects.filter(household=household).exists()


def test_logging_a_visit_moves_the_household_down(
    client_for, personas, area, rules, django_capture_on_commit_callbacks
):
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    late = HouseholdFactory(village=area.V1a, registered_on=OLD, number="A-LATE")
    fine = HouseholdFactory(village=area.V1a, registered_on=OLD, number="B-FINE")
    VisitFactory(household=fine, date=today - timedelta(days=40), method="phone")
    VisitFactory(household=fine, date=today, method="phone")
    overdue_refresh(as_of=today)
    client = client_for(personas.village_cadre)
    assert numbers(client.get(reverse("visits:my_households")))[0] == "A-LATE"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("visits:log", args=[late.pk]), {"date": today.isoformat(), "method": "phone", "purpose": "routine"}
        )

    assert response.status_code == 302

    assert HouseholdUrgency.objects.get(household=late).rank == HouseholdUrgency.Rank.DUE
    # Both are up to date now: the order falls back to the household number.
    assert numbers(client.get(reverse("visits:my_households"))) == ["A-LATE", "B-FINE"]


def test_pages_follow_the_order_in_a_constant_number_of_queries(client_for, personas, area, rules):
    only_rules(rules, "monthly_contact")
    for i in range(3):
        HouseholdFactory(village=area.V1a, registered_on=OLD, number=f"N-{i:03d}")
    overdue_refresh(as_of=date(2025, 10, 10))
    client = client_for(personas.village_cadre)
    url = reverse("visits:my_households")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(3, WORKLIST_PAGE_SIZE + 7):
        h = HouseholdFactory(village=area.V1a, registered_on=OLD, number=f"N-{i:03d}")
        if i % 2:  # half of them up to date: they come after the overdue ones
            VisitFactory(household=h, date=date(2025, 9, 20), method="phone")
    overdue_refresh(as_of=date(2025, 10, 10))

    with CaptureQueriesContext(connection) as many:
        first = client.get(url)
    second = client.get(url, {"page": 2})

    assert len(many.captured_queries) == len(few.captured_queries)
    both = numbers(first) + numbers(second)
    assert len(numbers(first)) == WORKLIST_PAGE_SIZE
    assert len(both) == WORKLIST_PAGE_SIZE + 7
    overdue = sorted(f"N-{i:03d}" for i in range(WORKLIST_PAGE_SIZE + 7) if i < 3 or not i % 2)
    assert both == overdue + sorted(set(both) - set(overdue))


def test_closing_a_household_closes_its_flags_and_leaves_the_worklist_at_once(
    personas, area, rules, django_capture_on_commit_callbacks
):
    """The households app queues the one-household engine run: no waiting for the night."""
    from households.services import household_close, household_reopen
    from visits.models import OverdueFlag

    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=OLD)
    overdue_refresh(as_of=today)
    assert OverdueFlag.objects.filter(household=household, closed_on__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        household_close(actor=personas.county_staff, household=household, reason="moved_away", closed_on=today)

    assert not OverdueFlag.objects.filter(household=household, closed_on__isnull=True).exists()
    assert not HouseholdUrgency.objects.filter(household=household).exists()

    with django_capture_on_commit_callbacks(execute=True):
        household_reopen(actor=personas.county_staff, household=household, note="moved back")

    assert OverdueFlag.objects.filter(household=household, closed_on__isnull=True).exists()
    assert HouseholdUrgency.objects.get(household=household).rank == HouseholdUrgency.Rank.OVERDUE
