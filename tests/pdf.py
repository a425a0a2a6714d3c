"""Read the text of the PDFs the portal writes (ReportLab: ASCII85 + Flate streams, UTF-16BE CID strings)."""

from __future__ import annotations

import base64
import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def pdf_text(content: bytes) -> str:
    """Every string shown with the CJK font, one per line, in page order."""
    lines = []
    for stream in re.finditer(rb"stream\r?\n(.*?)~>\s*endstream", content, re.S):
        data = zlib.decompress(base64.a85decode(stream.group(1)))
        for literal in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data, re.S):
            raw = _unescape(literal.group(1))
            if len(raw) % 2 == 0:
                lines.append(raw.decode("utf-16-be", errors="replace"))
    return "\n".join(lines)
