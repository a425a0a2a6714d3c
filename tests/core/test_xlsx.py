"""The one upload checker (core.xlsx): what it refuses, with which code and message, before a sheet is parsed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.xlsx import XlsxFileError, xlsx_formula_cells, xlsx_open, xlsx_sheet_paths
from tests.core.xlsx_build import (
    CONTENT_TYPES,
    VBA_CONTENT_TYPE,
    VBA_PART,
    VBA_RELATIONSHIP,
    plain_workbook,
    with_content_type,
    with_renamed_vba_project,
    with_workbook_relationship,
    zip_edit,
)

LIMITS = {"max_bytes": 2 * 2**20, "max_uncompressed_bytes": 20 * 2**20, "max_ratio": 100}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(data: bytes, **limits: int) -> XlsxFileError:
    with pytest.raises(XlsxFileError) as exc_info:
        xlsx_open(data, **{**LIMITS, **limits})
    return exc_info.value


def test_a_plain_workbook_opens_and_names_its_sheets():
    archive = xlsx_open(plain_workbook(), **LIMITS)
    assert xlsx_sheet_paths(archive) == {"Sheet": "xl/worksheets/sheet1.xml"}


def test_the_refusal_is_a_validation_error_with_a_code():
    error = refusal(b"")
    assert isinstance(error, ValidationError)
    assert (error.code, error.message) == ("empty", "The file is empty.")


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (OLE2 + b"Workbook", "xls", "Save As"),
        (OLE2 + "EncryptionInfo".encode("utf-16-le") + b"EncryptedPackage", "encrypted", "password"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_xlsx", "image"),
        ("姓名,电话\n张三,13800000000\n".encode(), "not_xlsx", "CSV"),
        (bytes(range(256)) * 4, "not_xlsx", "not an Excel workbook"),
        (b"PK\x03\x04" + b"\x00" * 300, "corrupt", "damaged"),
        (zip_edit(plain_workbook(), add={"x": b""}).replace(b"xl/workbook.xml", b"xl/workbook.xmm"), "not_xlsx", "zip"),
    ],
    ids=["xls", "encrypted", "image", "csv", "random", "corrupt_zip", "zip_without_workbook"],
)
def test_files_that_are_not_a_plain_xlsx_are_refused(data, code, words):
    error = refusal(data)
    assert error.code == code
    assert words.lower() in error.message.lower()


def test_a_file_over_the_size_cap_is_refused():
    data = plain_workbook()
    assert refusal(data, max_bytes=len(data) - 1).code == "too_large"


def test_a_part_that_inflates_beyond_the_ratio_is_refused_though_the_total_is_small():
    # 5 MB of zeros deflate to about 5 KB: far under the 20 MB total, a ratio of about 1,000.
    data = zip_edit(plain_workbook(), add={"xl/media/padding.bin": b"\x00" * (5 * 2**20)})
    assert refusal(data).code == "zip_bomb"
    assert xlsx_open(data, **{**LIMITS, "max_ratio": 10_000})  # the same file passes a looser ratio


def test_a_declared_total_over_the_cap_is_refused():
    data = zip_edit(plain_workbook(), add={"xl/media/padding.bin": b"\x00" * (2 * 2**20)})
    assert refusal(data, max_uncompressed_bytes=2**20, max_ratio=10**6).code == "zip_bomb"


def test_a_vba_project_named_as_usual_is_refused():
    data = zip_edit(plain_workbook(), add={"xl/vbaProject.bin": VBA_PART})
    assert refusal(data).code == "macros"


def test_a_renamed_vba_project_is_refused_by_its_content_type_and_relationship():
    error = refusal(with_renamed_vba_project(plain_workbook()))
    assert error.code == "macros"
    assert "macros" in error.message


def test_a_renamed_vba_project_reached_only_by_its_relationship_is_refused():
    data = zip_edit(plain_workbook(), add={"xl/code.dat": VBA_PART})
    assert refusal(with_workbook_relationship(data, VBA_RELATIONSHIP, "code.dat")).code == "macros"


def test_a_vba_part_declared_only_by_extension_is_refused():
    data = zip_edit(plain_workbook(), add={"xl/project.dat": VBA_PART})
    data = with_content_type(data, f'<Default Extension="dat" ContentType="{VBA_CONTENT_TYPE}"/>')
    assert refusal(data).code == "macros"


def test_a_macro_enabled_workbook_renamed_to_xlsx_is_refused():
    data = zip_edit(
        plain_workbook(),
        patch={CONTENT_TYPES: ("spreadsheetml.sheet.main+xml", "spreadsheetml.sheet.macroEnabled.main+xml")},
    )
    assert refusal(data).code == "macros"


@pytest.mark.parametrize(
    "element",
    [
        '<Override PartName="/xl/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>',
        '<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/>',
    ],
    ids=["activex", "excel4_macro_sheet"],
)
def test_activex_controls_and_excel4_macro_sheets_are_refused(element):
    assert refusal(with_content_type(plain_workbook(), element)).code == "macros"


def test_an_excel4_macro_sheet_related_from_the_workbook_is_refused():
    rel = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
    data = zip_edit(plain_workbook(), add={"xl/sheets/a.xml": b"<xm:macrosheet/>"})
    assert refusal(with_workbook_relationship(data, rel, "sheets/a.xml")).code == "macros"


def test_a_damaged_relationship_part_is_a_friendly_error():
    data = zip_edit(plain_workbook(), patch={"xl/_rels/workbook.xml.rels": ("</Relationships>", "")})
    assert refusal(data).code == "corrupt"


def test_formula_cells_are_found_with_their_position():
    data = plain_workbook([["name", "phone"], ["张三", '=CONCATENATE("138","00000000")']])
    archive = xlsx_open(data, **LIMITS)
    assert xlsx_formula_cells(archive, "xl/worksheets/sheet1.xml") == {(1, 1)}
    assert xlsx_formula_cells(xlsx_open(plain_workbook(), **LIMITS), "xl/worksheets/sheet1.xml") == set()


def test_the_message_is_in_the_users_language():
    data = with_renamed_vba_project(plain_workbook())
    with translation.override("zh-hans"):
        error = refusal(data)
    assert "宏" in error.message
