"""Chinese full-text search without a Chinese word segmenter (docs/POLICIES.md §Search).

PostgreSQL here has no zhparser or pg_jieba, and its own parser does not split Chinese into words. We index the way
Lucene's CJKAnalyzer does: every run of Chinese characters becomes its overlapping character **bigrams**
("特别扶助" → 特别 别扶 扶助) and its single characters (for a one-character query); every run of Latin letters and
digits becomes one **word** ("2016", "pdf"); and a word that touches a Chinese character on either side also
gives the pair joined ("7号", "第3"), so a document number's "〔2016〕7号" is found by "2016" and by "7号" and not
by "78号". A query is cut the same way and its terms are AND-ed: every bigram of the query must occur in the
document, in any order and at any distance. The text is folded first (NFKC: full-width digits and letters become
ASCII; lower case).

The terms are written as a ``tsvector`` literal (never through a text-search configuration, whose parser would
split the text again by the database's locale), with weights: the title A, the number and issuer B, the summary C,
the full text D; a query is a ``tsquery`` literal. Both are built here, in one place, so the index and the query
can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from django.contrib.postgres.search import SearchQuery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The CJK Unified Ideographs, extension A and the compatibility ideographs: the characters written as bigrams.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[0-9a-z]+)")

# PostgreSQL keeps at most 256 positions of a lexeme and positions up to 16383 (larger ones are clamped).
_MAX_POSITIONS = 256
_MAX_POSITION = 16383


def fold(text: str) -> str:
    """The text as the index reads it, one character for one (so a match's offsets are the original's): each
    character NFKC-normalised when that gives one character (full-width "２０１６" → "2016"), lower case."""
    out = []
    for char in text:
        normal = unicodedata.normalize("NFKC", char)
        out.append((normal if len(normal) == 1 else char).lower())
    return "".join(out)


def _terms(text: str, *, query: bool) -> Iterator[str]:
    """The terms of ``text`` in order. A document gives every character and every bigram of a Chinese run; a
    query gives a run's bigrams only (its single character when the run is one character long)."""
    runs = list(_RUN.finditer(fold(text)))
    for i, run in enumerate(runs):
        cjk = run.group("cjk")
        if cjk:
            if len(cjk) == 1 or not query:
                for j, char in enumerate(cjk):
                    yield char
                    if j + 1 < len(cjk):
                        yield cjk[j : j + 2]
            else:
                for j in range(len(cjk) - 1):
                    yield cjk[j : j + 2]
            continue
        word = run.group("word")
        before = runs[i - 1] if i > 0 else None
        after = runs[i + 1] if i + 1 < len(runs) else None
        if before is not None and before.group("cjk") and before.end() == run.start():
            yield before.group("cjk")[-1] + word
        yield word
        if after is not None and after.group("cjk") and after.start() == run.end():
            yield word + after.group("cjk")[0]


def document_terms(text: str) -> list[str]:
    return list(_terms(text, query=False))


def query_terms(text: str) -> list[str]:
    """The query's distinct terms, in order."""
    return list(dict.fromkeys(_terms(text, query=True)))


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(fields: Iterable[tuple[str, str]]) -> str:
    """A ``tsvector`` literal of ``(text, weight)`` pairs ("A" to "D"): each term with its positions and weight."""
    positions: dict[str, list[str]] = {}
    position = 0
    for text, weight in fields:
        for term in _terms(text or "", query=False):
            position = min(position + 1, _MAX_POSITION)
            found = positions.setdefault(term, [])
            if len(found) < _MAX_POSITIONS:
                found.append(f"{position}{weight}")
    return " ".join(f"{_quote(term)}:{','.join(places)}" for term, places in positions.items())


def tsquery_literal(text: str) -> str:
    """The query as a ``tsquery`` literal: its terms AND-ed; "" when it has none (punctuation only)."""
    return " & ".join(_quote(term) for term in query_terms(text))


class LiteralSearchQuery(SearchQuery):
    """A ``tsquery`` given as a literal (``'特别' & '扶助'``), read by ``::tsquery``: no configuration, no parser."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal, search_type="raw")
        self.literal = literal

    def as_sql(self, compiler, connection, **extra_context):
        return "%s::tsquery", [self.literal]


# ---- the snippet -------------------------------------------------------------------------------------------------


def _spans(folded: str, terms: list[str]) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, query: str, *, width: int = 90) -> SafeString:
    """About ``width`` characters of ``text`` around the first place the query's terms occur, each occurrence in
    ``<mark>``; the start of the text when none occurs. Escaped: the text is the staff's, never trusted as HTML.

    Not PostgreSQL's ts_headline: its parser cuts Chinese into whole runs, which never equal a bigram."""
    text = " ".join((text or "").split())
    spans = _spans(fold(text), query_terms(query))
    start = 0
    if spans:
        start = max(0, spans[0][0] - width // 3)
    end = min(len(text), start + width)
    parts = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[cursor:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    # Every piece of the text above is escaped.
    return mark_safe("".join(parts))
