"""Finding the header row of a sheet and recognising its columns (docs/ROSTER.md §Layouts and §Headers).

The header may sit below a title or a unit row, or span two rows (a merged 男方 above 姓名, 身份证号 …).
Header names are matched after normalising: NFKC (full-width to half-width), no whitespace, one style of
parentheses.

A person's columns carry a prefix (男方身份证号, 配偶姓名) or sit, unprefixed, to the right of the person's
name column: 本人姓名, 身份证号, 配偶姓名, 身份证号 — the second 身份证号 is the spouse's. Such a column belongs to
the person whose name column is the nearest to its left; a column that would give one person a second value
of the same kind is a conflict (the sheet cannot be read), never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

# A merged range of cells as python-calamine gives it: ((first row, first column), (last row, last column)).
MergedRange = tuple[tuple[int, int], tuple[int, int]]

# field → header names; the first is the canonical one (the template and the export write it).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "household_number": ("户编号", "家庭编号", "户号"),
    "town": ("乡镇(街道)", "乡镇", "街道", "镇(街道)", "乡镇街道", "所属乡镇", "苏木乡镇", "苏木(乡镇)", "乡镇(苏木)"),
    "village": ("村(社区)", "村", "社区", "村居", "村(居)", "所属村居", "嘎查村", "嘎查(村)", "村(嘎查)"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "证件号码"),
    "birth_date": ("出生日期", "出生年月"),
    "role": ("与户主关系", "家庭角色", "关系"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式"),
    "family_type": ("家庭类别", "特殊家庭类型", "类别", "类型", "对象类型", "对象类别", "扶助对象类型"),
    "child_name": ("子女姓名", "独生子女姓名"),
    "child_sex": ("子女性别", "独生子女性别"),
    "child_birth_date": ("子女出生日期", "子女出生年月", "独生子女出生日期", "独生子女出生年月"),
    "child_event_date": ("子女死亡(伤残)日期", "子女死亡日期", "子女伤残日期", "死亡(伤残)时间"),
    # The event and its date in one cell, as text: "2015年3月死亡", "伤残二级 2018.06" (households.roster.events).
    "child_event": (
        "子女死亡或伤残(重大疾病)情况、时间",
        "子女死亡或伤残(重大疾病)情况及时间",
        "子女死亡或伤残(重大疾病)情况和时间",
        "子女死亡或伤残情况、时间",
        "子女死亡或伤残情况及时间",
        "子女死亡(伤残)情况及时间",
        "子女死亡(伤残)情况、时间",
    ),
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
# The fields of one person: in the couple layout each spouse's (prefixed, or by position).
PERSON_FIELDS = ("name", "sex", "id_number", "birth_date", "phone", "alive", "self_care", "health")
# A prefix names whose column it is: the husband (M), the wife (F), or, when the form does not say which spouse
# is which, the person the form is about (A: 本人, 户主, 申请人) and their spouse (B: 配偶); their sex decides.
PERSON_PREFIXES = {
    "男方": "M",
    "丈夫": "M",
    "女方": "F",
    "妻子": "F",
    "本人": "A",
    "申请人": "A",
    "户主": "A",
    "配偶": "B",
}
PERSON_LABELS = {"M": "男方", "F": "女方", "A": "本人", "B": "配偶"}
# A merged 子女 cell above 姓名, 性别, 出生年月 makes the child's columns.
CHILD_PREFIXES = ("子女", "独生子女")
SEQUENCE_HEADERS = ("序号", "编号")
MEMBER_FIELDS = ("name", "sex", "id_number", "birth_date", "role", "phone", "alive", "self_care", "health")
# Scanned for a header; a roster's header is never further down than this.
HEADER_SEARCH_ROWS = 15

PERSONS = "persons"
COUPLES = "couples"


def header_normalize(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[\[【〔［{]", "(", text)
    text = re.sub(r"[\]】〕］}]", ")", text)
    return text.strip("*:：")


_LOOKUP: dict[str, str] = {
    header_normalize(name): field_name for field_name, names in FIELD_HEADERS.items() for name in names
}
_SEQUENCE = {header_normalize(name) for name in SEQUENCE_HEADERS}
_GROUP_PREFIXES = {header_normalize(p) for p in (*PERSON_PREFIXES, *CHILD_PREFIXES)}


def header_field(text: Any) -> tuple[str, str] | None:
    """("id_number", "") for 身份证号, ("id_number", "F") for 女方身份证号, ("name", "B") for 配偶姓名, ("", "")
    for 序号, None if unknown."""
    key = header_normalize(text)
    if not key:
        return None
    if key in _SEQUENCE:
        return ("", "")
    if key in _LOOKUP:
        return (_LOOKUP[key], "")
    for prefix, side in PERSON_PREFIXES.items():
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            if _LOOKUP.get(rest) in PERSON_FIELDS:
                return (_LOOKUP[rest], side)
    return None


@dataclass
class Column:
    index: int  # 0-based
    header: str  # as written (two-row headers joined)
    field: str  # "" for the sequence column
    side: str = ""  # "M"/"F"/"A"/"B" in the couple layout
    by_position: bool = False  # unprefixed, given to the person whose name column is the nearest on its left

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class Header:
    first_data_row: int  # 0-based row index where the data starts
    layout: str | None  # None: neither layout (only when the header is described for a refusal)
    columns: list[Column]
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (column index, header as written)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # a household column written twice
    # A person's column written twice (the column, the earlier one): neither can be dropped, so the sheet is refused.
    conflicts: list[tuple[Column, Column]] = field(default_factory=list)
    header_row: int = 0  # 0-based row index of the header's (first) row

    def column(self, field_name: str, side: str = "") -> Column | None:
        for column in self.columns:
            if column.field == field_name and column.side == side:
                return column
        return None

    def has(self, field_name: str) -> bool:
        return any(c.field == field_name for c in self.columns)

    @property
    def score(self) -> int:
        return len({(c.field, c.side) for c in self.columns if c.field})

    @property
    def sides(self) -> tuple[str, str]:
        """The spouses' sides of a couple header: the husband and the wife, or 本人 / 户主 and 配偶."""
        if self.column("name", "M") or self.column("name", "F"):
            return ("M", "F")
        if self.column("name", "A") or self.column("name", "B"):
            return ("A", "B")
        return ("M", "F")

    @property
    def looks_like_roster(self) -> bool:
        """An ID-number column, or a name column and a place, household number or family type, and one more
        column: a roster sheet. Else a notes sheet, a pivot table or a list of contacts (姓名, 联系电话)."""
        fields = {c.field for c in self.columns}
        return self.score >= 2 and (
            "id_number" in fields
            or ("name" in fields and bool(fields & {"village", "town", "household_number", "family_type"}))
        )

    def person_label(self, side: str) -> str:
        """The prefix the sheet writes for a person (户主 or 本人 …), from the person's name column."""
        name = self.column("name", side)
        key = header_normalize(name.header) if name else ""
        for prefix, prefix_side in PERSON_PREFIXES.items():
            if prefix_side == side and key.startswith(prefix):
                return prefix
        return PERSON_LABELS.get(side, "")

    def label(self, field_name: str, side: str = "") -> str:
        """A column's canonical header: 身份证号码, 配偶身份证号码 …"""
        return (self.person_label(side) if side else "") + FIELD_HEADERS[field_name][0]

    def ignored(self) -> list[Column]:
        """Recognised columns this layout reads from no cell: in the persons layout a column of a named person
        (户主姓名: the head has a row of their own); in the couple layout a person's column that is neither
        spouse's (与户主关系, a 男方 column beside 本人 / 配偶)."""
        if self.layout == PERSONS:
            return [c for c in self.columns if c.side]
        if self.layout == COUPLES:
            sides = self.sides
            return [
                c
                for c in self.columns
                if (c.side and c.side not in sides) or (not c.side and c.field in MEMBER_FIELDS and c.field != "phone")
            ]
        return []

    def used(self) -> list[Column]:
        """The columns whose cells are read."""
        ignored = {c.index for c in self.ignored()}
        return [c for c in self.columns if c.field and c.field != "remarks" and c.index not in ignored]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _assign_by_position(found: list[Column]) -> None:
    """Give each unprefixed person column the side of the name column nearest on its left (the first name
    column's for one before every name column), when the sheet has a prefixed name column. One unprefixed phone
    column stays unprefixed: it serves both spouses."""
    anchors = [(c.index, c.side) for c in found if c.field == "name"]
    if not any(side for _index, side in anchors):
        return
    phones = sum(1 for c in found if c.field == "phone" and not c.side)
    for column in found:
        if column.side or column.field not in PERSON_FIELDS or column.field == "name":
            continue
        if column.field == "phone" and phones == 1:
            continue
        left = [side for index, side in anchors if index < column.index]
        owner = left[-1] if left else anchors[0][1]
        if owner:
            column.side = owner
            column.by_position = True


def _reading(labels: list[str], header_row: int, first_data_row: int) -> Header:
    """The header these labels make (one row, or two rows joined)."""
    found: list[Column] = []
    unknown: list[tuple[int, str]] = []
    for index, label in enumerate(labels):
        if not label:
            continue
        match = header_field(label)
        if match is None:
            unknown.append((index, label))
        else:
            found.append(Column(index=index, header=label, field=match[0], side=match[1]))
    _assign_by_position(found)
    columns: list[Column] = []
    duplicates: list[tuple[int, str]] = []
    conflicts: list[tuple[Column, Column]] = []
    seen: dict[tuple[str, str], Column] = {}
    for column in found:
        key = (column.field, column.side)
        if column.field and key in seen:
            if column.field in PERSON_FIELDS:
                conflicts.append((column, seen[key]))
            else:
                duplicates.append((column.index, column.header))
            continue
        seen[key] = column
        columns.append(column)
    return Header(
        first_data_row=first_data_row,
        layout=_layout(columns),
        columns=columns,
        unknown=unknown,
        duplicates=duplicates,
        conflicts=conflicts,
        header_row=header_row,
    )


def _layout(columns: list[Column]) -> str | None:
    keys = {(c.field, c.side) for c in columns}
    if ("name", "M") in keys or ("name", "F") in keys:
        return COUPLES
    if ("name", "A") in keys and ("name", "B") in keys:
        return COUPLES
    if ("name", "") in keys or ("id_number", "") in keys:
        return PERSONS
    if ("name", "A") in keys or ("name", "B") in keys:
        return COUPLES  # one spouse's name column: a couple roster lacking the other's (a refusal says so)
    return None


def _two_row_labels(top: list[Any], bottom: list[Any], width: int, spans: dict[int, int]) -> list[str]:
    """Join a two-row header. A merged cell keeps its text in its first column only, so a prefix (男方, 配偶 or
    子女 over 姓名, 身份证号 …) is carried to the right: to the last column of its merged cell when the workbook
    says (``spans``: first column → last column of the merged cells of the top row), else for as long as it
    makes a prefixed column (男方 + 姓名); a column past it (家庭类别) is read as it stands, and so is one the
    prefix makes no roster column of (男方 over 家庭类别)."""
    labels = []
    carried = ""
    end: int | None = None  # last column of the carried prefix; None: not known
    for index in range(width):
        upper = _text(top[index]) if index < len(top) else ""
        lower = _text(bottom[index]) if index < len(bottom) else ""
        if upper:
            carried = upper if header_normalize(upper) in _GROUP_PREFIXES else ""
            end = spans.get(index)
        elif carried and end is not None and index > end:
            carried = ""
        prefix = upper or carried
        if lower and header_normalize(prefix) in _GROUP_PREFIXES:
            if upper or end is not None or _prefixed(prefix, lower):
                if header_field(prefix + lower) is not None or header_field(lower) is None:
                    labels.append(prefix + lower)
                    continue
            else:
                carried = ""  # past the prefix's columns
        if lower and header_field(lower) is not None:
            labels.append(lower)
        else:
            labels.append(upper or lower)
    return labels


def _prefixed(prefix: str, lower: str) -> bool:
    """Whether the prefix makes another roster column of ``lower`` (女方 + 姓名, 子女 + 性别)."""
    joined = header_field(prefix + lower)
    return joined is not None and joined != header_field(lower)


def _readings(rows: list[list[Any]], merged: Sequence[MergedRange]) -> Iterator[Header]:
    """Every reading of the first rows as a header: each row alone, and each row with the next."""
    for start in range(min(len(rows), HEADER_SEARCH_ROWS)):
        width = len(rows[start])
        yield _reading([_text(v) for v in rows[start]], start, start + 1)
        if start + 1 < len(rows):
            spans = {first[1]: last[1] for first, last in merged if first[0] == start}
            yield _reading(_two_row_labels(rows[start], rows[start + 1], width, spans), start, start + 2)


def _best(headers: Iterator[Header]) -> Header | None:
    """The reading that recognises more fields; on a tie the one whose data starts sooner, then the single row
    (a title above it adds nothing)."""
    best: Header | None = None
    for header in headers:
        if best is None or _rank(header) > _rank(best):
            best = header
    return best


def _rank(header: Header) -> tuple[int, int, int]:
    return (header.score, -header.first_data_row, header.header_row)


def header_find(rows: list[list[Any]], merged: Sequence[MergedRange] = ()) -> Header | None:
    """The header of a sheet, or None when no row looks like one (a notes sheet, a pivot).

    ``merged``: the sheet's merged cells as ((first row, first column), (last row, last column)), 0-based.
    A reading the sheet can be read with (``header_problems``: none) is preferred; the header found may still
    lack a required column or give a person a column twice, to be refused saying so.
    """
    usable = [h for h in _readings(rows, merged) if h.layout is not None and h.score >= 3]
    return _best(h for h in usable if not header_problems(h)) or _best(iter(usable))


def header_attempt(rows: list[list[Any]], merged: Sequence[MergedRange] = ()) -> Header | None:
    """The row (or two) that comes closest to a header, for a sheet without one: what it recognises, to say
    what is missing. None when no row of the first 15 names a single roster column."""
    return _best(h for h in _readings(rows, merged) if h.score >= 1)


# ---------------------------------------------------------------------------------------------------
# What a sheet's header lacks, and the refusal that says it all at once
# ---------------------------------------------------------------------------------------------------

_REQUIRED_PERSONS = (("household_number", ""), ("name", ""), ("id_number", ""), ("village", ""))


def _required(layout: str, sides: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    if layout == PERSONS:
        return _REQUIRED_PERSONS
    first, second = sides
    return (("village", ""), ("name", first), ("id_number", first), ("name", second), ("id_number", second))


def required_missing(header: Header) -> list[str]:
    """The canonical headers of the required columns the header lacks (户编号, 配偶身份证号码 …)."""
    if header.layout is None:
        return []
    return [
        header.label(field_name, side)
        for field_name, side in _required(header.layout, header.sides)
        if header.column(field_name, side) is None
    ]


def header_problems(header: Header) -> bool:
    """Whether the sheet cannot be read with this header: a required column missing, a person's column twice."""
    return bool(required_missing(header) or header.conflicts)


def _recognised(header: Header) -> list[str]:
    shown = []
    for column in header.columns:
        if not column.field:
            continue  # the sequence column
        if column.by_position:
            shown.append(f"{column.header}（{header.person_label(column.side)}）")
        else:
            shown.append(column.header)
    return shown


def header_refusal(sheet: str, header: Header | None) -> str:
    """Why a sheet cannot be read, all at once: the columns recognised, the required ones missing, a person's
    columns given twice, and the columns ignored (docs/ROSTER.md §Layouts)."""
    if header is None:
        return _("Sheet %(sheet)s: none of its first %(rows)d rows names a roster column.") % {
            "sheet": sheet,
            "rows": HEADER_SEARCH_ROWS,
        }
    row = header.header_row + 1
    if header.layout is not None:
        parts = [_("Sheet %(sheet)s: the header in row %(row)d cannot be used.") % {"sheet": sheet, "row": row}]
    else:
        parts = [
            _("Sheet %(sheet)s: no roster header was recognised (the closest is row %(row)d).")
            % {"sheet": sheet, "row": row}
        ]
    recognised = _recognised(header)
    parts.append(
        _("Recognised columns: %(columns)s.") % {"columns": "、".join(recognised)}
        if recognised
        else _("Recognised columns: none.")
    )
    missing = required_missing(header)
    if header.layout is None:
        parts.append(_missing_either(header))
    elif missing:
        parts.append(_("Required and missing: %(columns)s.") % {"columns": "、".join(missing)})
    if header.conflicts:
        parts.append(
            _("Given twice to one person (each column must belong to one person): %(columns)s.")
            % {"columns": "、".join(_conflict(header, column, earlier) for column, earlier in header.conflicts)}
        )
    ignored = [text for _index, text in sorted([*header.unknown, *header.duplicates])]
    ignored += [c.header for c in header.ignored()]
    if ignored:
        parts.append(_("Ignored columns: %(columns)s.") % {"columns": "、".join(ignored)})
    return " ".join(parts)


def _conflict(header: Header, column: Column, earlier: Column) -> str:
    values = {"column": column.header, "letter": column.letter, "other": earlier.letter}
    if column.side:
        return _("%(column)s in column %(letter)s (%(person)s already has column %(other)s)") % {
            **values,
            "person": header.person_label(column.side),
        }
    return _("%(column)s in column %(letter)s (the same as column %(other)s)") % values


def _missing_either(header: Header) -> str:
    """The required columns of either layout the header lacks, for a header that is neither."""
    present = {(c.field, c.side) for c in header.columns}
    persons = [FIELD_HEADERS[f][0] for f, side in _REQUIRED_PERSONS if (f, side) not in present]
    couple = [
        PERSON_LABELS[side] + FIELD_HEADERS[f][0] if side else FIELD_HEADERS[f][0]
        for f, side in _required(COUPLES, ("A", "B"))
        if (f, side) not in present
    ]
    return _(
        "Required and missing: %(persons)s for one row per person, or %(couples)s for one row per couple "
        "(男方 / 女方, 本人 / 配偶 or 户主 / 配偶)."
    ) % {"persons": "、".join(persons) or "—", "couples": "、".join(couple) or "—"}
