"""The Python twin of the household scope (Household.is_visible_to, households.models.household_in_area) gives the
same answer as the SQL (Household.objects.visible_to) for every persona and every kind of household placement."""

import pytest

from households.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    "county_staff",
    "town_cadre",
    "village_cadre",
    "leader",
    "other_county_staff",
    "other_town_cadre",
    "no_area",
    "deactivated",
    "admin",
]


@pytest.fixture
def placed(area):
    """A household in every village, and one without a village in each county (a data-quality case)."""
    households = [HouseholdFactory(village=v) for v in (area.V1a, area.V1b, area.V2a, area.V3a)]
    households += [HouseholdFactory(village=None, county=c) for c in (area.C, area.C2)]
    return households


@pytest.mark.parametrize("persona", PERSONAS)
def test_python_twin_agrees_with_the_sql_scope(personas, placed, persona):
    user = getattr(personas, persona)
    by_sql = set(Household.objects.visible_to(user).values_list("pk", flat=True))
    by_python = {h.pk for h in Household.objects.select_related("village", "county") if h.is_visible_to(user)}
    assert by_python == by_sql
    # … and the matrix is not vacuous: county staff see their county's four, the nobody none.
    if persona == "county_staff":
        assert len(by_sql) == 4
    if persona in {"no_area", "deactivated"}:
        assert by_sql == set()


def test_a_household_without_village_is_seen_only_at_county_level(personas, placed):
    orphan = next(h for h in placed if h.village_id is None and h.county_id == personas.county_staff.region_id)
    assert orphan.is_visible_to(personas.county_staff)
    assert not orphan.is_visible_to(personas.town_cadre)
    assert not orphan.is_visible_to(personas.other_county_staff)
