"""load_regions: the CSV of docs/ROSTER.md §Regions, idempotent, all-or-nothing with line numbers."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Commands speak the active language; the assertions below read the English messages."""
    with translation.override("en"):
        yield


SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_the_sample_county_as_a_tree(capsys):
    call_command("load_regions", str(SAMPLE))
    assert Region.objects.filter(level="county").count() == 1
    village = Region.objects.get(code="630103001001")
    assert village.parent.code == "630103001"
    assert village.path == "630103/630103001/630103001001/"
    assert "36 created" in capsys.readouterr().out


def test_loading_twice_changes_nothing(capsys):
    call_command("load_regions", str(SAMPLE))
    before = list(Region.objects.values_list("pk", "code", "name", "path"))
    call_command("load_regions", str(SAMPLE))
    assert list(Region.objects.values_list("pk", "code", "name", "path")) == before
    assert "0 created, 0 updated, 36 unchanged" in capsys.readouterr().out


def test_a_renamed_region_is_updated(tmp_path, capsys):
    call_command("load_regions", str(SAMPLE))
    text = SAMPLE.read_text(encoding="utf-8").replace("北大街社区", "北大街新社区")
    call_command("load_regions", str(write(tmp_path, text)))
    assert Region.objects.get(code="630103001001").name == "北大街新社区"
    assert "1 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("630103,城中区,county,\n630103001001,孤村,village,630103999\n", "Line 3: unknown parent code 630103999"),
        ("630103,城中区,county,\n630103001001,村,village,630103\n", "Line 3: a village cannot sit under a county"),
        (
            "630103,城中区,county,\n630103001,甲街道,town,630103\n630103001,乙街道,town,630103\n",
            "Line 4: code 630103001 is a duplicate of line 3",
        ),
        ("630103,城中区,district,\n", "Line 2: level 'district' must be province, city, county, town or village"),
        ("630103,城中区,county,\n63010300,短码,town,630103\n", "Line 3: a town code has 9 digits"),
        ("630103,城中区,county,\n630103001,,town,630103\n", "Line 3: the name is empty"),
        ("630103,城中区,county,\n630103001,镇,town,\n", "Line 3: a town needs a parent code"),
    ],
)
def test_bad_rows_are_rejected_with_line_numbers_and_nothing_written(tmp_path, capsys, body, message):
    path = write(tmp_path, "code,name,level,parent_code\n" + body)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_regions", str(path))
    assert message in capsys.readouterr().err
    assert not Region.objects.exists()


def test_wrong_header_is_rejected(tmp_path, capsys):
    path = write(tmp_path, "编码,名称\n630103,城中区\n")
    with pytest.raises(CommandError):
        call_command("load_regions", str(path))
    assert "missing: code, name, level, parent_code" in capsys.readouterr().err


def test_bad_row_after_good_rows_leaves_existing_tree_untouched(tmp_path):
    call_command("load_regions", str(SAMPLE))
    before = Region.objects.count()
    text = (
        SAMPLE.read_text(encoding="utf-8").replace("北大街社区", "改名社区") + "630103009001,孤村,village,630103009\n"
    )
    with pytest.raises(CommandError):
        call_command("load_regions", str(write(tmp_path, text)))
    assert Region.objects.count() == before
    assert Region.objects.get(code="630103001001").name == "北大街社区"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_regions", str(tmp_path / "nope.csv"))


# ---------------------------------------------------------------------------------------------------
# Real counties, encodings, codes
# ---------------------------------------------------------------------------------------------------

DATA = Path(__file__).resolve().parent / "data"
# (file, county code, towns, villages): NBS 2023 lists, see data/README.md.
REAL_COUNTIES = [
    ("nbs2023_440902_maonan.csv", "440902", 17, 239),
    ("nbs2023_620702_ganzhou.csv", "620702", 24, 279),
]


@pytest.mark.parametrize(("name", "code", "towns", "villages"), REAL_COUNTIES)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_real_countys_full_list_loads_in_utf8_or_gb18030(tmp_path, capsys, name, code, towns, villages, encoding):
    """Excel on Chinese Windows saves a CSV in GB18030 (GBK); a UTF-8 file may start with a byte-order mark."""
    text = (DATA / name).read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    call_command("load_regions", str(path))
    out = capsys.readouterr().out
    assert f"{1 + towns + villages} created" in out
    assert ("GB18030" in out) == (encoding == "gb18030")
    county = Region.objects.get(code=code)
    assert county.children.count() == towns
    assert Region.objects.filter(level="village", path__startswith=county.path).count() == villages
    # Names exactly as the file writes them, whatever the encoding.
    by_code = dict(Region.objects.values_list("code", "name"))
    for line in text.splitlines()[1:]:
        row_code, row_name, _level, _parent = line.split(",")
        assert by_code[row_code] == row_name
    for village in Region.objects.filter(level="village"):
        assert village.code.startswith(village.parent.code)
    call_command("load_regions", str(path))
    assert f"0 created, 0 updated, {1 + towns + villages} unchanged" in capsys.readouterr().out


def test_a_file_neither_utf8_nor_gb18030_is_refused(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes("code,name,level,parent_code\n630103,城中区,county,\n".encode() + b"\x80\n")
    with pytest.raises(CommandError, match="neither UTF-8 nor GB18030"):
        call_command("load_regions", str(path))
    assert not Region.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "630103,城中区,county,\n630104001,甲街道,town,630103\n",
            "Line 3: code 630104001 does not start with the code of its parent 630103",
        ),
        (
            "630103,城中区,county,\n630103001,甲街道,town,630103\n630103002,乙街道,town,630103\n"
            "630103002001,孤村,village,630103001\n",
            "Line 5: code 630103002001 does not start with the code of its parent 630103001",
        ),
    ],
)
def test_a_childs_code_must_start_with_its_parents(tmp_path, capsys, body, message):
    path = write(tmp_path, "code,name,level,parent_code\n" + body)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_regions", str(path))
    assert message in capsys.readouterr().err
    assert not Region.objects.exists()


def test_line_numbers_count_blank_lines(tmp_path, capsys):
    path = write(tmp_path, "code,name,level,parent_code\n630103,城中区,county,\n\n630104001,甲街道,town,630103\n")
    with pytest.raises(CommandError):
        call_command("load_regions", str(path))
    assert "Line 4:" in capsys.readouterr().err


def test_nbs_codes_padded_to_12_digits_are_read_as_the_projects(tmp_path):
    """The NBS list writes every code with 12 digits (440902000000 for the county, 440902001000 for a town)."""
    path = write(
        tmp_path,
        "code,name,level,parent_code\n440902000000,茂南区,county,\n440902001000,红旗街道,town,440902000000\n"
        "440902001001,建设社区居民委员会,village,440902001000\n",
    )
    call_command("load_regions", str(path))
    assert list(Region.objects.values_list("code", "path")) == [
        ("440902", "440902/"),
        ("440902001", "440902/440902001/"),
        ("440902001001", "440902/440902001/440902001001/"),
    ]
