"""Case export (个案输出): the filtered list as xlsx and one household's archive as a PDF.

Both are written masked unless the caller passes full values; the views log every export.

The PDF uses ReportLab's built-in CID font STSong-Light (Adobe-GB1): no font file is shipped or needed,
the PDF viewer supplies the glyphs (every common viewer has the Adobe CJK fallbacks), so the archive
renders on a fresh machine with only Python installed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.sensitivity import visible_values
from households.archive import difficulties_text
from households.models import Household, Member
from households.privacy import mask_id_number, mask_phone

if TYPE_CHECKING:
    from accounts.models import User

# docs/SECURITY.md §Exports: a text cell starting with one of these is a formula (or DDE) to a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_safe(value: Any) -> Any:
    """A text value that a spreadsheet would run is written as text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _member_values(member: Member, *, full_values: bool, today: date) -> list[Any]:
    id_number = member.id_number or ""
    phone = member.phone or ""
    return [
        member.name,
        member.get_role_display(),
        member.get_sex_display(),
        member.age(on=today),
        id_number if full_values else mask_id_number(id_number),
        phone if full_values else mask_phone(phone),
        _("Alive") if member.alive else _("Deceased"),
        member.get_self_care_display(),
    ]


def household_list_xlsx(
    *, households: Iterable[Household], full_values: bool, today: date, user: User | None = None
) -> bytes:
    """One row per member (the layout counties keep, docs/ROSTER.md §Layouts, 1), household columns repeated;
    sensitive values as ``user`` may see them (accounts.sensitivity; no user: nothing sensitive)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Households"))
    header = [
        _("Household number"),
        _("Town/street"),
        _("Village/community"),
        _("Family type"),
        _("Status"),
        _("Certificate number"),
        _("Address"),
        _("Living situation"),
        _("Registered poverty household"),
        _("Subsistence allowance"),
        _("Main difficulties"),
        _("Date registered"),
        _("Name"),
        _("Role in the family"),
        _("Sex"),
        _("Age"),
        _("ID number"),
        _("Phone"),
        _("Alive"),
        _("Self-care ability"),
    ]
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for household in households:
        village = household.village
        base = [
            household.number,
            village.parent.name if village and village.parent_id else "",
            village.name if village else "",
            household.get_family_type_display(),
            household.get_status_display(),
            household.certificate_number,
            household.address,
            household.get_living_situation_display(),
            _("Yes") if household.poverty_registered else _("No"),
            _("Yes") if household.subsistence_allowance else _("No"),
            difficulties_text(visible_values(user, Household, "difficulties", household.difficulties)),
            household.registered_on,
        ]
        members = household.member_list or [None]
        for member in members:
            values = base + (_member_values(member, full_values=full_values, today=today) if member else [""] * 8)
            sheet.append([xlsx_safe(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_FONT = "STSong-Light"
# A cell of a many-column table longer than this is printed below its table as a numbered note at full width: in
# a narrow column a long text (a visit's needs) would run over dozens of pages, one sliver per page.
LONG_CELL_CHARS = 300
# Long texts are laid out in pieces of about this many characters: a paragraph is re-wrapped whole each time it
# is split at a page end, so one 20,000-character paragraph would cost that many characters per page.
_PIECE_CHARS = 1500


def _long_cells_as_notes(
    rows: list[list[Any]], *, header: list[str] | None
) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """The rows with each long cell replaced by a pointer, and the notes (title, text) it points to. A note is
    titled by the cell's column and the row's first cell, or, in a key/value table (no header), by the key."""
    cells: list[list[Any]] = []
    notes: list[tuple[str, str]] = []
    for row in rows:
        shown = []
        for column, value in enumerate(row):
            text = str(value if value is not None else "")
            if len(text) <= LONG_CELL_CHARS:
                shown.append(value)
                continue
            number = len(notes) + 1
            shown.append(_("See note %(n)d below the table.") % {"n": number})
            if header is None:
                title = _("Note %(n)d: %(column)s") % {"n": number, "column": row[0]}
            else:
                column_title = header[column] if column < len(header) else ""
                title = _("Note %(n)d: %(column)s, %(row)s") % {"n": number, "column": column_title, "row": row[0]}
            notes.append((title, text))
        cells.append(shown)
    return cells, notes


def _pieces(text: str) -> list[str]:
    """A long text as its lines, each line longer than a piece cut into pieces, blank lines dropped. A cut falls
    between two characters and starts a new paragraph; CJK text wraps anywhere, so only the line ends move."""
    pieces: list[str] = []
    for line in text.splitlines():
        pieces.extend(line[i : i + _PIECE_CHARS] for i in range(0, len(line), _PIECE_CHARS))
    return pieces


# The members table of the PDF: relative widths of name, role, sex, age, ID number, phone, alive, self-care and
# health. Role, sex and age stay on one line ("87" and "性别" wrapped a character a line in a column of one part in
# 27), each as wide as its widest cell, header included.
MEMBER_WIDTHS = (3, 2, 1, 1, 5, 4, 3, 3, 5)
MEMBER_ONE_LINE_COLUMNS = (1, 2, 3)
# ReportLab's default padding of a table cell, left plus right, in points (and one more, for rounding).
_CELL_PADDING = 13.0
# A run of characters a line does not break: Latin letters, digits and signs between spaces or CJK characters
# (the cells wrap CJK text anywhere, and a Latin word where it has to: "Husba-nd" unless the column holds it).
_WORD = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def column_widths(
    rows: list[list[Any]],
    parts: Iterable[float],
    *,
    total: float,
    one_line: Iterable[int] = (),
    font_size: float,
) -> list[float]:
    """The widths (points) of a table's columns, summing to ``total``: shared in proportion to ``parts``, but each
    column at least as wide as its longest word (a column of ``one_line``: its longest cell) in the PDF's font, plus
    the cell padding, and no such minimum over a quarter of the table."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_font()
    parts = list(parts)
    whole = set(one_line)

    def width(text: str) -> float:
        return stringWidth(text, _FONT, font_size)

    need = []
    for column in range(len(parts)):
        texts = [str(row[column]) for row in rows if column < len(row) and row[column] not in (None, "")]
        if column in whole:
            widest = max((width(text) for text in texts), default=0.0)
        else:
            widest = max((width(word) for text in texts for word in _WORD.findall(text)), default=font_size)
            widest = max(widest, font_size if texts else 0.0)  # one CJK character
        need.append(min(widest + _CELL_PADDING, total / 4))
    # The columns whose share would be under their need get their need; the others share the rest; again until none.
    fixed: dict[int, float] = {}
    while True:
        left = total - sum(fixed.values())
        shared = sum(part for column, part in enumerate(parts) if column not in fixed)
        short = [
            column
            for column, part in enumerate(parts)
            if column not in fixed and (shared <= 0 or left * part / shared < need[column])
        ]
        if not short or left <= 0:
            break
        for column in short:
            fixed[column] = need[column]
    if left <= 0 or shared <= 0:  # the needs alone fill the table: each gets its share of them
        return [total * n / sum(need) for n in need]
    return [fixed[column] if column in fixed else left * part / shared for column, part in enumerate(parts)]


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def household_archive_pdf(
    *,
    household: Household,
    sections: list[tuple[str, list[tuple[str, str]]]],
    members_table: list[list[str]],
    title: str,
    footer: str,
    tables: Iterable[tuple[str, list[list[str]], str, list[int] | None]] = (),
) -> bytes:
    """An A4 PDF of one household: key/value sections, the members table, then the other apps' tables
    (title, rows with a header row first, what to say when there is no row, relative column widths or None).
    Values arrive masked."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    base = ParagraphStyle("base", fontName=_FONT, fontSize=10, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
    heading = ParagraphStyle("heading", parent=base, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    title_style = ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=6)
    note_heading = ParagraphStyle("note", parent=base, fontSize=9, leading=13, spaceBefore=4, textColor="#555555")

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)

    def notes_flowables(notes: list[tuple[str, str]]) -> list[Any]:
        flowables = []
        for note_title, text in notes:
            flowables.append(p(note_title, note_heading))
            flowables.extend(Paragraph(escape(piece), base) for piece in _pieces(text))
        return flowables

    story: list[Any] = [p(title, title_style)]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
        ]
    )
    for section_title, rows in sections:
        story.append(p(section_title, heading))
        cells, notes = _long_cells_as_notes([list(row) for row in rows], header=None)
        # splitInRow: a value taller than what is left of the page continues on the next one.
        table = Table([[p(k), p(v)] for k, v in cells], colWidths=[45 * mm, 135 * mm], splitInRow=1)
        table.setStyle(grid)
        story.append(table)
        story.extend(notes_flowables(notes))
    header_grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ]
    )
    member_widths = column_widths(
        members_table, MEMBER_WIDTHS, total=180 * mm, one_line=MEMBER_ONE_LINE_COLUMNS, font_size=small.fontSize
    )
    for table_title, rows, empty, widths in [(_("Members"), members_table, "", member_widths), *tables]:
        story.append(p(table_title, heading))
        if len(rows) > 1:
            col_widths = [180 * mm * w / sum(widths) for w in widths] if widths else None
            body, notes = _long_cells_as_notes(rows[1:], header=rows[0])
            table = Table(
                [[p(cell, small) for cell in row] for row in [rows[0], *body]],
                colWidths=col_widths,
                repeatRows=1,
                splitInRow=1,
            )
            table.setStyle(header_grid)
            story.append(table)
            story.extend(notes_flowables(notes))
        else:
            story.append(p(empty, small))
    story.append(Spacer(1, 6 * mm))
    story.append(p(footer, small))

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 8)
        # Not "·": the built-in CID font (STSong-Light) has no glyph for U+00B7.
        label = _("%(number)s, page %(page)d") % {"number": household.number, "page": doc.page}
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, label)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=household.number,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
