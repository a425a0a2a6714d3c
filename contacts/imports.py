"""Import and export of the people who serve (django-import-export, contacts.resources).

An upload is checked before it is parsed by the one upload checker (core.xlsx; docs/SECURITY.md §Uploads: size, a
real xlsx without macros, declared uncompressed sizes and ratios) and must hold no formula; then it is imported as
a dry run; only a file without a single error is written, in one transaction. The resource is scoped to the
importing user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX

from contacts.resources import HEADERS, ServicePersonResource, export_headers, header_field
from core.xlsx import xlsx_formula_cells, xlsx_open, xlsx_sheet_paths

if TYPE_CHECKING:
    from accounts.models import User

MAX_UPLOAD_BYTES = 2 * 2**20
MAX_UNCOMPRESSED_BYTES = 20 * 2**20
MAX_COMPRESSION_RATIO = 100
MAX_ROWS = 5000


def upload_read(upload: Any) -> bytes:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."))
    return upload.read()


def _xlsx_check(data: bytes) -> None:
    """The one upload check (core.xlsx), then no formula: a list of people is typed, never computed."""
    archive = xlsx_open(
        data,
        max_bytes=MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=MAX_UNCOMPRESSED_BYTES,
        max_ratio=MAX_COMPRESSION_RATIO,
    )
    if any(xlsx_formula_cells(archive, path) for path in xlsx_sheet_paths(archive).values()):
        raise ValidationError(
            _("The workbook contains formulas. Copy the cells and paste them as values, then upload the file."),
            code="formulas",
        )


def _dataset(name: str, data: bytes) -> tablib.Dataset:
    if name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return tablib.Dataset().load(text, format="csv")
        raise ValidationError(_("The CSV file is not UTF-8 or GB18030 text."))
    _xlsx_check(data)
    try:
        return XLSX().create_dataset(data)
    except Exception as exc:  # openpyxl raises many kinds on a broken or protected file
        raise ValidationError(_("The workbook could not be read. Save it again as .xlsx and retry.")) from exc


# Without these columns a sheet cannot add a person (an update by id needs them too: the row is the person).
REQUIRED_COLUMNS = ("name", "role_type", "region_code")
# A model field's error is shown under its column's header.
FIELD_COLUMNS = {"region": "region_code", "user": "login"}


def _read_headers(dataset: tablib.Dataset) -> None:
    """The sheet's headers (Chinese, English, or the field names) as the resource's columns, in place. A column
    named twice, or a required one missing, refuses the file naming the headers."""
    seen: dict[str, str] = {}
    headers = []
    for header in dataset.headers or []:
        column = header_field(header)
        if column is None:
            headers.append(str(header or ""))  # not read
            continue
        if column in seen:
            raise ValidationError(
                _("The columns %(first)s and %(second)s are both %(column)s.")
                % {"first": seen[column], "second": header, "column": HEADERS[column]}
            )
        seen[column] = str(header)
        headers.append(column)
    missing = [str(HEADERS[column]) for column in REQUIRED_COLUMNS if column not in seen]
    if missing:
        raise ValidationError(
            _("Missing columns: %(missing)s. Start from an export to get the layout.") % {"missing": ", ".join(missing)}
        )
    dataset.headers = headers


@dataclass
class ImportOutcome:
    new: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in the file, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def person_import(*, user: User, name: str, data: bytes) -> ImportOutcome:
    """Check the whole file; write it only when every row is valid (all or nothing)."""
    dataset = _dataset(name, data)
    if len(dataset) > MAX_ROWS:
        raise ValidationError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
    _read_headers(dataset)
    resource = ServicePersonResource(user=user)
    result = resource.import_data(dataset, dry_run=True, raise_errors=False, use_transactions=True)
    outcome = _outcome(result)
    if outcome.ok:
        with transaction.atomic():
            result = ServicePersonResource(user=user).import_data(dataset, dry_run=False, raise_errors=True)
        outcome = _outcome(result)
    return outcome


def _outcome(result: Any) -> ImportOutcome:
    totals = result.totals
    outcome = ImportOutcome(new=totals.get("new", 0), updated=totals.get("update", 0))
    for row_number, errors in result.row_errors():
        outcome.errors.extend((row_number + 1, str(error.error)) for error in errors)
    for invalid in result.invalid_rows:
        messages = []
        for field_name, field_errors in invalid.error_dict.items():
            column = FIELD_COLUMNS.get(field_name, field_name)
            label = HEADERS.get(column, field_name)
            messages.append(f"{label}: {' '.join(str(e) for e in field_errors)}")
        outcome.errors.append((invalid.number + 1, "; ".join(messages)))
    for error in result.base_errors:
        outcome.errors.append((0, str(error.error)))
    outcome.errors.sort()
    return outcome


def person_export_xlsx(*, user: User) -> tuple[bytes, int]:
    resource = ServicePersonResource(user=user)
    dataset = resource.export(resource.get_queryset().order_by("region__path", "role_type", "name", "id"))
    dataset.headers = export_headers()  # in the user's language
    return XLSX().export_data(dataset), len(dataset)
