"""The demo city (issue 17 part 6): the demo county 城中区 (630103) under 西宁市 (630100) and 青海省 (630000), two
more small districts of the city — 城西区 (630104) and 城北区 (630105), real names and codes; their streets and
communities are a plausible few, not a complete list — with households, contacts and a year of visits from the
demo's own generators, and the city's two logins: the city association's staff and a city leader. The city's
dashboard and the leaders' home then show three districts side by side.

Runs after the demo county's households (their ID numbers are kept unique across the city) and before its visits
(whose nightly runs — the engine, the snapshots — then cover the whole city). Safe to run again: regions load
idempotently, households whose number exists are skipped, contacts and visits only where there are none.
"""

from __future__ import annotations

import random
from datetime import date

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_password
from contacts.models import Assignment, ServicePerson
from demo.contacts import seed_contacts
from demo.households import households_generate, households_insert
from demo.visits import _household_visits, _made_by, _on_duty
from households.models import Household, Member
from regions.models import Region
from regions.services import regions_load_csv
from visits.models import Visit
from visits.services import ruleset_create_default

CITY_CSV = """code,name,level,parent_code
630000,青海省,province,
630100,西宁市,city,630000
630103,城中区,county,630100
630104,城西区,county,630100
630104001,西关大街街道,town,630104
630104001001,新西社区,village,630104001
630104001002,西交通巷社区,village,630104001
630104002,古城台街道,town,630104
630104002001,古城台社区,village,630104002
630104002002,海晏路社区,village,630104002
630105,城北区,county,630100
630105001,朝阳街道,town,630105
630105001001,朝阳社区,village,630105001
630105001002,北山社区,village,630105001
630105002,小桥大街街道,town,630105
630105002001,小桥社区,village,630105002
"""
# The other districts and how many families each gets (small: the demo's time matters more than their size).
DISTRICTS = {"630104": 40, "630105": 30}
CITY_LOGINS = [("city", Role.CITY_STAFF, "马丽娟"), ("cityleader", Role.LEADER, "韩志刚")]


def demo_city_regions_load() -> Region:
    """The province, the city and the two districts with their streets and communities (idempotent)."""
    regions_load_csv(text=CITY_CSV)
    return Region.objects.get(code="630100")


def demo_city_seed(*, seed: int, password: str, today: date) -> list[tuple[str, str, Region]]:
    """The city, its other districts' families, contacts and visits, and the city's logins: (username, role label,
    region) of each login."""
    city = demo_city_regions_load()
    used = set(Member.objects.exclude(id_number=None).values_list("id_number", flat=True))
    for offset, (code, count) in enumerate(DISTRICTS.items(), start=1):
        county = Region.objects.get(code=code)
        villages = list(Region.objects.subtree_of(county).villages().order_by("code"))
        generated = households_generate(
            seed=seed * 1000 + offset, county=county, villages=villages, count=count, today=today, used_ids=used
        )
        households_insert(list(generated))
        seed_contacts(seed=seed + offset, county=county, today=today, link_logins=False)
        _visits_seed(seed=seed + offset, county=county, today=today)
    logins = []
    for username, role, name in CITY_LOGINS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.region, user.name = role, city, name
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user_set_password(user=user, password=password)
        user.full_clean()
        user.save()
        logins.append((username, str(Role(role).label), city))
    return logins


def _visits_seed(*, seed: int, county: Region, today: date) -> int:
    """A year of visits for the district's households without any, each by a person assigned on its day (the demo
    county's generator, demo.visits); the demo county's nightly runs afterwards count them."""
    ruleset_create_default(county=county)
    start = date(today.year - 1, today.month, 1)
    households = list(Household.objects.filter(county=county, visits__isnull=True).order_by("number"))
    assignments: dict[int, list[Assignment]] = {}
    for assignment in Assignment.objects.filter(household__in=households).select_related("person"):
        assignments.setdefault(assignment.household_id, []).append(assignment)
    serving: dict[int, list[ServicePerson]] = {}
    for person in ServicePerson.objects.filter(region__path__startswith=county.path, active=True).order_by("phone"):
        serving.setdefault(person.region_id, []).append(person)
    towns = dict(Region.objects.filter(path__startswith=county.path).values_list("pk", "parent_id"))
    visits: list[Visit] = []
    for household in households:
        rng = random.Random(f"{seed}:{household.number}")
        near = serving.get(household.village_id, []) + serving.get(towns.get(household.village_id), [])
        visits.extend(
            _made_by(visit, _on_duty(assignments.get(household.pk, []), visit.visitor_role, visit.date, serving=near))
            for visit in _household_visits(rng, household, start=start, today=today)
        )
    return len(Visit.objects.bulk_create(visits))
