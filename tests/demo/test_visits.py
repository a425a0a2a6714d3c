"""seed_demo's visits: made by the people assigned to each household on the day, the same for the same seed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from contacts.models import Assignment
from demo.contacts import seed_contacts
from demo.services import demo_households_seed
from demo.visits import demo_visits_seed
from regions.models import Region
from tests.factories import UserFactory
from visits.models import FollowUp, OverdueFlag, Visit

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 3, 1)


@pytest.fixture
def county() -> Region:
    call_command("load_regions", str(REGIONS))
    county = Region.objects.get(code="630103")
    demo_households_seed(seed=5, county=county, count=60)
    village = county.children.order_by("code").first().children.order_by("code").first()
    UserFactory(username="village1", role="village_cadre", region=village)
    seed_contacts(seed=5, county=county, today=TODAY)
    return county


def snapshot() -> list[tuple]:
    return list(
        Visit.objects.order_by(
            "household__number", "date", "method", "purpose", "visitor_role", "visitor__phone", "needs", "mood"
        ).values_list(
            "household__number", "date", "method", "purpose", "visitor_role", "visitor__phone", "visitor_name"
        )
    )


def test_demo_visits_are_made_by_the_people_assigned_on_the_day(county):
    demo_visits_seed(seed=5, county=county, today=TODAY)

    visits = list(Visit.objects.select_related("visitor__region", "household__village"))
    terms: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.all():
        terms.setdefault(a.household_id, []).append(a)
    assert len(visits) > 500
    for visit in visits:
        assert visit.visitor is not None, visit
        assigned = [
            a.person_id
            for a in terms.get(visit.household_id, [])
            if a.start_date <= visit.date and (a.end_date is None or a.end_date > visit.date)
        ]
        if assigned:
            assert visit.visitor_id in assigned, visit
        else:  # a closed household (no assignments): someone serving its village or town
            assert visit.household.status == "closed"
            assert visit.household.village.path.startswith(visit.visitor.region.path), visit
        assert (visit.visitor_role, visit.visitor_name) == (visit.visitor.role_type, visit.visitor.name)
        assert visit.visitor_user_id == visit.visitor.user_id
    by_role = {role: sum(v.visitor_role == role for v in visits) for role in {v.visitor_role for v in visits}}
    assert by_role["village_cadre"] == max(by_role.values())  # mostly the village cadre
    assert by_role["family_doctor"] > 0.15 * len(visits)
    assert {"town_leader", "association_member"} <= set(by_role)
    # While a substitute covers the village cadre, the cadre's visits are the substitute's.
    covered = 0
    for substitute in Assignment.objects.filter(substitute_for__isnull=False).select_related("substitute_for"):
        during = Visit.objects.filter(
            household=substitute.household_id,
            date__gte=substitute.start_date,
            date__lt=substitute.end_date,
            visitor_role="village_cadre",
        )
        assert not during.exclude(visitor=substitute.person_id).exists()
        covered += during.count()
    assert covered > 0
    # The demo login of a village cadre has visits of its own (its worklist and history look lived in).
    assert Visit.objects.filter(visitor_user__username="village1").exists()


def test_demo_visits_are_the_same_for_the_same_seed(county):
    demo_visits_seed(seed=5, county=county, today=TODAY)
    first = snapshot()
    assert demo_visits_seed(seed=5, county=county, today=TODAY) == 0  # run again: nothing added
    Visit.objects.all().delete()

    demo_visits_seed(seed=5, county=county, today=TODAY)

    assert snapshot() == first


def test_demo_flags_have_the_ages_of_a_county_in_use_and_follow_ups_wait(county):
    demo_visits_seed(seed=5, county=county, today=TODAY)

    open_flags = OverdueFlag.objects.open()
    assert open_flags.filter(opened_on__lte=TODAY - timedelta(days=30)).exists()  # the weeks replayed
    assert open_flags.filter(escalation_level__gte=1).exists()
    follow_ups = FollowUp.objects.filter(visit__household__county=county)
    assert follow_ups.filter(status="open").exists()
    assert follow_ups.filter(status="done").exists()
    assert all(f.owner_id == f.visit.visitor_user_id for f in follow_ups.select_related("visit"))
    count = follow_ups.count()
    assert demo_visits_seed(seed=5, county=county, today=TODAY) == 0
    assert follow_ups.count() == count  # run again: no follow-up twice
