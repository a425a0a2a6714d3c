"""Charts as server-side SVG: no script, no CDN, no style attribute (CSP style-src 'self'): presentation
attributes only."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

BRAND = "#9b2c2c"
TRACK = "#eceff3"
INK = "#1f2933"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def bar_chart(rows: list[tuple[str, float | None]], *, title: str) -> SafeString:
    """Horizontal bars, one per row (label, share 0–1): readable on a phone."""
    bar_h, gap, label_w, bar_w, pct_w = 18, 8, 110, 180, 44
    width = label_w + bar_w + pct_w
    height = max(len(rows), 1) * (bar_h + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = i * (bar_h + gap)
        filled = 0 if value is None else round(bar_w * max(0.0, min(1.0, value)))
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="12" fill="{INK}">{escape(label[:10])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" rx="3" fill="{TRACK}"/>'
            f'<rect x="{label_w}" y="{y}" width="{filled}" height="{bar_h}" rx="3" fill="{BRAND}"/>'
            f'<text x="{label_w + bar_w + 4}" y="{y + 13}" font-size="12" fill="{INK}">{_pct(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _empty(title: str) -> SafeString:
    """No month to draw: a line saying so. (An SVG of no column is 28 units wide, and width 100 % then stretches it
    to thousands of pixels high.)"""
    text = gettext("No figures yet.")  # outside the f-string: makemessages does not look inside one
    return mark_safe(f'<p class="muted" data-chart-empty title="{escape(title)}">{escape(text)}</p>')


def _month_columns(bars: list[tuple[str, float, str]], *, title: str) -> SafeString:
    """Vertical bars over the months: (key "YYYY-MM", height 0–1, the bar's text). Each bar is labelled with its
    month; the year stands under the first month and under every January."""
    if not bars:
        return _empty(title)
    col, gap, plot_h, top, bottom = 22, 6, 100, 14, 28
    width = len(bars) * (col + gap)
    height = top + plot_h + bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (key, share, text) in enumerate(bars):
        x = i * (col + gap)
        h = round(plot_h * max(0.0, min(1.0, share)))
        parts.append(
            f'<rect x="{x}" y="{top}" width="{col}" height="{plot_h}" fill="{TRACK}"/>'
            f'<rect x="{x}" y="{top + plot_h - h}" width="{col}" height="{h}" fill="{BRAND}">'
            f"<title>{escape(key)}: {escape(text)}</title></rect>"
            f'<text x="{x + col / 2}" y="{top - 3}" font-size="8" text-anchor="middle" fill="{INK}">'
            f"{escape(text)}</text>"
            f'<text x="{x + col / 2}" y="{height - 15}" font-size="9" text-anchor="middle" fill="{INK}">'
            f"{escape(key[-2:])}</text>"
        )
        if i == 0 or key[:4] != bars[i - 1][0][:4]:
            parts.append(
                f'<text x="{x + col / 2}" y="{height - 3}" font-size="9" text-anchor="middle" fill="{INK}" '
                f'data-year="{escape(key[:4])}">{escape(key[:4])}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def trend_chart(points: list[tuple[str, float | None]], *, title: str) -> SafeString:
    """Vertical bars over the months (key "YYYY-MM", share 0–1), twelve months across a new year reading 2025 05 …
    12, 2026 01 … 04; each bar's tooltip says "2025-12: 80%"."""
    return _month_columns([(key, value or 0.0, _pct(value)) for key, value in points], title=title)


def count_chart(points: list[tuple[str, int]], *, title: str) -> SafeString:
    """Vertical bars of counts over the months (key "YYYY-MM"), scaled to the largest; each bar says its count."""
    most = max((n for _, n in points), default=0) or 1
    return _month_columns([(key, n / most, str(n)) for key, n in points], title=title)
