"""The policy library's world: the area fixture's counties under cities and a province, and one document at each
level (tests/conftest.py's personas work in county C = 630101 and C2 = 630102)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import User
from accounts.roles import Role
from policies.models import PolicyDocument
from policies.services import document_index_expression
from regions.models import Region
from tests.factories import RegionFactory, UserFactory


def doc_make(**fields) -> PolicyDocument:
    """A document written as the services write it (its search vector included), without their checks."""
    fields.setdefault("issuer", "某某卫生健康委员会")
    fields.setdefault("topic", PolicyDocument.Topic.ASSISTANCE)
    fields.setdefault("summary", "家庭可以享受的待遇。")
    fields.setdefault("level", PolicyDocument.Level.NATIONAL if fields.get("area") is None else fields["area"].level)
    document = PolicyDocument(**fields)
    document.search_vector = document_index_expression(document)
    document.save()
    document.refresh_from_db()
    return document


@dataclass
class World:
    P: Region  # province 630000
    Y: Region  # city 630100: county C
    Y2: Region  # city 630200: county C2
    national: PolicyDocument
    province: PolicyDocument
    city: PolicyDocument
    city2: PolicyDocument
    county: PolicyDocument
    county2: PolicyDocument
    city_staff: User
    city2_staff: User
    province_staff: User
    city_leader: User


@pytest.fixture
def world(area, personas) -> World:
    province = RegionFactory.province("630000", "青海省")
    city = RegionFactory.city("630100", "西宁市", province=province)
    city2 = RegionFactory.city("630200", "海东市", province=province)
    Region.objects.filter(pk=area.C.pk).update(parent=city)
    Region.objects.filter(pk=area.C2.pk).update(parent=city2)
    for user in (personas.county_staff, personas.other_county_staff):
        user.region.refresh_from_db()
    return World(
        P=province,
        Y=city,
        Y2=city2,
        national=doc_make(title="全国测试文件", issued_on=date(2020, 1, 1)),
        province=doc_make(title="青海省测试文件", area=province, number="青卫家庭发〔2021〕3号"),
        city=doc_make(title="西宁市测试文件", area=city),
        city2=doc_make(title="海东市测试文件", area=city2),
        county=doc_make(title="城东区测试文件", area=area.C),
        county2=doc_make(title="城西区测试文件", area=area.C2),
        city_staff=UserFactory(username="y_staff", role=Role.CITY_STAFF, region=city),
        city2_staff=UserFactory(username="y2_staff", role=Role.CITY_STAFF, region=city2),
        province_staff=UserFactory(username="p_staff", role=Role.CITY_STAFF, region=province),
        city_leader=UserFactory(username="y_leader", role=Role.LEADER, region=city),
    )
