"""Scans uploaded as proofs and documents (a death certificate, a claim's invoice, a hospital's rules): PDF, JPEG or
PNG, recognised by their first bytes — never by the file's name — and at most a size each caller sets.

The one check every app uses (the annual review's proofs, insurance documents, medical institutions' rules)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext

# extension → (first bytes, content type)
SCAN_TYPES: dict[str, tuple[bytes, str]] = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
}


def scan_type_check(upload: UploadedFile, *, max_bytes: int) -> str:
    """The file's real type (pdf, jpg, png) by its first bytes, or a ValidationError (too large, not a scan)."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            gettext("The file %(name)s is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for extension, (magic, _content_type) in SCAN_TYPES.items():
        if head.startswith(magic):
            return extension
    raise ValidationError(
        gettext("The file %(name)s is not a PDF, JPEG or PNG scan.") % {"name": upload.name}, code="file_type"
    )


def scan_content_type(name: str | None) -> str:
    """The content type of a stored scan, by the extension it was stored under (the checked type's)."""
    extension = (name or "").rsplit(".", 1)[-1].lower()
    return SCAN_TYPES.get(extension, (b"", "application/octet-stream"))[1]


def _help_text(max_bytes: int) -> str:
    return gettext("A scan as PDF, JPEG or PNG, at most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)}


# A form field's help text, said when shown in the reader's language (formatted at import it would be frozen).
scan_help_text = lazy(_help_text, str)
