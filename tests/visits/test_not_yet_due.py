"""A household nothing has come due for yet (registered this month, no contact, no flag ever) says "Not yet due"
on its visits panel, not "Up to date" (issue 13 B8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HouseholdFactory, MemberFactory
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import OverdueFlag

pytestmark = pytest.mark.django_db


def _panel(client, household) -> str:
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    return html.split('data-section="visits"', 1)[1].split("</section>", 1)[0]


def test_new_household_is_not_yet_due_then_up_to_date_once_met(client_for, personas, area, rules):
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=today)
    MemberFactory(household=household)
    overdue_refresh(as_of=today)
    assert not OverdueFlag.objects.filter(household=household).exists()
    client = client_for(personas.county_staff)
    panel = _panel(client, household)
    assert 'data-visits="not-yet-due"' in panel
    assert 'data-visits="up-to-date"' not in panel
    VisitFactory(household=household, date=today)
    overdue_refresh(as_of=today)
    panel = _panel(client, household)
    assert 'data-visits="up-to-date"' in panel
    assert 'data-visits="not-yet-due"' not in panel


def test_a_household_whose_flag_was_met_is_up_to_date(client_for, personas, area, rules):
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=today - timedelta(days=400))
    MemberFactory(household=household)
    overdue_refresh(as_of=today)  # behind: flags open
    assert OverdueFlag.objects.filter(household=household, closed_on__isnull=True).exists()
    client = client_for(personas.county_staff)
    assert 'data-visits="overdue"' in _panel(client, household)
    VisitFactory(household=household, date=today, method="home")
    overdue_refresh(as_of=today)
    panel = _panel(client, household)
    assert 'data-visits="not-yet-due"' not in panel
