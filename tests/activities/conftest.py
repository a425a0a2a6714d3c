"""Shared fixtures of the activities tests: households in V1a, V1b (town T1) and V2a (town T2) of county C, one in
V3a of county C2; a centre of T1; a volunteer with a portal login (the association-member role) in V1a."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import User
from accounts.roles import Role
from activities.models import Centre, Team, Volunteer
from contacts.models import ServicePerson
from households.models import Household, Member
from tests.conftest import Area
from tests.factories import HouseholdFactory, MemberFactory, ServicePersonFactory, UserFactory

TODAY = date(2025, 6, 30)


@dataclass
class World:
    h1: Household  # V1a: husband and wife
    h1_husband: Member
    h1_wife: Member
    h2: Household  # V1b: one member
    h2_member: Member
    h3: Household  # V2a (town T2)
    h3_member: Member
    h4: Household  # V3a (county C2)
    h4_member: Member
    cadre: ServicePerson  # a village cadre of V1a (trained at trainings)
    far_cadre: ServicePerson  # a village cadre of V2a
    centre: Centre
    team: Team
    volunteer: Volunteer
    volunteer_user: User


@pytest.fixture
def world(area: Area) -> World:
    h1 = HouseholdFactory(village=area.V1a, number="A-001")
    h2 = HouseholdFactory(village=area.V1b, number="A-002")
    h3 = HouseholdFactory(village=area.V2a, number="A-003")
    h4 = HouseholdFactory(village=area.V3a, number="B-001")
    husband = MemberFactory(household=h1, name="张建国", role=Member.Role.HUSBAND)
    wife = MemberFactory(household=h1, name="李秀英", role=Member.Role.WIFE, birth_date=date(1960, 2, 3))
    m2 = MemberFactory(household=h2, name="王淑芬", role=Member.Role.WIFE, birth_date=date(1955, 1, 1))
    m3 = MemberFactory(household=h3, name="赵大海")
    m4 = MemberFactory(household=h4, name="钱小华")
    cadre = ServicePersonFactory(name="陈静", region=area.V1a)
    far = ServicePersonFactory(name="周平", region=area.V2a)
    centre = Centre.objects.create(county=area.C, town=area.T1, name="东关暖心家园")
    team = Team.objects.create(region=area.T1, name="东关志愿队")
    vuser = UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a)
    volunteer = Volunteer.objects.create(
        region=area.V1a, name="孙丽", phone="13900001111", user=vuser, skills=["social_worker"]
    )
    volunteer.teams.add(team)
    return World(h1, husband, wife, h2, m2, h3, m3, h4, m4, cadre, far, centre, team, volunteer, vuser)
