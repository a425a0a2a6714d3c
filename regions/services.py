"""Loading the administrative tree from the CSV of docs/ROSTER.md §Regions: code,name,level,parent_code."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regions.models import Region

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
CODE_LENGTH: dict[str, int] = {
    Region.Level.PROVINCE: 6,
    Region.Level.CITY: 6,
    Region.Level.COUNTY: 6,
    Region.Level.TOWN: 9,
    Region.Level.VILLAGE: 12,
}
# The digits of a code its children's codes start with: a province's 2 (630000 → 63), a city's 4 (630100 → 6301);
# a county's and a town's whole code.
SIGNIFICANT_DIGITS: dict[str, int] = {Region.Level.PROVINCE: 2, Region.Level.CITY: 4}
LEVEL_ORDER: dict[str, int] = {level: i for i, level in enumerate(Region.Level.values)}
PARENT_LEVEL: dict[str, str] = {child: parent for parent, child in Region.CHILD_LEVEL.items()}


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


ENCODINGS = ("utf-8-sig", "gb18030")


def regions_decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a region CSV: UTF-8 (with or without a byte-order mark) or GB18030, the encoding Excel
    saves a CSV in on Chinese Windows (GB2312 and GBK are subsets of it). UTF-8 is tried first and strictly: a GB18030
    file is almost never valid UTF-8. UnicodeDecodeError when the file is neither."""
    for encoding in ENCODINGS[:-1]:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode(ENCODINGS[-1]), ENCODINGS[-1]


def _nbs_code(code: str, length: int) -> str:
    """An NBS 12-digit code padded with zeros (440902000000 for the county 440902, 440902001000 for the town
    440902001) as the project writes it; any other code unchanged."""
    if len(code) == 12 and code.isdigit() and length < 12 and code[length:] == "0" * (12 - length):
        return code[:length]
    return code


def _parse(text: str) -> tuple[list[_Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            _("The header must be %(expected)s; missing: %(missing)s.")
            % {"expected": ",".join(REQUIRED_COLUMNS), "missing": ", ".join(missing)}
        ]
    rows, errors = [], []
    for raw in reader:
        line = reader.line_num  # the file's line (a blank line is skipped by the reader but still counted)
        values = {k: (raw.get(k) or "").strip() for k in REQUIRED_COLUMNS}
        if not any(values.values()):
            continue
        row = _Row(line=line, **values)
        if row.level in CODE_LENGTH:
            row.code = _nbs_code(row.code, CODE_LENGTH[row.level])
            parent_level = PARENT_LEVEL.get(row.level)
            if parent_level:
                row.parent_code = _nbs_code(row.parent_code, CODE_LENGTH[parent_level])
        if row.level not in Region.Level.values:
            errors.append(
                _("Line %(line)d: level %(level)r must be province, city, county, town or village.")
                % {"line": line, "level": row.level}
            )
        elif not row.code.isdigit() or len(row.code) != CODE_LENGTH[row.level]:
            errors.append(
                _("Line %(line)d: a %(level)s code has %(n)d digits, not %(code)r.")
                % {"line": line, "level": row.level, "n": CODE_LENGTH[row.level], "code": row.code}
            )
        if not row.name:
            errors.append(_("Line %(line)d: the name is empty.") % {"line": line})
        rows.append(row)
    return rows, errors


def _check_tree(rows: list[_Row], existing: dict[str, Region]) -> list[str]:
    errors = []
    first_line: dict[str, int] = {}
    for row in rows:
        if row.code in first_line:
            errors.append(
                _("Line %(line)d: code %(code)s is a duplicate of line %(first)d.")
                % {"line": row.line, "code": row.code, "first": first_line[row.code]}
            )
        else:
            first_line[row.code] = row.line
    levels = {code: region.level for code, region in existing.items()}
    levels.update({row.code: row.level for row in rows})
    for row in rows:
        if row.level == Region.Level.PROVINCE:
            if row.parent_code:
                errors.append(_("Line %(line)d: a province has no parent code.") % {"line": row.line})
            continue
        if row.level in (Region.Level.CITY, Region.Level.COUNTY) and not row.parent_code:
            continue  # a city without its province, a county without its city: the top of the tree loaded
        if not row.parent_code:
            errors.append(_("Line %(line)d: a %(level)s needs a parent code.") % {"line": row.line, "level": row.level})
        elif row.parent_code not in levels:
            errors.append(
                _("Line %(line)d: unknown parent code %(parent)s.") % {"line": row.line, "parent": row.parent_code}
            )
        elif Region.CHILD_LEVEL.get(levels[row.parent_code]) != row.level:
            errors.append(
                _("Line %(line)d: a %(level)s cannot sit under a %(parent_level)s.")
                % {"line": row.line, "level": row.level, "parent_level": levels[row.parent_code]}
            )
        elif not row.code.startswith(row.parent_code[: SIGNIFICANT_DIGITS.get(levels[row.parent_code])]):
            errors.append(
                _("Line %(line)d: code %(code)s does not start with the code of its parent %(parent)s.")
                % {"line": row.line, "code": row.code, "parent": row.parent_code}
            )
    return errors


@transaction.atomic
def regions_load_csv(*, text: str) -> RegionLoadResult:
    """Create or update regions from CSV text; idempotent. Any bad row: nothing is written.

    Rows may come in any order; parents are written before children.
    """
    rows, errors = _parse(text)
    existing = {r.code: r for r in Region.objects.all()}
    errors += _check_tree(rows, existing)
    if errors:
        raise ValidationError(errors)

    result = RegionLoadResult()
    by_code = dict(existing)
    for row in sorted(rows, key=lambda r: LEVEL_ORDER[r.level]):
        parent = by_code.get(row.parent_code) if row.parent_code else None
        existing_region = by_code.get(row.code)
        if parent is None and row.level == Region.Level.COUNTY and existing_region is not None:
            # A file of the county's own tree (no city above it) leaves the county under the city it has joined.
            parent = existing_region.parent if existing_region.parent_id is not None else None
        # Paths start at the county (Region's docstring): above it each node is the root of its own path.
        path = f"{parent.path if parent and not parent.is_above_county else ''}{row.code}/"
        region = by_code.get(row.code)
        if region is None:
            region = Region.objects.create(code=row.code, name=row.name, level=row.level, parent=parent, path=path)
            result.created += 1
        elif (region.name, region.level, region.parent_id, region.path) != (
            row.name,
            row.level,
            parent.pk if parent else None,
            path,
        ):
            # A county loaded before its city may be put under it (its path does not change); nothing else moves.
            joins_city = region.level == Region.Level.COUNTY and region.parent_id is None and parent is not None
            if region.level != row.level or (region.parent_id != (parent.pk if parent else None) and not joins_city):
                raise ValidationError(
                    _("Line %(line)d: region %(code)s cannot change its level or parent.")
                    % {"line": row.line, "code": row.code}
                )
            region.name = row.name
            region.parent = parent
            region.save(update_fields=["name", "parent"])
            result.updated += 1
        else:
            result.unchanged += 1
        by_code[row.code] = region
    return result
