"""The demo's policy library: the demo county joins 西宁市 and 青海省, each level has documents, one is replaced,
every role of the demo finds something, and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.roles import Role
from demo.policies import demo_policies_seed
from policies.models import PolicyDocument
from policies.selectors import Filters, document_search
from regions.models import Region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"


def test_the_demo_library(client_for):
    call_command("load_regions", str(REGIONS))
    county = Region.objects.get(code="630103")
    assert demo_policies_seed(county=county) == 7
    county.refresh_from_db()
    assert (county.parent.name, county.parent.parent.name) == ("西宁市", "青海省")
    assert county.path == "630103/"  # paths start at the county: nothing of the families' moves
    levels = set(PolicyDocument.objects.values_list("level", flat=True))
    assert levels == {"national", "province", "city", "county"}
    replaced = PolicyDocument.objects.get(status="replaced")
    assert replaced.replaced_by.title.endswith("（2021年修订）")
    before = list(PolicyDocument.objects.order_by("pk").values())
    assert demo_policies_seed(county=county) == 0
    assert list(PolicyDocument.objects.order_by("pk").values()) == before
    village = county.children.order_by("code").first().children.order_by("code").first()
    for role, region in [
        (Role.VILLAGE_CADRE, village),
        (Role.MEMBER, village),
        (Role.FAMILY_DOCTOR, village.parent),
        (Role.LEADER, county),
        (Role.COUNTY_STAFF, county),
        (Role.CITY_STAFF, county.parent),
    ]:
        user = UserFactory(role=role, region=region)
        found = document_search(user=user, filters=Filters(query="格桑花")).hits
        assert [hit.document.area_id for hit in found] == [county.pk]
        assert document_search(user=user, filters=Filters(query="绿色通道")).total >= 2
