"""The supervision worklist (issue 13 B1): the open overdue flags of the area for county staff and town cadres (a
leader reads figures only) — scope, filters, sorting, counts checked against an independent recomputation over the
engine's rows, pages in a constant number of queries, the export (content, access event, headers in the reader's
language)."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessEvent
from tests.factories import HouseholdFactory
from visits.engine import overdue_refresh
from visits.models import OverdueFlag, Rule
from visits.services import ruleset_create_default
from visits.views import SUPERVISION_PAGE_SIZE

pytestmark = pytest.mark.django_db

OLD = date(2020, 1, 1)
URL = "visits:supervision"


@pytest.fixture
def flags(area, rules):
    """Households never contacted in V1a, V1b (town T1), V2a (town T2) and V3a (the other county), flagged by the
    engine today; then some flags made older and escalated, as weeks of nightly runs would leave them."""
    ruleset_create_default(county=area.C2)
    today = timezone.localdate()
    for village, prefix, n in ((area.V1a, "A", 6), (area.V1b, "B", 4), (area.V2a, "C", 3), (area.V3a, "X", 2)):
        for i in range(n):
            HouseholdFactory(village=village, number=f"{prefix}-{i}", registered_on=OLD)
    overdue_refresh(as_of=today)
    opened = list(OverdueFlag.objects.open().order_by("id"))
    assert opened, "the engine opened no flag"
    for i, flag in enumerate(opened):  # ages 0 … 120 days, levels as the defaults (14, 30 days) would give
        age = (i * 17) % 121
        level = 2 if age >= 30 else 1 if age >= 14 else 0
        OverdueFlag.objects.filter(pk=flag.pk).update(opened_on=today - timedelta(days=age), escalation_level=level)
    return today


def oracle(user, *, today, town=None, village=None, rule="", level=None, min_days=None, waits_for=""):
    """The same list recomputed in plain Python over every flag row: (flag ids, household ids)."""
    ids, households = set(), set()
    for f in OverdueFlag.objects.select_related("household__village__parent", "household__county", "rule"):
        h = f.household
        if f.closed_on is not None or f.rule.mode != Rule.Mode.OVERDUE or not h.is_visible_to(user):
            continue
        if town is not None and (h.village is None or h.village.parent_id != town):
            continue
        if village is not None and h.village_id != village:
            continue
        if rule and f.rule.code != rule:
            continue
        if level is not None and f.escalation_level != level:
            continue
        if min_days is not None and (today - f.opened_on).days < min_days:
            continue
        if waits_for and f.rule.by_family_doctor != (waits_for == "family_doctor"):
            continue
        ids.add(f.pk)
        households.add(h.pk)
    return ids, households


def all_rows(client, params):
    """Every row of every page: (flag ids, household numbers in order)."""
    ids, numbers = [], []
    page = 1
    while True:
        response = client.get(reverse(URL), {**params, "page": page})
        assert response.status_code == 200
        ids += [f.pk for f in response.context["rows"]]
        numbers += [f.household.number for f in response.context["rows"]]
        if not response.context["page_obj"].has_next():
            return ids, numbers, response
        page += 1


def test_scope_a_town_cadre_sees_only_the_town_and_no_one_another_county(client_for, personas, area, flags):
    for user, prefixes in (
        (personas.county_staff, {"A", "B", "C"}),
        (personas.town_cadre, {"A", "B"}),
        (personas.other_town_cadre, {"C"}),
        (personas.other_county_staff, {"X"}),
    ):
        ids, numbers, _ = all_rows(client_for(user), {})
        assert {n.split("-")[0] for n in numbers} == prefixes, user.username
        assert set(ids) == oracle(user, today=flags)[0]


def test_who_may_open_it(client_for, personas, flags):
    assert client_for(personas.village_cadre).get(reverse(URL)).status_code == 403
    assert client_for(personas.admin).get(reverse(URL)).status_code == 403
    staff = client_for(personas.county_staff).get(reverse(URL)).content.decode()
    assert "/households/" in staff
    assert 'data-nav="supervision"' in staff
    # A leader reads figures, not lists of households (docs/SECURITY.md §Roles).
    assert client_for(personas.leader).get(reverse(URL)).status_code == 403
    village = client_for(personas.village_cadre).get(reverse("visits:my_households")).content.decode()
    assert 'data-nav="supervision"' not in village


def test_counts_equal_an_independent_recomputation_for_every_filter(client_for, personas, area, flags):
    client = client_for(personas.county_staff)
    combos = itertools.product(
        (None, area.T1.pk, area.T2.pk),
        (None, area.V1b.pk),
        ("", "monthly_contact", "doctor_monthly_home_visit"),
        (None, 0, 2),
        (None, 7, 30, 90),
        ("", "family_doctor", "any_contact"),
    )
    checked, nonempty = 0, 0
    for town, village, rule, level, min_days, waits_for in combos:
        if checked % 7:  # a spread of the combinations, every value of every filter among them
            checked += 1
            continue
        checked += 1
        params = {
            "town": town,
            "village": village,
            "rule": rule,
            "level": level,
            "age": min_days,
            "waits_for": waits_for,
        }
        response = client.get(reverse(URL), {k: v for k, v in params.items() if v not in (None, "")})
        expected_ids, expected_households = oracle(
            personas.county_staff,
            today=flags,
            town=town,
            village=village,
            rule=rule,
            level=level,
            min_days=min_days,
            waits_for=waits_for,
        )
        assert response.context["counts"] == {"flags": len(expected_ids), "households": len(expected_households)}, (
            params
        )
        nonempty += bool(expected_ids)
        if len(expected_ids) <= SUPERVISION_PAGE_SIZE:
            assert {f.pk for f in response.context["rows"]} == expected_ids, params

    assert nonempty > 20  # the filters were tried on lists that hold something


def test_search_by_household_number(client_for, personas, flags):
    response = client_for(personas.town_cadre).get(reverse(URL), {"number": "a-1"})
    assert {f.household.number for f in response.context["rows"]} == {"A-1"}
    assert response.context["counts"]["households"] == 1
    # another town's household is not found by its number
    assert client_for(personas.town_cadre).get(reverse(URL), {"number": "C-1"}).context["counts"]["flags"] == 0


def test_a_village_outside_the_area_is_no_choice(client_for, personas, area, flags):
    response = client_for(personas.town_cadre).get(reverse(URL), {"village": area.V2a.pk, "town": area.T3.pk})
    form = response.context["form"]
    assert "village" in form.errors
    assert "town" in form.errors
    assert {str(area.V1a.pk), str(area.V1b.pk)} <= {v for v, _ in form.fields["village"].choices}
    assert str(area.V2a.pk) not in {v for v, _ in form.fields["village"].choices}
    assert {f.household.number.split("-")[0] for f in response.context["rows"]} <= {"A", "B"}


def test_sorting(client_for, personas, flags):
    client = client_for(personas.county_staff)
    expected = sorted(oracle(personas.county_staff, today=flags)[0])
    assert len(expected) > SUPERVISION_PAGE_SIZE  # more than a page: the order holds across pages
    rows = {f.pk: f for f in OverdueFlag.objects.filter(pk__in=expected).select_related("household__village")}

    ids, _, _ = all_rows(client, {})
    assert [rows[i].opened_on for i in ids] == sorted(rows[i].opened_on for i in ids)  # open longest first
    ids, _, _ = all_rows(client, {"sort": "level"})
    keys = [(-rows[i].escalation_level, rows[i].opened_on) for i in ids]
    assert keys == sorted(keys)
    ids, numbers, _ = all_rows(client, {"sort": "number"})
    assert numbers == sorted(numbers)
    assert sorted(ids) == expected
    ids, _, _ = all_rows(client, {"sort": "village"})
    paths = [rows[i].household.village.path for i in ids]
    assert paths == sorted(paths)


def test_pages_in_a_constant_number_of_queries(client_for, personas, area, flags):
    client = client_for(personas.county_staff)
    url = reverse(URL)
    client.get(url)  # the session's first request writes what later ones do not
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"town": area.T2.pk})
    for i in range(SUPERVISION_PAGE_SIZE):
        HouseholdFactory(village=area.V1a, number=f"M-{i:03d}", registered_on=OLD)
    overdue_refresh(as_of=flags)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == SUPERVISION_PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"][:90] for q in many.captured_queries]


def _sheet(response):
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_export_the_filtered_list_logged_and_without_personal_data(client_for, personas, area, flags):
    client = client_for(personas.county_staff)
    params = {"town": str(area.T1.pk), "rule": "monthly_contact"}
    response = client.post(reverse("visits:supervision_export"), params)

    assert response.status_code == 200
    rows = _sheet(response)
    header, data = rows[1], rows[2:]
    expected_ids, _ = oracle(personas.county_staff, today=flags, town=area.T1.pk, rule="monthly_contact")
    expected = OverdueFlag.objects.filter(pk__in=expected_ids).select_related("household")
    assert sorted(r[0] for r in data) == sorted(f.household.number for f in expected)
    assert len(header) == 10
    assert all(len(r) == 10 for r in data)
    by_number = {f.household.number: f for f in expected}
    for row in data:
        assert row[7] == (flags - by_number[row[0]].opened_on).days
        assert row[2] in (area.V1a.name, area.V1b.name)
        assert row[1] == area.T1.name
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT, actor=personas.county_staff)
    assert event.detail["rows"] == len(data)
    assert event.detail["list"] == "overdue_flags"
    assert event.detail["supervision"]["town"] == str(area.T1.pk)
    assert event.detail["supervision"]["rule"] == "monthly_contact"
    text = repr(rows)
    assert "成员" not in text  # no member's name, ID number or phone


def test_only_roles_that_export_lists_may_export(client_for, personas, flags):
    for user in (personas.town_cadre, personas.leader, personas.village_cadre):
        assert client_for(user).post(reverse("visits:supervision_export"), {}).status_code == 403
    assert client_for(personas.county_staff).get(reverse("visits:supervision_export")).status_code == 405
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_headers_in_the_readers_language(client_for, personas, flags):
    client = client_for(personas.county_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _sheet(client.post(reverse("visits:supervision_export"), {}))[1]
    assert english[0] == "Household number"
    assert english[4] == "Rule"
    assert "Household number" in client.get(reverse(URL)).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = _sheet(client.post(reverse("visits:supervision_export"), {}))[1]
    assert chinese[:3] == ["户编号", "乡镇（街道）", "村（社区）"]
    assert chinese[4] == "规则"
    assert "户编号" in client.get(reverse(URL)).content.decode()


def test_the_audit_log_says_the_export_in_words(client_for, personas, area, flags):
    client = client_for(personas.county_staff)
    params = {"town": str(area.T1.pk), "rule": "monthly_contact", "level": "2", "age": "30", "waits_for": "any_contact"}
    client.post(reverse("visits:supervision_export"), params)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("audit:access_list"), {"action": "export"}).content.decode()
    assert "Open overdue flags:" in page
    assert f"Town/street: {area.T1.name}" in page
    assert "Escalated to: County" in page
    assert "30 days or more" in page
    assert "overdue_flags" not in page
    assert "monthly_contact" not in page


def test_the_home_page_counts_the_same_flags(client_for, personas, area, flags):
    for user in (personas.county_staff, personas.town_cadre):
        summary = client_for(user).get(reverse("portal:home")).context["supervision"]
        ids, households = oracle(user, today=flags)
        levels = [f.escalation_level for f in OverdueFlag.objects.filter(pk__in=ids)]
        assert summary == {
            "flags": len(ids),
            "households": len(households),
            "county": levels.count(2),
            "town": levels.count(1),
        }
    assert "supervision" not in client_for(personas.village_cadre).get(reverse("portal:home")).context


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("county_staff", True),
        ("town_cadre", True),
        ("leader", False),
        ("village_cadre", False),
        ("admin", False),
    ],
)
def test_the_navigation_entry_by_role(client_for, personas, persona, shown):
    page = client_for(getattr(personas, persona)).get(reverse("portal:home")).content.decode()
    assert ('data-nav="supervision"' in page) is shown


def test_an_export_over_the_cap_asks_to_narrow_the_filter(client_for, personas, flags, monkeypatch):
    monkeypatch.setattr("visits.views.SUPERVISION_EXPORT_MAX", 3)
    response = client_for(personas.county_staff).post(reverse("visits:supervision_export"), {"rule": "monthly_contact"})
    assert response.status_code == 302
    assert response.url == reverse(URL) + "?rule=monthly_contact"
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()
