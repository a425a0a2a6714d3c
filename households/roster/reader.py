"""Opening an uploaded roster safely (docs/SECURITY.md §Uploads) and reading its cells fast.

The file is checked by the one upload checker, core.xlsx (size, real xlsx, zip bombs, macros by content), before
any worksheet is parsed. Cells are read with python-calamine (much faster than openpyxl's read-only mode);
formulas, which calamine turns into their cached values, are found by a streaming scan of the sheet XML
(core.xlsx.xlsx_formula_cells), in a second thread while calamine parses (it releases the GIL).
"""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from core.xlsx import XlsxFileError, xlsx_formula_cells, xlsx_open, xlsx_sheet_paths


class RosterFileError(Exception):
    """The file cannot be used at all (exit 2): not an xlsx, protected, too large, no header …"""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[i] is Excel row i + 1; cells as calamine gives them
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column index), 0-based
    # Merged cells, ((first row, first column), (last row, last column)) 0-based: where a two-row header's
    # 男方 / 女方 cell ends.
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def workbook_check(data: bytes) -> zipfile.ZipFile:
    """Refuse anything that is not a plain, reasonably sized xlsx (core.xlsx); return the opened zip."""
    limit = settings.ROSTER_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise RosterFileError(
            _("The file is %(size)d MB; the largest roster accepted is %(limit)d MB. Split it by town.")
            % {"size": len(data) // 2**20 + 1, "limit": limit // 2**20},
            code="too_large",
        )
    try:
        return xlsx_open(
            data,
            max_bytes=limit,
            max_uncompressed_bytes=settings.ROSTER_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.ROSTER_MAX_COMPRESSION_RATIO,
        )
    except XlsxFileError as exc:
        raise _roster_error(exc) from exc


def _roster_error(exc: XlsxFileError) -> RosterFileError:
    return RosterFileError(str(exc.message), code=exc.code or "corrupt")


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        return xlsx_sheet_paths(archive)
    except XlsxFileError as exc:
        raise _roster_error(exc) from exc


def workbook_read(data: bytes) -> list[Sheet]:
    """Check the file, then read every worksheet. Raises RosterFileError for an unusable file."""
    archive = workbook_check(data)
    paths = _sheet_paths(archive)
    # The formula scans (zip inflate and a byte search) run in a second thread while calamine parses; only
    # that thread reads ``archive`` from here on. Their results (or errors) are taken in sheet order.
    scanner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roster-formulas")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in workbook.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        scans: dict[str, Future[set[tuple[int, int]]]] = {
            name: scanner.submit(xlsx_formula_cells, archive, paths[name]) for name in names if name in paths
        }
        sheets = []
        total_rows = 0
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            total_rows += sheet.height
            if total_rows > settings.ROSTER_MAX_ROWS:
                raise RosterFileError(
                    _("The workbook has more than %(limit)d rows. Split the roster into several files.")
                    % {"limit": settings.ROSTER_MAX_ROWS},
                    code="too_many_rows",
                )
            rows = sheet.to_python(skip_empty_area=False)
            formulas = scans[name].result() if name in scans else set()
            merged = list(sheet.merged_cell_ranges or ())
            sheets.append(Sheet(name=name, rows=rows, formulas=formulas, merged=merged))
    except XlsxFileError as exc:
        raise _roster_error(exc) from exc
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise RosterFileError(
            _(
                "The workbook could not be read (it may be damaged). Open it in Excel, save it again and upload "
                "the copy."
            ),
            code="corrupt",
        ) from exc
    finally:
        scanner.shutdown(wait=True, cancel_futures=True)
    return sheets
