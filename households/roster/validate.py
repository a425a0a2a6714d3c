"""Whole-file validation of a roster: every sheet, every row, every error (docs/ROSTER.md §Values, §Outcome).

Nothing here touches the archive: the result is the households and members the file holds, already
cleaned (through households.validation, the one implementation of the value rules), with every error and
warning located by sheet, Excel row and column. ``plan`` compares it with the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from households import validation
from households.roster.events import ChildEvent, child_event_parse
from households.roster.headers import (
    MEMBER_FIELDS,
    PERSON_FIELDS,
    PERSONS,
    Column,
    Header,
    header_attempt,
    header_find,
    header_problems,
    header_refusal,
)
from households.roster.reader import RosterFileError, Sheet
from households.roster.region_names import RegionIndex
from households.services import household_number_in_scheme
from regions.models import Region

TOTAL_WORDS = ("合计", "总计", "小计")
HOUSEHOLD_FIELDS = (
    "family_type",
    "certificate_number",
    "address",
    "poverty_registered",
    "difficulties",
    "child_name",
    "child_event_date",
    "disability_grade",
    "child_sex",
    "child_birth_date",
)
# Household values that must agree on every row of one household (others: the first value is kept).
HOUSEHOLD_STRICT = ("village", "family_type")
# Read raw and converted with more context (the village with its town, the ID number with its row).
RAW_FIELDS = ("town", "village", "id_number")
REPEATED_HEADER = ("姓名", "男方姓名", "丈夫姓名", "本人姓名", "户主姓名")
NAME_FIELDS = frozenset({"name", "child_name"})
MAX_LENGTH = {"name": 50, "child_name": 50, "certificate_number": 40, "address": 200, "household_number": 30}


@dataclass
class Issue:
    sheet: str | None
    row: int | None  # Excel row number
    field: str | None
    column: str | None  # the header as written
    message: str
    col: int | None = None  # 0-based column index (to mark the cell)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "field": self.field,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Note:
    sheet: str | None
    row: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "message": self.message}


@dataclass
class Cell:
    """Where a value came from: to put an error found later (in the plan) on the right cell."""

    sheet: str
    row: int
    header: Header


def place_of(other: Cell, here: Cell) -> str:
    """Where ``other`` is, as seen from ``here``: "row 7", or "乡镇A row 7" on another sheet."""
    if other.sheet == here.sheet:
        return _("row %(row)d") % {"row": other.row}
    return _("%(sheet)s row %(row)d") % {"sheet": other.sheet, "row": other.row}


@dataclass
class MemberRow:
    where: Cell
    values: dict[str, Any]
    valid_id: bool = False
    side: str = ""  # the couple layout: whose columns (M, F, or A / B: 本人 / 配偶)


@dataclass
class HouseholdRow:
    where: Cell
    number: str  # "" when the file has no household-number column (couple layout)
    village: Region | None
    values: dict[str, Any] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    given: set[str] = field(default_factory=set)  # household fields with a non-blank value in the file


@dataclass
class Roster:
    households: list[HouseholdRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    towns: set[int] = field(default_factory=set)  # towns the file covers (for "missing")
    unusable: list[Issue] = field(default_factory=list)  # sheets whose header lacks a required column
    skipped: list[str] = field(default_factory=list)  # what the sheets without a roster header recognise

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, where: Cell, field_name: str, message: str, side: str = "") -> None:
        column = where.header.column(field_name, side) or where.header.column(field_name)
        key = (where.sheet, where.row, field_name)
        if any((e.sheet, e.row, e.field) == key for e in self.errors[-8:]):
            return  # one error per cell is enough
        self.errors.append(
            Issue(
                sheet=where.sheet,
                row=where.row,
                field=field_name,
                column=column.header if column else None,
                message=message,
                col=column.index if column else None,
            )
        )


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---------------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any, field_name: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = validation.person_name_clean(value) if field_name in NAME_FIELDS else validation.clean_text(value)
    limit = MAX_LENGTH.get(field_name)
    if limit and len(text) > limit:
        raise ValidationError(
            _("At most %(limit)d characters; this has %(n)d."), code="too_long", params={"limit": limit, "n": len(text)}
        )
    return text


class Converter:
    """Raw cell → clean value, with a cache for the values that repeat on every row (types, dates, words)."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._cache: dict[tuple[str, Any], Any] = {}
        self.parsers = {
            "sex": validation.sex_parse,
            "birth_date": lambda v: validation.date_parse(v, today=today),
            "child_event_date": lambda v: validation.date_parse(v, today=today),
            "child_birth_date": lambda v: validation.date_parse(v, today=today),
            "child_sex": validation.sex_parse,
            "child_event": lambda v: child_event_parse(v, today=today),
            "role": validation.role_parse_deferred,
            "phone": validation.phone_normalize,
            "family_type": validation.family_type_parse,
            "disability_grade": validation.disability_grade_parse,
            "alive": validation.alive_parse,
            "self_care": validation.self_care_parse,
            "poverty_registered": validation.yes_no_parse,
        }

    def column(self, field_name: str, cells: Sequence[Any], failed: set[int] | None = None) -> list[Any]:
        """Convert a whole column; blank cells give "" (text) or None (parsed values).

        Each distinct value is converted once, in the order of its first cell (a value equal to an earlier
        one — 1 and 1.0 — gets the earlier one's result). The positions of cells whose value is wrong (a
        ValidationError) are added to ``failed``.
        """
        parser = self.parsers.get(field_name)
        blank = None if parser is not None else ""
        try:
            distinct = dict.fromkeys(cells)
        except TypeError:  # unhashable: never from calamine, but be safe
            result = self._column_slow(field_name, cells, blank)
        else:
            for value in distinct:
                if value is None or value == "" or (isinstance(value, str) and not value.strip()):
                    distinct[value] = blank
                else:
                    distinct[value] = self(field_name, value)
            result = list(map(distinct.__getitem__, cells))
            if not any(isinstance(value, ValidationError) for value in distinct.values()):
                return result
        if failed is not None:
            failed.update(position for position, value in enumerate(result) if isinstance(value, ValidationError))
        return result

    def _column_slow(self, field_name: str, cells: Sequence[Any], blank: Any) -> list[Any]:
        cache: dict[Any, Any] = {}
        result = []
        for value in cells:
            if value is None or value == "" or (isinstance(value, str) and not value.strip()):
                result.append(blank)
                continue
            try:
                result.append(cache[value])
                continue
            except KeyError:
                pass
            except TypeError:  # unhashable: never from calamine, but be safe
                result.append(self(field_name, value))
                continue
            converted = self(field_name, value)
            cache[value] = converted
            result.append(converted)
        return result

    def __call__(self, field_name: str, value: Any) -> Any:
        """The clean value, or a ValidationError instance (cached errors are returned, not raised)."""
        parser = self.parsers.get(field_name)
        if parser is None:
            try:
                return _text(value, field_name)
            except ValidationError as exc:
                return exc
        key = (field_name, value if not isinstance(value, list) else tuple(value))
        if key in self._cache:
            return self._cache[key]
        result: Any
        try:
            result = parser(value)
        except ValidationError as exc:
            result = exc
        if field_name != "phone":
            self._cache[key] = result
        return result


# ---------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------


def _skip(row: list[Any], sequence: frozenset[int] = frozenset()) -> bool:
    """Blank rows and totals rows (合计/总计) are skipped.

    A row is blank when nothing but its sequence number (序号, the ``sequence`` columns) is filled: templates
    come numbered far below the last person. It is a totals row when one of its first two filled cells,
    sequence column included, starts with 合计 / 总计 / 小计, however spaced ("合  计" is aligned by hand).
    """
    words = 0
    content = False
    for index, value in enumerate(row):
        if value is None or (type(value) is str and (not value or value.isspace())):
            continue
        if words < 2:
            words += 1
            # All three hold 计: the cheap test first (a sequence number or a household number has none).
            if type(value) is str and "计" in value and "".join(value.split()).startswith(TOTAL_WORDS):
                return True
        if index not in sequence:
            content = True
            if words == 2:
                return False
    return not content


def _fill_merged_data_cells(sheet: Sheet, *, first_row: int) -> None:
    """A cell merged down several rows (a household's number, village or address merged over its members'
    rows, as many rosters are typed) holds its value in its first cell only: give it to every row it covers."""
    rows = sheet.rows
    for (top, left), (bottom, right) in sheet.merged:
        if bottom <= top or top < first_row or top >= len(rows):
            continue
        for column in range(left, right + 1):
            value = rows[top][column] if column < len(rows[top]) else None
            if _blank(value):
                continue
            for row in rows[top + 1 : bottom + 1]:
                if column < len(row) and _blank(row[column]):
                    row[column] = value


def _data_rows(rows: list[list[Any]], header: Header) -> list[int]:
    """The indexes of the rows below the header that hold a person: not blank, not a totals row, not the header
    repeated (a roster printed page by page)."""
    name_column = next((c for c in header.columns if c.field == "name"), None)
    repeated = {*REPEATED_HEADER, name_column.header} if name_column else set()
    sequence = frozenset(c.index for c in header.columns if not c.field)
    indexes = []
    for index in range(header.first_data_row, len(rows)):
        row = rows[index]
        if _skip(row, sequence) or (name_column and _cell(row, name_column.index) in repeated):
            continue
        indexes.append(index)
    return indexes


class SheetReader:
    def __init__(self, *, roster: Roster, regions: RegionIndex, convert: Converter) -> None:
        self.roster = roster
        self.regions = regions
        self.convert = convert
        self.by_number: dict[str, HouseholdRow] = {}
        self.noted: set[tuple[str, str]] = set()

    def read(self, sheet: Sheet) -> None:
        header = self._header(sheet)
        if header is None:
            return
        _fill_merged_data_cells(sheet, first_row=header.first_data_row)
        self._warn_ignored_columns(sheet.name, header)
        indexes = _data_rows(sheet.rows, header)
        keys, columns, checked = self._converted_columns(sheet, header, indexes)
        by_key = {(c.field, c.side): c for c in header.columns}
        row_of = self._person if header.layout == PERSONS else self._couple
        name = sheet.name
        events = ("child_event", "") in by_key
        for position, (index, values) in enumerate(zip(indexes, zip(*columns, strict=True), strict=True)):
            where = Cell(name, index + 1, header)
            raw = dict(zip(keys, values, strict=True))
            if position in checked:
                self._drop_bad_cells(where, raw, keys, index=index, formulas=sheet.formulas, by_key=by_key)
            if events:
                self._child_event(where, raw)
            row_of(where, raw)

    def _header(self, sheet: Sheet) -> Header | None:
        """The sheet's roster header; None when the sheet cannot be read. A sheet that looks like a roster (a
        name or ID-number column) but whose header lacks a required column, gives a person a column twice or
        is not recognised is unusable, with everything it lacks said at once (headers.header_refusal); a notes
        sheet is skipped with a warning, and described should no sheet of the file be usable."""
        header = header_find(sheet.rows, sheet.merged)
        if header is not None and not header_problems(header):
            return header
        attempt = header or header_attempt(sheet.rows, sheet.merged)
        if attempt is not None and attempt.looks_like_roster:
            self.roster.unusable.append(
                Issue(
                    sheet=sheet.name,
                    row=attempt.header_row + 1,
                    field=None,
                    column=None,
                    message=header_refusal(sheet.name, attempt),
                )
            )
        elif any(not _blank(v) for row in sheet.rows for v in row):
            self.roster.warnings.append(
                Note(
                    sheet.name,
                    None,
                    _("Sheet %(sheet)s has no roster header and was skipped.") % {"sheet": sheet.name},
                )
            )
            self.roster.skipped.append(header_refusal(sheet.name, attempt))
        return None

    def _warn_ignored_columns(self, sheet_name: str, header: Header) -> None:
        """Warnings for the columns read from no cell: unknown, twice, the remarks, one spouse's in a couple roster."""
        for _index, text in header.unknown:
            self.roster.warnings.append(
                Note(
                    sheet_name, None, _("Column %(column)s is not a roster column and was ignored.") % {"column": text}
                )
            )
        for _index, text in header.duplicates:
            self.roster.warnings.append(
                Note(
                    sheet_name,
                    None,
                    _("Column %(column)s appears twice; the second one was ignored.") % {"column": text},
                )
            )
        if header.has("remarks"):
            self.roster.warnings.append(
                Note(sheet_name, None, _("The remarks column (备注) is not kept in the archive."))
            )
        extra = [c.header for c in header.ignored()]
        if extra and header.layout == PERSONS:
            self.roster.warnings.append(
                Note(
                    sheet_name,
                    None,
                    _(
                        "In a roster with one row per person %(columns)s was ignored: each person's values are read "
                        "from their own row."
                    )
                    % {"columns": "、".join(extra)},
                )
            )
        elif extra:
            self.roster.warnings.append(
                Note(
                    sheet_name,
                    None,
                    _("In a couple roster %(columns)s cannot be given to one spouse and was ignored.")
                    % {"columns": "、".join(extra)},
                )
            )

    def _converted_columns(
        self, sheet: Sheet, header: Header, indexes: list[int]
    ) -> tuple[list[tuple[str, str]], list[Sequence[Any]], set[int]]:
        """The used columns of the data rows, converted column by column (each converter runs once per distinct
        value: types, dates, names repeat): their (field, side) keys, their values, and the positions of the
        rows with a bad value or a formula, to be checked cell by cell."""
        rows = sheet.rows
        used = header.used()
        selected = [rows[index] for index in indexes]
        if selected and min(map(len, selected)) > max((c.index for c in used), default=-1):
            transposed = list(zip(*selected, strict=False))  # every row is long enough (calamine's are)
            cells_of = {c.index: transposed[c.index] for c in used}
            del transposed
        else:
            cells_of = {c.index: [_cell(row, c.index) for row in selected] for c in used}
        del selected
        keys: list[tuple[str, str]] = []
        columns: list[Sequence[Any]] = []
        checked: set[int] = set()
        for column in used:
            cells = cells_of[column.index]
            if column.field not in RAW_FIELDS:
                cells = self.convert.column(column.field, cells, checked)
            keys.append((column.field, column.side))
            columns.append(cells)
        del cells_of
        formulas = sheet.formulas
        if formulas:
            position_of = {index: position for position, index in enumerate(indexes)}
            used_indexes = {c.index for c in used}
            checked.update(position_of[r] for r, c in formulas if c in used_indexes and r in position_of)
        return keys, columns, checked

    def _drop_bad_cells(
        self,
        where: Cell,
        raw: dict[tuple[str, str], Any],
        keys: list[tuple[str, str]],
        *,
        index: int,
        formulas: set[tuple[int, int]],
        by_key: dict[tuple[str, str], Column],
    ) -> None:
        """An error for each cell of the row with a bad value or a formula; the cell is then read as blank."""
        for key, value in raw.items():
            if isinstance(value, ValidationError):
                self.roster.error(where, key[0], _message(value), key[1])
                raw[key] = None
        for key in keys:
            if (index, by_key[key].index) in formulas:
                self.roster.error(where, key[0], _("The cell holds a formula; type the value itself."), key[1])
                raw[key] = None

    def _village(self, where: Cell, raw: dict) -> Region | None:
        town, village = raw.get(("town", ""), ""), raw.get(("village", ""), "")
        found, field_name, message, notes = self.regions.resolve(town, village)
        if message:
            self.roster.error(where, field_name, message)
        elif found is not None:
            self.roster.towns.add(self.regions.town_of[found.pk])
            for note in notes:  # a name read by its normalised form: said once per sheet, on its first row
                if (where.sheet, note) not in self.noted:
                    self.noted.add((where.sheet, note))
                    self.roster.warnings.append(Note(where.sheet, where.row, note))
        return found

    def _member(self, where: Cell, raw: dict, side: str, shared: dict | None = None) -> MemberRow:
        values: dict[str, Any] = {field_name: raw.get(key) for field_name, key in _MEMBER_KEYS[side]}
        if side and not values.get("phone") and shared:
            values["phone"] = shared.get("phone")
        member = MemberRow(where=where, values=values, side=side)
        if values.get("name") == "":
            self.roster.error(where, "name", _("Enter the name."), side)
        id_raw = raw.get(("id_number", side))
        if id_raw is not None and not _blank(id_raw):
            try:
                info = validation.id_number_parse(id_raw, today=self.convert.today)
            except ValidationError as exc:
                self.roster.error(where, "id_number", _message(exc), side)
                values["id_number"] = None
            else:
                values["id_number"] = info.number
                values["_info"] = info
                member.valid_id = True
                if info.converted_from_15:
                    self.roster.warnings.append(
                        Note(
                            where.sheet,
                            where.row,
                            _("A 15-digit ID number was converted to 18 digits; check it against the ID card."),
                        )
                    )
                if side in ("M", "F") and info.sex != side:
                    self.roster.error(
                        where,
                        "id_number",
                        _("This is a woman's ID number in the husband's column.")
                        if side == "M"
                        else _("This is a man's ID number in the wife's column."),
                        side,
                    )
                    member.valid_id = False
        elif id_raw is not None:
            self.roster.error(where, "id_number", _("Enter the ID number (18 characters, formatted as text)."), side)
            values["id_number"] = None
        if side in ("M", "F"):
            values["role"] = "husband" if side == "M" else "wife"
            values["sex"] = values.get("sex") or side
        return member

    def _household(self, where: Cell, number: str, village: Region | None, raw: dict) -> HouseholdRow:
        values = {field_name: raw.get(key) for field_name, key in _HOUSEHOLD_KEYS}
        given = {field_name for field_name, value in values.items() if value not in (None, "")}
        return HouseholdRow(where=where, number=number, village=village, values=values, given=given)

    def _number(self, raw: dict) -> Any:
        """The household number as the county numbers (a bare 00001 is the county's 630103-00001); None or ""
        as read (an unreadable or an empty cell)."""
        number = raw.get(("household_number", ""))
        return household_number_in_scheme(county=self.regions.county, number=str(number)) if number else number

    def _person(self, where: Cell, raw: dict) -> None:
        number = self._number(raw)
        first = self.by_number.get(number) if number else None
        if (
            first is not None
            and first.where.sheet == where.sheet
            and _blank(raw.get(("town", "")))
            and _blank(raw.get(("village", "")))
        ):
            village = None  # a later row of a household whose place its first row gives (like its other values)
        else:
            village = self._village(where, raw)
        member = self._member(where, raw, "")
        if not number:
            if number == "":
                self.roster.error(where, "household_number", _("Enter the household number (户编号)."))
            return
        household = self.by_number.get(number)
        if household is None:
            household = self._household(where, number, village, raw)
            self.by_number[number] = household
            self.roster.households.append(household)
        else:
            self._merge(household, where, village, raw)
        household.members.append(member)

    def _merge(self, household: HouseholdRow, where: Cell, village: Region | None, raw: dict) -> None:
        """A later row of the same household: its household values must agree with the first row's."""
        if village is not None:
            if household.village is None:
                household.village = village
            elif household.village is not village and household.village != village:
                self.roster.error(
                    where,
                    "village",
                    _(
                        "Household %(number)s is in %(first)s on %(place)s but in %(other)s here. A household "
                        "number stands for one household in the whole county: sheets that each number from 1 "
                        "need numbers of their own (the town's code in front, for example)."
                    )
                    % {
                        "number": household.number,
                        "first": household.village.name,
                        "place": place_of(household.where, where),
                        "other": village.name,
                    },
                )
        for field_name, key in _HOUSEHOLD_KEYS:
            value = raw.get(key)
            if value in (None, ""):
                continue
            if field_name not in household.given:
                household.values[field_name] = value
                household.given.add(field_name)
            elif household.values[field_name] != value and field_name in HOUSEHOLD_STRICT:
                self.roster.error(
                    where,
                    field_name,
                    _("This differs from %(place)s of the same household.")
                    % {"place": place_of(household.where, where)},
                )

    def _child_event(self, where: Cell, raw: dict) -> None:
        """The 子女死亡或伤残（重大疾病）情况、时间 cell: its date, kind and grade fill the household's columns the
        row leaves blank; one that says otherwise is an error on this cell."""
        event = raw.pop(("child_event", ""), None)
        if not isinstance(event, ChildEvent):
            return  # blank, or already an error
        for field_name, value in (
            ("child_event_date", event.when),
            ("family_type", event.kind),
            ("disability_grade", event.grade),
        ):
            if not value:
                continue
            given = raw.get((field_name, ""))
            if given in (None, ""):
                raw[(field_name, "")] = value
            elif not _same_event_value(given, value):
                column = where.header.column(field_name)
                self.roster.error(
                    where,
                    "child_event",
                    _("This cell and the %(column)s column say different things.")
                    % {"column": column.header if column else field_name},
                )

    def _couple(self, where: Cell, raw: dict) -> None:
        village = self._village(where, raw)
        number = self._number(raw) or ""
        household = self._household(where, number, village, raw)
        shared = {"phone": raw.get(("phone", ""))}
        sides = where.header.sides
        for side in sides:
            if all(_blank(raw.get((f, side))) for f in ("name", "id_number")):
                continue  # that spouse has died or is absent
            household.members.append(self._member(where, raw, side, shared))
        if not household.members:
            self.roster.error(where, "name", _("Enter at least one spouse."), sides[0])
            return
        if number and number in self.by_number:
            self.roster.error(
                where,
                "household_number",
                _("Household number %(number)s is already used on %(place)s.")
                % {"number": number, "place": place_of(self.by_number[number].where, where)},
            )
            return
        if number:
            self.by_number[number] = household
        self.roster.households.append(household)


# (field, key in a row's raw values) of the member fields for each side, and of the household fields.
_MEMBER_KEYS = {
    "": [(field_name, (field_name, "")) for field_name in MEMBER_FIELDS],
    **{
        side: [(field_name, (field_name, side)) for field_name in MEMBER_FIELDS if field_name in PERSON_FIELDS]
        for side in ("M", "F", "A", "B")
    },
}
_HOUSEHOLD_KEYS = [(field_name, (field_name, "")) for field_name in HOUSEHOLD_FIELDS]


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else ""


def _same_event_value(given: Any, value: Any) -> bool:
    """Whether a column's value agrees with the event cell's: a date written to the month agrees with any day
    of that month."""
    if isinstance(value, validation.MonthDate) and isinstance(given, date):
        return (given.year, given.month) == (value.year, value.month)
    if isinstance(given, validation.MonthDate) and isinstance(value, date):
        return (given.year, given.month) == (value.year, value.month)
    return given == value


# ---------------------------------------------------------------------------------------------------
# The whole file
# ---------------------------------------------------------------------------------------------------


def roster_validate(*, sheets: list[Sheet], county: Region, area_path: str, today: date) -> Roster:
    """Read every sheet and check every row; cross-row rules (duplicates, sex and birth date) last."""
    roster = Roster()
    reader = SheetReader(
        roster=roster, regions=RegionIndex(county=county, area_path=area_path), convert=Converter(today)
    )
    for sheet in sheets:
        reader.read(sheet)
    if not roster.households and not roster.errors:
        # Nothing readable at all: the file is unusable (exit 2), not a file with row errors.
        if roster.unusable:
            raise RosterFileError("\n".join(issue.message for issue in roster.unusable), code="required_column")
        raise RosterFileError(
            "\n".join(
                [
                    _(
                        "No sheet of the workbook has a roster header with rows below it "
                        "(a row with 姓名, 身份证号码, 村(社区) …)."
                    ),
                    *roster.skipped,
                ]
            ),
            code="no_header",
        )
    roster.errors.extend(roster.unusable)
    _check_members(roster)
    return roster


def roster_sort(roster: Roster, sheet_names: list[str]) -> None:
    """Errors and warnings in the order of the workbook: sheet, row, column."""
    order = {name: index for index, name in enumerate(sheet_names)}
    roster.errors.sort(key=lambda e: (order.get(e.sheet, -1), e.row or 0, e.col or 0))
    roster.warnings.sort(key=lambda w: (order.get(w.sheet, -1), w.row or 0))


def _check_members(roster: Roster) -> None:
    """The cross-row rules: an ID number twice in the file, then each household's persons (sex and birth date
    against the ID number, the roles)."""
    _check_duplicate_ids(roster)
    for household in roster.households:
        if isinstance(household.values.get("child_event_date"), validation.ShortenedMonthDate):
            roster.warnings.append(_shortened_month(household.where, household.values["child_event_date"]))
        try:
            validation.date_check_order(
                household.values.get("child_birth_date"),
                household.values.get("child_event_date"),
                message=_("The date of death or disability is before the child's birth date."),
            )
        except ValidationError as exc:
            roster.error(household.where, "child_event_date", _message(exc))
        roles: Counter[str] = Counter()
        for member in household.members:
            role = _member_identity(roster, member)
            roles[role] += 1
            if role in ("husband", "wife") and roles[role] > 1:
                roster.error(member.where, "role", _("A household has one husband and one wife."))


def _check_duplicate_ids(roster: Roster) -> None:
    """An error on every row of an ID number the file holds more than once."""
    members = [m for h in roster.households for m in h.members]
    counts = Counter(m.values["id_number"] for m in members if m.valid_id)
    rows: dict[str, list[MemberRow]] = defaultdict(list)
    for member in members:
        if member.valid_id and counts[member.values["id_number"]] > 1:
            rows[member.values["id_number"]].append(member)
    for same in rows.values():
        for member in same:
            others = "、".join(
                _("%(sheet)s row %(row)d") % {"sheet": o.where.sheet, "row": o.where.row}
                for o in same
                if o is not member
            )
            roster.error(
                member.where,
                "id_number",
                _("The same ID number is also on %(rows)s.") % {"rows": others},
                _side(member),
            )
            member.valid_id = False  # cannot be trusted: sex and birth date are not compared with it


def _member_identity(roster: Roster, member: MemberRow) -> str:
    """A person's sex and birth date from a trusted ID number (an error where the file says otherwise), and
    their role (户主 / 配偶 by sex; blank: husband or wife by sex, else other); returns the role."""
    values = member.values
    info = values.pop("_info", None)
    if member.valid_id and info is not None:
        try:
            validation.id_number_check_consistency(
                info, sex=values.get("sex") or "", birth_date=values.get("birth_date")
            )
        except ValidationError as exc:
            for field_name, errors in exc.error_dict.items():
                roster.error(member.where, field_name, " ".join(e.messages[0] for e in errors), _side(member))
        values["sex"], values["birth_date"] = info.sex, info.birth_date
    if values.get("role") in validation.ROLE_BY_SEX:  # 户主 / 配偶: the husband or the wife by sex
        values["role"] = validation.role_parse(values["role"], sex=values.get("sex") or "")
    if not values.get("role"):
        values["role"] = {"M": "husband", "F": "wife"}.get(values.get("sex") or "", "other")
    return values["role"]


def _shortened_month(where: Cell, value: date) -> Note:
    return Note(
        where.sheet,
        where.row,
        _(
            "%(year)d.1 in a number cell is read as January %(year)d. If it was %(year)d.10, Excel dropped the 0: "
            "type it as text or as a date."
        )
        % {"year": value.year},
    )


def _side(member: MemberRow) -> str:
    return member.side
