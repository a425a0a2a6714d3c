"""Above the county (issue 17 part 6): a province and a city load from the regions CSV, a county joins its city
without its path changing, and a user there reaches figures only — no path-scoped row at all."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.roles import Role
from households.models import Household
from regions.models import Region
from regions.scope import user_scope_path
from regions.selectors import counties_under, figure_paths, figure_paths_q
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = """code,name,level,parent_code
630000,青海省,province,
630100,西宁市,city,630000
630103,城中区,county,630100
630104,城西区,county,630100
630103001,人民街街道,town,630103
630103001001,北大街社区,village,630103001
"""


def test_province_and_city_load_and_paths_start_at_the_county(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("load_regions", str(path))
    paths = dict(Region.objects.values_list("code", "path"))
    assert paths["630000"] == "630000/"
    assert paths["630100"] == "630100/"
    assert paths["630103"] == "630103/"
    assert paths["630103001001"] == "630103/630103001/630103001001/"
    city = Region.objects.get(code="630100")
    assert [c.code for c in counties_under(region=city)] == ["630103", "630104"]
    province = Region.objects.get(code="630000")
    assert [c.code for c in counties_under(region=province)] == ["630103", "630104"]
    assert sorted(figure_paths(region=province)) == ["630000/", "630100/", "630103/", "630104/"]


def test_a_county_loaded_first_joins_its_city_later(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("code,name,level,parent_code\n630103,城中区,county,\n", encoding="utf-8")
    call_command("load_regions", str(path))
    path.write_text(CSV, encoding="utf-8")
    call_command("load_regions", str(path))
    county = Region.objects.get(code="630103")
    assert county.parent.code == "630100"
    assert county.path == "630103/"
    # The county's own file again (no city in it, as the demo loads it on every run): the county stays in its city.
    path.write_text("code,name,level,parent_code\n630103,城中区,county,\n", encoding="utf-8")
    call_command("load_regions", str(path))
    county.refresh_from_db()
    assert county.parent.code == "630100"


def test_a_county_code_must_start_with_its_citys_digits(tmp_path, capsys):
    path = tmp_path / "regions.csv"
    path.write_text("code,name,level,parent_code\n630100,西宁市,city,\n640103,某区,county,630100\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load_regions", str(path))
    assert "does not start with the code of its parent 630100" in capsys.readouterr().err
    assert not Region.objects.exists()


def test_a_city_user_reaches_no_family_file_but_reads_its_counties_figures():
    city = RegionFactory.city("630100", "西宁市")
    county = RegionFactory.county("630103", "城中区", city=city)
    other = RegionFactory.county("630203", "别市某区")
    town = RegionFactory.town(county, "001")
    staff = UserFactory(role=Role.CITY_STAFF, region=city)
    assert user_scope_path(staff) is None
    assert list(Household.objects.visible_to(staff)) == []
    assert list(Region.objects.visible_to(staff)) == []
    readable = set(Region.objects.filter(figure_paths_q(region=city)).values_list("code", flat=True))
    assert readable == {"630100", "630103", town.code}
    assert other.code not in readable
