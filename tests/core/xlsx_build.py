"""Workbooks for the upload-check tests: an openpyxl workbook, then edits of its zip (parts added, XML patched)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

# A VBA project is an OLE2 compound file; its first bytes are enough for a part that is never run.
VBA_PART = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def plain_workbook(rows: list[list[object]] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows or [["name", "phone"], ["张三", "13800000000"]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_edit(
    data: bytes, *, add: dict[str, bytes] | None = None, patch: dict[str, tuple[str, str]] | None = None
) -> bytes:
    """The package with parts added and, in the named XML parts, the first ``old`` replaced by ``new``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    for name, (old, new) in (patch or {}).items():
        text = entries[name].decode("utf-8")
        assert old in text, (name, old)
        entries[name] = text.replace(old, new, 1).encode("utf-8")
    entries.update(add or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_content_type(data: bytes, element: str) -> bytes:
    return zip_edit(data, patch={CONTENT_TYPES: ("</Types>", element + "</Types>")})


def with_workbook_relationship(data: bytes, rel_type: str, target: str) -> bytes:
    relationship = f'<Relationship Id="rIdX9" Type="{rel_type}" Target="{target}"/>'
    return zip_edit(data, patch={WORKBOOK_RELS: ("</Relationships>", relationship + "</Relationships>")})


def with_renamed_vba_project(data: bytes, part: str = "xl/media/image7.png") -> bytes:
    """A VBA project as Excel would find it — declared and related — under a name that is not vbaProject.bin."""
    data = zip_edit(data, add={part: VBA_PART})
    data = with_content_type(data, f'<Override PartName="/{part}" ContentType="{VBA_CONTENT_TYPE}"/>')
    return with_workbook_relationship(data, VBA_RELATIONSHIP, "/" + part)
