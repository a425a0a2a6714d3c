"""seed_demo's contacts: deterministic for a seed, safe to run again, with vacancies and ended terms."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from contacts import selectors
from contacts.models import Assignment, ServicePerson
from demo.contacts import seed_contacts
from regions.models import Region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 3, 1)


def _snapshot():
    people = list(
        ServicePerson.objects.order_by("region__code", "role_type", "name", "phone").values_list(
            "name", "phone", "role_type", "region__code", "active", "user__username"
        )
    )
    terms = sorted(
        Assignment.objects.values_list(
            "household__number", "slot", "person__phone", "start_date", "end_date", "substitute_for__person__phone"
        ),
        key=str,
    )
    return people, terms


def _clear():
    Assignment.objects.filter(substitute_for__isnull=False).delete()
    Assignment.objects.all().delete()
    ServicePerson.objects.all().delete()


def test_seed_contacts_is_deterministic_idempotent_and_has_gaps():
    call_command("load_regions", str(REGIONS))
    from demo.services import demo_households_seed

    county = Region.objects.get(code="630103")
    demo_households_seed(seed=3, county=county, count=120)
    first_village = county.children.order_by("code").first().children.order_by("code").first()
    UserFactory(username="county", role="county_staff", region=county)
    UserFactory(username="village1", role="village_cadre", region=first_village)
    _clear()

    seeded = seed_contacts(seed=3, county=county, today=TODAY)
    assert seeded.people > 0
    first = _snapshot()
    assert seed_contacts(seed=3, county=county, today=TODAY).people == 0  # run again: nothing added
    assert _snapshot() == first
    _clear()
    seed_contacts(seed=3, county=county, today=TODAY)
    assert _snapshot() == first  # the same seed, the same county

    staff = User.objects.get(username="county")
    gaps = selectors.assignment_gaps(staff, on=TODAY)
    assert any(g.kind == "vacant" and g.last_person for g in gaps)  # a cadre left, nobody took over
    assert any(g.kind == "vacant" and not g.last_person for g in gaps)  # never filled (no signed doctor)
    assert Assignment.objects.filter(end_date__isnull=False, substitute_for__isnull=True).exists()
    assert Assignment.objects.filter(substitute_for__isnull=False).exists()
    rows = selectors.contact_coverage(user=staff, on=TODAY)
    covered = sum(r.covered for r in rows)
    total = sum(r.households for r in rows)
    assert 0 < covered < total
    assert ServicePerson.objects.filter(user__username="village1", role_type="village_cadre").exists()
