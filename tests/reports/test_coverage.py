"""The coverage dashboard: figures on fixed data, drill-down, read-only for leaders, xlsx export, scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessEvent
from reports import charts
from reports.selectors import coverage_dashboard
from reports.services import coverage_snapshot_refresh
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.services import ruleset_create_default

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 11, 20)  # latest due month: October 2025; quarter: 2025-Q3; festival: Mid-Autumn 2025


@pytest.fixture
def county(area):
    ruleset_create_default(county=area.C)
    old = date(2020, 1, 1)
    a = HouseholdFactory(village=area.V1a, registered_on=old, number="=HYPERLINK(1)")
    b = HouseholdFactory(village=area.V1a, registered_on=old, number="B")
    c = HouseholdFactory(village=area.V2a, registered_on=old, number="C")
    HouseholdFactory(village=area.V2a, registered_on=date(2025, 10, 15), number="NEW")  # not yet due
    for h in (a, b, c):
        MemberFactory(household=h)
    MemberFactory(household=a, role="wife")
    VisitFactory(household=a, date=date(2025, 10, 2), method="phone")
    VisitFactory(household=a, date=date(2025, 8, 1), method="home")
    VisitFactory(household=c, date=date(2025, 11, 4), method="home")  # October's grace (5 days)
    VisitFactory(household=a, date=date(2025, 10, 5), method="home")  # in the Mid-Autumn window (29 Sep – 9 Oct)
    # Every required contact for household b only.
    for role in ("town_leader", "village_cadre", "family_doctor", "association_member"):
        region = area.T1 if role == "town_leader" else area.V1a
        AssignmentFactory(household=b, person=ServicePersonFactory(role_type=role, region=region))
    overdue_refresh(as_of=AS_OF)
    coverage_snapshot_refresh(as_of=AS_OF)
    return {"a": a, "b": b, "c": c}


def test_county_figures_by_town(county, personas, area):
    d = coverage_dashboard(user=personas.leader, region=area.C, as_of=AS_OF)

    assert d.child_level == "town"
    assert (d.month.key, d.quarter.key, d.festival.key) == ("2025-10", "2025-Q3", "2025")
    rows = {r.label: r.figures for r in d.rows}
    t1, t2 = rows["东关街道"], rows["清真巷街道"]
    assert (t1.households, t1.contacts_covered, t1.month_households, t1.month_met) == (2, 1, 2, 1)
    assert (t2.households, t2.month_households, t2.month_met) == (2, 1, 1)
    assert (t1.quarter_households, t1.quarter_met) == (2, 1)
    assert (t1.festival_households, t1.festival_met, t1.festival_persons, t1.festival_persons_met) == (2, 1, 3, 2)
    assert d.total.households == 4
    assert d.total.month_rate == pytest.approx(2 / 3)
    assert d.total.open_flags == sum(r.figures.open_flags for r in d.rows) > 0
    assert [key for key, _, _ in d.trend][-1] == "2025-10"
    assert len(d.trend) == 12


def test_village_view_lists_households(county, personas, area):
    d = coverage_dashboard(user=personas.town_cadre, region=area.V1a, as_of=AS_OF)

    rows = {r.label: r for r in d.rows}
    assert set(rows) == {"=HYPERLINK(1)", "B"}
    assert rows["B"].contacts_complete is True
    assert (rows["=HYPERLINK(1)"].figures.month_met, rows["B"].figures.month_met) == (1, 0)
    assert "Contact at least once a month" in rows["B"].flag_names


def test_leader_reads_the_dashboard_and_drills_down(county, personas, area, client_for):
    client = client_for(personas.leader)
    response = client.get(reverse("reports:coverage"))
    assert response.status_code == 200
    assert b"<svg" in response.content
    assert b"<form" not in response.content.split(b"<main")[1].split(b"</main>")[0]  # read-only
    assert client.get(reverse("reports:coverage_region", args=[area.T1.pk])).status_code == 200
    assert client.get(reverse("reports:coverage_region", args=[area.V1a.pk])).status_code == 200


def test_village_rows_open_the_archive_for_staff_not_for_a_leader(county, personas, area, client_for):
    url = reverse("reports:coverage_region", args=[area.V1a.pk])
    archive = reverse("households:detail", args=[county["b"].pk]).encode()

    assert b'href="' + archive + b'"' in client_for(personas.county_staff).get(url).content
    assert archive not in client_for(personas.leader).get(url).content


def test_export_is_formula_safe_and_logged(county, personas, area, client_for):
    response = client_for(personas.county_staff).get(reverse("reports:coverage_region_export", args=[area.V1a.pk]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    labels = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert "'=HYPERLINK(1)" in labels
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.region_path) == (personas.county_staff, area.V1a.path)


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {"reports:coverage_region", "reports:coverage_region_export"}


@pytest.mark.parametrize(
    ("persona", "region", "status"),
    [
        ("town_cadre", "T2", 404),
        ("town_cadre", "V2a", 404),
        ("village_cadre", "V1b", 404),
        ("other_county_staff", "C", 404),
        ("other_county_staff", "V1a", 404),
        ("no_area", "C", 404),
        ("leader", "C2", 404),
        ("town_cadre", "V1b", 200),
        ("leader", "V2a", 200),
    ],
)
def test_area_scope_matrix(county, personas, area, client_for, persona, region, status):
    client = client_for(getattr(personas, persona))
    pk = getattr(area, region).pk
    events = AccessEvent.objects.count()
    for name in sorted(MATRIX_URLS):
        assert client.get(reverse(name, args=[pk])).status_code == status, name
        assert client.post(reverse(name, args=[pk])).status_code in (405, 404), name
    if status == 404:
        assert AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).count() == 0
    else:
        assert AccessEvent.objects.count() > events


def test_roles_without_the_dashboard_get_403(personas, area, client_for, county):
    from tests.factories import UserFactory

    doctor = UserFactory(role="family_doctor", region=area.V1a)
    assert client_for(doctor).get(reverse("reports:coverage")).status_code == 403
    assert client_for(personas.no_area).get(reverse("reports:coverage")).status_code == 404


def test_svg_has_no_style_attribute_and_escapes_labels():
    svg = charts.bar_chart([("<b>村</b>", 0.5), ("x", None)], title="t") + charts.trend_chart(
        [("2025-01", 1.0)], title="t"
    )
    assert "style=" not in svg
    assert "<b>" not in svg
    assert "50%" in svg


def test_snapshot_refresh_is_idempotent(county):
    from reports.models import CoverageSnapshot

    before = list(CoverageSnapshot.objects.order_by("village", "rule", "period_key").values_list("households", "met"))
    coverage_snapshot_refresh(as_of=AS_OF)
    after = list(CoverageSnapshot.objects.order_by("village", "rule", "period_key").values_list("households", "met"))
    assert before == after


@pytest.mark.parametrize(
    ("persona", "linked", "plain"),
    [
        ("county_staff", {"C", "T1"}, set()),
        ("leader", {"C", "T1"}, set()),
        ("town_cadre", {"T1"}, {"C"}),
        ("village_cadre", set(), {"C", "T1"}),
    ],
)
def test_breadcrumbs_link_only_inside_the_readers_area(county, personas, area, client_for, persona, linked, plain):
    """A town or village user reads the names above their area but gets no link to a page they would get 404 on."""
    client = client_for(getattr(personas, persona))
    html = client.get(reverse("reports:coverage_region", args=[area.V1a.pk])).content.decode()
    crumb = html.split('<p class="breadcrumb">')[1].split("</p>")[0]
    for key in linked | plain:
        region = getattr(area, key)
        href = reverse("reports:coverage_region", args=[region.pk])
        assert region.name in crumb
        assert (f'href="{href}"' in crumb) == (key in linked), key
        if key in linked:
            assert client.get(href).status_code == 200


def test_the_twelve_month_chart_carries_the_year():
    points = [(f"2025-{m:02d}", 0.5) for m in range(3, 13)] + [("2026-01", 0.7), ("2026-02", None)]
    svg = str(charts.trend_chart(points, title="t"))
    assert svg.count("data-year=") == 2  # under the first month and under January
    assert 'data-year="2025">2025</text>' in svg
    assert 'data-year="2026">2026</text>' in svg
    assert "<title>2025-12: 50%</title>" in svg


def test_the_dashboard_trend_shows_its_years(county, personas, client_for, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: AS_OF)
    html = client_for(personas.county_staff).get(reverse("reports:coverage")).content.decode()
    assert "data-year=" in html
    assert 'class="table-wrap scroll-x"><table class="table compact" data-rows>' in html
