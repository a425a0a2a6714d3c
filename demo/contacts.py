"""Demo contacts: the people who serve a county and their four-on-one assignments. Deterministic for a seed.

Every town has a leader who handed over to a successor (ended terms in the history), doctors and members;
every village has cadres and volunteers. A few households have a vacant slot (a cadre left and nobody took
over yet, no signed doctor), one or two cadres are away with a substitute, and the demo logins are linked to
the people they are (town1 → a town leader, village1 → a village cadre, doctor1, member1).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from accounts.models import User
from contacts.models import Assignment, ServicePerson
from demo.households import mobile
from households.models import Household
from regions.models import Region

RT = ServicePerson.RoleType
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美兰霞平刚桂英建国志红梅玉兰海燕春晓东"
EARLIEST_START = date(2021, 1, 1)


@dataclass(frozen=True)
class ContactsSeeded:
    people: int
    assignments: int


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return mobile(rng)


def _person(rng: random.Random, role: str, region: Region, unit: str = "", active: bool = True) -> ServicePerson:
    return ServicePerson(name=_name(rng), phone=_phone(rng), role_type=role, region=region, unit=unit, active=active)


PeopleBySlot = dict[int, dict[str, list[ServicePerson]]]  # region id → role (or "former_leader") → people


def _people_build(
    rng: random.Random, towns: list[Region], villages: dict[int, list[Region]]
) -> tuple[PeopleBySlot, PeopleBySlot]:
    """The people who serve (unsaved): per town a leader (and a former one), two family doctors and an
    association member; per village two cadres and two volunteers."""
    by_town: PeopleBySlot = {}
    by_village: PeopleBySlot = {}
    for town in towns:
        unit = f"{town.name}卫生院"
        by_town[town.pk] = {
            "former_leader": [_person(rng, RT.TOWN_LEADER, town, unit=f"{town.name}党委", active=False)],
            RT.TOWN_LEADER: [_person(rng, RT.TOWN_LEADER, town, unit=f"{town.name}党委")],
            RT.FAMILY_DOCTOR: [_person(rng, RT.FAMILY_DOCTOR, town, unit=unit) for _ in range(2)],
            RT.ASSOCIATION_MEMBER: [_person(rng, RT.ASSOCIATION_MEMBER, town, unit=f"{town.name}计生协")],
        }
        for village in villages[town.pk]:
            by_village[village.pk] = {
                RT.VILLAGE_CADRE: [_person(rng, RT.VILLAGE_CADRE, village, unit=village.name) for _ in range(2)],
                RT.VOLUNTEER: [_person(rng, RT.VOLUNTEER, village) for _ in range(2)],
            }
    return by_town, by_village


def seed_contacts(*, seed: int, county: Region, today: date, link_logins: bool = True) -> ContactsSeeded:
    """People and assignments for the county's households. Safe to run again: a county that already has
    people who serve is left as it is. ``link_logins``: the demo logins stand for people of this county (the demo
    county's; not the city's other districts, demo.city)."""
    if ServicePerson.objects.filter(region__path__startswith=county.path).exists():
        return ContactsSeeded(people=0, assignments=0)
    rng = random.Random(seed * 7919 + 5)
    towns = list(county.children.order_by("code"))
    villages = {town.pk: list(town.children.order_by("code")) for town in towns}
    by_town, by_village = _people_build(rng, towns, villages)
    people: list[ServicePerson] = []
    for group in [*by_town.values(), *by_village.values()]:
        for persons in group.values():
            people.extend(persons)
    ServicePerson.objects.bulk_create(people)
    _link_demo_logins(towns, villages, by_town, by_village, enabled=link_logins)

    assignments: list[Assignment] = []
    substitutes: list[tuple[int, ServicePerson, date]] = []  # (index of the holder's row, person, from)
    households = Household.objects.filter(county=county, status=Household.Status.ACTIVE, village__isnull=False)
    handover = {town.pk: today - timedelta(days=rng.randrange(60, 400)) for town in towns}
    for household in households.select_related("village").order_by("number", "id"):
        town_id = household.village.parent_id
        start = max(household.registered_on, EARLIEST_START)
        town, village = by_town[town_id], by_village[household.village_id]

        def add(
            person: ServicePerson, slot: str, begin: date, end: date | None = None, household: Household = household
        ) -> int:
            assignments.append(
                Assignment(household=household, slot=slot, person=person, start_date=begin, end_date=end)
            )
            return len(assignments) - 1

        # The town leader changed on the town's handover date: the former leader's term is in the history.
        changed = max(handover[town_id], start)
        if changed > start:
            add(town["former_leader"][0], RT.TOWN_LEADER, start, changed)
        add(town[RT.TOWN_LEADER][0], RT.TOWN_LEADER, changed)
        roll = rng.random()
        cadre = rng.choice(village[RT.VILLAGE_CADRE])
        if roll < 0.04:  # the cadre left two months ago and nobody took over yet: a vacancy with an ended term
            left = max(today - timedelta(days=60), start)
            add(cadre, RT.VILLAGE_CADRE, start, left)
        else:
            row = add(cadre, RT.VILLAGE_CADRE, start)
            # Away (illness, training): the other cadre substitutes. At least one in every demo county.
            if roll > 0.985 or not substitutes:
                other = next(p for p in village[RT.VILLAGE_CADRE] if p is not cadre)
                substitutes.append((row, other, max(today - timedelta(days=20), start)))
        if rng.random() > 0.07:  # a few households have not signed with a family doctor
            add(rng.choice(town[RT.FAMILY_DOCTOR]), RT.FAMILY_DOCTOR, start)
        if rng.random() > 0.03:
            add(town[RT.ASSOCIATION_MEMBER][0], RT.ASSOCIATION_MEMBER, start)
        if rng.random() < 0.3:
            add(rng.choice(village[RT.VOLUNTEER]), RT.VOLUNTEER, start)
    Assignment.objects.bulk_create(assignments)
    subs = [
        Assignment(
            household_id=assignments[row].household_id,
            slot=RT.VILLAGE_CADRE,
            person=person,
            start_date=begin,
            end_date=today + timedelta(days=30),
            substitute_for=assignments[row],
            note="病假代岗",
        )
        for row, person, begin in substitutes
    ]
    Assignment.objects.bulk_create(subs)
    return ContactsSeeded(people=len(people), assignments=len(assignments) + len(subs))


def _link_demo_logins(
    towns: list[Region],
    villages: dict[int, list[Region]],
    by_town: dict[int, dict[str, list[ServicePerson]]],
    by_village: dict[int, dict[str, list[ServicePerson]]],
    *,
    enabled: bool = True,
) -> None:
    """The demo accounts are the people they stand for (so "my households" and notifications have someone),
    under the account's name: a linked person carries the login's name (ServicePerson.clean)."""
    if not enabled or not towns or not villages.get(towns[0].pk):
        return
    town1, village1 = towns[0], villages[towns[0].pk][0]
    links = {
        "town1": by_town[town1.pk][RT.TOWN_LEADER][0],
        "doctor1": by_town[town1.pk][RT.FAMILY_DOCTOR][0],
        "village1": by_village[village1.pk][RT.VILLAGE_CADRE][0],
        "member1": by_town[town1.pk][RT.ASSOCIATION_MEMBER][0],
    }
    if len(towns) > 1 and villages.get(towns[1].pk):
        links["town2"] = by_town[towns[1].pk][RT.TOWN_LEADER][0]
        links["village2"] = by_village[villages[towns[1].pk][0].pk][RT.VILLAGE_CADRE][0]
    users = {u.username: u for u in User.objects.filter(username__in=links)}
    changed = []
    for username, person in links.items():
        if username in users:
            person.user = users[username]
            person.name = person.user.name or person.name
            changed.append(person)
    ServicePerson.objects.bulk_update(changed, ["user", "name"])
