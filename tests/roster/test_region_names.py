"""Town and village names as clerks write them, matched to the NBS names of real counties (docs/ROSTER.md §Region
names). The region lists are real: tests/regions/data/README.md names the source.

The clerks' ways are produced here independently of the importer: the committee suffix written as 村 or 社区, the
bare name, the town without 镇 / 乡 / 街道, the county and town written before the village.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from households.models import Household
from households.roster.region_names import RegionIndex
from households.roster.services import RosterResult, roster_run
from regions.models import Region
from regions.services import regions_load_csv
from tests.roster.conftest import TODAY
from tests.roster.unseen import SheetSpec, families, person_records, table, workbook

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "regions" / "data"
SHEET = "花名册"

COMMITTEE = re.compile(r"(社区居民委员会|社区居委会|居民委员会|居委会|村民委员会|村委会)$")
TOWN_KIND = re.compile(r"(街道|镇|乡)$")


def clerk_name(official: str) -> str:
    """金塘村委会 → 金塘村, 红旗南社区居民委员会 → 红旗南社区, 下安村村民委员会 → 下安村, 金塘居委会 → 金塘社区."""
    stem = COMMITTEE.sub("", official)
    kind = "村" if re.search(r"村(民)?委", official) else "社区"
    return stem if stem.endswith(kind) else stem + kind


def bare_name(official: str) -> str:
    """The name without committee and kind words: 金塘, 红旗南, 下安 (a two-character 旧村 stays 旧村)."""
    stem = COMMITTEE.sub("", official)
    return re.sub(r"(村|社区)$", "", stem) if len(stem) > 2 or not stem.endswith("村") else stem


def town_without_kind(official: str) -> str:
    """金塘镇 → 金塘, 红旗街道 → 红旗, 平山湖蒙古族乡 → 平山湖蒙古族."""
    return TOWN_KIND.sub("", official)


def load(name: str, code: str) -> Region:
    regions_load_csv(text=(DATA / name).read_text(encoding="utf-8"))
    return Region.objects.get(code=code)


def villages_of(county: Region) -> list[Region]:
    return list(
        Region.objects.filter(level="village", path__startswith=county.path).select_related("parent").order_by("path")
    )


# (file, county code, villages written bare that two places of one town share, clerk-written names that villages of
# two towns share — the roster then needs its town column)
COUNTIES = [
    pytest.param(
        "nbs2023_440902_maonan.csv",
        "440902",
        {
            "金塘镇": {"金塘居委会", "金塘村委会"},
            "鳌头镇": {"鳌头居委会", "鳌头村委会"},
            "袂花镇": {"袂花居委会", "袂花村委会"},
        },
        {"新城村", "高山社区"},
        id="茂南区",
    ),
    pytest.param(
        "nbs2023_620702_ganzhou.csv",
        "620702",
        {"火车站街道": {"下安社区居民委员会", "下安村村民委员会"}},
        {"古城村", "头号村"},
        id="甘州区",
    ),
]


@pytest.mark.parametrize(("name", "code", "ambiguous", "shared"), COUNTIES)
def test_every_village_of_a_real_county_is_matched_as_clerks_write_it(name, code, ambiguous, shared):
    county = load(name, code)
    index = RegionIndex(county=county, area_path=county.path)
    villages = villages_of(county)
    assert len(villages) > 200

    for village in villages:
        town = village.parent.name
        # 村 / 社区 with the town as the region list writes it, or without 镇 / 街道: one village, and a note.
        for written_town in (town, town_without_kind(town)):
            found = index.resolve(written_town, clerk_name(village.name))
            assert found.village == village, (written_town, clerk_name(village.name), found.message)
            assert any(village.name in note for note in found.notes) == (clerk_name(village.name) != village.name)
        # The town (and the county) written before the village in the village column: the town column may be empty.
        for written in (town + clerk_name(village.name), county.name + town + clerk_name(village.name)):
            assert index.resolve(town, written).village == village, written
            assert index.resolve(None, written).village == village, written
        # The official name itself: no note.
        assert index.resolve(town, village.name) == (village, "", "", ())
        # The bare name: the village, unless two places of the town share it — then an error naming both.
        found = index.resolve(town_without_kind(town), bare_name(village.name))
        if village.name in ambiguous.get(town, ()):
            assert (found.village, found.field) == (None, "village")
            assert all(official in found.message for official in ambiguous[town])
        else:
            assert found.village == village, (town, bare_name(village.name), found.message)

    # Without a town column a clerk's name is the village, unless villages of two towns share it.
    several = {clerk_name(v.name) for v in villages if index.resolve(None, clerk_name(v.name)).village is None}
    assert several == shared
    for written in shared:
        message = index.resolve(None, written).message
        assert "fill in the town column" in message
        assert message.count("（") == 2  # both places, each with its town


@pytest.mark.parametrize(("name", "code", "ambiguous", "shared"), COUNTIES)
def test_towns_are_matched_without_their_kind_word(name, code, ambiguous, shared):
    county = load(name, code)
    index = RegionIndex(county=county, area_path=county.path)
    village = villages_of(county)[0]
    for town in Region.objects.filter(level="town", parent=county):
        first = Region.objects.filter(parent=town).order_by("code").first()
        for written in {town_without_kind(town.name), town_without_kind(town.name) + "镇", town.name}:
            found = index.resolve(written, first.name)
            assert found.village == first, (written, found.message)
            assert bool(found.notes) == (written != town.name)
    assert index.resolve("没有这个镇", village.name).field == "town"


def test_an_ethnic_township_is_matched_by_its_place_name():
    county = load("nbs2023_620702_ganzhou.csv", "620702")
    index = RegionIndex(county=county, area_path=county.path)
    town = Region.objects.get(name="平山湖蒙古族乡")
    village = Region.objects.filter(parent=town).order_by("code").first()
    for written in ("平山湖乡", "平山湖", "平山湖蒙古族乡"):
        assert index.resolve(written, village.name).village == village


# ---------------------------------------------------------------------------------------------------
# Through the importer
# ---------------------------------------------------------------------------------------------------


def run(data: bytes, county: Region, *, dry_run: bool = True) -> RosterResult:
    return roster_run(data=data, county=county, area_path=county.path, today=TODAY, dry_run=dry_run)


def county_roster(county: Region, village_name, town_name=town_without_kind) -> tuple[bytes, list[Region]]:
    """One household (two persons) per village of the county, town and village written by the given functions."""
    villages = villages_of(county)
    items = families(len(villages))
    for family, village in zip(items, villages, strict=True):
        assert village.parent is not None
        family.town, family.village = town_name(village.parent.name), village_name(village.name)
        family.address = f"{village.code}号"  # to find the village each household must land in
    return workbook(SheetSpec(SHEET, table(person_records(items)))), villages


def test_a_roster_written_the_clerks_ways_imports_every_village_with_a_note():
    county = load("nbs2023_440902_maonan.csv", "440902")
    data, villages = county_roster(county, clerk_name)

    preview = run(data, county)
    assert [e.as_dict() for e in preview.errors] == []
    assert preview.plan.households.created == len(villages) == 239
    notes = [w for w in preview.warnings if w.row is not None]
    # Each town written without 镇/街道 is noted once, on its first row; each village once.
    town_notes = [w for w in notes if "Town or street" in w.message]
    assert len(town_notes) == Region.objects.filter(parent=county).count() == 17
    village_notes = [w for w in notes if w not in town_notes]
    assert len(village_notes) == len(villages)
    for note, village in zip(village_notes, villages, strict=True):
        assert village.name in note.message
        assert village.parent.name in note.message

    result = run(data, county, dry_run=False)
    assert result.written
    landed = {h.address: h.village_id for h in Household.objects.all()}
    assert landed == {f"{v.code}号": v.pk for v in villages}


def test_bare_names_two_places_of_a_town_share_are_errors_that_name_both():
    county = load("nbs2023_440902_maonan.csv", "440902")
    data, villages = county_roster(county, bare_name)

    result = run(data, county)
    shared = {"金塘居委会", "金塘村委会", "鳌头居委会", "鳌头村委会", "袂花居委会", "袂花村委会"}
    # Two persons a household below a header row: household i (from 0) is on Excel rows 2i+2 and 2i+3.
    village_of_row = {2 * i + 2 + k: village for i, village in enumerate(villages) for k in (0, 1)}
    assert sorted(e.row for e in result.errors) == sorted(r for r, v in village_of_row.items() if v.name in shared)
    assert {e.field for e in result.errors} == {"village"}
    for error in result.errors:
        written = bare_name(village_of_row[error.row].name)
        assert f"{written}居委会" in error.message
        assert f"{written}村委会" in error.message
    # Every other village was matched: 233 of 239.
    assert len({v.pk for r, v in village_of_row.items() if v.name not in shared}) == 233


# ---------------------------------------------------------------------------------------------------
# Placeholders, prefixes, suggestions (real NBS names of other counties)
# ---------------------------------------------------------------------------------------------------

# 天津市宝坻区八门城镇 (NBS 2020 codes and names): characters the NBS system cannot write are placeholders.
BAODI = """code,name,level,parent_code
120115,宝坻区,county,
120115106,八门城镇,town,120115
120115106201,小（氵甸）村委会,village,120115106
120115106213,东于（瞿阝）村委会,village,120115106
120115106252,（氵甸）沽村委会,village,120115106
120115106214,中于（瞿阝）村委会,village,120115106
"""

# 内蒙古自治区伊金霍洛旗 (NBS 2023): some villages carry the province, city, county and town before their name.
EJIN_HORO = """code,name,level,parent_code
150627,伊金霍洛旗,county,
150627100,阿勒腾席热镇,town,150627
150627100012,文明街社区居委会,village,150627100
150627100013,纳林高勒社区居委会,village,150627100
150627100014,札萨克社区居委会,village,150627100
150627100015,内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇西苑社区居民委员会,village,150627100
150627100016,内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇文澜社区居民委员会,village,150627100
150627100017,内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇水岸花园社区居民委员会,village,150627100
150627100018,内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇文德社区居民委员会,village,150627100
150627100200,查干庙村村委会,village,150627100
150627100201,红海子村村委会,village,150627100
150627100202,曼赖村村委会,village,150627100
"""


def index_of(text: str, code: str) -> RegionIndex:
    regions_load_csv(text=text)
    county = Region.objects.get(code=code)
    return RegionIndex(county=county, area_path=county.path)


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("小𣵦村", "小（氵甸）村委会"),
        ("小𣵦", "小（氵甸）村委会"),
        ("小（氵甸）村", "小（氵甸）村委会"),
        ("小(氵甸)村委会", "小（氵甸）村委会"),
        ("小?村", "小（氵甸）村委会"),  # the character lost by an encoding
        ("𣵦沽村", "（氵甸）沽村委会"),
        ("东于𨟠村", "东于（瞿阝）村委会"),
        ("中于𨟠", "中于（瞿阝）村委会"),
    ],
)
def test_a_placeholder_for_a_rare_character_matches_the_character(written, official):
    index = index_of(BAODI, "120115")
    found = index.resolve("八门城", written)
    assert found.village == Region.objects.get(name=official), found.message


@pytest.mark.parametrize(
    ("town", "written", "official"),
    [
        ("阿勒腾席热镇", "水岸花园社区", "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇水岸花园社区居民委员会"),
        ("阿勒腾席热", "水岸花园", "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇水岸花园社区居民委员会"),
        ("", "文德社区", "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇文德社区居民委员会"),
        ("", "伊金霍洛旗阿勒腾席热镇文明街社区", "文明街社区居委会"),
        ("阿勒腾席热镇", "阿勒腾席热镇查干庙村", "查干庙村村委会"),
        ("伊金霍洛旗阿勒腾席热镇", "曼赖村", "曼赖村村委会"),
    ],
)
def test_an_administrative_prefix_is_dropped_on_either_side(town, written, official):
    index = index_of(EJIN_HORO, "150627")
    found = index.resolve(town, written)
    assert found.village == Region.objects.get(name=official), found.message
    assert any(official in note for note in found.notes)


def test_suggestions_rank_the_long_official_form():
    index = index_of(EJIN_HORO, "150627")
    found = index.resolve("阿勒腾席热镇", "水岸花苑小区")
    assert found.field == "village"
    closest = found.message.split("Closest names: ")[1]
    assert closest.startswith("内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇水岸花园社区居民委员会")
