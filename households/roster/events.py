"""The child's event as application forms write it, in one cell (docs/ROSTER.md §Values): the column
子女死亡或伤残（重大疾病）情况、时间 holds the kind and its date as text — "2015年3月死亡", "伤残二级 2018.06",
"2016.05.12因病去世" — and the family type as the 特扶 forms write it (对象类型: 特扶死亡, 独生子女伤残家庭).

The date goes through households.validation.date_parse (the one date rule: not in the future, not before 1900,
month precision kept); the kind and the grade come from the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from households import validation

DEATH = "death"
DISABILITY = "disability"
# The words of the kind; 重大疾病 (a grave illness) counts as disability, as the 特扶 rules count 伤病残.
_KIND_WORDS = (
    (DEATH, ("死亡", "去世", "病故", "病逝", "身亡", "亡故", "离世", "过世", "死")),
    (DISABILITY, ("伤残", "残疾", "病残", "重大疾病", "重病", "重疾", "残")),
)
_GRADE = re.compile(r"([一二三四1-4])级")
_GRADES = {"一": "1", "二": "2", "三": "3", "四": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
# Dates inside text, the most precise forms first. Each gives year, month and (maybe) day.
_DATES = (
    re.compile(r"(?<![0-9])([0-9]{4})年([0-9]{1,2})月(?:([0-9]{1,2})[日号]?)?"),
    re.compile(r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})(?:[-/.]([0-9]{1,2}))?(?![0-9])"),
    re.compile(r"(?<![0-9])([0-9]{4})([0-9]{2})([0-9]{2})?(?![0-9])"),
)


@dataclass(frozen=True)
class ChildEvent:
    kind: str  # "death", "disability" or "" (the cell does not say)
    when: date | None
    grade: str = ""  # "1" … "4" when the cell says 伤残二级


def child_event_parse(value: Any, *, today: date | None = None) -> ChildEvent:
    """The kind, date and grade a 情况、时间 cell gives. An Excel date cell is the date alone. A cell without a
    date to the month is an error (the date is what the archive needs; a year alone would be a guess)."""
    if isinstance(value, datetime | date) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return ChildEvent("", validation.date_parse(value, today=today))
    text = "".join(validation.clean_text(value).split())
    if not text:
        raise _unreadable(value)
    kind, kind_at = _kind(text)
    grade_match = _GRADE.search(text)
    grade = _GRADES[grade_match.group(1)] if grade_match else ""
    dates = _dates(text)
    if not dates:
        raise _unreadable(text)
    # Two dates (伤残 then 死亡): the one nearest the word of the kind.
    _at, year, month, day = min(dates, key=lambda d: abs(d[0] - kind_at)) if kind_at >= 0 else dates[0]
    written = f"{year}年{month}月{day}日" if day else f"{year}年{month}月"
    return ChildEvent(kind, validation.date_parse(written, today=today), grade if kind != DEATH else "")


def _kind(text: str) -> tuple[str, int]:
    """The kind the text names (death before disability: a disabled child who died makes a death family) and
    where its word is; ("", -1) when it names none."""
    for kind, words in _KIND_WORDS:
        for word in words:
            at = text.find(word)
            if at >= 0:
                return kind, at
    return "", -1


def _dates(text: str) -> list[tuple[int, str, str, str]]:
    """(position, year, month, day or "") of each date in the text, without overlaps."""
    found: list[tuple[int, str, str, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            found.append((match.start(), match.group(1), match.group(2), match.group(3) or ""))
    return sorted(found)


def _unreadable(text: Any) -> ValidationError:
    return ValidationError(
        _(
            "Could not read the date of the death or disability in %(value)s: write the year and month, such as "
            "2015年3月死亡 or 伤残二级 2018.06."
        ),
        code="child_event_invalid",
        params={"value": text},
    )
