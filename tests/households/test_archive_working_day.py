"""Issue 13 B8, the archive on a working day: a deceased member's age at death; the age filter on the living unless
asked; the search by the last four digits of an ID number or a phone; the close form with no reason chosen."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from households import archive
from households.forms import CloseForm
from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    return TODAY


def numbers(response) -> set[str]:
    return {row.household.number for row in response.context["rows"]}


# --- a deceased member's age --------------------------------------------------------------------------------------


def test_age_words_living_deceased_and_unknown_death(area):
    household = HouseholdFactory(village=area.V1a)
    living = MemberFactory(household=household, birth_date=date(1946, 3, 1))
    dead = MemberFactory(
        household=household,
        role=Member.Role.WIFE,
        birth_date=date(1944, 3, 1),
        alive=False,
        death_date=date(2025, 2, 9),
    )
    undated = MemberFactory(household=household, role=Member.Role.OTHER, birth_date=date(1950, 1, 1), alive=False)
    with translation.override("en"):
        assert archive.member_age_words(living, today=TODAY) == ["80 yrs"]
        assert archive.member_age_words(dead, today=TODAY) == ["aged 80 at death", "died 2025-02"]
        # No date of death: no age (the age today would be a living person's), only that the member died.
        assert archive.member_age_words(undated, today=TODAY) == ["deceased"]
    assert archive.member_age(dead, today=TODAY) == 80
    assert archive.member_age(undated, today=TODAY) is None


def test_list_and_page_show_age_at_death(client_for, personas, area, today):
    household = HouseholdFactory(village=area.V1a, number="D-1")
    MemberFactory(household=household, birth_date=date(1940, 1, 1))
    MemberFactory(
        household=household,
        role=Member.Role.WIFE,
        birth_date=date(1944, 3, 1),
        alive=False,
        death_date=date(2025, 2, 9),
    )
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("households:list"))
    details = [m.details for m in response.context["rows"][0].members]
    assert details == ["Husband · 86 yrs", "Wife · aged 80 at death · died 2025-02"]
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "aged 80 at death · died 2025-02" in page
    assert "82 yrs" not in page  # her age today, were she alive


# --- the age filter counts the living unless asked -------------------------------------------------------------------


@pytest.fixture
def widowed(area):
    """W-1: a living member of 40 and a deceased one born 1950 (76 were he alive). L-1: a living member of 75."""
    widowed = HouseholdFactory(village=area.V1a, number="W-1")
    MemberFactory(household=widowed, role=Member.Role.WIFE, birth_date=date(1986, 1, 1))
    MemberFactory(household=widowed, birth_date=date(1950, 1, 1), alive=False, death_date=date(2010, 5, 1))
    living = HouseholdFactory(village=area.V1b, number="L-1")
    MemberFactory(household=living, birth_date=date(1951, 1, 1))
    return widowed, living


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"age_band": "70_79"}, {"L-1"}),
        ({"age_band": "70_79", "with_deceased": "on"}, {"L-1", "W-1"}),
        ({"age_band": "70_79", "alive": "deceased"}, {"W-1"}),
        ({"age_band": "70_79", "alive": "alive"}, {"L-1"}),
        ({"age_band": "under_60"}, {"W-1"}),
        ({"alive": "deceased"}, {"W-1"}),
    ],
)
def test_age_filter_counts_living_members_unless_asked(client_for, personas, widowed, today, params, expected):
    response = client_for(personas.county_staff).get(reverse("households:list"), params)
    assert numbers(response) == expected
    assert response.context["page"].paginator.count == len(expected)


def test_with_deceased_is_kept_in_the_links(client_for, personas, widowed, today):
    response = client_for(personas.county_staff).get(
        reverse("households:list"), {"age_band": "70_79", "with_deceased": "on"}
    )
    assert response.context["params"] == {"age_band": "70_79", "with_deceased": "on"}
    assert 'name="with_deceased"' in response.content.decode()


# --- the search by the last four digits -------------------------------------------------------------------------------


@pytest.fixture
def searched(area):
    near = HouseholdFactory(village=area.V1a, number="S-1")
    MemberFactory(household=near, id_number="63010319650302069X", birth_date=date(1965, 3, 2), sex="M")
    phoned = HouseholdFactory(village=area.V2a, number="S-2")
    MemberFactory(household=phoned, phone="13800001234", id_number=None, birth_date=None)
    landline = HouseholdFactory(village=area.V1b, number="S-3")
    MemberFactory(household=landline, phone="0971-6541234", id_number=None, birth_date=None)
    far = HouseholdFactory(village=area.V3a, number="S-4")  # the other county
    MemberFactory(household=far, phone="13900001234", id_number=None, birth_date=None)
    return near, phoned, landline, far


def _search_list(client, text):
    response = client.post(reverse("households:search"), {"q": text})
    assert response.status_code == 302
    return client.get(response["Location"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("069X", {"S-1"}),
        ("069x", {"S-1"}),
        ("０６９Ｘ", {"S-1"}),
        ("1234", {"S-2", "S-3"}),  # a mobile's and a landline's last four; not the other county's
        ("5555", set()),
        ("0302", set()),  # digits inside an ID number are not its last four
    ],
)
def test_search_by_last_four_digits(client_for, personas, searched, text, expected):
    assert numbers(_search_list(client_for(personas.county_staff), text)) == expected


def test_last_four_digits_within_the_area(client_for, personas, searched):
    # The town cadre of T1 finds the landline (V1b) but not the mobile of V2a.
    assert numbers(_search_list(client_for(personas.town_cadre), "1234")) == {"S-3"}
    assert numbers(_search_list(client_for(personas.other_county_staff), "1234")) == {"S-4"}


def test_last_four_digits_read_through_the_expression_indexes(personas, searched):
    from households.selectors import search_household_ids

    with CaptureQueriesContext(connection) as queries:
        found = search_household_ids("1234", user=personas.county_staff)
    assert sorted(found) == sorted([searched[1].pk, searched[2].pk])
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'RIGHT("households_member"."id_number", 4)' in sql
    assert 'RIGHT("households_member"."phone", 4)' in sql
    with connection.cursor() as cursor:
        cursor.execute("select indexdef from pg_indexes where indexname like 'member_%%_last4' order by indexname")
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 2
    assert '"right"((id_number)::text, 4)' in definitions[0]
    assert '"right"((phone)::text, 4)' in definitions[1]


# --- the close form ---------------------------------------------------------------------------------------------------


def test_close_form_has_no_reason_chosen(client_for, personas, area):
    household = HouseholdFactory(village=area.V1a)
    client = client_for(personas.county_staff)
    page = client.get(reverse("households:close", args=[household.pk])).content.decode()
    select = page.split('name="reason"')[1].split("</select>")[0]
    assert select.count("selected") == 1
    assert 'value="" selected' in select
    assert CloseForm().fields["reason"].choices[0][0] == ""
    response = client.post(reverse("households:close", args=[household.pk]), {"closed_on": "2025-05-01"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Household.objects.get(pk=household.pk).status == "active"


# --- sortable columns -------------------------------------------------------------------------------------------------


@pytest.fixture
def sortable(area):
    """Eight households of county C differing in number, village, type, living situation, status, registration."""
    rows = [
        ("K-3", area.V2a, "death", "alone", "active", date(2024, 5, 1)),
        ("K-1", area.V1b, "disability", "couple", "closed", date(2023, 1, 1)),
        ("K-7", area.V1a, "death", "", "active", date(2025, 2, 1)),
        ("K-2", None, "disability", "alone", "active", date(2022, 3, 1)),
        ("K-5", area.V1a, "death", "couple", "closed", date(2024, 5, 1)),
        ("K-4", area.V2a, "disability", "", "active", date(2021, 7, 1)),
        ("K-8", area.V1b, "death", "alone", "active", date(2025, 9, 1)),
        ("K-6", None, "death", "couple", "active", date(2020, 1, 1)),
    ]
    made = []
    for number, village, family_type, living, status, registered in rows:
        closed = {"closed_reason": "moved_away", "closed_on": date(2025, 1, 1)} if status == "closed" else {}
        made.append(
            HouseholdFactory(
                village=village,
                county=area.C,
                number=number,
                family_type=family_type,
                living_situation=living,
                status=status,
                registered_on=registered,
                **closed,
            )
        )
    return made


def _listed(client, **params) -> list[str]:
    """The numbers of the whole list in its order, read page by page (pages of 3)."""
    seen, page = [], 1
    while True:
        response = client.get(reverse("households:list"), {**params, "page": page})
        seen += [row.household.number for row in response.context["rows"]]
        if not response.context["page"].has_next():
            return seen
        page += 1


def _expected(households, key) -> list[str]:
    return [h.number for h in sorted(households, key=key)]


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("number", lambda h: (h.number,)),
        ("registered", lambda h: (h.registered_on, h.pk)),
        ("village", lambda h: (h.village is None, h.village.path if h.village else "", h.number)),
        ("family_type", lambda h: (h.family_type, h.number)),
        ("living_situation", lambda h: (h.living_situation, h.number)),
        ("status", lambda h: (h.status, h.number)),
    ],
)
def test_each_column_sorts_both_ways_across_pages(client_for, personas, sortable, monkeypatch, sort, key):
    monkeypatch.setattr("households.views.PAGE_SIZE", 3)
    client = client_for(personas.county_staff)
    households = Household.objects.filter(pk__in=[h.pk for h in sortable]).select_related("village")
    ascending = _expected(households, key)
    assert _listed(client, sort=sort) == ascending
    assert _listed(client, sort=f"-{sort}") == ascending[::-1]


def test_headings_link_to_their_sort_and_back(client_for, personas, sortable):
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("households:list"), {"status": "active"})
    headings = response.context["headings"]
    assert [h.label for h in headings][:6] == [  # then the columns of the apps above (the visits app's)
        "Number",
        "Village/community",
        "Type",
        "Members",
        "Living situation",
        "Status",
    ]
    assert headings[3].url == ""  # the members do not sort
    assert headings[0].order == "ascending"  # the default order: by number
    assert "sort=-number" in headings[0].url
    assert "status=active" in headings[0].url
    assert "sort=family_type" in headings[2].url
    response = client.get(headings[2].url)
    sorted_by_type = response.context["headings"][2]
    assert sorted_by_type.order == "ascending"
    assert "sort=-family_type" in sorted_by_type.url
    assert response.context["headings"][0].order == ""
    assert response.content.decode().count('aria-sort="ascending"') == 1


def test_an_extensions_column_sorts_and_shows_its_values(client_for, personas, sortable, monkeypatch):
    """An app above households adds a sortable column (its last contact, its open flags) through the seam."""
    from django.db.models import F

    from households import extensions

    calls = []

    def values(households, today):
        calls.append(len(households))
        return {h.pk: h.registered_on.strftime("%Y-%m") for h in households if h.registered_on.year > 2021}

    class Dated(extensions.ArchiveExtension):
        key = "test_dated"

        def list_columns(self, *, user):
            return [extensions.ListColumn("dated", "Dated", F("registered_on"), values, descending_first=True)]

    monkeypatch.setitem(extensions._EXTENSIONS, "test_dated", Dated())
    monkeypatch.setattr("households.views.PAGE_SIZE", 3)
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("households:list"))
    heading = response.context["headings"][-1]
    assert heading.label == "Dated"
    assert "sort=-dated" in heading.url
    households = list(Household.objects.filter(pk__in=[h.pk for h in sortable]))
    newest_first = _expected(households, lambda h: (h.registered_on, h.number))[::-1]
    assert _listed(client, sort="-dated") == newest_first
    assert _listed(client, sort="dated") == newest_first[::-1]
    rows = client.get(reverse("households:list"), {"sort": "dated"}).context["rows"]
    dated = [[cell for cell in row.extra if cell[0] == "Dated"] for row in rows]
    assert dated == [[("Dated", "—")], [("Dated", "—")], [("Dated", "2022-03")]]
    assert set(calls) == {3, 2}  # once a page


def test_sorting_keeps_the_query_count(client_for, personas, sortable):
    client = client_for(personas.county_staff)
    client.get(reverse("households:list"))
    counts = {}
    for sort in ("number", "-number", "-village", "family_type", "-status", "registered"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("households:list"), {"sort": sort}).status_code == 200
        counts[sort] = len(queries)
    assert len(set(counts.values())) == 1, counts
