"""The roster engine at its service interface: updates, identity, area scope, export round trip."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from households.models import Household, Member
from households.roster.services import roster_run
from households.roster.workbook import roster_export_xlsx, roster_template_xlsx
from households.validation import id_number_make
from tests.roster.conftest import TODAY, edit_workbook, make_workbook, outcome, sample_bytes

pytestmark = pytest.mark.django_db


def run(data: bytes, county, *, area_path: str | None = None, dry_run: bool = False):
    return roster_run(data=data, county=county, area_path=area_path or county.path, today=TODAY, dry_run=dry_run)


def test_a_corrected_roster_updates_only_what_changed(sample_county):
    clean = sample_bytes("roster_persons_clean")
    run(clean, sample_county.county)
    # Row 4: 戴振华 of household 00001. Column J (10) phone, P (16) address, R (18) self-care.
    corrected = edit_workbook(clean, {(4, 10): "13900001111", (4, 16): "礼让街街道解放路社区1号", (5, 18): "失能"})

    preview = run(corrected, sample_county.county, dry_run=True)
    result = run(corrected, sample_county.county)

    for outcome_ in (preview, result):
        assert outcome_.plan.households.as_dict() == {"created": 0, "updated": 1, "unchanged": 119}
        assert outcome_.plan.members.as_dict() == {"created": 0, "updated": 2, "unchanged": 238}
    husband = Member.objects.get(name="戴振华")
    assert husband.phone == "13900001111"
    assert husband.household.address == "礼让街街道解放路社区1号"
    assert Member.objects.get(name="林娟").self_care == Member.SelfCare.DISABLED
    fields = {row[0]: row[1:] for change in result.plan.changes for row in change["fields"]}
    assert fields["phone"] == ["173****0982", "139****1111"]  # masked in the preview
    assert fields["address"][1] == "礼让街街道解放路社区1号"


def test_a_blank_cell_never_erases_a_value(sample_county):
    clean = sample_bytes("roster_persons_clean")
    run(clean, sample_county.county)
    result = run(edit_workbook(clean, {(4, 10): None}), sample_county.county)
    assert result.plan.members.updated == 0
    assert Member.objects.get(name="戴振华").phone == "17366730982"


def test_the_couple_roster_without_numbers_finds_its_households_again_by_their_persons(sample_county):
    couples = sample_bytes("roster_couples")
    run(couples, sample_county.county)
    numbers = set(Household.objects.values_list("number", flat=True))
    assert all(n.startswith("630103-") for n in numbers)

    result = run(couples, sample_county.county)

    assert result.plan.households.unchanged == 80
    assert set(Household.objects.values_list("number", flat=True)) == numbers
    wife_only = Household.objects.get(members__name="叶芳")
    assert wife_only.members.count() == 1


def test_rows_of_a_village_outside_the_importers_area_are_errors(sample_county):
    """A cadre of 人民街街道 uploads the roster of 礼让街街道: every row refused, nothing written."""
    result = run(sample_bytes("roster_persons_clean"), sample_county.county, area_path=sample_county.other_town.path)

    assert not result.valid
    assert {e.field for e in result.errors} == {"village"}
    assert "outside your area" in result.errors[0].message
    assert len({e.row for e in result.errors}) == 240
    assert Household.objects.count() == 0


def test_an_import_never_updates_a_household_outside_the_importers_area(sample_county):
    clean = sample_bytes("roster_persons_clean")
    run(clean, sample_county.county)
    # The same person, now listed in a household of the cadre's own town.
    data = make_workbook(
        [
            ["户编号", "乡镇", "村", "姓名", "身份证号码", "家庭类别"],
            ["90001", "人民街街道", "东关社区", "戴振华", "630103197307164610", "失独"],
        ]
    )
    before = list(Member.objects.order_by("pk").values())

    result = run(data, sample_county.county, area_path=sample_county.other_town.path)

    assert outcome([e.as_dict() for e in result.errors]) == [["花名册", 2, "id_number"]]
    assert "cannot be registered here" in result.errors[0].message  # neutral: not where (no existence oracle)
    assert list(Member.objects.order_by("pk").values()) == before


def test_a_household_number_of_another_area_is_refused(sample_county):
    run(sample_bytes("roster_persons_clean"), sample_county.county)
    data = make_workbook(
        [
            ["户编号", "乡镇", "村", "姓名", "身份证号码", "家庭类别"],
            ["00001", "人民街街道", "东关社区", "新人", "630103196502021231", "失独"],
        ]
    )
    result = run(data, sample_county.county, area_path=sample_county.other_town.path)
    assert outcome([e.as_dict() for e in result.errors]) == [["花名册", 2, "household_number"]]


NUMBERED_FROM_ONE = [
    ["户号", "乡镇", "村", "姓名", "身份证号码", "关系", "家庭类别"],
    ["1", "人民街街道", "北大街社区", "甲一", "630103195001011233", "丈夫", "失独"],
    ["1", "南滩街道", "南滩社区", "乙一", "630103195503031234", "丈夫", "伤残"],
]


def test_a_households_place_given_on_its_first_row_only(sample_county):
    header = ["户编号", "乡镇", "村", "姓名", "身份证号码", "关系", "家庭类别"]
    data = make_workbook(
        [
            header,
            ["7", "南滩街道", "南滩社区", "丙一", "630103195503031234", "丈夫", "伤残"],
            ["7", None, None, "丙二", "630103195705052228", "妻子", None],
        ]
    )
    result = run(data, sample_county.county)

    assert result.valid, [e.as_dict() for e in result.errors]
    household = Household.objects.get()
    assert (household.village.name, household.members.count()) == ("南滩社区", 2)


def test_a_month_1_typed_as_a_number_is_checked_against_the_id_number_or_warned(sample_county):
    """1955.10 typed into a number cell arrives as 1955.1: the ID number tells the month of a birth; nothing
    tells it of the child's death, so that is read as January with a warning."""
    october = id_number_make(area_code="630103", birth_date=date(1955, 10, 3), sequence=7, sex="M")
    header = ["户编号", "乡镇", "村", "姓名", "身份证号码", "出生年月", "关系", "家庭类别", "子女死亡日期"]
    data = make_workbook([header, ["8", "南滩街道", "南滩社区", "丁一", october, 1955.1, "丈夫", "失独", 2001.1]])

    result = run(data, sample_county.county)

    assert result.valid, [e.as_dict() for e in result.errors]
    assert [(w.sheet, w.row) for w in result.warnings if "2001.1" in w.message] == [("花名册", 2)]
    assert not [w for w in result.warnings if "1955.1" in w.message]
    assert Member.objects.get().birth_date == date(1955, 10, 3)
    assert Household.objects.get().child_event_date == date(2001, 1, 1)


def _two_sheets(first: list[list[Any]], second: list[list[Any]]) -> bytes:
    workbook = load_workbook(io.BytesIO(make_workbook(first, title="人民街街道")))
    sheet = workbook.create_sheet("南滩街道")
    for row in second:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_sheets_each_numbered_from_one_are_errors_that_name_the_other_sheet(sample_county):
    header, first, second = NUMBERED_FROM_ONE
    result = run(_two_sheets([header, first], [header, second]), sample_county.county)

    assert not result.valid
    village = next(e for e in result.errors if e.field == "village")
    assert (village.sheet, village.row) == ("南滩街道", 2)
    assert "人民街街道" in village.message
    assert "北大街社区" in village.message
    assert Household.objects.count() == 0


def test_a_blank_place_on_another_sheet_is_not_taken_from_the_first_sheet(sample_county):
    header, first, _ = NUMBERED_FROM_ONE
    blank_place = ["1", None, None, "乙一", "630103195503031234", "丈夫", "伤残"]

    result = run(_two_sheets([header, first], [header, blank_place]), sample_county.county)

    assert [(e.sheet, e.row, e.field) for e in result.errors if e.field == "village"] == [("南滩街道", 2, "village")]


def test_a_number_already_another_households_is_an_error_not_an_update(sample_county):
    """A town's roster numbered from 1 after another town's: household 1 of the archive is someone else's."""
    header, first, second = NUMBERED_FROM_ONE
    assert run(make_workbook([header, first]), sample_county.county).valid

    result = run(make_workbook([header, second]), sample_county.county)

    assert outcome([e.as_dict() for e in result.errors]) == [["花名册", 2, "household_number"]]
    assert "北大街社区" in result.errors[0].message
    household = Household.objects.get()
    assert (household.village.name, list(household.members.values_list("name", flat=True))) == ("北大街社区", ["甲一"])


def test_a_corrected_id_number_still_finds_its_household_by_the_name_and_warns(sample_county):
    header, first, _ = NUMBERED_FROM_ONE
    run(make_workbook([header, first]), sample_county.county)
    new_number = id_number_make(area_code="630103", birth_date=date(1950, 1, 2), sequence=123, sex="M")
    corrected = [*first[:4], new_number, *first[5:]]

    result = run(make_workbook([header, corrected]), sample_county.county)

    assert result.valid, [e.as_dict() for e in result.errors]
    assert result.plan.households.as_dict() == {"created": 0, "updated": 0, "unchanged": 1}
    # A person is their ID number: the corrected one is a new person, and the preview says so on the row.
    assert result.plan.members.created == 1
    assert [(w.sheet, w.row) for w in result.warnings if "甲一" in w.message] == [("花名册", 2)]


def test_header_below_a_title_with_a_two_row_merged_couple_header(sample_county):
    data = make_workbook(
        [
            ["城中区特殊家庭花名册"],
            ["序号", "乡镇(街道)", "村（社区）", "男方", None, "女方", None, "特殊家庭类型"],
            [None, None, None, "姓名", "身份证号", "姓名", "身份证号", None],
            [1, "人民街街道", "东关社区", "王建", "630103195001011233", "李芳", "630103195202021243", "失独"],
        ]
    )
    result = run(data, sample_county.county)
    assert result.valid, [e.as_dict() for e in result.errors]
    assert result.plan.members.created == 2
    assert set(Member.objects.values_list("role", "sex")) == {("husband", "M"), ("wife", "F")}


def test_names_padded_to_line_up_are_stored_without_the_padding(sample_county):
    header = ["序号", "乡镇(街道)", "村(社区)", "男方姓名", "男方身份证号", "女方姓名", "女方身份证号"]
    header += ["类别", "子女姓名"]
    place = [1, "人民街街道", "东关社区"]
    husband, wife = "630103195001011233", "630103195202021243"
    padded = make_workbook([header, [*place, "王  建", husband, "李\u3000芳", wife, "失独", "王 小 明"]])
    assert run(padded, sample_county.county).valid

    assert set(Member.objects.values_list("name", flat=True)) == {"王建", "李芳"}
    assert Household.objects.get().child_name == "王小明"
    plain = make_workbook([header, [*place, "王建", husband, "李芳", wife, "失独", "王小明"]])
    assert run(plain, sample_county.county).plan.members.unchanged == 2


def test_unknown_extra_columns_are_ignored_with_one_warning_each(sample_county):
    result = run(sample_bytes("roster_persons_clean"), sample_county.county, dry_run=True)
    ignored = [w for w in result.warnings if "录入人" in w.message]
    assert len(ignored) == 1


def test_the_export_imports_back_unchanged(sample_county):
    run(sample_bytes("roster_persons_clean"), sample_county.county)
    households = list(Household.objects.select_related("village__parent").order_by("number"))
    for household in households:
        household.member_list = list(household.members.order_by("id"))

    exported = roster_export_xlsx(households=households, full_values=True)
    result = run(exported, sample_county.county)

    assert result.valid, [e.as_dict() for e in result.errors][:5]
    assert result.plan.households.as_dict() == {"created": 0, "updated": 0, "unchanged": 120}
    assert result.plan.members.as_dict() == {"created": 0, "updated": 0, "unchanged": 240}


def test_the_export_is_masked_and_protected_against_formulas(sample_county):
    run(sample_bytes("roster_persons_clean"), sample_county.county)
    household = Household.objects.select_related("village__parent").get(number=f"{sample_county.county.code}-00001")
    household.address = '=HYPERLINK("http://x")'
    household.member_list = list(household.members.order_by("id"))

    sheet = load_workbook(io.BytesIO(roster_export_xlsx(households=[household], full_values=False))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))

    assert rows[0][6] == "6301**********4610"
    assert rows[0][9] == "173****0982"
    assert rows[0][15] == '\'=HYPERLINK("http://x")'


def test_the_template_has_text_columns_drop_downs_and_notes():
    workbook = load_workbook(io.BytesIO(roster_template_xlsx()))
    sheet = workbook["花名册"]
    assert sheet["G1"].value == "身份证号码"
    assert sheet["G2"].number_format == "@"
    assert sheet["J2"].number_format == "@"
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"独生子女死亡,独生子女伤残"' in lists
    assert '"自理,半失能,失能"' in lists
    assert '"是,否"' in lists
    assert "填表说明" in workbook.sheetnames


def test_sequence_only_rows_and_spaced_or_indented_totals_rows_are_skipped(sample_county):
    """A template numbered below the last person, 合计 aligned with full-width spaces or under 姓名."""
    header = ["序号", "户编号", "乡镇", "村", "姓名", "身份证号码", "家庭类别"]
    data = make_workbook(
        [
            header,
            [1, "90001", "人民街街道", "东关社区", "王建", "630103195001011233", "失独"],
            [2, None, None, None, None, None, None],
            [None, "合\u3000\u3000计", None, None, None, None, "1户"],
            [None, None, None, None, "总 计", None, "1人"],
            [3],
        ]
    )
    result = run(data, sample_county.county, dry_run=True)
    assert result.valid, [e.as_dict() for e in result.errors]
    assert result.plan.members.created == 1


def test_an_unknown_village_like_no_existing_one_still_names_the_towns_villages(sample_county):
    data = make_workbook(
        [
            ["户编号", "乡镇", "村", "姓名", "身份证号码", "家庭类别"],
            ["90001", "总寨镇", "光明社区", "王建", "630103195001011233", "失独"],
        ]
    )
    result = run(data, sample_county.county, dry_run=True)
    assert outcome([e.as_dict() for e in result.errors]) == [["花名册", 2, "village"]]
    message = result.errors[0].message
    assert "—" not in message
    named = message.rsplit(":", 1)[1].strip(" .").split("、")
    assert len(named) == 3
    assert set(named) <= {"总南村", "总北村", "谢家寨村", "新庄村", "塘马坊村"}


def _with_merges(data: bytes, ranges: list[str]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    for cell_range in ranges:
        workbook.active.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("merged", [True, False])
def test_a_merged_spouse_cell_ends_where_its_columns_end(sample_county, merged):
    """联系电话 and 特殊家庭类型 sit in the second header row right after the 女方 block, with nothing above."""
    data = make_workbook(
        [
            ["序号", "乡镇(街道)", "村（社区）", "男方", None, "女方", None, None, None],
            [None, None, None, "姓名", "身份证号", "姓名", "身份证号", "联系电话", "特殊家庭类型"],
            [
                1,
                "人民街街道",
                "东关社区",
                "王建",
                "630103195001011233",
                "李芳",
                "630103195202021243",
                "13900000001",
                "失独",
            ],
        ]
    )
    if merged:
        data = _with_merges(data, ["D1:E1", "F1:G1"])
    result = run(data, sample_county.county)
    assert result.valid, [e.as_dict() for e in result.errors]
    assert not [w for w in result.warnings if "ignored" in w.message]
    assert Household.objects.get().family_type == Household.FamilyType.DEATH
    phones = set(Member.objects.values_list("role", "phone"))
    assert phones == (
        {("husband", "13900000001"), ("wife", "13900000001")} if merged else {("husband", ""), ("wife", "13900000001")}
    )
