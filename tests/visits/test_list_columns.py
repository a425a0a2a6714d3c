"""The household list's last contact and open flags (issue 13 B8), the visits app's columns through the archive
seam (households.extensions.ListColumn): shown, and sortable both ways across pages."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HouseholdFactory
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import HouseholdUrgency, OverdueFlag, Rule, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(area, rules):
    """Five households: last contacts on different days (one never contacted), open overdue flags 0–2."""
    overdue = Rule.objects.filter(rule_set=rules, mode=Rule.Mode.OVERDUE).order_by("id")[:2]
    reminder = Rule.objects.filter(rule_set=rules, mode=Rule.Mode.REMINDER).first()
    made = {}
    for number, last, flags in (
        ("L-1", date(2025, 3, 1), 2),
        ("L-2", None, 1),
        ("L-3", date(2025, 6, 1), 0),
        ("L-4", date(2024, 12, 1), 1),
        ("L-5", date(2025, 1, 15), 0),
    ):
        household = HouseholdFactory(village=area.V1a, county=area.C, number=number)
        if last:
            VisitFactory(household=household, date=date(2024, 1, 1))
            VisitFactory(household=household, date=last)
        for rule in overdue[:flags]:
            OverdueFlag.objects.create(
                household=household,
                rule=rule,
                period_key="2025-05",
                period_start=date(2025, 5, 1),
                period_end=date(2025, 5, 31),
                opened_on=date(2025, 6, 1),
            )
        # The worklist place as the engine keeps it (test_the_engine_keeps_what_the_list_sorts_by checks the engine).
        HouseholdUrgency.objects.create(
            household=household, rank=HouseholdUrgency.Rank.DUE, last_contact=last, open_overdue=flags
        )
        made[number] = household
    if reminder is not None:  # a running reminder is not an overdue flag
        OverdueFlag.objects.create(
            household=made["L-3"],
            rule=reminder,
            period_key="2025-06",
            period_start=date(2025, 6, 1),
            period_end=date(2025, 6, 30),
            opened_on=date(2025, 6, 1),
        )
    # A closed flag is not open.
    OverdueFlag.objects.create(
        household=made["L-5"],
        rule=overdue[0],
        period_key="2025-04",
        period_start=date(2025, 4, 1),
        period_end=date(2025, 4, 30),
        opened_on=date(2025, 5, 1),
        closed_on=date(2025, 5, 3),
        closed_reason=OverdueFlag.CloseReason.MET,
    )
    return made


def _all(client, **params):
    seen, page = [], 1
    while True:
        response = client.get(reverse("households:list"), {**params, "page": page})
        seen += [(row.household.number, dict(row.extra)) for row in response.context["rows"]]
        if not response.context["page"].has_next():
            return seen
        page += 1


def test_last_contact_and_open_flags_are_shown_and_sort(client_for, personas, listed, monkeypatch):
    monkeypatch.setattr("households.views.PAGE_SIZE", 2)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2025, 7, 1))
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    by_number = dict(_all(client))
    assert by_number["L-1"] == {"Last contact": "2025-03-01", "Open flags": "2"}
    assert by_number["L-2"] == {"Last contact": "—", "Open flags": "1"}
    assert by_number["L-3"] == {"Last contact": "2025-06-01", "Open flags": "0"}
    assert by_number["L-5"]["Open flags"] == "0"
    oldest_first = [number for number, _extra in _all(client, sort="last_contact")]
    assert oldest_first == ["L-2", "L-4", "L-5", "L-1", "L-3"]  # never contacted first
    assert [number for number, _extra in _all(client, sort="-last_contact")] == oldest_first[::-1]
    most_flags = [number for number, _extra in _all(client, sort="-open_flags")]
    assert most_flags == ["L-1", "L-4", "L-2", "L-5", "L-3"]  # ties: number descending
    assert [number for number, _extra in _all(client, sort="open_flags")] == most_flags[::-1]
    headings = client.get(reverse("households:list")).context["headings"]
    assert [h.label for h in headings[-2:]] == ["Last contact", "Open flags"]
    assert "sort=-open_flags" in headings[-1].url  # the most first


def test_the_columns_cost_one_query_each_a_page(client_for, personas, listed):
    client = client_for(personas.county_staff)
    client.get(reverse("households:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("households:list"), {"sort": "-open_flags"})
    for i in range(10):
        household = HouseholdFactory(number=f"M-{i}", village=listed["L-1"].village, county=listed["L-1"].county)
        VisitFactory(household=household, date=date(2025, 2, i + 1))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("households:list"), {"sort": "-open_flags"})
    assert len(many) == len(few)


def test_the_engine_keeps_what_the_list_sorts_by(area, rules):
    """After a run, each household's place holds its last contact inside the engine's window and its open overdue
    flags — recounted here from the visits and flags themselves."""
    as_of = date(2025, 7, 1)
    for i in range(6):
        household = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
        for day in range(i):
            VisitFactory(household=household, date=date(2025, 1 + day, 10))
    overdue_refresh(as_of=as_of)
    window_start = min((f.period_start for f in OverdueFlag.objects.all()), default=as_of)
    assert HouseholdUrgency.objects.filter(last_contact__isnull=False).count() >= 4  # the check below bites
    for place in HouseholdUrgency.objects.all():
        dates = list(
            Visit.objects.filter(household_id=place.household_id, date__lte=as_of).values_list("date", flat=True)
        )
        open_overdue = OverdueFlag.objects.filter(
            household_id=place.household_id, closed_on__isnull=True, rule__mode=Rule.Mode.OVERDUE
        ).count()
        assert place.open_overdue == open_overdue
        if place.last_contact is not None:
            assert place.last_contact == max(dates)
        else:
            assert not [d for d in dates if d >= window_start]
