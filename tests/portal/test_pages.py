"""The home page per role (issue 13 B11)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from reports.selectors import coverage_dashboard
from reports.services import coverage_snapshot_refresh
from tests.factories import HouseholdFactory, MemberFactory
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.services import ruleset_create_default

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 11, 20)


@pytest.fixture
def figures(area):
    ruleset_create_default(county=area.C)
    households = []
    for village, number in ((area.V1a, "A"), (area.V1a, "B"), (area.V2a, "C"), (area.V2a, "D")):
        households.append(HouseholdFactory(village=village, registered_on=date(2020, 1, 1), number=number))
        MemberFactory(household=households[-1])
    VisitFactory(household=households[0], date=date(2025, 10, 2), method="phone")
    overdue_refresh(as_of=AS_OF)
    coverage_snapshot_refresh(as_of=AS_OF)


def test_the_leaders_home_page_shows_the_coverage_figures(figures, area, personas, client_for, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: AS_OF)
    d = coverage_dashboard(user=personas.leader, region=area.C, as_of=AS_OF)
    html = client_for(personas.leader).get(reverse("portal:home")).content.decode()
    assert "data-coverage" in html
    assert f'<dd data-figure="households">{d.total.households}</dd>' in html
    assert d.total.households == 4
    assert f'<dd data-figure="open-flags">{d.total.open_flags}</dd>' in html
    month = round(d.total.month_rate * 100)
    assert re.search(rf'<dd data-figure="month">{month}%\s*</dd>', html)
    assert f'href="{reverse("reports:coverage")}"' in html


def test_other_roles_home_pages_have_no_coverage_card(figures, personas, client_for):
    for persona in (personas.county_staff, personas.town_cadre, personas.village_cadre):
        assert "data-coverage" not in client_for(persona).get(reverse("portal:home")).content.decode()
