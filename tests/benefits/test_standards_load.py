"""manage.py load_benefit_standards: all rows or none, every bad row listed by its line; a re-run skips what is
there; English or Chinese values; UTF-8 with or without a BOM; the sample file of docs/samples loads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from benefits.models import Standard

pytestmark = pytest.mark.django_db

HEADER = (
    "scheme,level,area_code,area_name,residence,disability_grade,age_from,age_to,self_care,amount,period,"
    "effective_from,effective_to,document,note\n"
)
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "benefit_standards_example.csv"


def _load(tmp_path, text: str, *, bom: bool = False) -> tuple[str, str]:
    file = tmp_path / "standards.csv"
    file.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("load_benefit_standards", str(file), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _top_ups():
    return Standard.objects.exclude(level="national")


def test_sample_file_loads_and_a_rerun_skips_it(tmp_path):
    out, _err = _load(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    assert "4 added, 0 already there." in out
    beijing = _top_ups().get(area_code="11", scheme="death")
    assert beijing.level == "province"
    assert beijing.amount == Decimal("310")
    assert beijing.effective_from == date(2022, 7, 1)
    assert _top_ups().get(area_code="11", scheme="disability").amount == Decimal("280")
    chengzhong = _top_ups().get(area_code="630103", scheme="death")
    assert chengzhong.period == "year"
    assert chengzhong.monthly_amount == Decimal("60.00")
    out, _err = _load(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    assert "0 added, 4 already there." in out
    assert out.count("Already there, skipped") == 4
    assert _top_ups().count() == 4


def test_with_a_bom_and_chinese_values(tmp_path):
    out, _err = _load(
        tmp_path,
        HEADER
        + "特扶伤残,县,630101,城东区,农村,二级,60,,半失能,50,月,2024-01-01,2024-12-31,城东区文件,\n"
        + "奖扶,市,6301,西宁市,农村,,,,,240,每年,2024-01-01,,西宁市文件,\n",
        bom=True,
    )
    assert "2 added" in out
    row = _top_ups().get(area_code="630101")
    assert (row.scheme, row.residence, row.disability_grade, row.self_care) == ("disability", "rural", "2", "semi")
    assert row.age_from == 60
    assert row.age_to is None
    assert _top_ups().get(area_code="6301").period == "year"


def test_all_or_nothing_with_every_bad_line_listed(tmp_path):
    text = (
        HEADER
        + "death,county,630101,城东区,,,,,,50,month,2024-01-01,,文件,\n"  # line 2: good
        + "死亡家庭X,county,630101,城东区,,,,,,50,month,2024-01-01,,文件,\n"  # line 3: unknown scheme
        + "death,city,63010,西宁市,,,,,,abc,month,2024-01-02,2024-02-28,文件,\n"  # line 4: code, amount, start
        + "disability,county,630101,城东区,,,,,,50,month,2024-01-01,2024-06-15,,\n"  # line 5: end, document
    )
    with pytest.raises(CommandError, match="Nothing was loaded"):
        _load(tmp_path, text)
    assert not _top_ups().exists()
    err = StringIO()
    file = tmp_path / "standards.csv"
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load_benefit_standards", str(file), stdout=StringIO(), stderr=err)
    lines = err.getvalue()
    assert "Line 2:" not in lines
    assert "Line 3: The scheme “死亡家庭X” is not known." in lines
    assert "Line 4: The amount “abc” is not a number." in lines
    assert "Line 4: The area code of a City standard has 4 digits (“63010”)." in lines
    assert "Line 4: A standard starts on the first day of a month." in lines
    assert "Line 5: A standard ends on the last day of a month." in lines
    assert "Line 5: The document is missing." in lines


def test_an_overlap_refuses_the_whole_file(tmp_path):
    text = (
        HEADER
        + "death,county,630101,城东区,,,,,,50,month,2024-01-01,,文件,\n"
        + "death,county,630101,城东区,urban,,,,,70,month,2024-07-01,,文件,\n"  # overlaps line 2 ("" ∋ urban)
    )
    err = StringIO()
    file = tmp_path / "standards.csv"
    file.write_text(text, encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load_benefit_standards", str(file), stdout=StringIO(), stderr=err)
    assert "Line 3: It overlaps another standard" in err.getvalue()
    assert not _top_ups().exists()


def test_unknown_columns_and_not_utf8(tmp_path):
    err = StringIO()
    file = tmp_path / "standards.csv"
    file.write_text("scheme,level,amount,effective_from,document,colour\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load_benefit_standards", str(file), stdout=StringIO(), stderr=err)
    assert "Line 1: Unknown columns: colour." in err.getvalue()
    file.write_bytes(HEADER.encode() + "特扶死亡,省,11,北京市".encode("gbk"))
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load_benefit_standards", str(file), stdout=StringIO(), stderr=err)
    assert "not UTF-8" in err.getvalue()
