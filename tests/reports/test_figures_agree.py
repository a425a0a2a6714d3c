"""One day, one definition, one number (issue 13 B4): a village's and a town's figures are the same on every page
and export that shows them — the county's dashboard, the town's, the village's own page, the contacts' gaps page
and the xlsx export — and one figure is recomputed here in plain Python from the rows (an oracle independent of
the selectors' SQL, as tests/visits/test_engine.py does for the engine)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contacts.models import Assignment
from households.models import Household
from reports.models import ContactSnapshot
from reports.selectors import Figures, coverage_dashboard
from reports.services import coverage_snapshot_refresh
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import Rule, Visit
from visits.services import ruleset_create_default

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 11, 20)  # latest due month: October 2025; quarter: 2025-Q3; festival: Mid-Autumn 2025
OLD = date(2020, 1, 1)
ROLES = ("town_leader", "village_cadre", "family_doctor", "association_member")


@pytest.fixture
def built(area, monkeypatch):
    """V1a: six households — complete contacts or not, a phone or home visit in October or not, a visit in the
    festival window or not, one registered after the month began (not yet due), one closed on 10 November (on the
    roster through October: it counts in October, the quarter and the festival, not in today's contacts), a
    deceased member (not a festival person). V1b and V2a: one household each. The snapshots are taken, then a
    contact term is ended in bulk (no per-row signal), as a village reassignment does."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: AS_OF)
    ruleset_create_default(county=area.C)
    people = {
        role: ServicePersonFactory(role_type=role, region=area.T1 if role == "town_leader" else area.V1a)
        for role in ROLES
    }
    h = {
        "full": HouseholdFactory(village=area.V1a, registered_on=OLD, number="A1"),
        "phone": HouseholdFactory(village=area.V1a, registered_on=OLD, number="A2"),
        "none": HouseholdFactory(village=area.V1a, registered_on=OLD, number="A3"),
        "new": HouseholdFactory(village=area.V1a, registered_on=date(2025, 10, 15), number="A4"),
        "closed": HouseholdFactory(
            village=area.V1a,
            registered_on=OLD,
            number="A5",
            status=Household.Status.CLOSED,
            closed_on=date(2025, 11, 10),
            closed_reason=Household.CloseReason.BOTH_PARENTS_DECEASED,
        ),
        "ending": HouseholdFactory(village=area.V1a, registered_on=OLD, number="A6"),
        "b": HouseholdFactory(village=area.V1b, registered_on=OLD, number="B1"),
        "c": HouseholdFactory(village=area.V2a, registered_on=OLD, number="C1"),
    }
    for key in h:
        MemberFactory(household=h[key])
    MemberFactory(household=h["full"], role="wife")
    MemberFactory(household=h["phone"], role="wife", alive=False, death_date=date(2024, 3, 1))
    for key in ("full", "closed", "ending", "b"):
        for role in ROLES:
            AssignmentFactory(household=h[key], person=people[role])
    for role in ROLES[:2]:
        AssignmentFactory(household=h["phone"], person=people[role])
    VisitFactory(household=h["full"], date=date(2025, 10, 2), method="phone")
    VisitFactory(household=h["full"], date=date(2025, 8, 1), method="home")
    VisitFactory(household=h["full"], date=date(2025, 10, 5), method="home")  # the Mid-Autumn window
    VisitFactory(household=h["phone"], date=date(2025, 11, 3), method="phone")  # October's grace
    VisitFactory(household=h["closed"], date=date(2025, 10, 1), method="home")  # window, month, not the quarter
    VisitFactory(household=h["new"], date=date(2025, 10, 20), method="home")  # not yet due
    VisitFactory(household=h["ending"], date=date(2025, 9, 10), method="home")
    VisitFactory(household=h["b"], date=date(2025, 10, 3), method="phone")
    overdue_refresh(as_of=AS_OF)
    coverage_snapshot_refresh(as_of=AS_OF)
    # After the snapshot: one term of "ending" ends today, by a bulk update (as assignments_handover does).
    Assignment.objects.filter(household=h["ending"], slot="family_doctor").update(end_date=AS_OF)
    return h


def _key(f: Figures) -> tuple:
    return (
        f.households,
        f.contacts_covered,
        f.month_households,
        f.month_met,
        f.quarter_households,
        f.quarter_met,
        f.festival_households,
        f.festival_met,
        f.festival_persons,
        f.festival_persons_met,
        f.open_flags,
    )


def _xlsx_rows(client, region) -> list[tuple]:
    response = client.get(reverse("reports:coverage_region_export", args=[region.pk]))
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))


def _xlsx_key(row: tuple) -> tuple:
    """The figures of an export row, in _key's order (the share and rate columns left out)."""
    return (row[1], row[2], row[4], row[5], row[7], row[8], row[10], row[11], row[12], row[13], row[14])


def test_every_page_and_export_shows_the_same_figures(built, personas, area, client_for):
    county_page = client_for(personas.county_staff).get(reverse("reports:coverage_region", args=[area.C.pk]))
    town_page = client_for(personas.town_cadre).get(reverse("reports:coverage_region", args=[area.T1.pk]))
    village_client = client_for(personas.village_cadre)
    village_page = village_client.get(reverse("reports:coverage_region", args=[area.V1a.pk]))
    gaps_by_town = client_for(personas.county_staff).get(reverse("contacts:gaps"))
    gaps_by_village = client_for(personas.town_cadre).get(reverse("contacts:gaps"), {"region": area.T1.pk})

    village = village_page.context["d"].total
    in_town = {row.key: row.figures for row in town_page.context["d"].rows}[area.V1a.pk]
    town = {row.key: row.figures for row in county_page.context["d"].rows}[area.T1.pk]
    town_total = town_page.context["d"].total

    # The village: its own page = its row on the town's page = the sum of its household rows = its export.
    assert _key(village) == _key(in_town)
    summed = Figures()
    for row in village_page.context["d"].rows:
        summed.add(row.figures)
    assert _key(summed) == _key(village)
    exported = _xlsx_rows(village_client, area.V1a)
    assert _xlsx_key(exported[-1]) == _key(village)
    by_number = {row[0]: row for row in exported[2:-1]}
    for row in village_page.context["d"].rows:
        assert _xlsx_key(by_number[row.label]) == _key(row.figures), row.label
    # The festival columns of the export are the households' own (not zeros beside a total).
    assert sum(row[11] for row in exported[2:-1]) == village.festival_met > 0

    # The town: the county's dashboard = the town's own page = its export's total.
    assert _key(town) == _key(town_total)
    assert _xlsx_key(_xlsx_rows(client_for(personas.town_cadre), area.T1)[-1]) == _key(town_total)

    # Contacts: the gaps page (counted live) says what the dashboards say, the bulk change after the snapshot
    # included.
    gap_towns = {r.region_id: (r.households, r.covered) for r in gaps_by_town.context["coverage"]}
    gap_villages = {r.region_id: (r.households, r.covered) for r in gaps_by_village.context["coverage"]}
    assert gap_towns[area.T1.pk] == (town.households, town.contacts_covered)
    assert gap_villages[area.V1a.pk] == (village.households, village.contacts_covered)

    # The figures themselves (the fixture's story): the closed household counts in October, not in contacts.
    assert (village.households, village.contacts_covered) == (5, 1)
    assert (village.month_households, village.month_met) == (5, 3)
    assert (village.festival_households, village.festival_met) == (5, 2)

    # Each page says how fresh its figures are.
    assert b"data-freshness" in village_page.content
    assert b"data-freshness" in town_page.content
    assert town_page.context["d"].fresh_at is not None
    assert b"data-freshness" in gaps_by_town.content


def test_a_change_of_contacts_after_the_snapshot_shows_on_the_area_pages(built, personas, area):
    stored = ContactSnapshot.objects.get(village=area.V1a)
    assert (stored.households, stored.covered) == (5, 2)  # before the bulk update
    town = coverage_dashboard(user=personas.town_cadre, region=area.T1, as_of=AS_OF)
    assert {row.key: row.figures.contacts_covered for row in town.rows}[area.V1a.pk] == 1


def _oracle_month(households: list[Household], rule: Rule, *, start: date, end: date, as_of: date) -> tuple[int, int]:
    """The monthly contact figure of a village in plain Python: households registered by the month's start and on
    the roster at its end; met by a visit of the rule's methods from the start to the end + grace (not after
    as_of)."""
    check_to = min(end + timedelta(days=rule.grace_days), as_of)
    applies = [
        h
        for h in households
        if h.registered_on <= start and (h.status == Household.Status.ACTIVE or (h.closed_on and h.closed_on > end))
    ]
    met = 0
    for h in applies:
        if any(start <= v.date <= check_to and v.method in rule.methods for v in Visit.objects.filter(household=h)):
            met += 1
    return len(applies), met


def test_the_monthly_figure_is_what_a_plain_recount_says(built, personas, area):
    rule = Rule.objects.get(rule_set__county=area.C, code="monthly_contact")
    households = list(Household.objects.filter(village=area.V1a))
    expected = _oracle_month(households, rule, start=date(2025, 10, 1), end=date(2025, 10, 31), as_of=AS_OF)

    village = coverage_dashboard(user=personas.village_cadre, region=area.V1a, as_of=AS_OF)
    town = coverage_dashboard(user=personas.town_cadre, region=area.T1, as_of=AS_OF)
    assert village.month is not None
    assert village.month.key == "2025-10"
    assert (village.total.month_households, village.total.month_met) == expected
    in_town = {row.key: row.figures for row in town.rows}[area.V1a.pk]
    assert (in_town.month_households, in_town.month_met) == expected
