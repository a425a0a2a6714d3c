"""Import and export of the people who serve (django-import-export, contacts.resources).

An upload is checked before it is parsed (docs/SECURITY.md §Uploads: size, a real xlsx without macros, declared
uncompressed size), then imported as a dry run; only a file without a single error is written, in one
transaction. The resource is scoped to the importing user.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX

from contacts.resources import ServicePersonResource

MAX_UPLOAD_BYTES = 2 * 2**20
MAX_UNCOMPRESSED_BYTES = 20 * 2**20
MAX_ROWS = 5000


def upload_read(upload: Any) -> bytes:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."))
    return upload.read()


def _xlsx_check(data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError(_("This is not an Excel workbook (.xlsx)."))
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(_("The file is damaged. Open it in Excel, save it again and upload the copy.")) from exc
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise ValidationError(_("This is a zip file but not an Excel workbook."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(_("The workbook contains macros. Save it as a plain Excel Workbook (*.xlsx)."))
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(_("The workbook unpacks to far more data than a list of people holds."))


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


@dataclass
class ImportOutcome:
    new: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in the file, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def person_import(*, user: Any, name: str, data: bytes) -> ImportOutcome:
    """Check the whole file; write it only when every row is valid (all or nothing)."""
    dataset = _dataset(name, data)
    if len(dataset) > MAX_ROWS:
        raise ValidationError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
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
            messages.append(f"{field_name}: {' '.join(str(e) for e in field_errors)}")
        outcome.errors.append((invalid.number + 1, "; ".join(messages)))
    for error in result.base_errors:
        outcome.errors.append((0, str(error.error)))
    outcome.errors.sort()
    return outcome


def person_export_xlsx(*, user: Any) -> tuple[bytes, int]:
    resource = ServicePersonResource(user=user)
    dataset = resource.export(resource.get_queryset().order_by("region__path", "role_type", "name", "id"))
    return XLSX().export_data(dataset), len(dataset)
