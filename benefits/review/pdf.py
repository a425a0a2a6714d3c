"""The public notice (公示) as an A4 PDF: ReportLab and its built-in CID font, as the household archive's PDF
(households.exports): no font file shipped."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:
    from benefits.review.selectors import Notice

_FONT = "STSong-Light"


def notice_pdf(notice: Notice) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    base = ParagraphStyle("base", fontName=_FONT, fontSize=11, leading=16, wordWrap="CJK")
    title_style = ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1, spaceAfter=8)

    def p(text: object, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    story: list = [p(title_heading(notice), title_style), p(intro_text(notice)), Spacer(1, 4 * mm)]
    header = [_("No."), _("Name"), _("Village/community"), pgettext("benefits", "Scheme"), _("Monthly amount (yuan)")]
    rows = [header] + [
        [str(i), r.name, r.village, r.scheme_label, f"{r.amount:.2f}" if r.amount is not None else "—"]
        for i, r in enumerate(notice.rows, 1)
    ]
    if notice.rows:
        table = Table(
            [[p(c) for c in row] for row in rows], colWidths=[12 * mm, 35 * mm, 40 * mm, 58 * mm, 35 * mm], repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    else:
        story.append(p(_("No person of this village has been confirmed in this annual review yet.")))
    story += [Spacer(1, 6 * mm), p(period_text(notice)), p(objection_text())]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=title_heading(notice),
    ).build(story)
    return buffer.getvalue()


def title_heading(notice: Notice) -> str:
    return _("Public notice of family-planning assistance %(year)d — %(village)s") % {
        "year": notice.cycle.year,
        "village": notice.village.name,
    }


def intro_text(notice: Notice) -> str:
    return _(
        "After the annual review by the village, the town and the county, the following persons are confirmed for "
        "%(year)d. The amount is per person per month from %(month)s."
    ) % {"year": notice.cycle.year, "month": notice.month.strftime("%Y-%m")}


def period_text(notice: Notice) -> str:
    if notice.cycle.notice_from is None:
        return _("The notice period is not set yet.")
    return _("Public notice from %(from)s to %(to)s (%(days)d days).") % {
        "from": notice.cycle.notice_from.isoformat(),
        "to": notice.notice_to.isoformat() if notice.notice_to else "",
        "days": notice.cycle.notice_days,
    }


def objection_text() -> str:
    return _("Anyone who disagrees may tell the town or county family-planning association during the notice period.")
