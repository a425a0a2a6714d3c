"""Rosters with the heading sets of real forms (docs/ROSTER.md §Headers, "Headings of real forms"): the
couple written 本人姓名 / 配偶姓名 or 户主姓名 / 配偶姓名 with each spouse's unprefixed 性别, 身份证号, 出生年月,
联系电话 to the right of their name, the family type as 对象类型, the child as 子女姓名, 子女性别, 子女出生年月 and
the event with its date in one cell (子女死亡或伤残（重大疾病）情况、时间).

Every spouse is kept (the persons are counted), each row is a household numbered in the county's scheme, and a
sheet that cannot be read is refused with everything it lacks said at once. Workbooks are built here with
openpyxl; the people are ``tests.roster.unseen``'s, in the sample county.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Household, Member
from households.roster.models import RosterImportJob
from households.roster.reader import RosterFileError
from regions.models import Region
from tests.factories import HouseholdFactory
from tests.roster import unseen
from tests.roster.test_unseen_rosters import command, errors_of, import_twice, invalid, run
from tests.roster.unseen import Family, SheetSpec, families, workbook

pytestmark = pytest.mark.django_db

SHEET = "花名册"

# The heading sets exactly as the forms write them: (heading, what the column holds). "A:" is the person the
# form is about (本人 / 户主), "B:" the spouse (配偶).
INNER_MONGOLIA = [  # an Inner Mongolia county's 特扶 application export
    ("序号", "seq"),
    ("苏木乡镇", "town"),
    ("嘎查村", "village"),
    ("本人姓名", "A:name"),
    ("性别", "A:sex"),
    ("身份证号", "A:id_number"),
    ("出生年月", "A:birth"),
    ("联系电话", "A:phone"),
    ("配偶姓名", "B:name"),
    ("性别", "B:sex"),
    ("身份证号", "B:id_number"),
    ("出生年月", "B:birth"),
    ("联系电话", "B:phone"),
    ("对象类型", "family_type"),
    ("子女姓名", "child_name"),
    ("子女性别", "child_sex"),
    ("子女出生年月", "child_birth"),
    ("子女死亡或伤残（重大疾病）情况、时间", "child_event"),
    ("备注", "remarks"),
]
DISTRICT_NOTICE = [  # a district association's public notice
    ("序号", "seq"),
    ("街道", "town"),
    ("社区", "village"),
    ("户主姓名", "A:name"),
    ("身份证号", "A:id_number"),
    ("配偶姓名", "B:name"),
    ("身份证号", "B:id_number"),
    ("对象类型", "family_type"),
    ("联系电话", "phone"),
    ("家庭住址", "address"),
]
PROVINCIAL_SURVEY = [  # a provincial baseline survey form
    ("序号", "seq"),
    ("乡镇（街道）", "town"),
    ("村（社区）", "village"),
    ("本人姓名", "A:name"),
    ("身份证号码", "A:id_number"),
    ("出生年月", "A:birth"),
    ("配偶姓名", "B:name"),
    ("身份证号码", "B:id_number"),
    ("出生年月", "B:birth"),
    ("对象类型", "family_type"),
    ("子女姓名", "child_name"),
    ("子女性别", "child_sex"),
    ("子女出生年月", "child_birth"),
    ("子女死亡或伤残（重大疾病）情况、时间", "child_event"),
    ("联系电话", "phone"),
]
HEADING_SETS = {
    "inner-mongolia-export": (INNER_MONGOLIA, "礼让街街道"),
    "district-notice": (DISTRICT_NOTICE, "人民街街道"),
    "provincial-survey": (PROVINCIAL_SURVEY, "总寨镇"),
}
SEX_WORD = {"M": "男", "F": "女"}


def child_birth(family: Family) -> date:
    return date(family.child_event_date.year - 20, 4, 9)


def child_sex(index: int) -> str:
    return "M" if index % 2 else "F"


def event_text(family: Family) -> str:
    """The event cell as the forms write it: "2015年3月死亡", "伤残二级 2018.06"."""
    when = family.child_event_date
    if family.family_type == "独生子女死亡":
        return f"{when.year}年{when.month}月死亡"
    return f"伤残二级 {when.year}.{when.month:02d}"


def spouses(family: Family, index: int) -> tuple[unseen.Person, unseen.Person]:
    """(本人, 配偶): every third form is the wife's (本人 is the applicant, either spouse)."""
    assert family.husband
    assert family.wife
    return (family.wife, family.husband) if index % 3 == 2 else (family.husband, family.wife)


def record(family: Family, index: int, *, wrapped_type: bool = False) -> dict[str, Any]:
    first, second = spouses(family, index)
    values: dict[str, Any] = {
        "seq": index + 1,
        "town": family.town,
        "village": family.village,
        "family_type": ("特扶" + family.family_type[4:]) if wrapped_type else family.family_type,
        "child_name": family.child_name,
        "child_sex": SEX_WORD[child_sex(index)],
        "child_birth": child_birth(family),
        "child_event": event_text(family),
        "phone": family.husband.phone if family.husband else None,
        "address": family.address,
        "remarks": None,
    }
    for prefix, person in (("A", first), ("B", second)):
        values[f"{prefix}:name"] = person.name
        values[f"{prefix}:sex"] = person.sex
        values[f"{prefix}:id_number"] = person.id_number
        values[f"{prefix}:birth"] = f"{person.birth.year}.{person.birth.month}"  # 出生年月: the month
        values[f"{prefix}:phone"] = person.phone
    return values


def sheet_rows(headings: list[tuple[str, str]], records: list[dict[str, Any]], title: bool = True) -> list[list]:
    rows: list[list[Any]] = [["2024年计划生育家庭特别扶助对象花名册"]] if title else []
    rows.append([heading for heading, _key in headings])
    rows += [[values.get(key) for _heading, key in headings] for values in records]
    return rows


def roster(headings: list[tuple[str, str]], items: list[Family], **options: Any) -> bytes:
    records = [record(family, index, **options) for index, family in enumerate(items)]
    return workbook(SheetSpec(SHEET, sheet_rows(headings, records)))


# ---------------------------------------------------------------------------------------------------
# Every spouse kept, every row a household numbered as the county numbers
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HEADING_SETS))
def test_every_spouse_of_a_real_heading_set_is_kept(sample_county, name):
    headings, town = HEADING_SETS[name]
    items = families(6, town=town)
    data = roster(headings, items, wrapped_type=name == "district-notice")

    result = import_twice(data, sample_county.county, 6, 12)  # two persons a row: none lost

    assert errors_of(result) == []
    keys = {key for _heading, key in headings}
    for index, family in enumerate(items):
        household = Household.objects.get(members__id_number=family.husband.id_number)
        assert household.village.name == family.village
        assert household.family_type == ("death" if family.family_type == "独生子女死亡" else "disability")
        stored = {m.id_number: m for m in household.members.all()}
        assert set(stored) == {family.husband.id_number, family.wife.id_number}
        husband, wife = stored[family.husband.id_number], stored[family.wife.id_number]
        assert (husband.name, husband.role, husband.sex) == (family.husband.name, "husband", "M")
        assert (wife.name, wife.role, wife.sex) == (family.wife.name, "wife", "F")
        if "A:phone" in keys:  # each spouse's own phone column
            assert (husband.phone, wife.phone) == (family.husband.phone, family.wife.phone)
        else:  # one phone column: both spouses'
            assert husband.phone == wife.phone == family.husband.phone
        if "child_event" in keys:
            assert household.child_name == family.child_name
            assert household.child_sex == child_sex(index)
            assert household.child_birth_date == child_birth(family)
            assert household.child_event_date == family.child_event_date.replace(day=1)
            assert household.child_disability_grade == ("2" if family.family_type == "独生子女伤残" else "")


def test_couple_rows_are_numbered_in_the_countys_scheme(sample_county):
    village = Region.objects.get(name="礼让社区")
    HouseholdFactory(village=village, number="630103-00011")  # the county's last number so far
    items = families(3)
    data = roster(DISTRICT_NOTICE, items)

    result = run(data, sample_county.county)

    assert result.written
    assert (result.plan.households.created, result.plan.members.created) == (3, 6)
    assert run(data, sample_county.county).plan.households.as_dict() == {"created": 0, "updated": 0, "unchanged": 3}
    numbers = sorted(
        Household.objects.filter(members__id_number__in=[f.husband.id_number for f in items]).values_list(
            "number", flat=True
        )
    )
    assert numbers == ["630103-00012", "630103-00013", "630103-00014"]


def test_the_spouse_columns_of_a_two_row_header(sample_county):
    """本人 and 配偶 merged above 姓名, 身份证号, 联系电话; 子女 above 姓名, 性别, 出生年月."""
    items = families(4, town="总寨镇")
    top = ["村", "本人", None, None, "配偶", None, None, "对象类型", "子女", None, None]
    bottom = [None, "姓名", "身份证号", "联系电话", "姓名", "身份证号", "联系电话", None, "姓名", "性别", "出生年月"]
    rows: list[list[Any]] = [top, bottom]
    for index, family in enumerate(items):
        first, second = spouses(family, index)
        rows.append(
            [
                family.village,
                first.name,
                first.id_number,
                first.phone,
                second.name,
                second.id_number,
                second.phone,
                family.family_type,
                family.child_name,
                SEX_WORD[child_sex(index)],
                child_birth(family),
            ]
        )
    merges = ["A1:A2", "B1:D1", "E1:G1", "H1:H2", "I1:K1"]

    import_twice(workbook(SheetSpec(SHEET, rows, merges)), sample_county.county, 4, 8)

    for index, family in enumerate(items):
        household = Household.objects.get(members__id_number=family.wife.id_number)
        assert (household.child_name, household.child_sex) == (family.child_name, child_sex(index))
        assert household.child_birth_date == child_birth(family)
        phones = dict(household.members.values_list("id_number", "phone"))
        assert phones == {family.husband.id_number: family.husband.phone, family.wife.id_number: family.wife.phone}


def test_two_men_as_本人_and_配偶_is_an_error(sample_county):
    items = families(2)
    records = [record(family, index) for index, family in enumerate(items)]
    other_man = families(3, start=40)[2].husband
    records[1]["B:name"], records[1]["B:id_number"] = other_man.name, other_man.id_number
    result = invalid(workbook(SheetSpec(SHEET, sheet_rows(DISTRICT_NOTICE, records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, "role")]


def test_an_error_in_the_spouses_repeated_column_names_that_column(sample_county):
    items = families(2)
    records = [record(family, index) for index, family in enumerate(items)]
    records[0]["B:id_number"] = records[0]["B:id_number"][:-1] + "Z"
    result = invalid(workbook(SheetSpec(SHEET, sheet_rows(INNER_MONGOLIA, records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "id_number")]
    assert result.errors[0].col == 10  # column K: the second 身份证号, the spouse's


# ---------------------------------------------------------------------------------------------------
# The event cell
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "family_type", "when", "grade"),
    [
        ("2015年3月死亡", "death", date(2015, 3, 1), ""),
        ("2015年3月12日因病去世", "death", date(2015, 3, 12), ""),
        ("2016.05.12 车祸身亡", "death", date(2016, 5, 12), ""),
        ("伤残二级 2018.06", "disability", date(2018, 6, 1), "2"),
        ("2018-6 残疾三级", "disability", date(2018, 6, 1), "3"),
        ("重大疾病 201909", "disability", date(2019, 9, 1), ""),
        ("2010年5月伤残，2015年3月死亡", "death", date(2015, 3, 1), ""),
        (date(2014, 7, 30), "death", date(2014, 7, 30), ""),  # an Excel date: the kind from 对象类型
    ],
)
def test_the_event_cell_gives_the_date_the_kind_and_the_grade(sample_county, cell, family_type, when, grade):
    items = families(1)
    values = record(items[0], 0)
    values["child_event"] = cell
    values["family_type"] = None if not isinstance(cell, date) else "独生子女死亡"
    import_twice(workbook(SheetSpec(SHEET, sheet_rows(INNER_MONGOLIA, [values]))), sample_county.county, 1, 2)
    household = Household.objects.get()
    assert (household.family_type, household.child_event_date, household.child_disability_grade) == (
        family_type,
        when,
        grade,
    )


@pytest.mark.parametrize("cell", ["死亡", "2015年死亡", "不详", "2015年13月死亡"])
def test_an_event_cell_without_a_readable_date_is_an_error_on_that_cell(sample_county, cell):
    items = families(2)
    records = [record(family, index) for index, family in enumerate(items)]
    records[1]["child_event"] = cell
    result = invalid(workbook(SheetSpec(SHEET, sheet_rows(INNER_MONGOLIA, records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, "child_event")]
    assert result.errors[0].column == "子女死亡或伤残（重大疾病）情况、时间"


def test_an_event_cell_that_contradicts_the_family_type_is_an_error(sample_county):
    items = families(3)
    records = [record(family, index) for index, family in enumerate(items)]
    records[0]["family_type"] = "独生子女伤残"  # the cell says 死亡
    assert event_text(items[0]).endswith("死亡")
    result = invalid(workbook(SheetSpec(SHEET, sheet_rows(INNER_MONGOLIA, records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "child_event")]
    assert "对象类型" in result.errors[0].message


def test_an_event_before_the_childs_birth_is_an_error(sample_county):
    items = families(1)
    values = record(items[0], 0)
    values["child_birth"] = date(items[0].child_event_date.year + 1, 1, 1)
    result = invalid(workbook(SheetSpec(SHEET, sheet_rows(INNER_MONGOLIA, [values]))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "child_event_date")]


# ---------------------------------------------------------------------------------------------------
# A repeated column is the spouse's by position, or an error — never dropped
# ---------------------------------------------------------------------------------------------------


def test_a_column_repeated_for_the_same_person_refuses_the_sheet_naming_both_columns(sample_county, tmp_path):
    headings = [("村", "village"), ("本人姓名", "A:name"), ("身份证号", "A:id_number"), ("身份证号", "A:id_number")]
    headings += [("配偶姓名", "B:name"), ("身份证号", "B:id_number"), ("对象类型", "family_type")]

    code, result = command(tmp_path, roster(headings, families(2)))

    assert code == 2
    assert Household.objects.count() == 0
    message = result["errors"][0]["message"]
    assert "身份证号 in column D (本人 already has column C)" in message
    assert "Recognised columns: 村、本人姓名、身份证号（本人）、配偶姓名、身份证号（配偶）、对象类型." in message


def test_a_mf_couple_roster_with_the_wifes_id_number_unprefixed(sample_county):
    """男方姓名, 男方身份证号码, 女方姓名, 身份证号码: the unprefixed column is the wife's (before: dropped)."""
    items = families(3)
    headings = [("村(社区)", "village"), ("男方姓名", "M:name"), ("男方身份证号码", "M:id_number")]
    headings += [("女方姓名", "F:name"), ("身份证号码", "F:id_number"), ("家庭类别", "family_type")]
    records = []
    for family in items:
        records.append(
            {
                "village": family.village,
                "M:name": family.husband.name,
                "M:id_number": family.husband.id_number,
                "F:name": family.wife.name,
                "F:id_number": family.wife.id_number,
                "family_type": family.family_type,
            }
        )
    import_twice(workbook(SheetSpec(SHEET, sheet_rows(headings, records))), sample_county.county, 3, 6)
    assert Member.objects.filter(role="wife").count() == 3


# ---------------------------------------------------------------------------------------------------
# The refusal says, per sheet, what was recognised, what is missing and what was ignored — all at once
# ---------------------------------------------------------------------------------------------------


def test_a_persons_sheet_missing_two_required_columns_names_both_at_once(sample_county, tmp_path):
    rows = [
        ["序号", "姓名", "性别", "身份证号码", "所在村", "民族"],
        [1, "王建国", "男", "630103195001011234", "礼让社区", "汉"],
    ]

    code, result = command(tmp_path, workbook(SheetSpec("城中区", rows)))

    assert code == 2
    message = result["errors"][0]["message"]
    assert message.startswith("Sheet 城中区: the header in row 1 cannot be used.")
    assert "Recognised columns: 姓名、性别、身份证号码." in message
    assert "Required and missing: 户编号、村(社区)." in message
    assert "Ignored columns: 所在村、民族." in message


def test_a_couple_sheet_without_the_village_names_what_it_has_and_lacks(sample_county, tmp_path):
    headings = [(h, k) for h, k in DISTRICT_NOTICE if k not in ("town", "village")] + [("所在小区", "village")]
    code, result = command(tmp_path, roster(headings, families(2)))

    assert code == 2
    message = result["errors"][0]["message"]
    recognised = "户主姓名、身份证号（户主）、配偶姓名、身份证号（配偶）、对象类型、联系电话、家庭住址"
    assert f"Recognised columns: {recognised}." in message
    assert "Required and missing: 村(社区)." in message
    assert "Ignored columns: 所在小区." in message


def test_a_sheet_without_a_recognisable_header_is_described_in_the_refusal(sample_county, tmp_path):
    """Only a name column is recognised: neither layout; the refusal names what either would need."""
    rows = [
        ["花名册"],
        ["户主", "公民身份证", "所在村组", "姓名"],
        ["王建国", "630103195001011234", "礼让社区", "王建国"],
    ]
    with pytest.raises(RosterFileError) as refused:
        run(workbook(SheetSpec("Sheet1", rows), SheetSpec("说明", [["填表说明"]])), sample_county.county)
    message = refused.value.message
    assert refused.value.code == "no_header"
    assert "Sheet Sheet1: the header in row 2 cannot be used." in message
    assert "Recognised columns: 姓名." in message
    assert "Required and missing: 户编号、身份证号码、村(社区)." in message
    assert "Ignored columns: 户主、公民身份证、所在村组." in message
    assert "Sheet 说明: none of its first 15 rows names a roster column." in message


def test_a_sheet_that_is_neither_layout_names_the_columns_of_both(sample_county, tmp_path):
    rows = [["村", "联系电话", "对象类型"], ["礼让社区", "13900000001", "特扶死亡"]]
    with pytest.raises(RosterFileError) as refused:
        run(workbook(SheetSpec(SHEET, rows)), sample_county.county)
    message = refused.value.message
    assert "no roster header was recognised (the closest is row 1)" in message
    assert "Recognised columns: 村、联系电话、对象类型." in message
    assert (
        "Required and missing: 户编号、姓名、身份证号码 for one row per person, or 本人姓名、本人身份证号码、配偶姓名、"
        "配偶身份证号码 for one row per couple" in message
    )


def test_an_unusable_sheet_beside_a_good_one_is_an_error_of_the_file(sample_county, tmp_path):
    items = families(2)
    good = SheetSpec("礼让街街道", sheet_rows(DISTRICT_NOTICE, [record(f, i) for i, f in enumerate(items)]))
    bad = SheetSpec("人民街街道", [["户主姓名", "身份证号", "配偶姓名", "身份证号"], ["王建国", "x", "李秀英", "y"]])

    code, result = command(tmp_path, workbook(good, bad))

    assert code == 1
    assert Household.objects.count() == 0
    [error] = result["errors"]
    assert (error["sheet"], error["row"]) == ("人民街街道", 1)
    assert "Required and missing: 村(社区)." in error["message"]


def test_a_list_of_contacts_beside_the_roster_is_skipped_with_a_warning(sample_county):
    """姓名 and 联系电话 without an ID number or a place: not a roster (the people who filled the form in)."""
    items = families(2)
    good = SheetSpec(SHEET, sheet_rows(DISTRICT_NOTICE, [record(f, i) for i, f in enumerate(items)]))
    contacts = SheetSpec("填报人", [["姓名", "联系电话", "职务"], ["张红", "13900000009", "计生专干"]])
    result = import_twice(workbook(good, contacts), sample_county.county, 2, 4)
    assert [w.sheet for w in result.warnings if "was skipped" in w.message] == ["填报人"]


def test_the_persons_layout_ignores_the_heads_columns_with_a_warning(sample_county):
    """户主姓名 in a one-row-per-person roster describes the head, who has a row of their own."""
    items = families(2)
    rows = [["户编号", "村(社区)", "户主姓名", "姓名", "身份证号码", "与户主关系", "家庭类别"]]
    for family in items:
        for person in family.members:
            rows.append(
                [
                    family.number,
                    family.village,
                    family.husband.name,
                    person.name,
                    person.id_number,
                    person.role,
                    family.family_type,
                ]
            )
    result = import_twice(workbook(SheetSpec(SHEET, rows)), sample_county.county, 2, 4)
    assert any("户主姓名" in w.message for w in result.warnings if w.row is None)


def test_the_job_page_shows_the_refusal_one_sheet_a_line(sample_county, client_for, django_capture_on_commit_callbacks):
    first = SheetSpec("礼让街街道", [["户主姓名", "身份证号", "配偶姓名", "身份证号"], ["王建国", "x", "李秀英", "y"]])
    second = SheetSpec("人民街街道", [["姓名", "身份证号码", "民族"], ["王建国", "x", "汉"]])
    client = client_for(sample_county.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("households:roster:home"),
            {"file": SimpleUploadedFile("roster.xlsx", workbook(first, second))},
        )
    job = RosterImportJob.objects.get()
    assert job.status == "invalid"
    page = client.get(reverse("households:roster:job", args=[job.pk])).content.decode()
    assert "Sheet 礼让街街道: the header in row 1 cannot be used." in page
    assert "Required and missing: 村(社区).<br>Sheet 人民街街道: the header in row 1 cannot be used." in page
    assert "Required and missing: 户编号、村(社区). Ignored columns: 民族." in page
