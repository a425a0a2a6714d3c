"""`import_roster PATH --county CODE [--dry-run] [--json]`: the samples' outcomes, exit codes, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.models import AccessEvent
from households.models import Household, Member
from tests.roster.conftest import SAMPLE_NAMES, SAMPLES, edit_workbook, expected, make_workbook, outcome, sample_bytes

pytestmark = pytest.mark.django_db


def run(path: Path, *args: str) -> tuple[int, dict]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_roster", str(path), "--county", "630103", "--json", *args, stdout=out, stderr=io.StringIO()
        )
    return exit_info.value.code, json.loads(out.getvalue())


def write(tmp_path: Path, data: bytes, name: str = "roster.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("dry_run", [True, False])
def test_every_sample_gives_its_expected_outcome(sample_county, name, dry_run):
    want = expected(name)
    code, result = run(SAMPLES / f"{name}.xlsx", *(["--dry-run"] if dry_run else []))

    assert code == (0 if want["valid"] else 1)
    assert result["valid"] is want["valid"]
    assert result["households"] == {"created": want["households"], "updated": 0, "unchanged": 0}
    assert result["members"] == {"created": want["members"], "updated": 0, "unchanged": 0}
    assert outcome(result["errors"]) == sorted(want["errors"])
    warned = {(w["sheet"], w["row"]) for w in result["warnings"]}
    assert {tuple(row) for row in want["warning_rows"]} <= warned
    assert all(set(e) == {"sheet", "row", "field", "column", "message"} for e in result["errors"])
    written = want["valid"] and not dry_run
    assert Household.objects.count() == (want["households"] if written else 0)
    assert Member.objects.count() == (want["members"] if written else 0)


def test_the_same_file_twice_changes_nothing_the_second_time(sample_county):
    path = SAMPLES / "roster_persons_clean.xlsx"
    assert run(path)[0] == 0
    before = list(Member.objects.order_by("pk").values())

    code, result = run(path)

    assert code == 0
    assert result["households"] == {"created": 0, "updated": 0, "unchanged": 120}
    assert result["members"] == {"created": 0, "updated": 0, "unchanged": 240}
    assert list(Member.objects.order_by("pk").values()) == before


def test_a_real_import_is_logged_and_a_dry_run_is_not(sample_county):
    run(SAMPLES / "roster_couples.xlsx", "--dry-run")
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT).exists()

    run(SAMPLES / "roster_couples.xlsx")

    event = AccessEvent.objects.get(action=AccessEvent.Action.IMPORT)
    assert event.target_label == "roster_couples.xlsx"
    assert event.detail["households"]["created"] == 80


def test_unknown_county_is_unusable(sample_county):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", str(SAMPLES / "roster_couples.xlsx"), "--county", "999999", "--json", stdout=out)
    assert exit_info.value.code == 2
    assert json.loads(out.getvalue())["valid"] is False


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _with_entry(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    entries[name] = content
    return _zip(entries)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


UNUSABLE = {
    "empty": (b"", "empty"),
    "csv": ("户编号,姓名,身份证号码\n00001,张三,630103195001011234\n".encode(), "CSV"),
    "image": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image"),
    "random": (bytes(range(256)) * 8, "not an Excel workbook"),
    "old_xls": (OLE2 + b"Workbook".ljust(64, b"\x00"), "Save As"),
    "password": (OLE2 + "EncryptionInfo".encode("utf-16-le") + b"EncryptedPackage", "password"),
    "corrupt_zip": (b"PK\x03\x04" + b"\x00" * 300, "damaged"),
    "zip_not_xlsx": (_zip({"readme.txt": b"hello"}), "not an Excel workbook"),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_unusable_files_exit_2_with_a_clear_message(sample_county, tmp_path, case):
    data, words = UNUSABLE[case]
    code, result = run(write(tmp_path, data))

    assert code == 2
    assert result["valid"] is False
    assert words.lower() in result["errors"][0]["message"].lower()
    assert Household.objects.count() == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(sample_county, tmp_path):
    bomb = _with_entry(sample_bytes("roster_couples"), "xl/media/padding.bin", b"\x00" * (30 * 2**20))

    code, result = run(write(tmp_path, bomb))

    assert code == 2
    assert "unpacks" in result["errors"][0]["message"]


def test_a_workbook_with_macros_is_refused(sample_county, tmp_path):
    data = _with_entry(sample_bytes("roster_couples"), "xl/vbaProject.bin", b"macro")
    code, result = run(write(tmp_path, data))
    assert code == 2
    assert "macros" in result["errors"][0]["message"]


@override_settings(ROSTER_MAX_ROWS=100)
def test_more_rows_than_the_cap_is_refused(sample_county, tmp_path):
    code, result = run(SAMPLES / "roster_persons_clean.xlsx")
    assert code == 2
    assert "100" in result["errors"][0]["message"]


@override_settings(ROSTER_MAX_UPLOAD_BYTES=1000)
def test_a_file_over_the_size_cap_is_refused(sample_county):
    code, _result = run(SAMPLES / "roster_persons_clean.xlsx")
    assert code == 2
    assert Household.objects.count() == 0


def test_a_sheet_without_a_recognisable_header_is_unusable(sample_county, tmp_path):
    data = make_workbook([["会议记录"], ["时间", "地点", "内容"], ["2024-01-01", "会议室", "讨论"]])
    code, result = run(write(tmp_path, data))
    assert code == 2
    assert "header" in result["errors"][0]["message"]


def test_a_header_without_a_required_column_is_unusable(sample_county, tmp_path):
    data = make_workbook([["户编号", "乡镇", "村", "姓名", "性别"], ["00001", "礼让街街道", "礼让社区", "张三", "男"]])
    code, result = run(write(tmp_path, data))
    assert code == 2
    assert "身份证号码" in result["errors"][0]["message"]


def test_a_formula_in_a_data_cell_is_an_error(sample_county, tmp_path):
    data = edit_workbook(sample_bytes("roster_persons_clean"), {(4, 5): '=CONCATENATE("戴","振华")'})
    code, result = run(write(tmp_path, data))
    assert code == 1
    assert outcome(result["errors"]) == [["花名册", 4, "name"]]
    assert "formula" in result["errors"][0]["message"]


def test_an_unknown_town_names_the_closest_ones(sample_county, tmp_path):
    data = edit_workbook(sample_bytes("roster_persons_clean"), {(4, 3): "礼让街道", (5, 3): "礼让街道"})
    code, result = run(write(tmp_path, data))
    assert code == 1
    assert outcome(result["errors"]) == [["花名册", 4, "town"], ["花名册", 5, "town"]]
    assert "礼让街街道" in result["errors"][0]["message"]


def test_the_human_output_lists_errors_and_says_nothing_was_written(sample_county):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_roster", str(SAMPLES / "roster_persons_errors.xlsx"), "--county", "630103", stdout=out, stderr=err
        )
    assert exit_info.value.code == 1
    assert "row 67" in err.getvalue()
    assert "nothing was written" in err.getvalue()
