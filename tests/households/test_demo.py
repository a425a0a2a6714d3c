"""seed_demo builds the same county for the same seed, and is safe to run again."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from households.models import Household, Member
from households.validation import id_number_parse, phone_is_valid

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"


def _snapshot():
    """The demo county's households and members (the demo city's other districts have their own test)."""
    households = Household.objects.filter(county__code="630103")
    members = Member.objects.filter(household__county__code="630103")
    return list(households.order_by("number").values_list("number", "village__code", "family_type")), list(
        members.order_by("id_number").values_list("id_number", "name", "phone")
    )


def test_seed_demo_is_deterministic_valid_and_idempotent():
    from demo.households import households_generate
    from regions.models import Region

    call_command("load_regions", str(REGIONS))
    call_command("seed_demo", "--households", "40", "--seed", "7")
    first = _snapshot()
    assert len(first[0]) == 40
    call_command("seed_demo", "--households", "40", "--seed", "7")
    assert _snapshot() == first  # nothing duplicated or changed
    for member in Member.objects.exclude(id_number=None):
        info = id_number_parse(member.id_number, today=date(2030, 1, 1))
        assert (info.sex, info.birth_date) == (member.sex, member.birth_date)
        assert member.phone == "" or phone_is_valid(member.phone)
    county = Region.objects.get(code="630103")
    villages = list(Region.objects.subtree_of(county).villages().order_by("code"))
    one = [
        g.household.number + g.members[0].name
        for g in households_generate(seed=7, county=county, villages=villages, count=40, today=date(2026, 1, 1))
    ]
    two = [
        g.household.number + g.members[0].name
        for g in households_generate(seed=7, county=county, villages=villages, count=40, today=date(2026, 1, 1))
    ]
    other = [
        g.household.number + g.members[0].name
        for g in households_generate(seed=8, county=county, villages=villages, count=40, today=date(2026, 1, 1))
    ]
    assert one == two != other
