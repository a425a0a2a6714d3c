"""The statistical forms in their printed layouts (../shared/REPORTS.md; docs/REPORTS.md §Exports).

A form's sheet: the title "<单位>…" merged over every column; a line naming the unit and the period; the heading rows
of spec (a group heading merged over its columns, a heading whose path is shorter than the form's heading rows
spanning downwards, 单位 spanning every heading row); the column-number row (栏次: 甲, 1, 2 …); one row per unit and
the 合计 row. A4 landscape, fitted to the page's width, the heading rows repeated on every printed page. The
assistance form adds a sheet of persons per category (ID numbers masked: reports.statforms.drill) for the readers
who may see the records behind its cells; the yearly form is also a PDF (ReportLab, its built-in CJK font).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from households.exports import xlsx_safe
from reports.statforms.selectors import Form
from reports.statforms.spec import Column, FormTemplate, Period, PeriodKind, Unit

if TYPE_CHECKING:
    from accounts.models import User

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE_ROW, INFO_ROW, FIRST_HEADING_ROW = 1, 2, 3
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
PDF_FONT = "STSong-Light"  # ReportLab's built-in CID font, as the archive's PDF (households.exports)


def _fmt(period: Period) -> dict[str, str]:
    if period.kind == PeriodKind.MONTH:
        month = f"{period.start.month:02d}"
    elif period.kind == PeriodKind.QUARTER:
        month = period.key.split("-")[1]
    else:
        month = pgettext("report file", "year")
    return {"year": str(period.start.year), "month": month, "period": period.key}


def form_title(template: FormTemplate, unit_name: str, period: Period) -> str:
    return str(template.title) % {"unit": unit_name, **_fmt(period)}


def form_filename(template: FormTemplate, unit_name: str, period: Period, *, extension: str = "xlsx") -> str:
    name = str(template.filename) % {"unit": unit_name, **_fmt(period)}
    return name if extension == "xlsx" else name.rsplit(".", 1)[0] + "." + extension


# ---------------------------------------------------------------------------------------------------- headings


@dataclass(frozen=True)
class Span:
    """A heading cell: its text and the grid it covers (rows and columns counted from the first heading cell)."""

    text: str
    row: int
    col: int
    last_row: int
    last_col: int


def heading_spans(template: FormTemplate) -> list[Span]:
    """The merged heading of a form: 单位 over every heading row; for each heading level, consecutive columns with
    the same path so far share one cell; a column's last heading spans down to the last heading row."""
    depth = template.header_rows
    spans = [Span(pgettext("report heading", "Unit"), 0, 0, depth - 1, 0)]
    paths = [tuple(str(h) for h in column.heading) for column in template.columns]
    for level in range(depth):
        col = 0
        while col < len(paths):
            path = paths[col]
            if len(path) <= level:
                col += 1
                continue
            end = col
            while (
                end + 1 < len(paths)
                and len(paths[end + 1]) > level
                and paths[end + 1][: level + 1] == path[: level + 1]
            ):
                end += 1
            leaf = all(len(paths[c]) == level + 1 for c in range(col, end + 1))
            spans.append(Span(path[level], level, col + 1, depth - 1 if leaf else level, end + 1))
            col = end + 1
    return spans


def column_numbers(template: FormTemplate) -> list[str]:
    """The 栏次 row: 甲 for the unit column, then 1, 2 …"""
    return [pgettext("report column number", "A"), *(str(i) for i in range(1, len(template.columns) + 1))]


def _number(value: Decimal | None, column: Column) -> Any:
    if value is None:
        return None
    if column.unit == Unit.RATE:
        return float(value)
    if column.unit == Unit.YUAN:
        return float(value)
    return int(value) if value == value.to_integral_value() else float(value)


def body_rows(form: Form) -> list[list[Any]]:
    """Every unit's row and the 合计 row, as written (label, then the shown values)."""
    out = []
    for row in form.rows:
        label = pgettext("report row", "Total") if row.is_total else row.label
        out.append([label, *(_number(cell.shown, cell.column) for cell in row.cells)])
    return out


# ---------------------------------------------------------------------------------------------------------- xlsx


def _form_sheet(sheet: Worksheet, form: Form, unit_name: str) -> None:
    template = form.template
    width = len(template.columns) + 1
    last = get_column_letter(width)
    sheet.cell(TITLE_ROW, 1, xlsx_safe(form_title(template, unit_name, form.period))).font = Font(bold=True, size=16)
    sheet.cell(TITLE_ROW, 1).alignment = CENTRE
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    info = _("Reporting unit: %(unit)s    Period: %(period)s") % {"unit": unit_name, "period": form.period.label}
    sheet.cell(INFO_ROW, 1, xlsx_safe(info))
    sheet.merge_cells(f"A{INFO_ROW}:{last}{INFO_ROW}")
    depth = template.header_rows
    for span in heading_spans(template):
        top, left = FIRST_HEADING_ROW + span.row, 1 + span.col
        bottom, right = FIRST_HEADING_ROW + span.last_row, 1 + span.last_col
        cell = sheet.cell(top, left, xlsx_safe(span.text))
        cell.font, cell.alignment = Font(bold=True), CENTRE
        if (top, left) != (bottom, right):
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
    numbers_row = FIRST_HEADING_ROW + depth
    for col, text in enumerate(column_numbers(template), start=1):
        sheet.cell(numbers_row, col, text).alignment = CENTRE
    for r, values in enumerate(body_rows(form), start=numbers_row + 1):
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(r, col, xlsx_safe(value) if col == 1 else value)
            if col > 1:
                column = template.columns[col - 2]
                cell.number_format = (
                    "0.0" if column.unit == Unit.RATE else ("0.00" if column.unit == Unit.YUAN else "0")
                )
                cell.alignment = Alignment(horizontal="right")
        if r == numbers_row + len(form.rows):
            for col in range(1, width + 1):
                sheet.cell(r, col).font = Font(bold=True)
    last_row = numbers_row + len(form.rows)
    for row in sheet.iter_rows(min_row=FIRST_HEADING_ROW, max_row=last_row, max_col=width):
        for cell in row:
            cell.border = BORDER
    sheet.column_dimensions["A"].width = 16
    for col in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 9 if width > 12 else 14
    _print_setup(sheet, first=FIRST_HEADING_ROW, last=numbers_row, width=width, last_row=last_row)


def _print_setup(sheet: Worksheet, *, first: int, last: int, width: int, last_row: int) -> None:
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.print_title_rows = f"{first}:{last}"
    sheet.print_area = f"A1:{get_column_letter(width)}{last_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True
    sheet.freeze_panes = f"B{last + 1}"


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def detail_records_allowed(form: Form, user: User | None) -> bool:
    """Whether ``user`` may have the assistance form's persons' sheets: those who may see the records behind every
    sheet's cell (reports.statforms.drill.may_drill: never a leader or a city user)."""
    from reports.statforms import drill

    sheets = form.template.detail_sheets
    return bool(sheets) and all(
        drill.may_drill(user, form.unit, form.template.column(sheet.column).measure) for sheet in sheets
    )


def detail_records(form: Form, user: User | None) -> dict[str, list[dict[str, Any]]] | None:
    """The assistance form's persons per sheet, for a reader who may see the records (None otherwise: a leader or a
    city user gets the summary only)."""
    from reports.statforms import drill

    if not form.template.detail_sheets:
        return None
    out: dict[str, list[dict[str, Any]]] = {}
    for sheet in form.template.detail_sheets:
        measure = form.template.column(sheet.column).measure
        if not measure or not drill.may_drill(user, form.unit, measure):
            return None
        out[sheet.key] = drill.drill(measure, form.period, form.unit, user).records
    return out


def form_xlsx(form: Form, *, user: User | None, details: dict[str, list[dict[str, Any]]] | None = None) -> bytes:
    """The form as an xlsx workbook; the assistance form's detail sheets when ``details`` is given."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _sheet_title(str(form.template.name))
    _form_sheet(sheet, form, form.unit.name)
    found = details or {}
    for detail in form.template.detail_sheets if details is not None else ():
        ws = workbook.create_sheet(_sheet_title(str(detail.title)))
        headings = [pgettext("report heading", "No."), *(str(label) for _key, label in detail.fields)]
        ws.cell(1, 1, xlsx_safe(f"{form.unit.name} {detail.title} {form.period.label}")).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
        for col, text in enumerate(headings, start=1):
            cell = ws.cell(2, col, text)
            cell.font, cell.alignment, cell.border = Font(bold=True), CENTRE, BORDER
        for i, record in enumerate(found.get(detail.key, []), start=1):
            values = [i, *(record.get(key, "") for key, _label in detail.fields)]
            for col, value in enumerate(values, start=1):
                text = value.isoformat() if hasattr(value, "isoformat") else value
                ws.cell(2 + i, col, xlsx_safe(text)).border = BORDER
        for col in range(1, len(headings) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 6 if col == 1 else 18
        _print_setup(ws, first=2, last=2, width=len(headings), last_row=2 + len(found.get(detail.key, [])))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------------------- pdf


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def form_pdf(form: Form) -> bytes:
    """The form on A4 landscape: the title, the merged heading, the 栏次 row, the units' rows and 合计 (the heading
    repeated on every page)."""
    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle  # type: ignore[import-untyped]

    _register_font()
    template = form.template
    depth = template.header_rows
    small = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=7, leading=9, alignment=1, wordWrap="CJK")
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=15, leading=20, alignment=1, spaceAfter=4)
    info_style = ParagraphStyle("info", fontName=PDF_FONT, fontSize=9, leading=12, spaceAfter=4)

    def p(value: Any) -> Paragraph:
        return Paragraph(escape("" if value is None else str(value)), small)

    width = len(template.columns) + 1
    grid: list[list[Any]] = [["" for _c in range(width)] for _r in range(depth)]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("ALIGN", (1, depth + 1), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, depth), colors.HexColor("#f3f3f3")),
    ]
    for span in heading_spans(template):
        grid[span.row][span.col] = p(span.text)
        if (span.row, span.col) != (span.last_row, span.last_col):
            style.append(("SPAN", (span.col, span.row), (span.last_col, span.last_row)))
    grid.append([p(text) for text in column_numbers(template)])
    for values in body_rows(form):
        grid.append([p(values[0]), *("" if v is None else str(v) for v in values[1:])])
    available = landscape(A4)[0] - 20 * mm
    first = 30 * mm
    table = Table(
        grid,
        colWidths=[first, *([(available - first) / (width - 1)] * (width - 1))],
        repeatRows=depth + 1,
    )
    table.setStyle(TableStyle(style))
    info = _("Reporting unit: %(unit)s    Period: %(period)s") % {"unit": form.unit.name, "period": form.period.label}
    story = [
        Paragraph(escape(form_title(template, form.unit.name, form.period)), title_style),
        Paragraph(escape(info), info_style),
        table,
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=form_title(template, form.unit.name, form.period),
    )
    document.build(story)
    return buffer.getvalue()


__all__ = [
    "XLSX_TYPE",
    "body_rows",
    "column_numbers",
    "detail_records",
    "detail_records_allowed",
    "form_filename",
    "form_pdf",
    "form_title",
    "form_xlsx",
    "heading_spans",
]
