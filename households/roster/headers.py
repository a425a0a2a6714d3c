"""Finding the header row of a sheet and recognising its columns (docs/ROSTER.md §Layouts and §Headers).

The header may sit below a title or a unit row, or span two rows (a merged 男方 above 姓名, 身份证号 …).
Header names are matched after normalising: NFKC (full-width to half-width), no whitespace, one style of
parentheses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# A merged range of cells as python-calamine gives it: ((first row, first column), (last row, last column)).
MergedRange = tuple[tuple[int, int], tuple[int, int]]

# field → header names; the first is the canonical one (the template and the export write it).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "household_number": ("户编号", "家庭编号", "户号"),
    "town": ("乡镇(街道)", "乡镇", "街道", "镇(街道)", "乡镇街道", "所属乡镇"),
    "village": ("村(社区)", "村", "社区", "村居", "村(居)", "所属村居"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "证件号码"),
    "birth_date": ("出生日期", "出生年月"),
    "role": ("与户主关系", "家庭角色", "关系"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式"),
    "family_type": ("家庭类别", "特殊家庭类型", "类别", "类型"),
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
# In the couple layout these fields carry a 男方/女方 (丈夫/妻子) prefix.
SPOUSE_FIELDS = ("name", "id_number", "phone", "birth_date", "alive")
SPOUSE_PREFIXES = {"男方": "M", "丈夫": "M", "女方": "F", "妻子": "F"}
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


def header_field(text: Any) -> tuple[str, str] | None:
    """("id_number", "") for 身份证号, ("id_number", "F") for 女方身份证号, ("", "") for 序号, None if unknown."""
    key = header_normalize(text)
    if not key:
        return None
    if key in _SEQUENCE:
        return ("", "")
    if key in _LOOKUP:
        return (_LOOKUP[key], "")
    for prefix, side in SPOUSE_PREFIXES.items():
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            if _LOOKUP.get(rest) in SPOUSE_FIELDS:
                return (_LOOKUP[rest], side)
    return None


@dataclass
class Column:
    index: int  # 0-based
    header: str  # as written (two-row headers joined)
    field: str  # "" for the sequence column
    side: str = ""  # "M"/"F" in the couple layout


@dataclass
class Header:
    first_data_row: int  # 0-based row index where the data starts
    layout: str
    columns: list[Column]
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (column index, header as written)
    duplicates: list[tuple[int, str]] = field(default_factory=list)

    def column(self, field_name: str, side: str = "") -> Column | None:
        for column in self.columns:
            if column.field == field_name and column.side == side:
                return column
        return None

    def has(self, field_name: str) -> bool:
        return any(c.field == field_name for c in self.columns)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _interpret(labels: list[str]) -> tuple[int, list[Column], list[tuple[int, str]], list[tuple[int, str]]]:
    columns: list[Column] = []
    unknown: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    for index, label in enumerate(labels):
        if not label:
            continue
        match = header_field(label)
        if match is None:
            unknown.append((index, label))
            continue
        if match[0] and match in seen:
            duplicates.append((index, label))
            continue
        seen.add(match)
        columns.append(Column(index=index, header=label, field=match[0], side=match[1]))
    score = len([key for key in seen if key[0]])
    return score, columns, unknown, duplicates


def _two_row_labels(top: list[Any], bottom: list[Any], width: int, spans: dict[int, int]) -> list[str]:
    """Join a two-row header. A merged cell keeps its text in its first column only, so a spouse prefix
    (男方 over 姓名, 身份证号 …) is carried to the right: to the last column of its merged cell when the
    workbook says (``spans``: first column → last column of the merged cells of the top row), else for as
    long as it makes a spouse column (男方 + 姓名); a column past it (家庭类别) is read as it stands."""
    labels = []
    carried = ""
    end: int | None = None  # last column of the carried prefix; None: not known
    for index in range(width):
        upper = _text(top[index]) if index < len(top) else ""
        lower = _text(bottom[index]) if index < len(bottom) else ""
        if upper:
            carried = upper if header_normalize(upper) in SPOUSE_PREFIXES else ""
            end = spans.get(index)
        elif carried and end is not None and index > end:
            carried = ""
        prefix = upper or carried
        if lower and header_normalize(prefix) in SPOUSE_PREFIXES:
            if upper or end is not None or _spouse_field(prefix + lower):
                labels.append(prefix + lower)
                continue
            carried = ""  # past the prefix's columns
        if lower and header_field(lower) is not None:
            labels.append(lower)
        else:
            labels.append(upper or lower)
    return labels


def _spouse_field(label: str) -> bool:
    match = header_field(label)
    return match is not None and bool(match[1])


def header_find(rows: list[list[Any]], merged: Sequence[MergedRange] = ()) -> Header | None:
    """The header of a sheet, or None when no row looks like one (a notes sheet, a pivot).

    ``merged``: the sheet's merged cells as ((first row, first column), (last row, last column)), 0-based.
    """
    best: tuple[int, int, Header] | None = None
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for start in range(limit):
        width = len(rows[start])
        candidates = [([_text(v) for v in rows[start]], start + 1)]
        if start + 1 < len(rows):
            spans = {first[1]: last[1] for first, last in merged if first[0] == start}
            candidates.append((_two_row_labels(rows[start], rows[start + 1], width, spans), start + 2))
        for labels, first_data_row in candidates:
            score, columns, unknown, duplicates = _interpret(labels)
            layout = _layout(columns)
            if layout is None or score < 3:
                continue
            # Prefer the reading that recognises more fields; on a tie the single row (data starts sooner).
            key = (score, -first_data_row)
            if best is None or key > best[:2]:
                header = Header(first_data_row, layout, columns, unknown, duplicates)
                best = (score, -first_data_row, header)
    return best[2] if best else None


def _layout(columns: list[Column]) -> str | None:
    keys = {(c.field, c.side) for c in columns}
    if any(side for _f, side in keys) and ({("name", "M"), ("name", "F")} & keys):
        return COUPLES
    if ("name", "") in keys or ("id_number", "") in keys:
        return PERSONS
    return None


def required_missing(header: Header) -> list[str]:
    """Field names whose column a roster of this layout cannot do without."""
    present = {c.field for c in header.columns}
    if header.layout == PERSONS:
        required = ["household_number", "name", "id_number", "village"]
    else:
        required = ["village"]
        for side in ("M", "F"):
            for field_name in ("name", "id_number"):
                if header.column(field_name, side) is None:
                    required.append(f"{field_name}:{side}")
    return [name for name in required if name.split(":")[0] not in present or ":" in name]
