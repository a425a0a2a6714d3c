"""The home page per role and the portal's own error pages and icon (issue 13 B11)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
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


def test_403_is_the_portals_page_in_the_readers_language(personas, client_for):
    client = client_for(personas.village_cadre)
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error="403"' in html
    assert 'class="topbar"' in html
    assert "data-nav=" in html  # the portal's navigation, the way out
    client.cookies["django_language"] = "en"
    english = client.get(reverse("accounts:user_list")).content.decode()
    assert 'lang="en"' in english
    assert "Not allowed" in english


def test_404_is_the_portals_page(personas, client_for):
    outside = personas.other_county_staff.region
    response = client_for(personas.town_cadre).get(reverse("regions:detail", args=[outside.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error="404"' in html
    assert 'class="topbar"' in html
    anonymous = Client().get("/no-such-page/")
    assert anonymous.status_code == 404
    assert 'data-error="404"' in anonymous.content.decode()


def test_a_failed_csrf_check_gets_the_portals_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert 'data-error="403-csrf"' in response.content.decode()


def test_the_favicon_is_linked_and_served(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert 'rel="icon" href="/static/favicon.ico"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"


def test_the_500_page_renders_without_a_request():
    """Django renders 500.html with no context and no request: nothing in it may need either."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert 'data-error="500"' in html
    assert "/static/css/portal.css" in html


def test_the_regions_table_heads_its_name_column_as_a_places_name(personas, client_for):
    """名称 (a place's name), not 姓名 (a person's)."""
    client = client_for(personas.county_staff)
    head = client.get(reverse("regions:list")).content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "姓名" not in head
    client.cookies["django_language"] = "en"
    head = client.get(reverse("regions:list")).content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "<th>Name</th>" in head
