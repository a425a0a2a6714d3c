"""The categorised query (分类查询): filters, search by POST, saved filters, constant query count."""

from datetime import date

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.forms import HouseholdFilterForm, PlainSelect
from households.models import Household, SavedFilter
from tests.factories import HouseholdFactory, MemberFactory, RegionFactory
from tests.households.conftest import couple

pytestmark = pytest.mark.django_db


def numbers(response) -> set[str]:
    return {row.household.number for row in response.context["rows"]}


@pytest.fixture
def varied(area):
    """Households differing in one attribute each, all in county C."""
    plain = HouseholdFactory(village=area.V1a, number="P-1", living_situation="couple")
    couple(plain, husband_born=date(1970, 1, 1), wife_born=date(1972, 1, 1))  # ages 50s
    old = HouseholdFactory(
        village=area.V1b,
        number="P-2",
        living_situation="alone",
        poverty_registered=True,
        difficulties=["medical", "housing"],
        family_type="disability",
    )
    MemberFactory(household=old, birth_date=date(1940, 3, 3), self_care="disabled", name="孤老人")
    MemberFactory(household=old, role="wife", birth_date=date(1942, 3, 3), alive=False, death_date=date(2020, 1, 1))
    closed = HouseholdFactory(
        village=area.V2a,
        number="P-3",
        status="closed",
        closed_reason="moved_away",
        closed_on=date(2024, 1, 1),
        subsistence_allowance=True,
    )
    MemberFactory(household=closed, birth_date=date(1962, 5, 5), phone="0971-6543210", name="马有福")
    return plain, old, closed


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"P-1", "P-2", "P-3"}),
        ({"family_type": "disability"}, {"P-2"}),
        ({"status": "closed"}, {"P-3"}),
        ({"status": "active"}, {"P-1", "P-2"}),
        ({"living_alone": "on"}, {"P-2"}),
        ({"poverty": "registered"}, {"P-2"}),
        ({"poverty": "allowance"}, {"P-3"}),
        ({"poverty": "either"}, {"P-2", "P-3"}),
        ({"difficulty": "housing"}, {"P-2"}),
        ({"self_care": "disabled"}, {"P-2"}),
        ({"alive": "deceased"}, {"P-2"}),
        ({"age_band": "80_plus"}, {"P-2"}),
        ({"age_band": "60_69"}, {"P-3"}),
        ({"age_band": "under_60"}, {"P-1"}),
        ({"age_band": "80_plus", "alive": "alive"}, {"P-2"}),
        ({"age_band": "80_plus", "self_care": "semi"}, set()),
    ],
)
def test_filters(client_for, personas, varied, params, expected, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2026, 6, 1))
    response = client_for(personas.county_staff).get(reverse("households:list"), params)
    assert numbers(response) == expected
    assert response.context["page"].paginator.count == len(expected)


def test_town_and_village_filters(client_for, personas, area, varied):
    client = client_for(personas.county_staff)
    assert numbers(client.get(reverse("households:list"), {"town": area.T1.pk})) == {"P-1", "P-2"}
    assert numbers(client.get(reverse("households:list"), {"village": area.V1b.pk})) == {"P-2"}


def test_town_outside_the_area_is_not_a_choice(client_for, personas, area, varied):
    response = client_for(personas.town_cadre).get(reverse("households:list"), {"town": area.T2.pk})
    assert numbers(response) == {"P-1", "P-2"}  # the invalid filter is ignored, scope still applies
    assert response.context["form"].errors


def _search(client, text, **params):
    response = client.post(reverse("households:search"), {"q": text, **params})
    assert response.status_code == 302
    return response


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("孤老", {"P-2"}),
        ("马有福", {"P-3"}),
        ("0971 6543210", {"P-3"}),
        ("P-2", {"P-2"}),
        ("没有这个人", set()),
    ],
)
def test_search_by_post_keeps_personal_data_out_of_the_url(client_for, personas, varied, text, expected):
    client = client_for(personas.county_staff)
    response = _search(client, text)
    assert text not in response["Location"]
    assert "s=" in response["Location"]
    listing = client.get(response["Location"])
    assert numbers(listing) == expected


def test_search_by_id_number_normalises_the_input(client_for, personas, varied):
    _plain, old, _closed = varied
    member = old.members.get(name="孤老人")
    typed = " " + "".join(chr(ord(c) + 0xFEE0) for c in member.id_number[:10]) + member.id_number[10:].lower()
    client = client_for(personas.county_staff)
    response = _search(client, typed)
    assert member.id_number not in response["Location"]
    assert numbers(client.get(response["Location"])) == {"P-2"}


def test_search_by_phone_and_certificate(client_for, personas, varied):
    plain, _old, _closed = varied
    Household.objects.filter(pk=plain.pk).update(certificate_number="TF630101-77")
    client = client_for(personas.county_staff)
    assert numbers(client.get(_search(client, "TF630101-77")["Location"])) == {"P-1"}
    phone = plain.members.first().phone
    assert numbers(client.get(_search(client, phone)["Location"])) == {"P-1"}


def test_search_does_not_cross_the_area(client_for, personas, varied):
    client = client_for(personas.town_cadre)  # T1: P-3 is in T2
    assert numbers(client.get(_search(client, "马有福")["Location"])) == set()


def test_search_reads_the_members_once_and_pages_by_primary_key(client_for, personas, area, varied):
    for _ in range(30):
        couple(HouseholdFactory(village=area.V1b))  # 30 more households with a 李秀英 in T1 …
    couple(HouseholdFactory(village=area.V2a))  # … and one in T2
    client = client_for(personas.county_staff)
    location = _search(client, "秀英")["Location"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{location}&page=2")
    assert response.context["page"].paginator.count == 32  # with P-1's couple
    assert len(response.context["rows"]) == 7
    name_searches = [q for q in queries.captured_queries if '"households_member"."name"::text LIKE' in q["sql"]]
    assert len(name_searches) == 1  # not once for the count and again for the page
    client = client_for(personas.town_cadre)  # the same search inside T1
    assert client.get(_search(client, "秀英")["Location"]).context["page"].paginator.count == 31


def test_search_token_of_another_session_finds_nothing(client_for, personas, varied):
    location = _search(client_for(personas.county_staff), "孤老")["Location"]
    other = client_for(personas.county_staff)
    assert numbers(other.get(location)) == {"P-1", "P-2", "P-3"}  # the token means nothing elsewhere


def test_search_keeps_the_filters(client_for, personas, varied):
    client = client_for(personas.county_staff)
    location = _search(client, "孤老", status="closed")["Location"]
    assert "status=closed" in location
    assert numbers(client.get(location)) == set()


def test_saved_filters_are_saved_used_and_deleted(client_for, personas, varied):
    client = client_for(personas.town_cadre)
    response = client.post(
        reverse("households:filter_save"), {"name": "独居老人", "living_alone": "on", "status": "active", "q": "x"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=personas.town_cadre)
    assert saved.params == {"living_alone": "on", "status": "active"}  # never the search text
    listing = client.get(reverse("households:list"))
    assert "独居老人" in listing.content.decode()
    assert numbers(client.get(reverse("households:list"), saved.params)) == {"P-2"}
    client.post(reverse("households:filter_save"), {"name": "独居老人", "status": "closed"})
    assert SavedFilter.objects.get(user=personas.town_cadre).params == {"status": "closed"}
    client.post(reverse("households:filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_list_masks_id_numbers(client_for, personas, varied):
    _plain, old, _closed = varied
    member = old.members.first()
    html = client_for(personas.county_staff).get(reverse("households:list")).content.decode()
    assert member.id_number not in html
    assert member.id_number[:4] + "**********" + member.id_number[-4:] in html


def test_sorted_by_village_pages_through_villages_in_tree_order(client_for, personas, area):
    """Villages in the order of the region tree (not of their ids), then number; no village last."""
    late = RegionFactory.village(area.T1, "003", "新建社区")  # created last, sorts before T2's villages
    for village, count in ((area.V2a, 9), (late, 7), (area.V1a, 12), (area.V1b, 1), (None, 4)):
        for i in range(count):  # numbers not in creation order
            HouseholdFactory(
                village=village, county=area.C, number=f"N{village.pk if village else 0:03d}{count - i:02d}"
            )
    expected = [
        h.number
        for h in sorted(
            Household.objects.filter(county=area.C).select_related("village"),
            key=lambda h: (h.village is None, h.village.path if h.village else "", h.number),
        )
    ]
    client = client_for(personas.county_staff)
    seen = []
    for page in (1, 2):
        response = client.get(reverse("households:list"), {"sort": "village", "page": page})
        assert response.context["page"].paginator.count == 33
        seen += [row.household.number for row in response.context["rows"]]
    assert seen == expected
    one_village = client.get(reverse("households:list"), {"sort": "village", "village": area.V1a.pk})
    assert [row.household.number for row in one_village.context["rows"]] == [
        n for n in expected if n.startswith(f"N{area.V1a.pk:03d}")
    ]
    closed = client.get(reverse("households:list"), {"sort": "village", "status": "closed"})
    assert closed.context["page"].paginator.count == 0
    assert numbers(closed) == set()


def test_list_query_count_does_not_grow_with_the_data(client_for, personas, area):
    client = client_for(personas.county_staff)
    client.get(reverse("households:list"))
    counts = []
    for n in (2, 40):
        for i in range(n):
            household = HouseholdFactory(village=(area.V1a, area.V1b, area.V2a)[i % 3])
            couple(household)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("households:list"), {"sort": "village", "age_band": "70_79", "page": "1"})
            assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 15, "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_filter_form_selects_are_the_html_django_writes(personas, area):
    """PlainSelect writes the filter form's selects in Python; the HTML is Django's Select's, byte for byte."""
    form = HouseholdFilterForm(
        {"town": area.T1.pk, "village": area.V1b.pk, "status": "active"}, user=personas.county_staff
    )
    assert form.is_valid()
    selects = [bound for bound in form if isinstance(bound.field.widget, PlainSelect)]
    assert len(selects) == 10
    for bound in selects:
        ours = str(bound)
        bound.field.widget = forms.Select(attrs=bound.field.widget.attrs, choices=bound.field.widget.choices)
        assert ours == str(bound), bound.name
    grouped = [("甲", [("1", "a<b"), ("2", "c")]), ("3", "d")]
    attrs = {"data-on": True, "data-off": False, "data-quote": 'q"r'}
    assert PlainSelect(attrs=attrs, choices=grouped).render("f", "2") == forms.Select(
        attrs=attrs, choices=grouped
    ).render("f", "2")
