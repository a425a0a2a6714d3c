"""Shared fixtures of the medical tests: a household of village V1a with two members, a family doctor with a login,
an institution of county C."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import User
from accounts.roles import Role
from contacts.models import ServicePerson
from households.models import Household, Member
from medical.models import Institution
from tests.conftest import Area
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory, UserFactory


@dataclass
class Family:
    household: Household
    husband: Member
    wife: Member
    doctor: ServicePerson
    doctor_user: User
    cadre: ServicePerson
    institution: Institution


@pytest.fixture
def family(area: Area) -> Family:
    household = HouseholdFactory(village=area.V1a, number="630101-00101", registered_on=date(2020, 1, 1))
    husband = MemberFactory(household=household, role=Member.Role.HUSBAND, birth_date=date(1958, 6, 1))
    wife = MemberFactory(household=household, role=Member.Role.WIFE, birth_date=date(1966, 3, 2))
    doctor_user = UserFactory(username="v1a_doctor", role=Role.FAMILY_DOCTOR, region=area.V1a)
    doctor = ServicePersonFactory(
        name="王医生", role_type=ServicePerson.RoleType.FAMILY_DOCTOR, region=area.V1a, user=doctor_user
    )
    cadre = ServicePersonFactory(name="陈静", role_type=ServicePerson.RoleType.VILLAGE_CADRE, region=area.V1a)
    AssignmentFactory(household=household, person=doctor)
    AssignmentFactory(household=household, person=cadre)
    institution = Institution.objects.create(
        county=area.C,
        region=area.T1,
        name="东关街道社区卫生服务中心",
        level=Institution.Level.COMMUNITY,
        grade=Institution.Grade.GRADE_2,
        responsible_name="李主任",
        rules_summary="优先挂号、优先就诊",
        services=[Institution.Service.REGISTRATION, Institution.Service.CONSULTATION],
    )
    return Family(household, husband, wife, doctor, doctor_user, cadre, institution)
