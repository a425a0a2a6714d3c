"""Rosters the importer has never seen, written by the rules of docs/ROSTER.md (deterministic, no binary fixtures).

The tests of ``test_unseen_rosters.py`` build their workbooks with these helpers. Run as a script, it writes a
few complete workbooks with the ``*.expected.json`` beside each, in the format of docs/ROSTER.md §Samples::

    python -m tests.roster.unseen OUTDIR

Everything here is independent of the importer: the header names, the value words and the ID check digit
are written out again from docs/ROSTER.md, so that a mistake in the importer's tables is not copied into the test.
The people live in the sample county (``tests/roster/samples/regions_sample.csv``, 城中区 630103).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

COUNTY = "630103"
# (town, villages) of the sample county.
PLACES = {
    "礼让街街道": ("礼让社区", "解放路社区", "红星社区"),
    "人民街街道": ("北大街社区", "东关社区", "水井巷社区", "劳动巷社区"),
    "总寨镇": ("总南村", "总北村", "谢家寨村", "新庄村", "塘马坊村"),
}

# docs/ROSTER.md §Headers: field → names in use, the canonical one first. "seq" is the 序号 column.
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "household_number": ("户编号", "家庭编号", "户号"),
    "town": ("乡镇(街道)", "乡镇", "街道", "镇(街道)", "乡镇街道", "所属乡镇", "苏木乡镇", "苏木(乡镇)", "乡镇(苏木)"),
    "village": ("村(社区)", "村", "社区", "村居", "村(居)", "所属村居", "嘎查村", "嘎查(村)", "村(嘎查)"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "birth_date": ("出生日期", "出生年月"),
    "role": ("与户主关系", "家庭角色", "关系"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式"),
    "family_type": ("家庭类别", "特殊家庭类型", "类别", "类型", "对象类型", "对象类别", "扶助对象类型"),
    "child_name": ("子女姓名", "独生子女姓名"),
    "child_event_date": ("子女死亡(伤残)日期", "子女死亡日期", "子女伤残日期", "死亡(伤残)时间"),
    "disability_grade": ("伤残等级", "残疾等级"),
    "certificate_number": ("特扶证号", "特别扶助证号", "扶助证号"),
    "address": ("家庭住址", "现住址", "住址"),
    "alive": ("是否健在", "人员状态"),
    "self_care": ("自理能力", "生活自理能力"),
    "health": ("健康状况",),
    "poverty_registered": ("是否建档立卡贫困户", "贫困户", "是否低保"),
    "difficulties": ("主要困难", "困难诉求"),
    "remarks": ("备注",),
}
# The spouse fields of the couple layout (docs/ROSTER.md §Headers).
SPOUSE_FIELDS = ("name", "id_number", "phone", "birth_date", "alive")

PERSON_COLUMNS = (
    "seq",
    "household_number",
    "town",
    "village",
    "name",
    "sex",
    "id_number",
    "birth_date",
    "role",
    "phone",
    "family_type",
    "child_name",
    "child_event_date",
    "disability_grade",
    "certificate_number",
    "address",
    "alive",
    "self_care",
    "health",
    "poverty_registered",
    "difficulties",
    "remarks",
)
COUPLE_COLUMNS = (
    "seq",
    "town",
    "village",
    "name:M",
    "id_number:M",
    "birth_date:M",
    "alive:M",
    "name:F",
    "id_number:F",
    "birth_date:F",
    "alive:F",
    "phone",
    "family_type",
    "child_name",
    "child_event_date",
    "disability_grade",
    "certificate_number",
    "address",
    "poverty_registered",
    "remarks",
)

# docs/ROSTER.md §Values written out again: roster word → the stored value.
FAMILY_TYPES = {
    "独生子女死亡": "death",
    "失独": "death",
    "死亡": "death",
    "独生子女伤残": "disability",
    "伤残": "disability",
    "残疾": "disability",
}
ROLES = {
    "丈夫": "husband",
    "夫": "husband",
    "户主": "husband",
    "妻子": "wife",
    "妻": "wife",
    "配偶": "wife",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "孙子女": "grandchild",
    "其他": "other",
}
ALIVE = {"是": True, "健在": True, "在世": True, "否": False, "已故": False, "死亡": False, "去世": False}
SELF_CARE = {"自理": "self_care", "半失能": "semi", "失能": "disabled", "部分自理": "semi", "不能自理": "disabled"}
YES_NO = {"是": True, "否": False, "有": True, "无": False, "Y": True, "N": False, "√": True, None: False}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
_MEN = ("建国", "志强", "德明", "永福", "国庆", "文华", "海涛", "春生", "树林", "红军", "振华", "宝山")
_WOMEN = ("秀英", "桂兰", "玉梅", "淑珍", "春梅", "翠花", "金花", "素珍", "美玲", "红霞", "丽华", "凤英")
_CHILDREN = ("磊", "娜", "鹏", "颖", "浩", "晶", "超", "静")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


# ---------------------------------------------------------------------------------------------------
# ID numbers (GB 11643, MOD 11-2), independent of households.validation
# ---------------------------------------------------------------------------------------------------


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(birth: date, sex: str, sequence: int, area: str = COUNTY) -> str:
    """A valid 18-character number; the 17th digit is odd for a man (sex "M"/"男")."""
    order = (sequence % 50) * 2 + (1 if sex in ("M", "男") else 0)
    first17 = f"{area}{birth:%Y%m%d}{sequence // 50 % 10}{order:02d}"
    return first17 + check_char(first17)


def id_number_15(birth: date, sex: str, sequence: int, area: str = COUNTY) -> tuple[str, str]:
    """A first-generation 15-digit number (born in the 1900s) and the 18-digit number it converts to."""
    order = (sequence % 50) * 2 + (1 if sex in ("M", "男") else 0)
    number15 = f"{area}{birth:%y%m%d}{sequence // 50 % 10}{order:02d}"
    first17 = f"{area}19{number15[6:]}"
    return number15, first17 + check_char(first17)


def full_width(text: str) -> str:
    """ASCII digits and letters as their full-width forms (０１２…Ｘ)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# ---------------------------------------------------------------------------------------------------
# People and households
# ---------------------------------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    sex: str  # 男 / 女
    birth: date
    id_number: str
    role: str  # the roster word
    phone: Any = None
    alive: Any = "是"
    self_care: Any = "自理"
    health: Any = "良好"


@dataclass
class Family:
    number: str
    town: str
    village: str
    family_type: str
    child_name: str
    child_event_date: date
    disability_grade: Any
    certificate_number: str
    address: str
    poverty_registered: Any
    difficulties: Any
    husband: Person | None
    wife: Person | None
    others: list[Person] = field(default_factory=list)

    @property
    def members(self) -> list[Person]:
        return [p for p in (self.husband, self.wife, *self.others) if p is not None]


def families(
    count: int, *, start: int = 1, town: str = "礼让街街道", villages: Sequence[str] | None = None
) -> list[Family]:
    """``count`` two-person households numbered from ``start`` (``00001`` …), all values valid and canonical."""
    villages = villages or PLACES[town]
    result = []
    for i in range(start, start + count):
        surname, wife_surname = _SURNAMES[i % len(_SURNAMES)], _SURNAMES[(i * 7 + 3) % len(_SURNAMES)]
        husband_birth = date(1940 + i * 7 % 30, i % 12 + 1, i * 3 % 28 + 1)
        wife_birth = date(husband_birth.year + 2, (i + 5) % 12 + 1, (i * 5 + 2) % 28 + 1)
        death = i % 3 != 0
        village = villages[i % len(villages)]
        result.append(
            Family(
                number=f"{i:05d}",
                town=town,
                village=village,
                family_type="独生子女死亡" if death else "独生子女伤残",
                child_name=surname + _CHILDREN[i % len(_CHILDREN)],
                child_event_date=date(1995 + i % 25, (i + 2) % 12 + 1, i % 27 + 1),
                disability_grade=None if death else "二级",
                certificate_number=f"TF{COUNTY}{i:05d}",
                address=f"{town}{village}{i}号",
                poverty_registered="否" if i % 4 else "是",
                difficulties=None,
                husband=Person(
                    name=surname + _MEN[i % len(_MEN)],
                    sex="男",
                    birth=husband_birth,
                    id_number=id_number(husband_birth, "M", i),
                    role="丈夫",
                    phone=f"139{i:08d}",
                ),
                wife=Person(
                    name=wife_surname + _WOMEN[i % len(_WOMEN)],
                    sex="女",
                    birth=wife_birth,
                    id_number=id_number(wife_birth, "F", i),
                    role="妻子",
                    phone=f"0971-{6100000 + i}",
                    self_care="半失能" if i % 5 == 0 else "自理",
                ),
            )
        )
    return result


def person_records(items: Iterable[Family]) -> list[dict[str, Any]]:
    """One dict per person (field → cell value): the rows of the one-row-per-person layout."""
    records = []
    for family in items:
        for person in family.members:
            records.append(
                {
                    "seq": len(records) + 1,
                    "household_number": family.number,
                    "town": family.town,
                    "village": family.village,
                    "name": person.name,
                    "sex": person.sex,
                    "id_number": person.id_number,
                    "birth_date": person.birth,
                    "role": person.role,
                    "phone": person.phone,
                    "family_type": family.family_type,
                    "child_name": family.child_name,
                    "child_event_date": family.child_event_date,
                    "disability_grade": family.disability_grade,
                    "certificate_number": family.certificate_number,
                    "address": family.address,
                    "alive": person.alive,
                    "self_care": person.self_care,
                    "health": person.health,
                    "poverty_registered": family.poverty_registered,
                    "difficulties": family.difficulties,
                    "remarks": None,
                }
            )
    return records


def couple_records(items: Iterable[Family]) -> list[dict[str, Any]]:
    """One dict per household (``name:M``, ``id_number:F`` …): the rows of the couple layout."""
    records = []
    for family in items:
        record: dict[str, Any] = {
            "seq": len(records) + 1,
            "household_number": family.number,
            "town": family.town,
            "village": family.village,
            "phone": (family.husband or family.wife).phone,
            "family_type": family.family_type,
            "child_name": family.child_name,
            "child_event_date": family.child_event_date,
            "disability_grade": family.disability_grade,
            "certificate_number": family.certificate_number,
            "address": family.address,
            "poverty_registered": family.poverty_registered,
            "remarks": None,
        }
        for side, person in (("M", family.husband), ("F", family.wife)):
            for name, value in (
                ("name", person and person.name),
                ("id_number", person and person.id_number),
                ("birth_date", person and person.birth),
                ("alive", person and person.alive),
                ("phone", person and person.phone),
            ):
                record[f"{name}:{side}"] = value
        records.append(record)
    return records


# ---------------------------------------------------------------------------------------------------
# Sheets and workbooks
# ---------------------------------------------------------------------------------------------------

PREFIXES = {"M": "男方", "F": "女方"}


def header_of(column: str, headers: dict[str, str] | None = None, prefixes: dict[str, str] | None = None) -> str:
    """The header text of a column: an override, else the canonical name (prefixed for ``name:M`` …)."""
    if headers and column in headers:
        return headers[column]
    name, _, side = column.partition(":")
    return (prefixes or PREFIXES)[side] + HEADERS[name][0] if side else HEADERS[name][0]


def table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[str] = PERSON_COLUMNS,
    *,
    headers: dict[str, str] | None = None,
    prefixes: dict[str, str] | None = None,
) -> list[list[Any]]:
    """A header row and one row per record."""
    return [
        [header_of(c, headers, prefixes) for c in columns],
        *([record.get(c) for c in columns] for record in records),
    ]


def two_row_header(
    columns: Sequence[str], *, prefixes: dict[str, str] | None = None, first_row: int = 1, spanning: bool = True
) -> tuple[list[list[Any]], list[str]]:
    """The couple header as a merged 男方 / 女方 cell above 姓名, 身份证号 …; the other headers span both rows
    (merged upper and lower cell), or with ``spanning=False`` sit in the lower row with nothing above.

    Returns the two rows and the ranges to merge (``first_row`` is the Excel row of the upper one).
    """
    prefixes = prefixes or PREFIXES
    top: list[Any] = []
    bottom: list[Any] = []
    merges = []
    index = 0
    while index < len(columns):
        name, _, side = columns[index].partition(":")
        letter = _letter(index)
        if side:
            end = index
            while end + 1 < len(columns) and columns[end + 1].endswith(f":{side}"):
                end += 1
            for position in range(index, end + 1):
                top.append(prefixes[side] if position == index else None)
                bottom.append(HEADERS[columns[position].partition(":")[0]][0])
            merges.append(f"{letter}{first_row}:{_letter(end)}{first_row}")
            index = end + 1
            continue
        if spanning:
            top.append(HEADERS[name][0])
            bottom.append(None)
            merges.append(f"{letter}{first_row}:{letter}{first_row + 1}")
        else:
            top.append(None)
            bottom.append(HEADERS[name][0])
        index += 1
    return [top, bottom], merges


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass
class SheetSpec:
    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)


def workbook(*sheets: SheetSpec) -> bytes:
    """An xlsx with these sheets. Python dates become Excel date cells, numbers number cells, str text."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.name)
        for row in spec.rows:
            sheet.append(row)
        for cell in sheet.iter_rows():
            for item in cell:
                if isinstance(item.value, date):
                    item.number_format = "yyyy-mm-dd"
        for merge in spec.merges:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def title_rows(count: int, width: int, *, title: str = "城中区计划生育特殊家庭花名册（2024年）") -> list[list[Any]]:
    """``count`` rows above a header: a title, then a unit-and-date row."""
    rows = [
        [title] + [None] * (width - 1),
        ["填报单位：城中区卫健局（盖章）"] + [None] * (width - 3) + ["填报日期：", "2024年12月"],
    ]
    return rows[:count]


# ---------------------------------------------------------------------------------------------------
# The standalone generator: complete workbooks and the outcome each must give
# ---------------------------------------------------------------------------------------------------


def generated() -> list[tuple[str, bytes, dict[str, Any]]]:
    """(name, workbook, expected outcome in the samples' format). The outcome is known by construction."""
    out = []

    # One row per person, below a title and a unit row, two towns on two sheets and a notes sheet.
    first, second = families(30, start=1), families(20, start=101, town="总寨镇")
    sheets = []
    for name, items in (("礼让街街道", first), ("总寨镇", second)):
        rows = table(person_records(items))
        sheets.append(SheetSpec(name, title_rows(2, len(rows[0])) + rows, [f"A1:{_letter(len(rows[0]) - 1)}1"]))
    sheets.append(
        SheetSpec("填表说明", [["1. 身份证号码请以文本格式填写。"], ["2. 家庭类别：独生子女死亡 或 独生子女伤残。"]])
    )
    out.append(
        (
            "unseen_persons_two_towns",
            workbook(*sheets),
            {"valid": True, "households": 50, "members": 100, "errors": [], "warning_rows": []},
        )
    )

    # The couple layout with a merged 男方 / 女方 header below a title; some spouses missing.
    items = families(25, start=201, town="人民街街道")
    for index, family in enumerate(items):
        if index % 6 == 1:
            family.husband = None
        elif index % 6 == 4:
            family.wife = None
    header, merges = two_row_header(COUPLE_COLUMNS, first_row=2)
    rows = [["城中区特殊家庭夫妻花名册（人民街街道）"], *header, *table(couple_records(items), COUPLE_COLUMNS)[1:]]
    out.append(
        (
            "unseen_couples_merged",
            workbook(SheetSpec("人民街街道", rows, ["A1:T1", *merges])),
            {
                "valid": True,
                "households": 25,
                "members": sum(len(f.members) for f in items),
                "errors": [],
                "warning_rows": [],
            },
        )
    )

    # One row per person with one known error of each kind; the row numbers follow from the title row.
    items = families(12, start=301, town="总寨镇")
    records = person_records(items)
    number15, _number18 = id_number_15(date(1948, 5, 6), "M", 7)
    mistakes = {
        1: ("id_number", records[1]["id_number"][:-1] + ("0" if records[1]["id_number"][-1] != "0" else "1")),
        3: ("id_number", 630103196001011234),
        4: ("sex", "女"),
        7: ("birth_date", "1901-01-01"),
        9: ("phone", "12345"),
        11: ("village", "幸福村"),
        13: ("family_type", "离异"),
    }
    for index, (name, value) in mistakes.items():
        records[index][name] = value
    records[14].update(id_number=number15, birth_date=date(1948, 5, 6))
    records[17]["id_number"] = records[16]["id_number"]
    rows = title_rows(1, len(PERSON_COLUMNS)) + table(records)
    data_row = 3  # Excel row of records[0]: a title row and the header above it
    errors = [["花名册", data_row + index, name] for index, (name, _value) in mistakes.items()]
    errors += [["花名册", data_row + 16, "id_number"], ["花名册", data_row + 17, "id_number"]]
    out.append(
        (
            "unseen_persons_errors",
            workbook(SheetSpec("花名册", rows)),
            {
                "valid": False,
                "households": 12,
                "members": 24,
                "errors": sorted(errors),
                "warning_rows": [["花名册", data_row + 14]],
            },
        )
    )
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.roster.unseen OUTDIR", file=sys.stderr)
        return 2
    target = Path(argv[0])
    target.mkdir(parents=True, exist_ok=True)
    for name, data, expected in generated():
        (target / f"{name}.xlsx").write_bytes(data)
        (target / f"{name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n")
        print(target / f"{name}.xlsx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
