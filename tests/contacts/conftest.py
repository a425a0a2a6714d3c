"""Contacts fixture: households in V1a, V1b and V2a of county C, one in V3a of C2, and the people who serve.

Dates are fixed: the world of these tests is 2024.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from contacts.models import ServicePerson
from households.models import Household
from tests.factories import HouseholdFactory, ServicePersonFactory

RT = ServicePerson.RoleType
ON = dt.date(2024, 6, 1)


@dataclass
class Staff:
    town_leader: ServicePerson  # T1
    town_leader_2: ServicePerson  # T1, the successor
    cadre_v1a: ServicePerson
    cadre_v1a_2: ServicePerson
    cadre_v1b: ServicePerson
    doctor_t1: ServicePerson
    member_v1a: ServicePerson
    volunteer_v1a: ServicePerson
    volunteer_v1a_2: ServicePerson
    cadre_v2a: ServicePerson
    cadre_v3a: ServicePerson  # other county


@dataclass
class Homes:
    v1a: list[Household]
    v1b: list[Household]
    v2a: list[Household]
    v3a: list[Household]


@pytest.fixture
def staff(area) -> Staff:
    return Staff(
        town_leader=ServicePersonFactory(name="张镇长", role_type=RT.TOWN_LEADER, region=area.T1),
        town_leader_2=ServicePersonFactory(name="李镇长", role_type=RT.TOWN_LEADER, region=area.T1),
        cadre_v1a=ServicePersonFactory(name="陈静", role_type=RT.VILLAGE_CADRE, region=area.V1a),
        cadre_v1a_2=ServicePersonFactory(name="王芳", role_type=RT.VILLAGE_CADRE, region=area.V1a),
        cadre_v1b=ServicePersonFactory(name="刘强", role_type=RT.VILLAGE_CADRE, region=area.V1b),
        doctor_t1=ServicePersonFactory(name="赵医生", role_type=RT.FAMILY_DOCTOR, region=area.T1, unit="东关卫生院"),
        member_v1a=ServicePersonFactory(name="黄会员", role_type=RT.ASSOCIATION_MEMBER, region=area.V1a),
        volunteer_v1a=ServicePersonFactory(name="志愿者甲", role_type=RT.VOLUNTEER, region=area.V1a),
        volunteer_v1a_2=ServicePersonFactory(name="志愿者乙", role_type=RT.VOLUNTEER, region=area.V1a),
        cadre_v2a=ServicePersonFactory(name="马干部", role_type=RT.VILLAGE_CADRE, region=area.V2a),
        cadre_v3a=ServicePersonFactory(name="外县干部", role_type=RT.VILLAGE_CADRE, region=area.V3a),
    )


@pytest.fixture
def homes(area) -> Homes:
    return Homes(
        v1a=[HouseholdFactory(village=area.V1a, number=f"A-{i}") for i in range(3)],
        v1b=[HouseholdFactory(village=area.V1b, number=f"B-{i}") for i in range(2)],
        v2a=[HouseholdFactory(village=area.V2a, number=f"C-{i}") for i in range(2)],
        v3a=[HouseholdFactory(village=area.V3a, number="X-0")],
    )
