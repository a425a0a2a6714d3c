"""Writes of the policy library (docs/POLICIES.md).

Who writes: county staff the documents of their county, the city association's staff those of their city (or, at a
province node, of their province). Nobody writes a national document through the portal: the national documents
ship with it (policies/migrations/0002_national_documents). Every write checks the role and the area here
(``authorize_manage``), validates the whole row before it is saved, and keeps the search vector in step.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from core.scans import scan_type_check
from policies.models import PolicyDocument, reader_region
from policies.search import tsvector_literal
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User

FILE_MAX_BYTES: int = getattr(settings, "POLICIES_FILE_MAX_BYTES", 20 * 1024 * 1024)

# What a form may set; the level, the area and the status's replacement are the service's.
DOCUMENT_FIELDS = ("title", "issuer", "number", "issued_on", "topic", "summary", "body")

# ---- the document number (文号) ---------------------------------------------------------------------------------

# The brackets people type for the year's 〔〕 (GB/T 9704: the hexagonal brackets), after NFKC folding.
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "(": "〔", ")": "〕", "【": "〔", "】": "〕", "﹝": "〔", "﹞": "〕"})
# 机关代字〔年份〕序号号: 滨卫妇幼字〔2016〕7号, 国人口发〔2007〕78号
_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,20}〔(?P<year>\d{4})〕(?P<seq>[1-9]\d{0,4})号$")
# 令第N号, 公告第N号 (a decree or an announcement numbered without a year)
_ORDER_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,20}第[1-9]\d{0,4}号$")


def number_normalize(value: str, *, issued_on: date | None = None, today: date) -> str:
    """The document number in its written form, or a ValidationError saying what is wrong with it.

    Full-width digits, spaces and the brackets people type for 〔〕 are folded; the year in the brackets is
    neither before 1949 nor after this year, and is the year of the date issued when that is given."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split()).translate(_BRACKETS)
    if not text:
        return ""
    match = _NUMBER.match(text)
    if match is None:
        if _ORDER_NUMBER.match(text):
            return text
        raise ValidationError(
            _("Write the number as the document prints it, such as 滨卫妇幼字〔2016〕7号."), code="number_form"
        )
    year = int(match["year"])
    if not 1949 <= year <= today.year:
        raise ValidationError(
            _("The year %(year)d in the number is not plausible.") % {"year": year}, code="number_year"
        )
    if issued_on is not None and issued_on.year != year:
        raise ValidationError(
            _("The number's year %(year)d is not the year of the date issued (%(date)s).")
            % {"year": year, "date": issued_on.isoformat()},
            code="number_year_date",
        )
    return text


# ---- who manages what ---------------------------------------------------------------------------------------------

# The region level whose documents each managing role writes, by the level of the user's own region.
_LEVEL_OF_REGION: dict[str, str] = {
    Region.Level.COUNTY: PolicyDocument.Level.COUNTY,
    Region.Level.CITY: PolicyDocument.Level.CITY,
    Region.Level.PROVINCE: PolicyDocument.Level.PROVINCE,
}


def managed_area(user: User) -> Region | None:
    """The region whose documents ``user`` writes: a county staff member's county, a city staff member's city (or
    province); None for everyone else (no capability, or a town or village)."""
    region = reader_region(user)
    if region is None or not user.has_capability(Capability.MANAGE_POLICIES):
        return None
    return region if region.level in _LEVEL_OF_REGION else None


def document_may_manage(user: User, document: PolicyDocument) -> bool:
    area = managed_area(user)
    return area is not None and document.area_id == area.pk


def authorize_manage(actor: User, document: PolicyDocument | None = None) -> Region:
    """The actor's managed region (403 without one), and 403 for a document of another area (a national one, the
    province's, a county's for the city)."""
    require_capability(actor, Capability.MANAGE_POLICIES)
    area = managed_area(actor)
    if area is None:
        raise PermissionDenied(_("Only the staff of a county, a city or a province manage its documents."))
    if document is not None and document.area_id != area.pk:
        raise PermissionDenied(_("This document is managed by the area that issued it."))
    return area


# ---- checks -------------------------------------------------------------------------------------------------------


def pdf_check(upload: UploadedFile) -> None:
    """A PDF by its first bytes (core.scans), at most FILE_MAX_BYTES; a JPEG or PNG scan is refused here."""
    if scan_type_check(upload, max_bytes=FILE_MAX_BYTES) != "pdf":
        raise ValidationError(_("The file %(name)s is not a PDF.") % {"name": upload.name}, code="file_type")


def _successor_check(document: PolicyDocument, successor: PolicyDocument | None) -> None:
    """A document is not replaced by itself, nor by one that it (directly or further on) replaces."""
    if successor is None:
        return
    if document.pk is not None and successor.pk == document.pk:
        raise ValidationError({"replaced_by": _("A document cannot be replaced by itself.")})
    seen = {document.pk}
    step: PolicyDocument | None = successor
    while step is not None and step.replaced_by_id is not None:
        if step.replaced_by_id in seen:
            raise ValidationError({"replaced_by": _("That document is itself replaced by this one.")})
        seen.add(step.pk)
        step = PolicyDocument.objects.filter(pk=step.replaced_by_id).first()


def _apply(document: PolicyDocument, data: dict[str, Any], *, today: date, upload: UploadedFile | None) -> None:
    """Set the form's fields on the document and check them all at once (every message, then nothing written)."""
    errors: dict[str, list[str]] = {}
    if upload is not None:
        try:
            pdf_check(upload)
        except ValidationError as exc:
            errors["file"] = exc.messages
    for name in DOCUMENT_FIELDS:
        if name in data:
            value = data[name]
            setattr(document, name, value.strip() if isinstance(value, str) and name != "body" else value)
    if document.issued_on is not None and document.issued_on > today:
        errors["issued_on"] = [_("The date %(date)s is in the future.") % {"date": document.issued_on.isoformat()}]
    try:
        document.number = number_normalize(
            document.number, issued_on=None if "issued_on" in errors else document.issued_on, today=today
        )
    except ValidationError as exc:
        errors["number"] = exc.messages
    if document.number:
        clash = PolicyDocument.objects.filter(number=document.number).exclude(pk=document.pk).first()
        if clash is not None:
            errors.setdefault("number", []).append(
                _("Another document has this number: %(title)s.") % {"title": clash.title}
            )
    if errors:
        raise ValidationError(errors)


def document_index_expression(document: PolicyDocument) -> Cast:
    """The search vector of the document as an SQL value (policies.search: bigrams; the title weighs most)."""
    literal = tsvector_literal(
        [
            (document.title, "A"),
            (f"{document.number} {document.issuer}", "B"),
            (document.summary, "C"),
            (document.body, "D"),
        ]
    )
    return Cast(Value(literal), output_field=SearchVectorField())


def _save(document: PolicyDocument, *, actor: User | None, service: str, upload: UploadedFile | None) -> None:
    if upload is not None:
        document.file_name = (upload.name or "")[:200]
        document.file.save("document.pdf", upload, save=False)
    document.full_clean(exclude=["search_vector"])
    document.search_vector = document_index_expression(document)
    with history_context(actor=actor, service=service):
        try:
            document.save()
        except IntegrityError as exc:  # two writers of one number at once: the unique constraint decides
            raise ValidationError({"number": _("Another document has this number.")}) from exc
    document.refresh_from_db(fields=["search_vector"])


# ---- the writes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *, actor: User, data: dict[str, Any], upload: UploadedFile | None = None, today: date
) -> PolicyDocument:
    """A new document of the actor's own area (its level is the area's), in force."""
    area = authorize_manage(actor)
    document = PolicyDocument(area=area, level=_LEVEL_OF_REGION[area.level], created_by=actor)
    _apply(document, data, today=today, upload=upload)
    _save(document, actor=actor, service="policy_document_create", upload=upload)
    return document


@transaction.atomic
def document_update(
    *,
    actor: User,
    document: PolicyDocument,
    data: dict[str, Any],
    upload: UploadedFile | None = None,
    today: date,
) -> PolicyDocument:
    """Change a document of the actor's area: its words, its file, and its status — in force, repealed, or
    replaced by another document the actor can read (``data["replaced_by"]``)."""
    authorize_manage(actor, document)
    _apply(document, data, today=today, upload=upload)
    status = data.get("status", document.status)
    successor = data.get("replaced_by") if status == PolicyDocument.Status.REPLACED else None
    if status == PolicyDocument.Status.REPLACED and successor is None:
        raise ValidationError({"replaced_by": _("Choose the document that replaces this one.")})
    if successor is not None and not PolicyDocument.objects.visible_to(actor).filter(pk=successor.pk).exists():
        raise ValidationError({"replaced_by": _("Choose a document from the library.")})
    _successor_check(document, successor)
    document.status, document.replaced_by = status, successor
    _save(document, actor=actor, service="policy_document_update", upload=upload)
    return document


@transaction.atomic
def document_replace(
    *,
    actor: User,
    document: PolicyDocument,
    data: dict[str, Any],
    upload: UploadedFile | None = None,
    today: date,
) -> PolicyDocument:
    """A new version of a document of the actor's area: the new one is written in force, the old one is marked
    replaced by it, in one transaction. A document already replaced or repealed is not replaced again."""
    authorize_manage(actor, document)
    if document.status != PolicyDocument.Status.IN_FORCE:
        raise ValidationError(_("Only a document in force can be replaced."))
    new = document_create(actor=actor, data=data, upload=upload, today=today)
    document.status, document.replaced_by = PolicyDocument.Status.REPLACED, new
    document.full_clean(exclude=["search_vector"])
    with history_context(actor=actor, service="policy_document_replace"):
        document.save(update_fields=["status", "replaced_by", "updated_at"])
    return new


def document_file_open(*, actor: User, document: PolicyDocument, request: HttpRequest | None = None) -> IO[bytes]:
    """The document's PDF for a reader of the library; each download is an access event."""
    require_capability(actor, Capability.VIEW_POLICIES)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=document,
        target_label=str(document)[:200],
        region_path=document.area.path if document.area is not None else None,
        request=request,
        detail={"page": "policy_file"},
    )
    return document.file.open("rb")
