"""The standards file of ``manage.py load_benefit_standards`` (its format is in the README): read, check every
row, then write all rows or none.

Columns: scheme, level, area_code, area_name, residence, disability_grade, age_from, age_to, self_care, amount,
period, effective_from, effective_to, document, note. Values in English or Chinese (``death`` or ``特扶死亡``,
``province`` or ``省``, ``rural`` or ``农村`` …); UTF-8 with or without a BOM.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from benefits.models import LEVEL_CODE_LENGTH, Level, Period, Residence, Scheme, Standard
from benefits.standards.services import LINE_ERROR, is_month_end, standards_import
from households.models import Member

COLUMNS = (
    "scheme",
    "level",
    "area_code",
    "area_name",
    "residence",
    "disability_grade",
    "age_from",
    "age_to",
    "self_care",
    "amount",
    "period",
    "effective_from",
    "effective_to",
    "document",
    "note",
)
REQUIRED_COLUMNS = frozenset({"scheme", "level", "amount", "effective_from", "document"})


def _table(*pairs: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    """value → each of its spellings (lower-cased, without spaces or the middle dot)."""
    return {_key(spelling): value for value, spellings in pairs for spelling in (value, *spellings)}


def _key(text: str) -> str:
    return re.sub(r"[\s·•・_\-（）()]", "", text).lower()


SCHEMES = _table(
    (Scheme.DEATH, ("特扶死亡", "死亡", "特扶死亡家庭", "独生子女死亡", "特别扶助死亡", "deceased", "child deceased")),
    (
        Scheme.DISABILITY,
        ("特扶伤残", "伤残", "特扶伤残家庭", "独生子女伤残", "特别扶助伤残", "disabled", "child disabled"),
    ),
    (Scheme.COMPLICATION, ("手术并发症", "并发症", "计划生育手术并发症", "surgery complication")),
    (Scheme.REWARD, ("奖扶", "奖励扶助", "农村奖扶", "reward assistance")),
)
LEVELS = _table(
    (Level.NATIONAL, ("全国", "国家", "中央", "国家级")),
    (Level.PROVINCE, ("省", "省级", "自治区", "直辖市")),
    (Level.CITY, ("市", "市级", "地市", "州")),
    (Level.COUNTY, ("县", "县级", "区", "区县", "县区", "县市区")),
)
RESIDENCES = _table(
    (Residence.ANY, ("城乡", "全部", "all", "any", "urban and rural", "不限")),
    (Residence.URBAN, ("城镇", "城市", "城")),
    (Residence.RURAL, ("农村", "乡村", "农")),
)
GRADES = _table(("1", ("一级", "1级", "grade1")), ("2", ("二级", "2级", "grade2")), ("3", ("三级", "3级", "grade3")))
SELF_CARE = _table(
    (Member.SelfCare.SELF_CARE, ("自理", "self-care")),
    (Member.SelfCare.SEMI, ("半失能", "semi-disabled")),
    (Member.SelfCare.DISABLED, ("失能", "全失能")),
)
PERIODS = _table(
    (Period.MONTH, ("月", "每月", "人月", "per month", "monthly", "元/人/月", "每人每月")),
    (Period.YEAR, ("年", "每年", "人年", "per year", "yearly", "元/人/年", "每人每年")),
)
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass
class LoadResult:
    created: list[Standard] = field(default_factory=list)
    skipped: list[Standard] = field(default_factory=list)


class StandardsFileError(Exception):
    """The file was refused whole: one message per problem, each naming its line."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _choice(table: dict[str, str], raw: str, what: str, *, blank: str | None = None) -> str:
    if not raw:
        if blank is None:
            raise ValidationError(_("%(what)s is missing.") % {"what": what})
        return blank
    found = table.get(_key(raw))
    if found is None:
        raise ValidationError(_("%(what)s “%(value)s” is not known.") % {"what": what, "value": raw})
    return found


def _date(raw: str, what: str) -> date | None:
    if not raw:
        return None
    match = _DATE.match(raw)
    try:
        if not match:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValidationError(
            _("%(what)s “%(value)s” is not a date such as 2022-07-01.") % {"what": what, "value": raw}
        ) from None


def _age(raw: str, what: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 150:
        raise ValidationError(_("%(what)s “%(value)s” is not an age.") % {"what": what, "value": raw})
    return int(raw)


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "").replace("元", ""))
    except InvalidOperation:
        raise ValidationError(_("The amount “%(value)s” is not a number.") % {"value": raw}) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("The amount “%(value)s” must be more than zero, to the fen.") % {"value": raw})
    return value


def _row_checks(data: dict[str, Any], values: dict[str, str]) -> list[str]:
    """The checks of a row's values taken together: the area code's length, the month bounds, the document."""
    problems: list[str] = []
    level = data.get("level")
    if level is not None:
        length = LEVEL_CODE_LENGTH[level]
        code = data["area_code"]
        if level == Level.NATIONAL and code:
            problems.append(_("A national standard has no area code."))
        elif level != Level.NATIONAL and not (len(code) == length and code.isdigit()):
            problems.append(
                _("The area code of a %(level)s standard has %(length)d digits (“%(value)s”).")
                % {"level": Level(level).label, "length": length, "value": code}
            )
    start = data.get("effective_from")
    if start is None:
        if not values.get("effective_from"):
            problems.append(_("The start is missing."))
    elif start.day != 1:
        problems.append(_("A standard starts on the first day of a month."))
    if data.get("effective_to") is not None and not is_month_end(data["effective_to"]):
        problems.append(_("A standard ends on the last day of a month."))
    if not data["document"]:
        problems.append(_("The document is missing."))
    return problems


def _row(values: dict[str, str]) -> tuple[Standard, list[str]]:
    """A standard from one row, and the row's problems."""
    problems: list[str] = []
    data: dict[str, Any] = {}

    def read(name: str, parse: Any) -> None:
        try:
            data[name] = parse(values.get(name, ""))
        except ValidationError as exc:
            problems.extend(exc.messages)

    read("scheme", lambda v: _choice(SCHEMES, v, _("The scheme")))
    read("level", lambda v: _choice(LEVELS, v, _("The level")))
    read("residence", lambda v: _choice(RESIDENCES, v, _("The residence"), blank=""))
    read("disability_grade", lambda v: _choice(GRADES, v, _("The disability grade"), blank=""))
    read("self_care", lambda v: _choice(SELF_CARE, v, _("The self-care ability"), blank=""))
    read("period", lambda v: _choice(PERIODS, v, _("The period"), blank=Period.MONTH))
    read("age_from", lambda v: _age(v, _("The lower age")))
    read("age_to", lambda v: _age(v, _("The upper age")))
    read("amount", _amount)
    read("effective_from", lambda v: _date(v, _("The start")))
    read("effective_to", lambda v: _date(v, _("The end")))
    data["area_code"] = values.get("area_code", "")
    data["area_name"] = values.get("area_name", "")
    data["document"] = values.get("document", "")
    data["note"] = values.get("note", "")
    problems.extend(_row_checks(data, values))
    standard = Standard(**data)
    if not problems:
        try:
            standard.full_clean(exclude=["created_by"], validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                field = Standard._meta.get_field(name) if name != "__all__" else None
                label = field.verbose_name if isinstance(field, models.Field) else ""
                problems.extend(f"{label}: {m}" if label else m for m in messages)
        if standard.effective_to and standard.effective_to < standard.effective_from:
            problems.append(_("The end is before the start."))
        if standard.age_from is not None and standard.age_to is not None and standard.age_to < standard.age_from:
            problems.append(_("The upper age is below the lower age."))
    return standard, problems


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StandardsFileError([_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")]) from None


def standards_file_load(content: bytes, *, command: str = "load_benefit_standards") -> LoadResult:
    """Check every row of the file, then write them all (an identical stored standard is skipped) or none.
    Raises StandardsFileError listing every problem with its line number."""
    reader = csv.DictReader(io.StringIO(_decode(content), newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    unknown = [name for name in header if name not in COLUMNS]
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if not header or unknown or missing:
        messages = []
        if unknown:
            messages.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
        if missing or not header:
            messages.append(
                _("Missing columns: %(names)s.") % {"names": ", ".join(missing or sorted(REQUIRED_COLUMNS))}
            )
        raise StandardsFileError([_(LINE_ERROR) % {"line": 1, "error": m} for m in messages])
    reader.fieldnames = header
    rows: list[tuple[int, Standard]] = []
    problems: list[str] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            problems.append(_(LINE_ERROR) % {"line": line, "error": _("More values than columns.")})
            continue
        values = {name: (value or "").strip() for name, value in raw.items()}
        if not any(values.values()):
            continue  # an empty line
        standard, row_problems = _row(values)
        problems.extend(_(LINE_ERROR) % {"line": line, "error": p} for p in row_problems)
        if not row_problems:
            rows.append((line, standard))
    if problems:
        raise StandardsFileError(problems)
    if not rows:
        raise StandardsFileError([_("The file holds no standard.")])
    try:
        created, skipped = standards_import(rows=rows, command=command)
    except ValidationError as exc:
        raise StandardsFileError(exc.messages) from exc
    return LoadResult(created=created, skipped=skipped)
