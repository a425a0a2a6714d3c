"""Rosters the importer has never seen, built in the test by every rule of docs/ROSTER.md (see ``unseen.py``).

Each test states the outcome exactly: valid or not, the counts, every error as (sheet, Excel row, field),
the rows that carry a warning; and for a valid file that a real import stores the normalised values and
that importing the same file again changes nothing.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from households.models import Household, Member
from households.roster.services import RosterResult, roster_run
from tests.roster import unseen
from tests.roster.conftest import TODAY
from tests.roster.unseen import (
    ALIVE,
    COUPLE_COLUMNS,
    FAMILY_TYPES,
    HEADERS,
    PERSON_COLUMNS,
    ROLES,
    SELF_CARE,
    YES_NO,
    Family,
    Person,
    SheetSpec,
    couple_records,
    families,
    person_records,
    table,
    two_row_header,
    workbook,
)

pytestmark = pytest.mark.django_db

SHEET = "花名册"
GRADES = {"一级": "1", "二级": "2", "三级": "3", "四级": "4", None: ""}


# ---------------------------------------------------------------------------------------------------
# Running the importer and reading its outcome
# ---------------------------------------------------------------------------------------------------


def run(data: bytes, county, *, dry_run: bool = False) -> RosterResult:
    return roster_run(data=data, county=county, area_path=county.path, today=TODAY, dry_run=dry_run)


def command(tmp_path: Path, data: bytes, *args: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_roster", str(path), "--county", unseen.COUNTY, "--json", *args, stdout=out, stderr=io.StringIO()
        )
    return exit_info.value.code, json.loads(out.getvalue())


def errors_of(result: RosterResult | dict) -> list[tuple[Any, Any, Any]]:
    errors = result["errors"] if isinstance(result, dict) else [e.as_dict() for e in result.errors]
    return sorted((e["sheet"], e["row"], e["field"]) for e in errors)


def warning_rows(result: RosterResult) -> list[tuple[str, int]]:
    return sorted({(w.sheet, w.row) for w in result.warnings if w.row is not None})


def sheet_warnings(result: RosterResult) -> list[tuple[str, str]]:
    """Warnings about a sheet or a column (no row), except the note that 备注 is not kept."""
    return sorted((w.sheet, w.message) for w in result.warnings if w.row is None and "备注" not in w.message)


def counts(result: RosterResult) -> tuple[dict[str, int], dict[str, int]]:
    return result.plan.households.as_dict(), result.plan.members.as_dict()


def created(households: int, members: int) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {"created": households, "updated": 0, "unchanged": 0},
        {"created": members, "updated": 0, "unchanged": 0},
    )


def snapshot() -> tuple[list[dict], list[dict]]:
    return (
        list(Household.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
    )


def import_twice(data: bytes, county, households: int, members: int) -> RosterResult:
    """A valid file: the dry run and the import give the same counts; the second import changes nothing."""
    preview = run(data, county, dry_run=True)
    assert errors_of(preview) == []
    assert counts(preview) == created(households, members)
    assert Household.objects.count() == 0

    result = run(data, county)
    assert result.valid
    assert result.written
    assert counts(result) == created(households, members)
    assert Household.objects.count() == households
    assert Member.objects.count() == members
    before = snapshot()

    again = run(data, county)
    assert again.valid
    assert errors_of(again) == []
    assert counts(again) == (
        {"created": 0, "updated": 0, "unchanged": households},
        {"created": 0, "updated": 0, "unchanged": members},
    )
    assert snapshot() == before
    return result


def invalid(data: bytes, county) -> RosterResult:
    """A file with row errors: nothing is written, and the real run says the same as the dry run."""
    preview = run(data, county, dry_run=True)
    result = run(data, county)
    assert not result.valid
    assert not result.written
    assert errors_of(result) == errors_of(preview)
    assert Household.objects.count() == 0
    assert Member.objects.count() == 0
    return result


# ---------------------------------------------------------------------------------------------------
# What an import must have stored
# ---------------------------------------------------------------------------------------------------


def id_sex(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"


def id_birth(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def stored_member(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "id_number": person.id_number,
        "sex": id_sex(person.id_number),
        "birth_date": id_birth(person.id_number),
        "role": ROLES[person.role],
        "phone": person.phone or "",
        "alive": ALIVE[person.alive] if person.alive is not None else True,
        "self_care": SELF_CARE[person.self_care] if person.self_care else "",
        "health_notes": person.health or "",
    }


MEMBER_FIELDS = tuple(stored_member(families(1)[0].husband))


def expect_stored(
    items: list[Family], *, numbered: bool = True, couples: bool = False, shared_phone: bool = False
) -> None:
    """Every household and member of ``items`` is in the archive with the normalised values.

    ``couples``: the couple layout (roles from the side; no self-care or health columns).
    ``shared_phone``: one 联系电话 column for both spouses (each spouse gets it).
    """
    for family in items:
        first = family.members[0]
        household = Household.objects.select_related("village__parent").get(members__id_number=first.id_number)
        if numbered:  # a bare number (00001) in the county's scheme (630103-00001)
            assert household.number == f"{unseen.COUNTY}-{family.number}"
        else:
            assert household.number.startswith(f"{unseen.COUNTY}-")
        assert (household.village.parent.name, household.village.name) == (family.town, family.village)
        assert household.family_type == FAMILY_TYPES[family.family_type]
        assert household.child_name == family.child_name
        assert household.child_event_date == family.child_event_date
        assert household.child_disability_grade == GRADES[family.disability_grade]
        assert household.certificate_number == family.certificate_number
        assert household.address == family.address
        assert household.poverty_registered is YES_NO[family.poverty_registered]
        stored = {m["id_number"]: m for m in household.members.values(*MEMBER_FIELDS)}
        assert set(stored) == {p.id_number for p in family.members}
        for person in family.members:
            want = stored_member(person)
            if couples:
                want["role"] = "husband" if person is family.husband else "wife"
                want["self_care"] = want["health_notes"] = ""
                if shared_phone:
                    want["phone"] = (family.husband or family.wife).phone
            assert stored[person.id_number] == want, person.name


def persons_workbook(items: list[Family], *, headers: dict[str, str] | None = None, columns=PERSON_COLUMNS) -> bytes:
    return workbook(SheetSpec(SHEET, table(person_records(items), columns, headers=headers)))


def one_family(**changes: Any) -> list[Family]:
    items = families(1)
    for name, value in changes.items():
        setattr(items[0], name, value)
    return items


def with_birth(person: Person, birth: date, sequence: int = 7) -> Person:
    person.birth = birth
    person.id_number = unseen.id_number(birth, "M" if person.sex == "男" else "F", sequence)
    return person


# ---------------------------------------------------------------------------------------------------
# Generated complete workbooks (the generator's own expected outcomes)
# ---------------------------------------------------------------------------------------------------

GENERATED = {name: (data, expected) for name, data, expected in unseen.generated()}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_workbooks_give_their_expected_outcome(sample_county, tmp_path, name):
    data, want = GENERATED[name]

    code, result = command(tmp_path, data, "--dry-run")

    assert code == (0 if want["valid"] else 1)
    assert result["valid"] is want["valid"]
    assert result["households"] == {"created": want["households"], "updated": 0, "unchanged": 0}
    assert result["members"] == {"created": want["members"], "updated": 0, "unchanged": 0}
    assert [list(e) for e in errors_of(result)] == want["errors"]
    assert {(w["sheet"], w["row"]) for w in result["warnings"] if w["row"]} == {tuple(r) for r in want["warning_rows"]}
    if want["valid"]:
        assert command(tmp_path, data)[0] == 0
        code, again = command(tmp_path, data)
        assert code == 0
        assert again["households"] == {"created": 0, "updated": 0, "unchanged": want["households"]}
        assert again["members"] == {"created": 0, "updated": 0, "unchanged": want["members"]}
    else:
        assert command(tmp_path, data)[0] == 1
        assert Household.objects.count() == 0


def _cells(data: bytes) -> list[tuple[str, list[tuple]]]:
    book = load_workbook(io.BytesIO(data))
    return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]


def test_the_generator_is_deterministic():
    again = unseen.generated()
    assert [name for name, _d, _e in again] == list(GENERATED)
    for name, data, want in again:
        assert want == GENERATED[name][1]
        assert _cells(data) == _cells(GENERATED[name][0])


# ---------------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------------

# Every name of docs/ROSTER.md's table (the canonical ones are in every other test), and the same names written
# with full-width parentheses, other bracket styles, spaces, line breaks and the ideographic space.
ALIASES = [(name, alias) for name, names in HEADERS.items() if name != "seq" for alias in names[1:]]
SPELLINGS = [
    ("town", "乡镇（街道）"),
    ("town", "乡镇 （街道）"),
    ("town", "镇（街道）"),
    ("village", "村（社区）"),
    ("village", "村［社区］"),
    ("village", "村【社区】"),
    ("village", "村（居）"),
    ("village", "村 (居)"),
    ("child_event_date", "子女死亡（伤残）日期"),
    ("child_event_date", "死亡（伤残）时间"),
    ("name", " 姓  名 "),
    ("name", "姓\u3000名"),
    ("id_number", "身份证\n号码"),
    ("id_number", "身 份 证 号"),
    ("id_number", "公民身份号码\u3000"),
    ("birth_date", "出生\n年月"),
    ("household_number", "户 编 号"),
    ("phone", "联系\u00a0电话"),
    ("self_care", "生活 自理 能力"),
    ("poverty_registered", "是否建档立卡\n贫困户"),
]


@pytest.mark.parametrize(("column", "header"), ALIASES + SPELLINGS)
def test_every_header_name_and_spelling_is_recognised(sample_county, column, header):
    items = families(3)
    items[2].others.append(
        Person(
            name="王小宝",
            sex="男",
            birth=date(2012, 5, 1),
            id_number=unseen.id_number(date(2012, 5, 1), "M", 9),
            role="孙子",
            phone=None,
        )
    )
    data = persons_workbook(items, headers={column: header})

    result = import_twice(data, sample_county.county, 3, 7)

    assert sheet_warnings(result) == []  # no column ignored
    expect_stored(items)


@pytest.mark.parametrize("column", ["sex", "birth_date"])
@pytest.mark.parametrize("spelled", [False, True])
def test_a_recognised_sex_or_birth_date_column_is_compared_with_the_id_number(sample_county, column, spelled):
    """Sex and birth date also come from the ID number: a wrong value shows the column was read."""
    items = families(2)
    records = person_records(items)
    records[2][column] = "女" if column == "sex" else date(1950, 1, 1)
    header = {"sex": "性 别", "birth_date": "出生\u3000年月"}[column] if spelled else HEADERS[column][-1]
    result = invalid(workbook(SheetSpec(SHEET, table(records, headers={column: header}))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, column)]


@pytest.mark.parametrize(
    ("above", "merged"),
    [(0, False), (1, False), (1, True), (2, False), (2, True)],
    ids=["no-title", "title", "merged-title", "title-and-unit", "merged-title-and-unit"],
)
def test_the_header_row_may_sit_below_title_date_and_unit_rows(sample_county, above, merged):
    items = families(4)
    records = person_records(items)
    number15, number18 = unseen.id_number_15(date(1952, 8, 9), "M", 11)
    with_birth(items[1].husband, date(1952, 8, 9), 11)
    items[1].husband.id_number = number18
    records[2].update(id_number=number15, birth_date="1952.08.09")
    rows = unseen.title_rows(above, len(PERSON_COLUMNS)) + table(records)
    merges = ["A1:V1"] if merged else []

    result = import_twice(workbook(SheetSpec(SHEET, rows, merges)), sample_county.county, 4, 8)

    # records[2] is the third data row: below the title rows and the header.
    assert warning_rows(result) == [(SHEET, above + 4)]
    assert sheet_warnings(result) == []
    expect_stored(items)


def test_row_numbers_of_errors_count_the_title_rows(sample_county):
    records = person_records(families(3))
    records[3]["phone"] = "123"
    records[5]["id_number"] = records[5]["id_number"][:-1] + "Y"
    rows = unseen.title_rows(2, len(PERSON_COLUMNS)) + table(records)
    result = invalid(workbook(SheetSpec(SHEET, rows, ["A1:V1"])), sample_county.county)
    assert errors_of(result) == [(SHEET, 7, "phone"), (SHEET, 9, "id_number")]


@pytest.mark.parametrize("sequence", ["序号", "编号", " 序 号 "])
def test_a_leading_sequence_column_is_ignored(sample_county, sequence):
    items = families(3)
    records = person_records(items)
    for index, record in enumerate(records):
        record["seq"] = 100 - index  # numbers that mean nothing
    data = workbook(SheetSpec(SHEET, table(records, headers={"seq": sequence})))

    result = import_twice(data, sample_county.county, 3, 6)

    assert sheet_warnings(result) == []
    expect_stored(items)


def test_unknown_extra_columns_give_one_warning_each(sample_county):
    items = families(3)
    records = person_records(items)
    for record in records:
        record.update(clerk="张会计", checked="已核", extra="x")
    columns = (*PERSON_COLUMNS[:5], "clerk", *PERSON_COLUMNS[5:], "checked", "extra")
    headers = {"clerk": "录入人", "checked": "审核情况", "extra": "联系人 电话"}

    result = import_twice(
        workbook(SheetSpec(SHEET, table(records, columns, headers=headers))), sample_county.county, 3, 6
    )

    ignored = sheet_warnings(result)
    assert len(ignored) == 3
    for header in headers.values():
        assert len([m for sheet, m in ignored if sheet == SHEET and header in m]) == 1, header
    assert warning_rows(result) == []
    expect_stored(items)


PERSONS_REQUIRED = ["household_number", "name", "id_number", "village"]


@pytest.mark.parametrize("missing", PERSONS_REQUIRED)
def test_a_roster_without_a_required_column_is_unusable(sample_county, tmp_path, missing):
    columns = [c for c in PERSON_COLUMNS if c != missing]
    data = workbook(SheetSpec(SHEET, table(person_records(families(2)), columns)))

    code, result = command(tmp_path, data)

    assert code == 2
    assert result["valid"] is False
    assert len(result["errors"]) == 1
    assert HEADERS[missing][0] in result["errors"][0]["message"]
    assert Household.objects.count() == 0


@pytest.mark.parametrize("missing", ["name:M", "id_number:M", "name:F", "id_number:F", "village"])
def test_a_couple_roster_without_a_required_column_is_unusable(sample_county, tmp_path, missing):
    columns = [c for c in COUPLE_COLUMNS if c != missing]
    data = workbook(SheetSpec(SHEET, table(couple_records(families(2)), columns)))

    code, result = command(tmp_path, data)

    assert code == 2
    assert result["valid"] is False
    assert Household.objects.count() == 0


# ---------------------------------------------------------------------------------------------------
# The couple layout
# ---------------------------------------------------------------------------------------------------

PREFIXES = [{"M": "男方", "F": "女方"}, {"M": "丈夫", "F": "妻子"}]


@pytest.mark.parametrize("prefixes", PREFIXES, ids=["男方女方", "丈夫妻子"])
def test_couples_with_prefixed_one_cell_headers(sample_county, prefixes):
    items = families(4, town="总寨镇")
    items[1].wife.alive = "已故"
    items[2].husband.alive = "去世"
    data = workbook(SheetSpec(SHEET, table(couple_records(items), COUPLE_COLUMNS, prefixes=prefixes)))

    result = import_twice(data, sample_county.county, 4, 8)

    assert sheet_warnings(result) == []
    expect_stored(items, numbered=False, couples=True, shared_phone=True)


@pytest.mark.parametrize("prefixes", PREFIXES, ids=["男方女方", "丈夫妻子"])
def test_couples_with_a_phone_column_for_each_spouse(sample_county, prefixes):
    items = families(3, town="人民街街道")
    columns = (*COUPLE_COLUMNS[:7], "phone:M", *COUPLE_COLUMNS[7:11], "phone:F", *COUPLE_COLUMNS[12:])
    data = workbook(SheetSpec(SHEET, table(couple_records(items), columns, prefixes=prefixes)))

    import_twice(data, sample_county.county, 3, 6)

    expect_stored(items, numbered=False, couples=True)


@pytest.mark.parametrize("prefixes", PREFIXES, ids=["男方女方", "丈夫妻子"])
@pytest.mark.parametrize("above", [0, 1, 2])
@pytest.mark.parametrize("spanning", [True, False], ids=["others-span-both-rows", "others-in-the-second-row"])
def test_couples_with_a_merged_spouse_cell_above_a_second_header_row(sample_county, prefixes, above, spanning):
    items = families(5, town="人民街街道")
    records = couple_records(items)
    records[3]["id_number:F"] = records[3]["id_number:F"][:-1] + "Z"  # an error, to see the row number
    header, merges = two_row_header(COUPLE_COLUMNS, prefixes=prefixes, first_row=above + 1, spanning=spanning)
    rows = unseen.title_rows(above, len(COUPLE_COLUMNS)) + header + table(records, COUPLE_COLUMNS)[1:]
    data = workbook(SheetSpec(SHEET, rows, merges))

    result = invalid(data, sample_county.county)
    # title rows, two header rows, then the fourth household
    assert errors_of(result) == [(SHEET, above + 2 + 4, "id_number")]
    assert sheet_warnings(result) == []

    records[3]["id_number:F"] = items[3].wife.id_number
    rows = unseen.title_rows(above, len(COUPLE_COLUMNS)) + header + table(records, COUPLE_COLUMNS)[1:]
    import_twice(workbook(SheetSpec(SHEET, rows, merges)), sample_county.county, 5, 10)
    expect_stored(items, numbered=False, couples=True, shared_phone=True)


def test_couples_with_one_spouse_empty(sample_county):
    items = families(4, town="总寨镇")
    items[0].wife = None
    items[1].husband = None
    items[2].wife.alive = "死亡"  # listed, but deceased
    header, merges = two_row_header(COUPLE_COLUMNS)
    data = workbook(SheetSpec(SHEET, header + table(couple_records(items), COUPLE_COLUMNS)[1:], merges))

    result = import_twice(data, sample_county.county, 4, 6)

    assert errors_of(result) == []
    expect_stored(items, numbered=False, couples=True, shared_phone=True)
    assert Household.objects.get(members__id_number=items[1].wife.id_number).members.count() == 1


def test_couples_a_woman_in_the_husbands_column_is_an_error(sample_county):
    items = families(3, town="总寨镇")
    records = couple_records(items)
    records[0]["id_number:M"], records[0]["id_number:F"] = records[0]["id_number:F"], records[0]["id_number:M"]
    records[1]["birth_date:F"] = date(1930, 1, 1)
    records[2]["alive:M"] = "不知道"
    result = invalid(workbook(SheetSpec(SHEET, table(records, COUPLE_COLUMNS))), sample_county.county)
    assert errors_of(result) == [(SHEET, 2, "id_number"), (SHEET, 3, "birth_date"), (SHEET, 4, "alive")]
    assert {e.column for e in result.errors} == {"男方身份证号", "女方出生日期", "男方是否健在"}


def test_couples_id_numbers_a_numeric_cell_and_a_15_digit_number(sample_county, tmp_path):
    items = families(3, town="总寨镇")
    number15, number18 = unseen.id_number_15(date(1953, 6, 7), "F", 40)
    items[1].wife.birth, items[1].wife.id_number = date(1953, 6, 7), number18
    records = couple_records(items)
    records[1]["id_number:F"], records[1]["birth_date:F"] = number15, "1953年6月7日"
    data = workbook(SheetSpec(SHEET, table(records, COUPLE_COLUMNS)))

    result = import_twice(data, sample_county.county, 3, 6)
    assert warning_rows(result) == [(SHEET, 3)]
    expect_stored(items, numbered=False, couples=True, shared_phone=True)

    records[2]["id_number:M"] = int(records[2]["id_number:M"])
    code, outcome = command(tmp_path, workbook(SheetSpec(SHEET, table(records, COUPLE_COLUMNS))))
    assert code == 1
    assert errors_of(outcome) == [(SHEET, 4, "id_number")]
    assert outcome["errors"][0]["column"] == "男方身份证号"


def test_couples_with_a_household_number_column(sample_county):
    items = families(3, town="礼让街街道")
    columns = ("household_number", *COUPLE_COLUMNS)
    import_twice(workbook(SheetSpec(SHEET, table(couple_records(items), columns))), sample_county.county, 3, 6)
    expect_stored(items, couples=True, shared_phone=True)


def test_couples_the_same_id_number_on_two_rows(sample_county):
    records = couple_records(families(3, town="总寨镇"))
    records[2]["id_number:F"] = records[0]["id_number:F"]
    result = invalid(workbook(SheetSpec(SHEET, table(records, COUPLE_COLUMNS))), sample_county.county)
    assert errors_of(result) == [(SHEET, 2, "id_number"), (SHEET, 4, "id_number")]
    assert {e.column for e in result.errors} == {"女方身份证号"}


# ---------------------------------------------------------------------------------------------------
# Several sheets
# ---------------------------------------------------------------------------------------------------


def test_several_sheets_one_per_town_and_a_notes_sheet(sample_county, tmp_path):
    towns = [("礼让街街道", 1), ("人民街街道", 101), ("总寨镇", 201)]
    by_town = {town: families(3, start=start, town=town) for town, start in towns}
    sheets = [
        SheetSpec(town, unseen.title_rows(1, len(PERSON_COLUMNS)) + table(person_records(items)))
        for town, items in by_town.items()
    ]
    notes = SheetSpec(
        "填表说明", [["填表说明"], ["1. 身份证号码请以文本格式填写。"], [None], ["2. 日期格式 1965-03-02。"]]
    )
    empty = SheetSpec("Sheet3", [])
    data = workbook(sheets[0], notes, *sheets[1:], empty)

    result = import_twice(data, sample_county.county, 9, 18)

    assert [w.sheet for w in result.warnings if w.row is None and "备注" not in w.message] == ["填表说明"]
    for items in by_town.values():
        expect_stored(items)

    # An error on the third sheet names that sheet and its own row.
    records = person_records(by_town["总寨镇"])
    records[1]["phone"] = "0971-12"
    sheets[2] = SheetSpec("总寨镇", unseen.title_rows(1, len(PERSON_COLUMNS)) + table(records))
    code, outcome = command(tmp_path, workbook(sheets[0], notes, *sheets[1:]))
    assert code == 1
    assert errors_of(outcome) == [("总寨镇", 4, "phone")]
    assert [w["sheet"] for w in outcome["warnings"] if w["row"] is None and "备注" not in w["message"]] == ["填表说明"]


def test_a_person_layout_sheet_and_a_couple_layout_sheet_in_one_workbook(sample_county):
    persons, couples = families(2), families(2, start=101, town="总寨镇")
    data = workbook(
        SheetSpec("礼让街街道", table(person_records(persons))),
        SheetSpec("总寨镇", table(couple_records(couples), COUPLE_COLUMNS)),
    )
    import_twice(data, sample_county.county, 4, 8)
    expect_stored(persons)
    expect_stored(couples, numbered=False, couples=True, shared_phone=True)


# ---------------------------------------------------------------------------------------------------
# Blank and totals rows
# ---------------------------------------------------------------------------------------------------


def test_blank_rows_and_totals_rows_are_skipped(sample_county):
    items = families(4)
    records = person_records(items)
    width = len(PERSON_COLUMNS)
    body = table(records)
    rows = [
        body[0],
        [None] * width,  # a blank row under the header
        *body[1:3],
        [""] * 5 + ["  "] + [None] * (width - 6),  # empty strings and spaces
        *body[3:5],
        [None] * width,
        [None] * width,
        *body[5:9],
        [9] + [None] * (width - 1),  # a template row with only its sequence number
        [None, "合计", None, None, None, None, None, None, None, None, None, "4户", None],
        ["总计：", None, None, None, "8人"],
        ["合 计", None, None, None],
        ["合\u3000\u3000计"] + [None] * (width - 1),
        [None, None, None, None, "总计"] + [None] * (width - 5),
    ]

    result = import_twice(workbook(SheetSpec(SHEET, rows)), sample_county.county, 4, 8)

    assert warning_rows(result) == []
    expect_stored(items)


def test_household_cells_merged_down_the_members_rows_belong_to_every_member(sample_county):
    """Many rosters merge a household's number, town, village, type and address over its members' rows: the
    value sits in the first cell only, and it is every member's."""
    items = families(3)
    records = person_records(items)
    household_columns = ["household_number", "town", "village", "family_type", "address", "certificate_number"]
    for record in records[1::2]:  # the second member of each household: the merged cells' hidden part
        for column in household_columns:
            record[column] = None
    body = table(records)
    merges = []
    for column in household_columns:
        letter = chr(ord("A") + PERSON_COLUMNS.index(column))
        merges += [f"{letter}{row}:{letter}{row + 1}" for row in range(2, 2 + len(records), 2)]

    result = import_twice(workbook(SheetSpec(SHEET, body, merges)), sample_county.county, 3, 6)

    assert warning_rows(result) == []
    expect_stored(items)


def test_a_tick_mark_is_yes(sample_county):
    items = families(2)
    records = person_records(items)
    records[0]["poverty_registered"] = records[1]["poverty_registered"] = "✔"
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)
    assert Household.objects.get(number__endswith="00001").poverty_registered is True


# ---------------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------------

# (cell, the date it stands for, whether it gives the day)
DATES = [
    (date(1965, 3, 2), date(1965, 3, 2), True),  # an Excel date cell
    (datetime(1965, 3, 2, 0, 0), date(1965, 3, 2), True),  # noqa: DTZ001 - Excel cells are naive
    ("1965-03-02", date(1965, 3, 2), True),
    ("1965-3-2", date(1965, 3, 2), True),
    ("1965/3/2", date(1965, 3, 2), True),
    ("1965/03/02", date(1965, 3, 2), True),
    ("1965.03.02", date(1965, 3, 2), True),
    ("1965.3.2", date(1965, 3, 2), True),
    ("19650302", date(1965, 3, 2), True),
    (19650302, date(1965, 3, 2), True),  # typed into a number cell
    ("1965年3月2日", date(1965, 3, 2), True),
    ("1965年03月02日", date(1965, 3, 2), True),
    (" 1965-03-02 ", date(1965, 3, 2), True),
    ("１９６５－０３－０２", date(1965, 3, 2), True),
    ("1965.3", date(1965, 3, 1), False),
    (1965.3, date(1965, 3, 1), False),  # typed into a number cell
    ("1965.03", date(1965, 3, 1), False),
    ("1965年3月", date(1965, 3, 1), False),
    ("1965-3", date(1965, 3, 1), False),
]


@pytest.mark.parametrize(("cell", "meant", "exact"), DATES, ids=[repr(d[0]) for d in DATES])
def test_every_date_format_in_the_birth_date_column(sample_county, cell, meant, exact):
    """The column agrees with the ID number (born 1965-03-02); a month-only date agrees with its month."""
    items = families(2)
    with_birth(items[0].husband, date(1965, 3, 2))
    records = person_records(items)
    records[0]["birth_date"] = cell

    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)

    expect_stored(items)
    assert Member.objects.get(id_number=items[0].husband.id_number).birth_date == date(1965, 3, 2)


@pytest.mark.parametrize("cell", ["1965-03-03", "1965.4", "1965年4月", "1966.3", date(1965, 2, 3), 19650303], ids=repr)
def test_a_birth_date_that_differs_from_the_id_number_is_an_error(sample_county, cell):
    items = families(2)
    with_birth(items[0].husband, date(1965, 3, 2))
    records = person_records(items)
    records[0]["birth_date"] = cell
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 2, "birth_date")]
    assert "1965-03-02" in result.errors[0].message


@pytest.mark.parametrize(("cell", "meant", "exact"), DATES, ids=[repr(d[0]) for d in DATES])
def test_every_date_format_in_the_childs_date_column(sample_county, cell, meant, exact):
    child_date = meant.replace(year=2010)
    items = one_family(child_event_date=child_date)
    records = person_records(items)
    for record in records:
        record["child_event_date"] = (
            cell.replace(year=2010)
            if isinstance(cell, date)
            else type(cell)(str(cell).replace("1965", "2010").replace("１９６５", "２０１０"))
        )

    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 1, 2)

    expect_stored(items)


@pytest.mark.parametrize("cell", ["1965-02-30", "65-3-2", "三月", "1965.13", "2030-01-01"], ids=repr)
def test_a_date_that_is_not_a_date_is_an_error(sample_county, cell):
    records = person_records(families(2))
    records[2]["child_event_date"] = cell
    records[3]["child_event_date"] = cell
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, "child_event_date"), (SHEET, 5, "child_event_date")]


# ---------------------------------------------------------------------------------------------------
# ID numbers
# ---------------------------------------------------------------------------------------------------


def _x_number() -> tuple[int, str]:
    """A woman whose number ends in X."""
    for sequence in range(500):
        number = unseen.id_number(date(1966, 4, 5), "F", sequence)
        if number.endswith("X"):
            return sequence, number
    raise AssertionError("no number with X")


@pytest.mark.parametrize(
    "spelling",
    [
        lambda n: n.lower(),
        lambda n: unseen.full_width(n),
        lambda n: f" {n[:6]} {n[6:14]} {n[14:]} ",
        lambda n: f"\u00a0{n}\u3000",
        lambda n: f"{n[:6]}\u200b{n[6:]}",
        lambda n: unseen.full_width(n.lower()),
    ],
    ids=["lower-x", "full-width", "spaces", "nbsp-ideographic-space", "zero-width", "full-width-lower-x"],
)
def test_id_numbers_are_cleaned(sample_county, spelling):
    items = families(2)
    _sequence, number = _x_number()
    items[0].wife.birth, items[0].wife.id_number = date(1966, 4, 5), number
    records = person_records(items)
    records[1]["id_number"] = spelling(number)
    records[2]["id_number"] = spelling(records[2]["id_number"])

    result = import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)

    assert warning_rows(result) == []
    expect_stored(items)
    assert Member.objects.filter(id_number=number).exists()


def test_a_15_digit_id_number_is_converted_with_a_warning_on_its_row(sample_county):
    items = families(3)
    records = person_records(items)
    for index, person in ((1, items[0].wife), (4, items[2].husband)):
        birth = date(1950 + index, index + 1, index + 2)
        number15, number18 = unseen.id_number_15(birth, "M" if person.sex == "男" else "F", 20 + index)
        person.birth, person.id_number = birth, number18
        records[index].update(id_number=number15, birth_date=birth)

    result = import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 3, 6)

    assert warning_rows(result) == [(SHEET, 3), (SHEET, 6)]
    assert all("15" in w.message for w in result.warnings if w.row)
    expect_stored(items)


@pytest.mark.parametrize("cell", [630103196503020695, 630103196503020695.0, 6.30103196503020e17], ids=repr)
def test_an_id_number_stored_as_a_number_is_an_error_naming_the_cell(sample_county, tmp_path, cell):
    records = person_records(families(2))
    records[3]["id_number"] = cell

    code, result = command(tmp_path, workbook(SheetSpec(SHEET, table(records))))

    assert code == 1
    assert errors_of(result) == [(SHEET, 5, "id_number")]
    error = result["errors"][0]
    assert error["column"] == HEADERS["id_number"][0]
    assert "number" in error["message"]
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (lambda n: n[:-1] + ("1" if n[-1] != "1" else "2"), "check digit"),
        (lambda n: n[:17], "18"),
        (lambda n: n + "1", "18"),
        (lambda n: n[:10] + "A" + n[11:], "digit"),
        (lambda n: n[:10] + "13" + n[12:17] + unseen.check_char(n[:10] + "13" + n[12:17]), "birth date"),
    ],
    ids=["check-digit", "17-chars", "19-chars", "letter", "month-13"],
)
def test_a_wrong_id_number_is_an_error(sample_county, spoil, words):
    records = person_records(families(2))
    records[2]["id_number"] = spoil(records[2]["id_number"])
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, "id_number")]
    assert words in result.errors[0].message


def test_a_missing_id_number_is_an_error(sample_county):
    records = person_records(families(2))
    records[1]["id_number"] = None
    records[2]["id_number"] = "  "
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "id_number"), (SHEET, 4, "id_number")]


def test_sex_and_birth_date_columns_that_disagree_with_the_id_number_are_errors(sample_county):
    records = person_records(families(3))
    records[0]["sex"] = "女"
    records[3]["birth_date"] = "1901-01-01"
    records[4].update(sex="女", birth_date=date(1902, 2, 2))
    records[5]["sex"] = "女性"  # agrees
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [
        (SHEET, 2, "sex"),
        (SHEET, 5, "birth_date"),
        (SHEET, 6, "birth_date"),
        (SHEET, 6, "sex"),
    ]


def test_the_same_id_number_twice_is_an_error_on_both_rows(sample_county):
    town1, town2 = families(3), families(2, start=101, town="总寨镇")
    first, second = person_records(town1), person_records(town2)
    first[4]["id_number"] = first[0]["id_number"]  # another household, same sheet
    second[3]["id_number"] = first[1]["id_number"].lower()  # another sheet, written differently
    data = workbook(SheetSpec("一", table(first)), SheetSpec("二", table(second)))

    result = invalid(data, sample_county.county)

    assert errors_of(result) == [
        ("一", 2, "id_number"),
        ("一", 3, "id_number"),
        ("一", 6, "id_number"),
        ("二", 5, "id_number"),
    ]
    messages = {(e.sheet, e.row): e.message for e in result.errors}
    assert "二 row 5" in messages[("一", 3)]
    assert "一 row 3" in messages[("二", 5)]


# ---------------------------------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------------------------------

PHONES = [
    ("13800138000", "13800138000"),
    (13800138000, "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    (" 13800138000 ", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("0971-1234567", "0971-1234567"),
    ("(0971)1234567", "0971-1234567"),
    ("（0971）1234567", "0971-1234567"),
    ("(0971) 1234567", "0971-1234567"),
    ("0971 1234567", "0971-1234567"),
    ("0971-123 4567", "0971-1234567"),
    ("0971-123-4567", "0971-1234567"),
    ("09711234567", "0971-1234567"),
    ("010-12345678", "010-12345678"),
    ("0971－1234567", "0971-1234567"),  # a full-width hyphen
    ("0971—1234567", "0971-1234567"),  # an em dash, as Chinese input methods type it
    ("138–0013–8000", "13800138000"),  # en dashes
]


@pytest.mark.parametrize(("cell", "stored"), PHONES, ids=[repr(p[0]) for p in PHONES])
def test_phones_are_stored_normalised(sample_county, cell, stored):
    items = families(2)
    items[1].wife.phone = stored
    records = person_records(items)
    records[3]["phone"] = cell
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)
    expect_stored(items)


@pytest.mark.parametrize("cell", ["12345", "1380013800", "138001380001", "电话", "0971-123", "23800138000"])
def test_an_invalid_phone_is_an_error(sample_county, cell):
    records = person_records(families(2))
    records[3]["phone"] = cell
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 5, "phone")]


def test_a_blank_phone_is_allowed(sample_county):
    items = families(2)
    items[0].wife.phone = None
    import_twice(persons_workbook(items), sample_county.county, 2, 4)
    expect_stored(items)


# ---------------------------------------------------------------------------------------------------
# Words: yes/no, alive, role, self-care, family type
# ---------------------------------------------------------------------------------------------------


YES_NO_WORDS = ["是", "否", "有", "无", "Y", "N", "√", None]


@pytest.mark.parametrize("header", HEADERS["poverty_registered"])
def test_yes_no_words(sample_county, header):
    """One household per word (是/否, 有/无, Y/N, √/empty) under each header name."""
    items = families(len(YES_NO_WORDS))
    for family, word in zip(items, YES_NO_WORDS, strict=True):
        family.poverty_registered = word
    data = persons_workbook(items, headers={"poverty_registered": header})
    import_twice(data, sample_county.county, len(items), 2 * len(items))
    expect_stored(items)


def test_yes_no_in_lower_case_and_full_width(sample_county):
    items = families(2)
    records = person_records(items)
    for record in records[:2]:
        record["poverty_registered"] = "y"
    for record in records[2:]:
        record["poverty_registered"] = "Ｎ"
    items[0].poverty_registered, items[1].poverty_registered = "Y", "N"
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)
    expect_stored(items)


def test_an_unknown_yes_no_word_is_an_error(sample_county):
    records = person_records(families(1))
    records[0]["poverty_registered"] = "不清楚"
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 2, "poverty_registered")]


@pytest.mark.parametrize("header", HEADERS["alive"])
def test_alive_words(sample_county, header):
    """One household per word (是/健在/在世, 否/已故/死亡/去世, empty) under each header name."""
    words = [*ALIVE, None]
    items = families(len(words))
    for family, word in zip(items, words, strict=True):
        family.wife.alive = word
    data = persons_workbook(items, headers={"alive": header})
    import_twice(data, sample_county.county, len(items), 2 * len(items))
    expect_stored(items)
    assert Member.objects.filter(alive=False).count() == 4


def test_an_unknown_alive_word_is_an_error(sample_county):
    records = person_records(families(1))
    records[1]["alive"] = "失联"
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "alive")]


@pytest.mark.parametrize(("husband", "wife"), [("丈夫", "妻子"), ("夫", "妻"), ("户主", "配偶")])
@pytest.mark.parametrize("grandchild", ["孙子", "孙女", "孙子女"])
def test_role_words(sample_county, husband, wife, grandchild):
    items = families(1)
    items[0].husband.role, items[0].wife.role = husband, wife
    sex = "女" if grandchild == "孙女" else "男"
    birth = date(2010, 7, 8)
    items[0].others += [
        Person("王小", sex, birth, unseen.id_number(birth, sex, 30), grandchild, None),
        Person("赵姨", "女", date(1950, 1, 2), unseen.id_number(date(1950, 1, 2), "F", 31), "其他", None),
    ]
    import_twice(persons_workbook(items), sample_county.county, 1, 4)
    expect_stored(items)


def test_head_and_spouse_words_are_the_husband_or_the_wife_by_sex(sample_county):
    """docs/ROSTER.md §Values: 户主 (male) → husband, 配偶 (female) → wife; a woman 户主 is the wife, a man 配偶
    the husband."""
    items = families(2)
    items[0].husband.role, items[0].wife.role = "配偶", "户主"
    items[1].husband.role, items[1].wife.role = "户主", "配偶"
    import_twice(persons_workbook(items), sample_county.county, 2, 4)
    roles = dict(Member.objects.values_list("name", "role"))
    assert roles == {p.name: {"男": "husband", "女": "wife"}[p.sex] for f in items for p in f.members}


def test_a_blank_role_comes_from_the_sex(sample_county):
    items = families(2)
    records = person_records(items)
    records[0]["role"] = records[1]["role"] = None
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)
    expect_stored(items)


def test_an_unknown_role_is_an_error(sample_county):
    records = person_records(families(2))
    records[2]["role"] = "邻居"
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 4, "role")]


@pytest.mark.parametrize("header", HEADERS["self_care"])
def test_self_care_words(sample_county, header):
    """One household per word (自理, 半失能, 失能, 部分自理, 不能自理, empty) under each header name."""
    words = [*SELF_CARE, None]
    items = families(len(words))
    for family, word in zip(items, words, strict=True):
        family.husband.self_care = word
    data = persons_workbook(items, headers={"self_care": header})
    import_twice(data, sample_county.county, len(items), 2 * len(items))
    expect_stored(items)


def test_an_unknown_self_care_word_is_an_error(sample_county):
    records = person_records(families(1))
    records[1]["self_care"] = "卧床"
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [(SHEET, 3, "self_care")]


@pytest.mark.parametrize("header", HEADERS["family_type"])
def test_family_type_words(sample_county, header):
    """One household per word (独生子女死亡, 失独, 死亡; 独生子女伤残, 伤残, 残疾) under each header name."""
    items = families(len(FAMILY_TYPES))
    for family, word in zip(items, FAMILY_TYPES, strict=True):
        family.family_type = word
        family.disability_grade = "三级" if FAMILY_TYPES[word] == "disability" else None
    data = persons_workbook(items, headers={"family_type": header})
    import_twice(data, sample_county.county, len(items), 2 * len(items))
    expect_stored(items)


def test_family_type_words_of_one_household_may_differ_if_they_mean_the_same(sample_county):
    items = families(1)
    records = person_records(items)
    records[0]["family_type"], records[1]["family_type"] = "失独", "死亡"
    items[0].family_type = "失独"
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 1, 2)
    expect_stored(items)


def test_unknown_or_contradicting_family_types_are_errors(sample_county):
    records = person_records(families(3))
    records[0]["family_type"] = records[1]["family_type"] = "离异"
    records[3]["family_type"] = "伤残"  # the household's first row says 独生子女死亡
    records[4]["family_type"] = records[5]["family_type"] = None  # a new household needs one
    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)
    assert errors_of(result) == [
        (SHEET, 2, "family_type"),
        (SHEET, 3, "family_type"),
        (SHEET, 5, "family_type"),
        (SHEET, 6, "family_type"),
    ]


# ---------------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("town", "village", "field", "closest"),
    [
        ("礼让街道", "礼让社区", "town", "礼让街街道"),
        ("人民街街道", "东关西村", "village", "东关社区"),  # (东关村 is 东关社区: docs/ROSTER.md §Region names)
        ("礼让街街道", "解放社区", "village", "解放路社区"),
        ("礼让街街道", "东关社区", "village", "礼让社区"),  # a village of another town
        ("总寨镇", "光明社区", "village", "村"),  # nothing alike: still names the town's villages
        ("幸福乡", "光明村", "town", "街道"),
    ],
)
def test_an_unknown_town_or_village_names_the_closest_existing_names(sample_county, town, village, field, closest):
    records = person_records(families(2))
    records[2].update(town=town, village=village)
    records[3].update(town=town, village=village)

    result = invalid(workbook(SheetSpec(SHEET, table(records))), sample_county.county)

    assert errors_of(result) == [(SHEET, 4, field), (SHEET, 5, field)]
    message = result.errors[0].message
    assert (town if field == "town" else village) in message
    assert closest in message
    assert "—" not in message


def test_town_and_village_names_are_matched_without_spaces_or_width(sample_county):
    items = families(2)
    records = person_records(items)
    records[0]["town"] = records[1]["town"] = " 礼让街 街道 "
    records[2]["village"] = records[3]["village"] = f"{items[1].village[:2]} {items[1].village[2:]}\u3000"
    import_twice(workbook(SheetSpec(SHEET, table(records))), sample_county.county, 2, 4)
    expect_stored(items)


def test_a_roster_without_a_town_column_finds_the_village_in_the_county(sample_county):
    items = families(3, town="总寨镇")
    columns = [c for c in PERSON_COLUMNS if c != "town"]
    import_twice(persons_workbook(items, columns=columns), sample_county.county, 3, 6)
    expect_stored(items)


# ---------------------------------------------------------------------------------------------------
# Everything at once, through the command
# ---------------------------------------------------------------------------------------------------


def test_a_messy_but_valid_roster_through_the_command(sample_county, tmp_path):
    """Title rows, aliases and spellings, every value variant, blank and totals rows, a notes sheet."""
    items = families(6, town="总寨镇")
    items[0].husband.role, items[0].wife.role = "户主", "配偶"
    items[1].husband.alive, items[1].wife.self_care = "已故", "不能自理"
    items[2].family_type, items[2].disability_grade = "残疾", "一级"
    items[3].poverty_registered = "√"
    items[4].poverty_registered = None
    items[5].wife.phone = "0971-7654321"
    records = person_records(items)
    records[0]["id_number"] = unseen.full_width(records[0]["id_number"])
    records[1]["birth_date"] = items[0].wife.birth.strftime("%Y年%-m月%-d日")
    records[2]["birth_date"] = items[1].husband.birth.strftime("%Y.%m")
    records[3]["phone"] = items[1].wife.phone.replace("-", " ")
    records[4]["child_event_date"] = records[5]["child_event_date"] = int(items[2].child_event_date.strftime("%Y%m%d"))
    records[6]["poverty_registered"] = records[7]["poverty_registered"] = "√"
    records[11]["phone"] = "(0971)7654321"
    for record in records:
        record["seq"] = None
    headers = {
        "seq": "编号",
        "household_number": "户 号",
        "town": "乡镇（街道）",
        "village": "村（居）",
        "id_number": "公民身份号码",
        "birth_date": "出生年月",
        "role": "家庭角色",
        "phone": "联系方式",
        "family_type": "特殊家庭类型",
        "self_care": "生活自理能力",
        "alive": "人员状态",
        "poverty_registered": "贫困户",
    }
    body = table(records, headers=headers)
    width = len(PERSON_COLUMNS)
    rows = unseen.title_rows(2, width) + body[:7] + [[None] * width] + body[7:] + [["合计", None, "6户"]]
    notes = SheetSpec("说明", [["本表由各乡镇填报"]])

    code, result = command(tmp_path, workbook(SheetSpec("总寨镇", rows, ["A1:V1"]), notes))

    assert code == 0, result["errors"]
    assert result["errors"] == []
    assert result["households"] == {"created": 6, "updated": 0, "unchanged": 0}
    assert result["members"] == {"created": 12, "updated": 0, "unchanged": 0}
    assert [w["sheet"] for w in result["warnings"] if "备注" not in w["message"]] == ["说明"]
    expect_stored(items)

    code, again = command(tmp_path, workbook(SheetSpec("总寨镇", rows, ["A1:V1"]), notes))
    assert code == 0
    assert again["households"] == {"created": 0, "updated": 0, "unchanged": 6}
    assert again["members"] == {"created": 0, "updated": 0, "unchanged": 12}


def test_a_corrected_later_roster_updates_what_changed(sample_county, tmp_path):
    items = families(4, town="人民街街道")
    code, _first = command(tmp_path, persons_workbook(items))
    assert code == 0

    items[0].wife.phone = "0971-8888888"
    items[1].husband.alive = "已故"
    items[2].address = "人民街街道东关社区新楼1号"
    items[3].wife.self_care = "不能自理"
    items += families(1, start=50, town="人民街街道")
    records = person_records(items)
    records[1]["phone"] = "(0971)8888888"
    code, result = command(tmp_path, workbook(SheetSpec(SHEET, table(records))))

    assert code == 0
    assert result["households"] == {"created": 1, "updated": 1, "unchanged": 3}
    assert result["members"] == {"created": 2, "updated": 3, "unchanged": 5}
    expect_stored(items)
