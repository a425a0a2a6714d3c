"""The one check of an uploaded xlsx (docs/SECURITY.md §Uploads), for every import that takes a workbook.

Every check runs on the raw bytes and the zip directory before a worksheet is parsed: size, what kind of file it
really is (an old .xls, a password-protected workbook — both OLE2 containers —, a CSV or an image renamed), the
declared uncompressed sizes and ratios (zip bombs, checked before anything is inflated), then active content.
Macros are found by what the package declares — its content types and relationships — not by a part's name: a
VBA project renamed from ``vbaProject.bin`` is still reached through its relationship and declared as a VBA
part, or Excel would not run it. The small XML parts read here are parsed with defusedxml.

Formulas are not refused here (a roster marks the cell, the caller decides): ``xlsx_formula_cells`` finds them.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from defusedxml import ElementTree
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"%PDF", b"RIFF")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# A formula element, with or without a namespace prefix: <f>, <f t="shared" …/>, <x:f>.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
# Words in a content type or a relationship type that mean code Excel may run (ECMA-376 and [MS-OFFCRYPTO]/
# [MS-OVBA] names): VBA projects and their signatures (application/vnd.ms-office.vbaProject, …/vbaProject),
# a macro-enabled workbook, template or add-in saved as .xlsx (…sheet.macroEnabled.main+xml), Excel 4.0 macro
# sheets (…macrosheet+xml, …/xlMacrosheet, …/xlIntlMacrosheet), ActiveX controls, VBA data parts.
_ACTIVE_CONTENT_WORDS = ("vbaproject", "macroenabled", "macrosheet", "activex", "vbadata")
# A part this large is not a worksheet inflated 1:ratio by accident (a roster's sheets compress about 1:10).
_RATIO_FLOOR_BYTES = 1_000_000


class XlsxFileError(ValidationError):
    """The upload cannot be used at all. ``message`` is in the user's language; ``code`` says why: empty,
    too_large, encrypted, xls, not_xlsx, corrupt, zip_bomb, macros."""


def xlsx_open(data: bytes, *, max_bytes: int, max_uncompressed_bytes: int, max_ratio: int) -> zipfile.ZipFile:
    """Refuse anything that is not a plain, reasonably sized xlsx without active content; return the opened zip.

    Raises XlsxFileError. ``max_ratio`` bounds uncompressed/compressed size of every part over 1 MB."""
    if not data:
        raise XlsxFileError(_("The file is empty."), code="empty")
    if len(data) > max_bytes:
        raise XlsxFileError(
            _("The file is %(size)d MB; the largest file accepted here is %(limit)d MB.")
            % {"size": len(data) // 2**20 + 1, "limit": max(max_bytes // 2**20, 1)},
            code="too_large",
        )
    if data.startswith(OLE2_MAGIC):
        raise _ole2_error(data)
    if not data.startswith(ZIP_MAGIC):
        raise XlsxFileError(_not_xlsx_message(data), code="not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _damaged() from exc
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise XlsxFileError(
            _("This is a zip file but not an Excel workbook. Upload an .xlsx file."),
            code="not_xlsx",
        )
    if sum(info.file_size for info in infos) > max_uncompressed_bytes or any(
        info.file_size > _RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(info.compress_size, 1)
        for info in infos
    ):
        raise XlsxFileError(
            _("The workbook unpacks to far more data than such a list holds, so it was not opened."),
            code="zip_bomb",
        )
    if xlsx_has_active_content(archive):
        raise XlsxFileError(
            _("The workbook contains macros. Save it as a plain Excel Workbook (*.xlsx) and upload that file."),
            code="macros",
        )
    return archive


def xlsx_has_active_content(archive: zipfile.ZipFile) -> bool:
    """Whether the package declares a VBA project, a macro-enabled main part, a macro sheet or an ActiveX control:
    by the content types of [Content_Types].xml and the types of every relationship part, and, as a last word,
    by the usual part name. Call only after the size checks (it inflates the small XML parts it reads)."""
    for info in archive.infolist():
        name = info.filename.lower()
        if name.endswith("vbaproject.bin"):
            return True
        if name == "[content_types].xml":
            declared = [
                element.get("ContentType", "")
                for element in _parse(archive, info.filename).iter()
                if element.tag in (f"{_CONTENT_TYPES_NS}Default", f"{_CONTENT_TYPES_NS}Override")
            ]
        elif name.endswith(".rels"):
            declared = [element.get("Type", "") for element in _parse(archive, info.filename).iter()]
        else:
            continue
        if any(word in value.lower() for value in declared for word in _ACTIVE_CONTENT_WORDS):
            return True
    return False


def xlsx_sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the zip (workbook.xml and its relationships; both small)."""
    workbook = _parse(archive, "xl/workbook.xml")
    rels = _parse(archive, "xl/_rels/workbook.xml.rels")
    targets = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    paths = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"))
        if target:
            paths[sheet.get("name")] = target
    return paths


def xlsx_formula_cells(archive: zipfile.ZipFile, path: str) -> set[tuple[int, int]]:
    """Cells of one sheet that hold a formula, as (row, column), 0-based. A cheap streaming scan first; the XML is
    parsed only when it finds one. A sheet that cannot be inflated or parsed raises XlsxFileError."""
    try:
        if not _has_formula(archive, path):
            return set()
        cells = set()
        with archive.open(path) as stream:
            for _event, element in ElementTree.iterparse(stream, events=("end",)):
                if element.tag == f"{_MAIN_NS}c":
                    if element.find(f"{_MAIN_NS}f") is not None and element.get("r"):
                        cells.add(_cell_index(element.get("r")))
                    element.clear()
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise _damaged() from exc
    return cells


def _has_formula(archive: zipfile.ZipFile, path: str) -> bool:
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            # Every match of the pattern holds "<f" or ":f"; the plain search is cheaper than the regex.
            if (b"<f" in text or b":f" in text) and _FORMULA_TAG.search(text):
                return True
            tail = chunk[-16:]
    return False


def _cell_index(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    column = 0
    for ch in letters.upper():
        column = column * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def _parse(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(archive.read(name))
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise XlsxFileError(
            _("The workbook structure is damaged. Save it again in Excel."),
            code="corrupt",
        ) from exc


def _damaged() -> XlsxFileError:
    return XlsxFileError(
        _("The file is damaged (not a complete xlsx). Open it in Excel, save it again and upload the copy."),
        code="corrupt",
    )


def _ole2_error(data: bytes) -> XlsxFileError:
    # An encrypted xlsx is an OLE2 container with these two streams ([MS-OFFCRYPTO]).
    if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data.replace(b"\x00", b""):
        return XlsxFileError(
            _(
                "The workbook is protected by a password. Open it in Excel or WPS, remove the password "
                "(File › Info › Protect Workbook) and upload it again."
            ),
            code="encrypted",
        )
    return XlsxFileError(
        _(
            "This is an old Excel 97–2003 workbook (.xls). Open it in Excel or WPS, choose File › Save As › "
            "Excel Workbook (*.xlsx) and upload the new file."
        ),
        code="xls",
    )


def _not_xlsx_message(data: bytes) -> str:
    if data.startswith(_IMAGE_MAGIC):
        return _("This is an image or a PDF, not an Excel workbook. Upload an .xlsx file.")
    head = data[:4096]
    if b"\x00" not in head:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                continue
            return _(
                "This is a CSV or text file, not an Excel workbook. Open it in Excel or WPS and save it as "
                "Excel Workbook (*.xlsx)."
            )
    return _("This is not an Excel workbook (.xlsx). Upload an .xlsx file.")
