"""The statistical forms' pages per persona: the unit's forms, a form, fill, actions, completeness, deadlines, drill;
the scope matrix (outside the area: 404 on GET and POST, nothing written); a city user reads its counties' forms and
never reaches a family's file or a records drill."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AccessEvent
from reports.models import Report, ReportDeadline, ReportTransition, ReportValue
from reports.statforms import services
from reports.statforms.spec import Period
from tests.factories import HouseholdFactory, UserFactory
from tests.reports.statforms.helpers import activities, city_over

pytestmark = pytest.mark.django_db

NOV = "2025-11"  # a period that has ended whenever the tests run
ON = date(2025, 11, 10)


def _url(name, unit, *extra, template="warm_monthly", period=NOV):
    return reverse(f"reports:forms:{name}", args=[unit.pk, template, period, *extra])


# (URL name, how to build it from the fixture's area: a unit of county C)
ID_URLS = [
    ("reports:forms:unit", lambda a: reverse("reports:forms:unit", args=[a.T1.pk])),
    ("reports:forms:completeness", lambda a: reverse("reports:forms:completeness", args=[a.C.pk, "warm_monthly", NOV])),
    ("reports:forms:report", lambda a: _url("report", a.T1)),
    ("reports:forms:fill", lambda a: _url("fill", a.T1)),
    ("reports:forms:act", lambda a: _url("act", a.T1)),
    ("reports:forms:export", lambda a: _url("export", a.T1)),
    ("reports:forms:export_pdf", lambda a: _url("export_pdf", a.T1, template="yearly", period="2026")),
    ("reports:forms:drill", lambda a: _url("drill", a.T1, "activities_sessions")),
]
MATRIX_URLS = {name for name, _build in ID_URLS}


def _state():
    return (
        list(Report.objects.values_list("id", "state").order_by("id")),
        ReportValue.objects.count(),
        ReportTransition.objects.count(),
        ReportDeadline.objects.count(),
    )


@pytest.fixture
def city(area):
    return city_over(area.C, area.C2)


@pytest.fixture
def city_staff(city):
    return UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)


@pytest.fixture
def draft(area, personas):
    return services.report_open(
        actor=personas.town_cadre, template_code="warm_monthly", unit=area.T1, period=Period.month(2025, 11)
    )


@pytest.mark.parametrize(("name", "build"), ID_URLS)
def test_outside_the_area_is_404_on_get_and_post_and_writes_nothing(area, personas, client_for, draft, name, build):
    url = build(area)
    before = _state()
    for user in (personas.other_county_staff, personas.no_area, personas.other_town_cadre):
        client = client_for(user)
        if user == personas.other_town_cadre and name in ("reports:forms:completeness",):
            continue  # T2's cadre reads no county figure: 404 too, checked below
        post_only = name == "reports:forms:act"
        assert client.get(url).status_code == (405 if post_only else 404), (user, url)
        post = client.post(url, {"action": "submit", "reason": "x"}).status_code
        assert post == 404 if post_only or name == "reports:forms:fill" else post in (404, 405), (user, url)
    assert _state() == before


def test_pages_per_persona(area, personas, client_for, draft):
    activities(area.V1a, 2, on=ON)
    report = _url("report", area.T1)
    for user in (personas.town_cadre, personas.county_staff, personas.leader):
        response = client_for(user).get(report)
        assert response.status_code == 200, user
        content = response.content.decode()
        assert area.V1a.name in content
        assert "data-total" in content
    # A village cadre reads its own village's form only.
    assert client_for(personas.village_cadre).get(report).status_code == 404
    assert client_for(personas.village_cadre).get(_url("report", area.V1a)).status_code == 200
    # Home for each.
    for user in (personas.town_cadre, personas.county_staff, personas.leader, personas.village_cadre):
        assert client_for(user).get(reverse("reports:forms:home")).status_code == 200
    # The nav entry.
    assert (
        reverse("reports:forms:home") in client_for(personas.leader).get(reverse("reports:forms:home")).content.decode()
    )


def test_fill_and_submit_through_the_pages(area, personas, client_for, draft):
    activities(area.V1a, 3, on=ON)
    client = client_for(personas.town_cadre)
    fill = _url("fill", area.T1)
    page = client.get(fill + f"?row={area.V1a.pk}")
    assert page.status_code == 200
    before = _state()
    refused = client.post(fill + f"?row={area.V1a.pk}", {"v_activities_sessions": "1", "r_activities_sessions": ""})
    assert refused.status_code == 400
    assert "reason" in refused.content.decode() or "原因" in refused.content.decode()
    assert _state() == before
    ok = client.post(fill + f"?row={area.V1a.pk}", {"v_activities_sessions": "1", "r_activities_sessions": "重复"})
    assert ok.status_code == 302
    assert ReportValue.objects.get(report=draft, row_unit=area.V1a, column="activities_sessions").typed == 1
    response = client.post(_url("act", area.T1), {"action": "submit"}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == Report.State.SUBMITTED
    # The current month has not ended: its submission is refused with the message, nothing written.
    current = Period.containing(Period.month(2025, 1).kind, timezone.localdate())
    client.post(_url("act", area.T1, period=current.key), {"action": "open"})
    before = _state()
    refused = client.post(_url("act", area.T1, period=current.key), {"action": "submit"}, follow=True)
    assert "has not ended" in refused.content.decode() or "尚未结束" in refused.content.decode()
    assert _state() == before


def test_leader_and_other_town_cannot_act(area, personas, client_for, draft):
    before = _state()
    for user in (personas.leader, personas.village_cadre):
        response = client_for(user).post(_url("act", area.T1), {"action": "accept"})
        assert response.status_code in (403, 404)
    assert client_for(personas.leader).get(_url("fill", area.T1)).status_code == 403
    assert _state() == before


def test_county_staff_drills_to_records_a_leader_to_child_units(area, personas, client_for, draft):
    household = HouseholdFactory(village=area.V1a)
    activities(area.V1a, 1, on=ON)
    staff_page = client_for(personas.county_staff).get(_url("report", area.C)).content.decode()
    assert _url("drill", area.T1, "activities_sessions") in staff_page
    leader_page = client_for(personas.leader).get(_url("report", area.C)).content.decode()
    assert "/drill/" not in leader_page
    assert _url("report", area.T1) in leader_page
    assert client_for(personas.leader).get(_url("drill", area.T1, "activities_sessions")).status_code == 404
    drilled = client_for(personas.county_staff).get(_url("drill", area.T1, "activities_sessions"))
    assert drilled.status_code == 200
    assert AccessEvent.objects.filter(actor=personas.county_staff, action=AccessEvent.Action.VIEW).exists()
    assert household.number not in leader_page


def test_city_user_reads_its_counties_and_never_a_family(area, personas, client_for, city, city_staff):
    household = HouseholdFactory(village=area.V1a)
    activities(area.V1a, 2, on=ON)
    client = client_for(city_staff)
    home = client.get(reverse("reports:forms:home"))
    assert home.status_code == 200
    page = client.get(_url("report", city))
    assert page.status_code == 200
    content = page.content.decode()
    assert area.C.name in content
    assert area.C2.name in content
    assert "/drill/" not in content
    assert client.get(_url("report", area.C)).status_code == 200
    assert client.get(_url("report", area.T1)).status_code == 200
    assert client.get(_url("drill", area.C, "activities_sessions")).status_code == 404
    assert client.get(_url("drill", area.T1, "activities_sessions")).status_code == 404
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 404
    completeness = client.get(reverse("reports:forms:completeness", args=[city.pk, "warm_monthly", NOV]))
    assert completeness.status_code == 200
    assert area.T1.name in completeness.content.decode()  # missing towns listed
    assert client.get(reverse("reports:forms:deadlines")).status_code == 200
    # An assistance form's persons' sheets are not offered to a city user.
    assist = client.get(_url("report", city, template="assistance_monthly"))
    assert "data-export-details" not in assist.content.decode()


def test_deadlines_page_sets_a_countys_deadline_and_refuses_bad_input(area, personas, client_for):
    client = client_for(personas.county_staff)
    url = reverse("reports:forms:deadlines")
    assert client.get(url).status_code == 200
    before = _state()
    bad = client.post(url, {"template": "warm_monthly", "level": "town", "day": "40", "reminder_days": "3"})
    assert bad.status_code == 400
    assert (
        client.post(url, {"template": "warm_monthly", "level": "town", "day": "x", "reminder_days": "3"}).status_code
        == 400
    )
    assert _state() == before
    ok = client.post(url, {"template": "warm_monthly", "level": "town", "day": "8", "reminder_days": "2"})
    assert ok.status_code == 302
    assert ReportDeadline.objects.get(region=area.C, level="town").day == 8
    assert client_for(personas.town_cadre).get(url).status_code == 403
    assert client_for(personas.leader).get(url).status_code == 403


def test_a_drill_is_shown_a_page_at_a_time_and_counted_whole(area, personas, client_for, draft, monkeypatch):
    from reports.statforms import views

    monkeypatch.setattr(views, "DRILL_PAGE_SIZE", 2)
    activities(area.V1a, 5, on=ON)
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    pages = [client.get(_url("drill", area.T1, "activities_sessions"), {"page": n}).content.decode() for n in (1, 3)]
    for content in pages:
        assert "The cell: 5" in content
        assert "5 records" in content
    rows = [content.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") for content in pages]
    assert rows == [2, 1]
    assert "Page 1 of 3" in pages[0]
    assert "page=2" in pages[0]
