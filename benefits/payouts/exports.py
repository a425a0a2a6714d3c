"""The payout roster (花名册) as xlsx, in the 一卡通 module's 17-column layout (docs/BENEFITS.md §Payouts), plus an
18th column 失败原因 (failure reason, empty) where the bank writes why a line failed, beside 支付状态.

Row 1 is the batch's title (merged over the columns), row 2 the headers, then one row per line, then a totals
row (合计: persons and money). Printed on A4 landscape, one page wide, the title and headers on every page. ID and
account numbers are text cells (never numbers: Excel would round them); a text that starts like a formula is
written with a leading apostrophe (docs/SECURITY.md §Exports).

:func:`roster_xlsx_write` writes the workbook's XML itself, streamed into the zip: openpyxl's write-only mode took
13.8 s for 50,000 lines here, this 1–2 s (docs/PERFORMANCE.md). Its oracle test reads the file back with openpyxl
and compares every cell with the lines (tests/benefits/test_payouts_roster.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from benefits.models import PayoutBatch, PayoutLine

# The 17 columns of the 一卡通 module, then the failure reason the return brings back.
COLUMNS = (
    "序号",
    "支付状态",
    "户主姓名",
    "户主身份证号",
    "收款人姓名",
    "收款人身份证号",
    "银行账号",
    "开户银行",
    "村(居)委会",
    "村(居)民小组",
    "享受人",
    "享受人身份证号",
    "联系电话",
    "现居住地",
    "年龄",
    "补贴金额",
    "填报日期",
    "失败原因",
)
WIDTHS = (6, 8, 10, 20, 10, 20, 22, 16, 14, 10, 10, 20, 13, 24, 6, 11, 11, 16)
# The line's values in the order of COLUMNS (序号 … 失败原因; 填报日期 is the batch's).
LINE_FIELDS = (
    "seq",
    "status",
    "head_name",
    "head_id_number",
    "payee_name",
    "payee_id_number",
    "account_number",
    "bank_name",
    "village_name",
    "group_name",
    "beneficiary_name",
    "beneficiary_id_number",
    "phone",
    "address",
    "age",
    "amount",
    "failure_reason",
)
STATUS_WORDS = {PayoutLine.Status.PLANNED: "", PayoutLine.Status.PAID: "成功", PayoutLine.Status.FAILED: "失败"}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LETTERS = [chr(65 + i) for i in range(len(COLUMNS))]
# Styles (xl/styles.xml below): 1 title, 2 header, 3 text, 4 amount, 5 date, 6 number, 7 bold amount.
TITLE, HEADER, TEXT, AMOUNT, DATE, NUMBER, TOTAL = 1, 2, 3, 4, 5, 6, 7
_STYLES = (0, 0, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, NUMBER, AMOUNT, DATE, TEXT)


def _text(value: str) -> str:
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return escape(_ILLEGAL.sub("", value))


def _excel_date(value: date) -> int:
    return value.toordinal() - date(1899, 12, 30).toordinal()


def _row(number: int, values: Sequence[Any], styles: Sequence[int]) -> str:
    cells = []
    for index, value in enumerate(values):
        if value is None or value == "":
            continue
        ref = f"{_LETTERS[index]}{number}"
        style = styles[index]
        if isinstance(value, date):
            cells.append(f'<c r="{ref}" s="{style}"><v>{_excel_date(value)}</v></c>')
        elif isinstance(value, (int, Decimal)) and style != TEXT:
            cells.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{_text(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _line_row(number: int, values: Sequence[Any], filled: int) -> str:
    """One line's row (the hot loop of a 50,000-line roster: no per-cell type tests beyond the column's kind)."""
    n = str(number)
    cells = [f'<row r="{n}">']
    for index, value in enumerate(values):
        if index == _DATE_COLUMN:
            cells.append(f'<c r="Q{n}" s="{DATE}"><v>{filled}</v></c>')
            continue
        if value is None or value == "":
            continue
        letter = _LETTERS[index]
        if index in _TEXT_COLUMNS:
            text = str(value)
            if text[0] in _FORMULA_FIRST or not _PLAIN.fullmatch(text):
                text = _text(text)
            cells.append(f'<c r="{letter}{n}" s="3" t="inlineStr"><is><t>{text}</t></is></c>')
        else:
            cells.append(f'<c r="{letter}{n}" s="{_STYLES[index]}"><v>{value}</v></c>')
    cells.append("</row>")
    return "".join(cells)


# Columns of a line written as text: every one but 序号, 年龄 and 补贴金额 (序号 is a number, 支付状态 a word).
_TEXT_COLUMNS = frozenset(i for i, style in enumerate(_STYLES) if style in (TEXT, 0) and i != 0)
_DATE_COLUMN = COLUMNS.index("填报日期")
_FORMULA_FIRST = frozenset(FORMULA_TRIGGERS)
# Text that needs no escaping: no <, >, &, no control character.
_PLAIN = re.compile(r"[^<>&\x00-\x1f]*")


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_BORDER = (
    '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border>'
)
_STYLES_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {_NS}>'
    '<fonts count="3"><font><sz val="10"/><name val="宋体"/></font>'
    '<font><b/><sz val="10"/><name val="宋体"/></font><font><b/><sz val="14"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>{_BORDER}</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="2" fontId="1" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" '
    'applyBorder="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _workbook_xml(sheet_name: str) -> str:
    name = escape(sheet_name, {'"': "&quot;"})
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} {_RNS}>'
        f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
        f'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">\'{name}\'!$1:$2</definedName>'
        "</definedNames></workbook>"
    )


def _sheet_head() -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in enumerate(WIDTHS, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS} {_RNS}>'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>"
    )


_SHEET_TAIL = (
    "</sheetData>"
    f'<mergeCells count="1"><mergeCell ref="A1:{_LETTERS[-1]}1"/></mergeCells>'
    '<printOptions horizontalCentered="1"/>'
    '<pageMargins left="0.3" right="0.3" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
    "</worksheet>"
)


def roster_xlsx_write(*, title: str, filled_on: date, lines: Iterable[Sequence[Any]]) -> bytes:
    """The roster workbook. ``lines`` yields the values of LINE_FIELDS per line, in 序号 order (a status as the
    line stores it). Streams the sheet into the zip 2,000 rows at a time."""
    buffer = io.BytesIO()
    count, total = 0, Decimal("0.00")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook_xml("花名册"))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES_XML)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = [_sheet_head(), _row(1, [title], (TITLE,)), _row(2, COLUMNS, (HEADER,) * len(COLUMNS))]
            number = 2
            filled = _excel_date(filled_on)
            for values in lines:
                number += 1
                count += 1
                total += values[15]
                row = list(values)
                row[1] = STATUS_WORDS.get(row[1], "")
                row.insert(16, None)  # 填报日期: the batch's, written by _line_row
                chunk.append(_line_row(number, row, filled))
                if len(chunk) >= 2000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            totals = ["合计", "", "", "", "", "", "", "", "", "", f"{count}人", "", "", "", "", total]
            chunk.append(_row(number + 1, totals, (HEADER,) * 15 + (TOTAL,)))
            chunk.append(_SHEET_TAIL)
            sheet.write("".join(chunk).encode())
    return buffer.getvalue()


def payout_roster_xlsx(batch: PayoutBatch) -> tuple[bytes, int]:
    """The batch's roster with every line, full values (it goes to the bank); one query, streamed. Returns the
    file and the number of lines."""
    rows = PayoutLine.objects.filter(batch=batch).order_by("seq").values_list(*LINE_FIELDS).iterator(chunk_size=5000)
    counted = _Counted(rows)
    content = roster_xlsx_write(title=batch.title, filled_on=batch.filled_on, lines=counted)
    return content, counted.count


class _Counted:
    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def roster_file_name(batch: PayoutBatch) -> str:
    return f"payout-roster-{batch.pk}-{batch.period_start:%Y%m}-{batch.period_end:%Y%m}.xlsx"
