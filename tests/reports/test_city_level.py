"""Above the county (issue 17 part 6): a city's users read their counties side by side, figures only.

The city 西宁市 holds the fixture's two counties (C with two towns, C2 with one); a province above it. The city's
dashboard has one row per county whose figures are the county's own page's totals; a province's one row per city.
A city staff member and a city leader walk every URL of the project and no response carries a household's number,
a member's name, an ID number or a phone; a town's or a village's page answers 404 to them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.roles import Role
from accounts.sensitivity import mask_id_number, mask_phone
from reports.selectors import coverage_dashboard
from reports.services import coverage_snapshot_refresh, medical_snapshot_refresh
from tests.accounts.test_url_inventory import walk
from tests.factories import (
    AssignmentFactory,
    HouseholdFactory,
    MemberFactory,
    RegionFactory,
    ServicePersonFactory,
    UserFactory,
)
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.services import ruleset_create_default

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 11, 20)  # latest due month: October 2025; quarter: 2025-Q3; festival: Mid-Autumn 2025


@pytest.fixture
def city(area):
    province = RegionFactory.province("630000", "青海省")
    city = RegionFactory.city("630100", "西宁市", province=province)
    for county in (area.C, area.C2):
        county.parent = city
        county.save(update_fields=["parent"])
        ruleset_create_default(county=county)
    old = date(2020, 1, 1)
    households = {
        "a": HouseholdFactory(village=area.V1a, registered_on=old, number="HHA-0001"),
        "b": HouseholdFactory(village=area.V1b, registered_on=old, number="HHB-0002"),
        "c": HouseholdFactory(village=area.V2a, registered_on=old, number="HHC-0003"),
        "d": HouseholdFactory(village=area.V3a, registered_on=old, number="HHD-0004"),
        "e": HouseholdFactory(village=area.V3a, registered_on=old, number="HHE-0005"),
    }
    for key, household in households.items():
        MemberFactory(household=household, name=f"欧阳{key}明")
    VisitFactory(household=households["a"], date=date(2025, 10, 2), method="phone")
    VisitFactory(household=households["c"], date=date(2025, 10, 5), method="home")
    VisitFactory(household=households["d"], date=date(2025, 10, 6), method="home")
    for role in ("town_leader", "village_cadre", "family_doctor", "association_member"):
        region = area.T3 if role == "town_leader" else area.V3a
        AssignmentFactory(household=households["d"], person=ServicePersonFactory(role_type=role, region=region))
    overdue_refresh(as_of=AS_OF)
    coverage_snapshot_refresh(as_of=AS_OF)
    medical_snapshot_refresh(as_of=AS_OF)
    return {"province": province, "city": city, "households": households}


@pytest.fixture
def city_users(city):
    return {
        "city_staff": UserFactory(username="xn_staff", role=Role.CITY_STAFF, region=city["city"]),
        "city_leader": UserFactory(username="xn_leader", role=Role.LEADER, region=city["city"]),
        "province_leader": UserFactory(username="qh_leader", role=Role.LEADER, region=city["province"]),
    }


FIGURES = (
    "households",
    "contacts_covered",
    "month_households",
    "month_met",
    "quarter_households",
    "quarter_met",
    "festival_households",
    "festival_met",
    "open_flags",
    "persons",
    "card_holders",
    "willing",
    "signed",
)


def _figures(f) -> tuple:
    return tuple(getattr(f, name) for name in FIGURES)


def test_a_city_reads_one_row_per_county_equal_to_the_countys_own_page(city, city_users, personas, area):
    d = coverage_dashboard(user=city_users["city_leader"], region=city["city"], as_of=AS_OF)
    assert d.child_level == "county"
    assert [row.label for row in d.rows] == [area.C.name, area.C2.name]
    for row, county in zip(d.rows, (area.C, area.C2), strict=True):
        own = coverage_dashboard(user=personas.county_staff, region=county, as_of=AS_OF)
        assert _figures(row.figures) == _figures(own.total), county.name
    assert d.total.households == 5
    assert d.total.contacts_covered == 1
    assert (d.total.month_households, d.total.month_met) == (5, 3)
    assert d.trend
    assert d.trend[-1][0] == "2025-10"
    assert d.trend[-1][1:] == (5, 3)
    assert all(rate is None or rate <= 1 for row in d.rows for rate in (row.figures.month_rate,))


def test_a_province_reads_one_row_per_city(city, city_users):
    d = coverage_dashboard(user=city_users["province_leader"], region=city["province"], as_of=AS_OF)
    assert d.child_level == "city"
    assert [(row.label, row.figures.households) for row in d.rows] == [("西宁市", 5)]


def test_the_city_dashboard_reads_a_constant_number_of_queries(city, city_users, area, django_assert_max_num_queries):
    user = city_users["city_leader"]
    with django_assert_max_num_queries(14):
        coverage_dashboard(user=user, region=city["city"], as_of=AS_OF)
    # A third county with its villages adds no query.
    third = RegionFactory.county("630105", "城北区", city=city["city"])
    RegionFactory.village(RegionFactory.town(third, "001"), "001")
    ruleset_create_default(county=third)
    with django_assert_max_num_queries(14):
        coverage_dashboard(user=user, region=city["city"], as_of=AS_OF)


@pytest.mark.parametrize("who", ["city_staff", "city_leader"])
def test_a_city_user_opens_the_city_and_its_counties_but_no_town_or_village(city, city_users, area, client_for, who):
    client = client_for(city_users[who])
    home = client.get(reverse("reports:coverage"))
    assert home.status_code == 200
    html = home.content.decode()
    assert reverse("reports:coverage_region", args=[area.C.pk]) in html
    county = client.get(reverse("reports:coverage_region", args=[area.C.pk]))
    assert county.status_code == 200
    # The county's towns are rows of figures without a link further down.
    assert area.T1.name in county.content.decode()
    assert reverse("reports:coverage_region", args=[area.T1.pk]) not in county.content.decode()
    for region in (area.T1, area.V1a, city["province"]):
        assert client.get(reverse("reports:coverage_region", args=[region.pk])).status_code == 404
        assert client.get(reverse("reports:coverage_region_export", args=[region.pk])).status_code == 404
    assert client.get(reverse("reports:coverage_region_export", args=[area.C.pk])).status_code == 200


def test_a_city_user_of_another_city_sees_nothing_of_this_one(city, area, client_for):
    other = RegionFactory.city("630200", "海东市")
    user = UserFactory(role=Role.LEADER, region=other)
    client = client_for(user)
    for region in (city["city"], area.C):
        assert client.get(reverse("reports:coverage_region", args=[region.pk])).status_code == 404


# ------------------------------------------------------------------------------- every URL, as a city user


def _secrets(city) -> list[str]:
    """What must never reach a city user: households' numbers, members' names, ID numbers and phones (full or
    masked)."""
    secrets = []
    for household in city["households"].values():
        secrets.append(household.number)
        for m in household.members.all():
            secrets += [m.name]
            secrets += [v for v in (m.id_number, m.phone) if v]
            secrets += [mask_id_number(m.id_number)] if m.id_number else []
            secrets += [mask_phone(m.phone)] if m.phone else []
    return secrets


def _arguments_for(url, candidates: dict[str, list]) -> list[dict]:
    """Argument sets to try for a URL: every candidate id for its int arguments, known words for its slugs."""
    sets: list[dict] = [{}]
    for name, converter in url.arguments.items():
        if converter == "int":
            values = candidates["int"]
        elif name == "report":
            values = ["payouts", "failures", "recipients", "relief"]
        else:
            values = candidates["word"]
        sets = [{**s, name: v} for s in sets for v in values]
    return sets


@pytest.mark.parametrize("who", ["city_staff", "city_leader"])
def test_a_city_user_walking_every_url_never_reads_a_family(city, city_users, personas, area, client_for, who):
    household = city["households"]["a"]
    member = household.members.first()
    ids = sorted(
        {household.pk, member.pk, area.C.pk, area.T1.pk, area.V1a.pk, city["city"].pk, personas.county_staff.pk}
    )
    candidates = {"int": ids, "word": ["x", "phq9", "submit"]}
    client = client_for(city_users[who])
    secrets = _secrets(city)
    seen, problems = 0, []
    for url in walk():
        if url.key.startswith(("admin:", "django-admin/", "accounts:logout")) or "<" in url.key:
            continue
        for arguments in _arguments_for(url, candidates):
            try:
                path = reverse(url.key, kwargs=arguments)
            except NoReverseMatch:
                continue
            response = client.get(path)
            if response.status_code not in (200, 301, 302, 403, 404, 405):
                problems.append((path, response.status_code))
            if response.status_code == 200:
                seen += 1
                body = response.content.decode(errors="replace")
                leaked = [s for s in secrets if s in body]
                if leaked or re.search(r'href="/households/\d+/', body):
                    problems.append((path, leaked))
    assert not problems
    assert seen >= 3


@pytest.mark.parametrize("who", ["city_staff", "city_leader"])
def test_every_navigation_entry_of_a_city_user_opens_a_page_of_figures(city, city_users, client_for, who):
    client = client_for(city_users[who])
    response = client.get(reverse("portal:home"))
    entries = response.context["nav_items"]
    assert {item.key for item in entries} >= {"dashboard", "coverage"}
    assert not {item.key for item in entries} & {"households", "contacts", "medical", "rules", "regions", "audit"}
    for item in entries:
        assert client.get(item.url).status_code == 200, item.key


def test_a_city_leader_reads_the_benefit_reports_by_county_and_no_area_page(city, city_users, area, client_for):
    client = client_for(city_users["city_leader"])
    html = client.get(reverse("reports:benefits", args=["payouts"])).content.decode()
    assert f'data-row="{area.C.name}"' in html
    assert f'data-row="{area.C2.name}"' in html
    assert "按县（区）" in html  # the rows are the city's counties, not villages
    county = client.get(reverse("reports:benefits_region", args=["payouts", area.C.pk])).content.decode()
    assert "按乡镇（街道）" in county
    assert reverse("reports:benefits_region", args=["payouts", area.T1.pk]) not in county
    assert client.get(reverse("reports:benefits_region", args=["payouts", area.T1.pk])).status_code == 404
    # The insurance report counts an area; above the county there is none (the leaders' home counts the counties).
    assert client.get(reverse("benefits:insurance:reports")).status_code == 404


# ------------------------------------------------------------------------------------------- users at the city


def _create(client, *, username, role, region):
    return client.post(
        reverse("accounts:user_create"),
        {"username": username, "name": "马明", "role": role, "region": region.pk, "password": "Xining-2026-pass"},
    )


def test_an_administrator_at_the_city_creates_city_staff_and_a_city_leader(city, area, client_for):
    from accounts.models import User

    admin = UserFactory(username="xn_admin", role=Role.ADMIN, region=city["city"], is_staff=True)
    client = client_for(admin)
    assert _create(client, username="xn_new_staff", role=Role.CITY_STAFF, region=city["city"]).status_code == 302
    assert _create(client, username="xn_new_leader", role=Role.LEADER, region=city["city"]).status_code == 302
    # ... and the counties' users too (an administrator runs the system of the whole city).
    assert _create(client, username="c_new_staff", role=Role.COUNTY_STAFF, region=area.C).status_code == 302
    made = dict(User.objects.filter(username__startswith=("xn_new")).values_list("username", "region_id"))
    assert made == {"xn_new_staff": city["city"].pk, "xn_new_leader": city["city"].pk}


def test_city_staff_create_city_users_at_the_city_only(city, city_users, personas, area, client_for):
    from accounts.models import User

    client = client_for(city_users["city_staff"])
    assert _create(client, username="xn_leader2", role=Role.LEADER, region=city["city"]).status_code == 302
    assert User.objects.get(username="xn_leader2").region == city["city"]
    # Not a county's leader, not a county staff member, and the county's users are not theirs to list.
    assert _create(client, username="c_leader2", role=Role.LEADER, region=area.C).status_code == 200
    assert _create(client, username="c_staff2", role=Role.COUNTY_STAFF, region=city["city"]).status_code == 200
    assert not User.objects.filter(username__in=["c_leader2", "c_staff2"]).exists()
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "xn_leader" in listing
    assert "c_leader" not in listing.replace("xn_leader", "")


def test_county_staff_and_a_county_administrator_create_no_city_user(city, personas, client_for):
    from accounts.models import User

    for manager in (personas.county_staff, personas.admin):
        client = client_for(manager)
        for role in (Role.CITY_STAFF, Role.LEADER):
            response = _create(client, username=f"x_{manager.username}_{role}", role=role, region=city["city"])
            assert response.status_code == 200
    assert not User.objects.filter(username__startswith="x_").exists()
