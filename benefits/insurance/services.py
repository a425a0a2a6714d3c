"""Writes of insurance (docs/BENEFITS.md §Insurance): products and their renewal, the set-based enrolment, claims
with their checklist, steps and benefit, and the follow-up of missing documents.

Every service checks the capability and the area itself (``authorize``) and writes inside ``history_context``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.insurance.benefit import Cover, Event, benefit_compute, stay_days
from benefits.models import (
    ClaimDocument,
    ClaimStep,
    EnrolmentRun,
    InsuranceClaim,
    InsuranceProduct,
    InsuredLine,
)
from core.db import advisory_xact_lock
from core.scans import scan_content_type, scan_type_check
from households import validation
from households.models import Member
from regions.models import Region

if TYPE_CHECKING:
    from django.http import HttpRequest

State = InsuranceClaim.State
Doc = ClaimDocument.Kind

# Scans and policy documents: PDF, JPEG or PNG, recognised by their first bytes (never by the name).
FILE_MAX_BYTES: int = getattr(settings, "INSURANCE_FILE_MAX_BYTES", 10 * 1024 * 1024)
# A claim is reported within 48 hours of the event: by the end of the second day after the event's day (the
# portal knows the event's day, not its hour).
REPORT_WITHIN_DAYS = 2
# A hospital visit (住院探望) with no claim of a stay after this many days is shown to county staff.
UNCLAIMED_STAY_DAYS: int = getattr(settings, "INSURANCE_UNCLAIMED_STAY_DAYS", 14)

# The document checklist per claim type (docs/BENEFITS.md §Insurance).
BASE_DOCUMENTS = (Doc.ID_CARD, Doc.BANK_ACCOUNT, Doc.POLICY, Doc.ACCOUNT)
KIND_DOCUMENTS: dict[str, tuple[str, ...]] = {
    InsuranceClaim.Kind.HOSPITAL: (Doc.INVOICE, Doc.COST_LIST, Doc.DISCHARGE, Doc.MEDICAL_RECORD),
    InsuranceClaim.Kind.ACCIDENT: (Doc.MEDICAL_RECORD, Doc.DISABILITY_ASSESSMENT),
    InsuranceClaim.Kind.DEATH: (Doc.DEATH_CERTIFICATE,),
    InsuranceClaim.Kind.MAJOR_DISEASE: (Doc.DIAGNOSIS, Doc.MEDICAL_RECORD),
}

# The moves a claim may make, and who makes them.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # action: (from states, capability)
    "collect": ((State.REPORTED,), Capability.REPORT_CLAIMS),
    "submit": ((State.REPORTED, State.COLLECTING, State.MORE_DOCUMENTS), Capability.MANAGE_INSURANCE),
    "ask": ((State.SUBMITTED,), Capability.MANAGE_INSURANCE),
    "pay": ((State.SUBMITTED,), Capability.MANAGE_INSURANCE),
    "reject": ((State.SUBMITTED, State.MORE_DOCUMENTS), Capability.MANAGE_INSURANCE),
    "withdraw": ((State.REPORTED, State.COLLECTING, State.SUBMITTED, State.MORE_DOCUMENTS), Capability.REPORT_CLAIMS),
}

PRODUCT_FIELDS = (
    "year",
    "name",
    "insurer",
    "policy_number",
    "starts_on",
    "ends_on",
    "premium",
    "family_type",
    "age_from",
    "age_to",
    "daily_allowance",
    "icu_daily_allowance",
    "max_days_per_stay",
    "max_days_per_year",
    "max_days_total",
    "death_sum",
    "accidental_death_sum",
    "disability_sum",
    "major_disease_sum",
    "major_disease_count",
    "waiting_days",
    "hospital_grade_floor",
    "note",
)


# ------------------------------------------------------------------------------------------------------- files


def file_type_check(upload: UploadedFile) -> str:
    """The file's real type (pdf, jpg, png) by its first bytes, or a ValidationError; never by its name."""
    return scan_type_check(upload, max_bytes=FILE_MAX_BYTES)


def file_content_type(name: str) -> str:
    return scan_content_type(name)


# ---------------------------------------------------------------------------------------------------- products


def _series_overlap(product: InsuranceProduct) -> InsuranceProduct | None:
    """Another product of the same line whose period overlaps this one's (a person would be covered twice)."""
    if product.series is None:
        return None
    return (
        InsuranceProduct.objects.filter(
            series=product.series, starts_on__lte=product.ends_on, ends_on__gte=product.starts_on
        )
        .exclude(pk=product.pk)
        .first()
    )


def _product_apply(product: InsuranceProduct, data: dict[str, Any]) -> None:
    for name in PRODUCT_FIELDS:
        if name in data:
            value = data[name]
            setattr(product, name, validation.clean_text(value) if isinstance(value, str) else value)
    for name in ("family_type", "hospital_grade_floor", "policy_number", "note"):
        if getattr(product, name) is None:
            setattr(product, name, "")
    errors: dict[str, list[Any]] = {}
    if product.starts_on and product.ends_on and product.ends_on < product.starts_on:
        errors.setdefault("ends_on", []).append(_("The cover ends before it starts."))
    if product.age_from is not None and product.age_to is not None and product.age_to < product.age_from:
        errors.setdefault("age_to", []).append(_("The upper age is below the lower age."))
    if product.starts_on and product.year and product.starts_on.year not in (product.year - 1, product.year):
        errors.setdefault("starts_on", []).append(_("The cover should start in the policy year."))
    has_allowance = bool(product.daily_allowance)
    has_lump_sum = any(
        getattr(product, n) for n in ("death_sum", "accidental_death_sum", "disability_sum", "major_disease_sum")
    )
    if not has_allowance and not has_lump_sum:
        errors.setdefault("daily_allowance", []).append(
            _("Enter what the product pays: a hospital allowance per day or a lump sum.")
        )
    for cap in ("max_days_per_stay", "max_days_per_year", "max_days_total"):
        if getattr(product, cap) is not None and not has_allowance:
            errors.setdefault(cap, []).append(_("A day cap needs a hospital allowance per day."))
    if errors:
        raise ValidationError(errors)
    # Not "series": its two constraints (insuranceproduct_no_overlap, insuranceproduct_policy) are the database's
    # backstop; the overlap is said in words by _product_save.
    product.full_clean(exclude=["county", "created_by", "renews", "document", "series"])


def _document_attach(product: InsuranceProduct, document: UploadedFile | None) -> None:
    if document is None:
        return
    extension = file_type_check(document)
    product.document_name = (document.name or "")[-200:]
    product.document.save(f"policy.{extension}", document, save=False)


def _product_save(product: InsuranceProduct) -> None:
    clash = _series_overlap(product)
    if clash is not None:
        raise ValidationError(
            {"starts_on": _("The cover overlaps %(other)s of the same product line.") % {"other": clash}}
        )
    product.save()
    if product.series is None:
        product.series = product.pk
        product.save(update_fields=["series"])


@transaction.atomic
def product_create(
    *, actor: User, county: Region, data: dict[str, Any], document: UploadedFile | None = None
) -> InsuranceProduct:
    authorize(actor, Capability.MANAGE_INSURANCE, within=county.path)
    product = InsuranceProduct(county=county, created_by=actor)
    _product_apply(product, data)
    _document_attach(product, document)
    with history_context(actor=actor, service="insurance_product_create"):
        _product_save(product)
    return product


@transaction.atomic
def product_update(
    *, actor: User, product: InsuranceProduct, data: dict[str, Any], document: UploadedFile | None = None
) -> InsuranceProduct:
    authorize(actor, Capability.MANAGE_INSURANCE, within=product.county.path)
    _product_apply(product, data)
    if product.lines.filter(Q(starts_on__lt=product.starts_on) | Q(ends_on__gt=product.ends_on)).exists():
        raise ValidationError({"starts_on": _("Enrolled persons are covered outside these dates. Keep the dates.")})
    _document_attach(product, document)
    with history_context(actor=actor, service="insurance_product_update"):
        _product_save(product)
        # Lines still running to the policy's end follow a changed end date.
        product.lines.filter(end_reason="").update(ends_on=product.ends_on, updated_at=timezone.now())
    return product


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def product_renewal_initial(product: InsuranceProduct) -> dict[str, Any]:
    """Next year's product as this year's, its dates one year on (what the renewal form starts from)."""
    data = {name: getattr(product, name) for name in PRODUCT_FIELDS}
    data.update(
        year=product.year + 1,
        starts_on=_next_year(product.starts_on),
        ends_on=_next_year(product.ends_on),
        policy_number="",
    )
    return data


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


def _display(product: InsuranceProduct, name: str, value: Any) -> Any:
    field = InsuranceProduct._meta.get_field(name)
    if isinstance(field, models.Field) and field.choices:
        return dict(field.flatchoices).get(value, value) or "—"
    return "—" if value in (None, "") else value


def _verbose_name(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, models.Field) else name


def product_renewal_changes(product: InsuranceProduct, data: dict[str, Any]) -> list[Change]:
    """What the renewal changes against this year's product, field by field (the page before saving)."""
    changes = []
    for name in PRODUCT_FIELDS:
        before, after = getattr(product, name), data.get(name)
        if (before in (None, "")) and (after in (None, "")):
            continue
        if before != after:
            label = _verbose_name(InsuranceProduct, name)
            changes.append(Change(name, label, _display(product, name, before), _display(product, name, after)))
    return changes


@transaction.atomic
def product_renew(
    *, actor: User, product: InsuranceProduct, data: dict[str, Any], document: UploadedFile | None = None
) -> InsuranceProduct:
    """Next year's product from this one (the same product line: the "in all" cap and the waiting period carry)."""
    authorize(actor, Capability.MANAGE_INSURANCE, within=product.county.path)
    if InsuranceProduct.objects.filter(renews=product).exists():
        raise ValidationError(_("This product has already been renewed."), code="renewed")
    renewal = InsuranceProduct(county=product.county, created_by=actor, renews=product, series=product.series)
    _product_apply(renewal, data)
    if renewal.starts_on <= product.ends_on:
        raise ValidationError({"starts_on": _("The renewal must start after this product's cover ends.")})
    if document is not None:
        _document_attach(renewal, document)
    elif product.document:
        renewal.document = product.document.name
        renewal.document_name = product.document_name
    with history_context(actor=actor, service="insurance_product_renew"):
        _product_save(renewal)
    return renewal


def product_document_open(*, actor: User, product: InsuranceProduct, request: HttpRequest | None = None):
    """The policy document, to a user of the county with an insurance role; logged."""
    if not (actor.has_capability(Capability.MANAGE_INSURANCE) or actor.has_capability(Capability.REPORT_CLAIMS)):
        authorize(actor, Capability.MANAGE_INSURANCE)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=product,
        target_label=str(product),
        region_path=product.county.path,
        request=request,
        detail={"insurance_policy_document": product.pk},
    )
    return product.document.open("rb")


# --------------------------------------------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class EnrolmentCount:
    added: int
    ended: int
    restored: int
    removed: int


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def eligibility_sql(product: InsuranceProduct, on: date) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over ``m`` members and ``h`` households) of the persons ``product`` covers on ``on``:
    living members of the county's active households of its family type, in its age band on that day."""
    clauses = [
        "h.county_id = %(county)s",
        "h.status = 'active'",
        "m.alive",
        "m.death_date IS NULL",
    ]
    params: dict[str, Any] = {"county": product.county_id}
    if product.family_type:
        clauses.append("h.family_type = %(family_type)s")
        params["family_type"] = product.family_type
    if product.age_from is not None:
        # age on ``on`` ≥ age_from ⟺ born on or before the day ``age_from`` years earlier (Member.age's rule)
        clauses.append("m.birth_date <= %(born_by)s")
        params["born_by"] = _years_before(on, product.age_from)
    if product.age_to is not None:
        clauses.append("m.birth_date > %(born_after)s")
        params["born_after"] = _years_before(on, product.age_to + 1)
    return " AND ".join(clauses), params


_END_SQL = """
WITH facts AS (
    SELECT l.id, l.starts_on, l.ends_on AS old_end, l.end_reason AS old_reason,
           CASE WHEN NOT m.alive OR m.death_date IS NOT NULL THEN COALESCE(m.death_date, %(as_of)s) END AS died,
           CASE WHEN h.status = 'closed' THEN h.closed_on END AS closed,
           CASE WHEN h.county_id <> %(county)s THEN COALESCE(
               (SELECT max((t.decided_at AT TIME ZONE %(tz)s)::date) FROM households_householdtransfer t
                 WHERE t.household_id = h.id AND t.status = 'accepted' AND t.from_county_id = %(county)s),
               %(as_of)s) END AS moved
      FROM benefits_insuredline l
      JOIN households_member m ON m.id = l.member_id
      JOIN households_household h ON h.id = m.household_id
     WHERE l.product_id = %(product)s
), target AS (
    SELECT id, starts_on, old_end, old_reason,
           LEAST(%(policy_end)s, died, closed, moved) AS new_end,
           CASE WHEN LEAST(%(policy_end)s, died, closed, moved) = %(policy_end)s
                     AND died IS NULL AND closed IS NULL AND moved IS NULL THEN ''
                WHEN died = LEAST(%(policy_end)s, died, closed, moved) THEN 'died'
                WHEN closed = LEAST(%(policy_end)s, died, closed, moved) THEN 'closed'
                ELSE 'moved' END AS new_reason
      FROM facts
)
"""


def enrolment_write(product: InsuranceProduct, as_of: date) -> EnrolmentCount:
    """The enrolment of ``product`` brought up to ``as_of``, set-based (four statements, whatever the county's size):

    1. lines of persons who died, whose household closed or moved out of the county end on that day (the death
       date, the closing date, the transfer's day); a line whose cause went away (a correction) runs on again;
    2. lines that would end before they start (died before the cover began) and hold no claim are removed;
    3. before the cover starts, lines of persons no longer eligible on its first day are removed;
    4. every person eligible on the later of the policy's start and ``as_of`` and not yet enrolled is added, from
       that day (a person who became eligible mid-year is covered from the run that finds them: insurers do not
       cover back-dated days) to the policy's end.

    The oracle in tests/benefits/test_insurance_enrolment.py recomputes the lines person by person.
    """
    counts = {"added": 0, "ended": 0, "restored": 0, "removed": 0}
    base: dict[str, Any] = {
        "product": product.pk,
        "county": product.county_id,
        "as_of": as_of,
        "policy_end": product.ends_on,
        "tz": settings.TIME_ZONE,
    }
    with connection.cursor() as cursor:
        # Every statement below reads all the product's lines (or all the county's persons): hash joins, whatever the
        # statistics say — right after an enrolment (autovacuum off or not yet round) the planner believes the
        # product has no lines and probes the person and household indexes once per line. The sort by person (the
        # lines go in in index order) fits in memory. Both reset at the end (the caller's transaction goes on).
        cursor.execute("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '64MB'")
        cursor.execute(
            _END_SQL
            + """
            , removed AS (
                DELETE FROM benefits_insuredline l USING target t
                 WHERE l.id = t.id AND t.new_end < t.starts_on
                   AND NOT EXISTS (SELECT 1 FROM benefits_insuranceclaim c WHERE c.line_id = l.id)
                RETURNING l.id
            ), changed AS (
                UPDATE benefits_insuredline l
                   SET ends_on = GREATEST(t.new_end, t.starts_on), end_reason = t.new_reason, updated_at = now()
                  FROM target t
                 WHERE l.id = t.id AND l.id NOT IN (SELECT id FROM removed)
                   AND (t.old_end <> GREATEST(t.new_end, t.starts_on) OR t.old_reason <> t.new_reason)
                RETURNING t.old_reason, t.new_reason
            )
            SELECT (SELECT count(*) FROM removed),
                   count(*) FILTER (WHERE new_reason <> ''),
                   count(*) FILTER (WHERE new_reason = '' AND old_reason <> '')
              FROM changed
            """,
            base,
        )
        removed, ended, restored = cursor.fetchone()
        counts.update(removed=removed, ended=ended, restored=restored)
        on = max(product.starts_on, as_of)
        where, params = eligibility_sql(product, on)
        params.update(base)
        if as_of < product.starts_on:
            cursor.execute(
                f"""
                DELETE FROM benefits_insuredline l
                 WHERE l.product_id = %(product)s
                   AND NOT EXISTS (SELECT 1 FROM benefits_insuranceclaim c WHERE c.line_id = l.id)
                   AND NOT EXISTS (SELECT 1 FROM households_member m JOIN households_household h
                                     ON h.id = m.household_id WHERE m.id = l.member_id AND {where})
                """,
                params,
            )
            counts["removed"] += cursor.rowcount
        if as_of <= product.ends_on:
            # A line of another product of the series cannot overlap this one's: the products' periods are
            # disjoint (insuranceproduct_no_overlap) and each line lies inside its own (insuredline_inside_policy).
            params.update(
                on=on,
                series=product.series,
                policy_start=product.starts_on,
                premium=product.premium,
                mid_year=as_of > product.starts_on,
            )
            cursor.execute(
                f"""
                INSERT INTO benefits_insuredline (product_id, series, policy_starts_on, policy_ends_on, member_id,
                       household_id, town_id, starts_on, ends_on, end_reason, premium, added_mid_year, created_at,
                       updated_at)
                SELECT %(product)s, %(series)s, %(policy_start)s, %(policy_end)s, m.id, h.id, v.parent_id, %(on)s,
                       %(policy_end)s, '', %(premium)s, %(mid_year)s, now(), now()
                  FROM households_member m
                  JOIN households_household h ON h.id = m.household_id
                  LEFT JOIN regions_region v ON v.id = h.village_id
                 WHERE {where}
                   AND NOT EXISTS (SELECT 1 FROM benefits_insuredline l
                                    WHERE l.member_id = m.id AND l.product_id = %(product)s)
                 ORDER BY m.id
                """,
                params,
            )
            counts["added"] = cursor.rowcount
        cursor.execute("RESET enable_nestloop; RESET work_mem")
    return EnrolmentCount(**counts)


def enrolment_run(*, actor: User | None, product: InsuranceProduct, as_of: date | None = None) -> EnrolmentRun:
    """Enrol every eligible person of the product, end the deaths and leavers; one run at a time per product."""
    if actor is not None:
        authorize(actor, Capability.MANAGE_INSURANCE, within=product.county.path)
    as_of = as_of or timezone.localdate()
    with transaction.atomic(), history_context(actor=actor, service="insurance_enrolment_run"):
        advisory_xact_lock(0x1E5_0000_0000 + product.pk)
        count = enrolment_write(product, as_of)
        run = EnrolmentRun.objects.create(
            product=product,
            as_of=as_of,
            added=count.added,
            ended=count.ended,
            restored=count.restored,
            removed=count.removed,
            by=actor,
        )
    return run


def enrolment_end_for_households(*, household_ids: list[int], as_of: date) -> int:
    """The archive changed these households (closed, transferred): their open lines end now (the seam's hook)."""
    products = InsuranceProduct.objects.filter(
        lines__member__household_id__in=household_ids, starts_on__lte=as_of, ends_on__gte=as_of
    ).distinct()
    total = 0
    for product in products:  # a county has a handful of products running on a day
        total += enrolment_write(product, as_of).ended
    return total


def enrolment_export_record(
    *, actor: User, product: InsuranceProduct, count: int, full_values: bool, request: HttpRequest | None
) -> None:
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.EXPORT,
        target=product,
        target_label=_("Enrolment list %(product)s (%(n)d)") % {"product": product, "n": count},
        region_path=product.county.path,
        request=request,
        detail={"format": "xlsx", "rows": count, "full_values": full_values, "insurance_product": product.pk},
    )


# ------------------------------------------------------------------------------------------------------ claims


def claim_cover(claim: InsuranceClaim) -> Cover | None:
    """The person's cover under the claim's product (None: not enrolled); the waiting period applies unless the
    product line's previous cover ran on to the day before this one began."""
    line = claim.line
    if line is None:
        return None
    previous = (
        InsuredLine.objects.filter(member_id=line.member_id, series=line.series, ends_on__lt=line.starts_on)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    continuous = previous is not None and previous >= line.starts_on - timedelta(days=1)
    return Cover(starts_on=line.starts_on, ends_on=line.ends_on, waiting=not continuous)


def _event(claim: InsuranceClaim) -> Event:
    return Event(
        kind=claim.kind,
        event_date=claim.event_date,
        accidental=claim.accidental,
        disability=claim.disability,
        admitted_on=claim.admitted_on,
        discharged_on=claim.discharged_on,
        icu_days=claim.icu_days,
        hospital_grade=claim.hospital_grade,
    )


def _claim_order(claim: InsuranceClaim) -> tuple[date, int]:
    return (claim.admitted_on or claim.event_date, claim.pk)


def _is_late(claim: InsuranceClaim) -> bool:
    reported = timezone.localtime(claim.reported_at).date()
    return reported > claim.event_date + timedelta(days=REPORT_WITHIN_DAYS)


def claim_benefits_refresh(*, member_id: int, series: int) -> None:
    """Recompute the benefit of every claim of a person under a product line, in the order of the events: each
    stay uses what the earlier ones left of the year's and the overall day caps (rejected and withdrawn claims
    use none)."""
    claims = sorted(
        InsuranceClaim.objects.filter(member_id=member_id, product__series=series).select_related("product", "line"),
        key=_claim_order,
    )
    used_year: dict[int, int] = {}
    used_total = 0
    for claim in claims:
        benefit = benefit_compute(
            terms=claim.product,
            cover=claim_cover(claim),
            event=_event(claim),
            used_year=used_year.get(claim.product_id, 0),
            used_total=used_total,
        )
        flags = benefit.flags + (["late"] if _is_late(claim) else [])
        counts = claim.state not in (State.REJECTED, State.WITHDRAWN)
        if counts:
            used_year[claim.product_id] = used_year.get(claim.product_id, 0) + benefit.days
            used_total += benefit.days
        InsuranceClaim.objects.filter(pk=claim.pk).update(
            benefit_max=benefit.amount,
            benefit_days=benefit.days if counts else 0,
            benefit_detail=benefit.detail,
            flags=flags,
        )


CLAIM_FIELDS = (
    "product",
    "kind",
    "accidental",
    "traffic",
    "disability",
    "event_date",
    "admitted_on",
    "discharged_on",
    "icu_days",
    "hospital_name",
    "hospital_grade",
    "description",
    "reported_by_kind",
    "reporter_name",
    "reported_at",
)


def _claim_date_errors(claim: InsuranceClaim, errors: dict[str, list[Any]]) -> None:
    today = timezone.localdate()
    if claim.event_date and claim.event_date > today:
        errors.setdefault("event_date", []).append(_("The event cannot be in the future."))
    if claim.admitted_on and claim.discharged_on and claim.discharged_on < claim.admitted_on:
        errors.setdefault("discharged_on", []).append(_("The discharge is before the admission."))
    if claim.discharged_on and claim.discharged_on > today:
        errors.setdefault("discharged_on", []).append(_("The discharge cannot be in the future."))
    if claim.reported_at and claim.reported_at > timezone.now() + timedelta(minutes=5):
        errors.setdefault("reported_at", []).append(_("The report cannot be in the future."))
    if claim.reported_at and claim.event_date and timezone.localtime(claim.reported_at).date() < claim.event_date:
        errors.setdefault("reported_at", []).append(_("The report is before the event."))


def _claim_apply(claim: InsuranceClaim, data: dict[str, Any]) -> None:
    for name in CLAIM_FIELDS:
        if name in data:
            value = data[name]
            setattr(claim, name, validation.clean_text(value) if isinstance(value, str) else value)
    errors: dict[str, list[Any]] = {}
    _claim_date_errors(claim, errors)
    if claim.kind == InsuranceClaim.Kind.HOSPITAL:
        if claim.admitted_on is None:
            errors.setdefault("admitted_on", []).append(_("Enter the day of admission."))
        if not claim.hospital_name:
            errors.setdefault("hospital_name", []).append(_("Enter the hospital."))
        if (
            claim.admitted_on
            and claim.discharged_on
            and claim.icu_days > stay_days(claim.admitted_on, claim.discharged_on)
        ):
            errors.setdefault("icu_days", []).append(_("More days in intensive care than in hospital."))
    claim.accidental = claim.accidental or claim.traffic
    if claim.product_id and claim.product.county_id != claim.household.county_id:
        errors.setdefault("product", []).append(_("The product is not of the household's county."))
    death = claim.member.death_date
    if claim.kind == InsuranceClaim.Kind.DEATH and death and death != claim.event_date:
        errors.setdefault("event_date", []).append(
            _("The archive records the death on %(date)s.") % {"date": death.isoformat()}
        )
    if errors:
        raise ValidationError(errors)
    claim.full_clean(exclude=["line", "member", "household", "recorded_by", "flags", "benefit_detail"])


def _checklist_create(claim: InsuranceClaim) -> None:
    kinds = list(BASE_DOCUMENTS) + list(KIND_DOCUMENTS.get(claim.kind, ()))
    if claim.traffic:
        kinds.append(Doc.POLICE_REPORT)
    ClaimDocument.objects.bulk_create([ClaimDocument(claim=claim, kind=k, required=True) for k in kinds])


def _step(claim: InsuranceClaim, actor: User | None, from_state: str, to_state: str, note: str = "") -> None:
    ClaimStep.objects.create(claim=claim, from_state=from_state, to_state=to_state, note=note[:500], by=actor)


@transaction.atomic
def claim_report(*, actor: User, member: Member, data: dict[str, Any]) -> InsuranceClaim:
    """Record a reported claim: accepted even outside the person's cover (flagged with the reason), with its
    document checklist; a late report is flagged."""
    household = member.household
    authorize(actor, Capability.REPORT_CLAIMS, within=household.region_path)
    claim = InsuranceClaim(member=member, household=household, recorded_by=actor, state=State.REPORTED)
    data = {"reported_at": timezone.now(), **{k: v for k, v in data.items() if v is not None or k != "reported_at"}}
    _claim_apply(claim, data)
    claim.line = InsuredLine.objects.filter(product=claim.product, member=member).first()
    with history_context(actor=actor, service="insurance_claim_report"):
        claim.save()
        _checklist_create(claim)
        _step(claim, actor, "", State.REPORTED, claim.description)
        claim_benefits_refresh(member_id=member.pk, series=claim.product.series or claim.product.pk)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_facts_update(*, actor: User, claim: InsuranceClaim, data: dict[str, Any]) -> InsuranceClaim:
    """Correct or complete an open claim's facts (the discharge day once known); the benefit is recomputed."""
    authorize(actor, Capability.REPORT_CLAIMS, within=claim.household.region_path)
    if not claim.is_open:
        raise ValidationError(_("This claim is closed."), code="closed")
    data = {k: v for k, v in data.items() if k != "reported_at" or v is not None}
    _claim_apply(claim, data)
    claim.line = InsuredLine.objects.filter(product=claim.product, member=claim.member).first()
    with history_context(actor=actor, service="insurance_claim_update"):
        claim.save()
        if claim.traffic:
            ClaimDocument.objects.get_or_create(claim=claim, kind=Doc.POLICE_REPORT, defaults={"required": True})
        claim_benefits_refresh(member_id=claim.member_id, series=claim.product.series or claim.product.pk)
    claim.refresh_from_db()
    return claim


def _locked(claim: InsuranceClaim) -> InsuranceClaim:
    return InsuranceClaim.objects.select_for_update().select_related("product", "household", "member").get(pk=claim.pk)


def _require(actor: User, claim: InsuranceClaim, action: str) -> None:
    states, capability = TRANSITIONS[action]
    authorize(actor, capability, within=claim.household.region_path)
    if claim.state not in states:
        raise ValidationError(
            _("A claim that is “%(state)s” cannot be moved this way.") % {"state": claim.get_state_display()},
            code="state",
        )


def missing_documents(claim: InsuranceClaim) -> list[ClaimDocument]:
    return [d for d in claim.documents.all() if d.is_missing]


def _move(claim: InsuranceClaim, actor: User, to_state: str, note: str, service: str, **fields: Any) -> InsuranceClaim:
    from_state = claim.state
    claim.state = to_state
    for name, value in fields.items():
        setattr(claim, name, value)
    with history_context(actor=actor, service=service, reason=note):
        claim.save()
        _step(claim, actor, from_state, to_state, note)
    return claim


@transaction.atomic
def claim_collect(*, actor: User, claim: InsuranceClaim, note: str = "") -> InsuranceClaim:
    """Start collecting the documents: the missing ones go to the household's village contact."""
    claim = _locked(claim)
    _require(actor, claim, "collect")
    _move(claim, actor, State.COLLECTING, note, "insurance_claim_collect")
    claim_followups_notify(claim=claim)
    return claim


@transaction.atomic
def claim_submit(*, actor: User, claim: InsuranceClaim, note: str = "") -> InsuranceClaim:
    """Submit to the insurer: only with every required document received."""
    claim = _locked(claim)
    _require(actor, claim, "submit")
    missing = missing_documents(claim)
    if missing:
        raise ValidationError(
            _("Documents still missing: %(list)s.") % {"list": "、".join(str(d) for d in missing)}, code="missing"
        )
    return _move(claim, actor, State.SUBMITTED, note, "insurance_claim_submit")


@transaction.atomic
def claim_ask_documents(*, actor: User, claim: InsuranceClaim, kinds: list[str], note: str) -> InsuranceClaim:
    """The insurer asks for more documents: each becomes required again (or new) and missing; the contact hears."""
    claim = _locked(claim)
    _require(actor, claim, "ask")
    if not kinds:
        raise ValidationError({"kinds": _("Choose the documents the insurer asks for.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what the insurer asked.")})
    for kind in kinds:
        if kind not in Doc.values:
            raise ValidationError({"kinds": _("Choose the documents the insurer asks for.")})
        ClaimDocument.objects.update_or_create(
            claim=claim,
            kind=kind,
            defaults={"required": True, "asked_by_insurer": True, "received_on": None},
        )
    _move(claim, actor, State.MORE_DOCUMENTS, note, "insurance_claim_ask")
    claim_followups_notify(claim=claim)
    return claim


@transaction.atomic
def claim_pay(
    *,
    actor: User,
    claim: InsuranceClaim,
    amount: Decimal,
    paid_on: date,
    over_maximum_reason: str = "",
    note: str = "",
) -> InsuranceClaim:
    """Record what the insurer paid. More than the product's computed maximum needs a confirmation with a reason."""
    claim = _locked(claim)
    _require(actor, claim, "pay")
    errors: dict[str, list[Any]] = {}
    if amount is None or amount < 0:
        errors.setdefault("amount", []).append(_("Enter the amount paid."))
    if paid_on is None or paid_on > timezone.localdate():
        errors.setdefault("paid_on", []).append(_("Enter the day it was paid (not in the future)."))
    elif paid_on < timezone.localtime(claim.reported_at).date():
        errors.setdefault("paid_on", []).append(_("The payment is before the report."))
    if amount is not None and amount > claim.benefit_max and not over_maximum_reason.strip():
        errors.setdefault("over_maximum_reason", []).append(
            _("%(amount)s yuan is more than the %(max)s yuan the product gives: confirm with a reason.")
            % {"amount": amount, "max": claim.benefit_max}
        )
    if errors:
        raise ValidationError(errors)
    reason = over_maximum_reason.strip() if amount > claim.benefit_max else ""
    return _move(
        claim,
        actor,
        State.PAID,
        note or reason,
        "insurance_claim_pay",
        paid_amount=amount,
        paid_on=paid_on,
        overpaid_reason=reason[:300],
    )


@transaction.atomic
def claim_reject(*, actor: User, claim: InsuranceClaim, reason: str, note: str = "") -> InsuranceClaim:
    claim = _locked(claim)
    _require(actor, claim, "reject")
    if reason not in InsuranceClaim.RejectionReason.values:
        raise ValidationError({"reason": _("Choose why the insurer rejected the claim.")})
    if reason == InsuranceClaim.RejectionReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why the insurer rejected the claim.")})
    _move(
        claim, actor, State.REJECTED, note, "insurance_claim_reject", rejection_reason=reason, rejection_note=note[:300]
    )
    claim_benefits_refresh(member_id=claim.member_id, series=claim.product.series or claim.product_id)
    return claim


@transaction.atomic
def claim_withdraw(*, actor: User, claim: InsuranceClaim, note: str) -> InsuranceClaim:
    claim = _locked(claim)
    _require(actor, claim, "withdraw")
    if not note.strip():
        raise ValidationError({"note": _("Say why the claim is withdrawn.")})
    _move(claim, actor, State.WITHDRAWN, note, "insurance_claim_withdraw")
    claim_benefits_refresh(member_id=claim.member_id, series=claim.product.series or claim.product_id)
    return claim


@transaction.atomic
def claim_document_receive(
    *, actor: User, document: ClaimDocument, upload: UploadedFile | None = None, received_on: date | None = None
) -> ClaimDocument:
    """A document received (the original, or its scan attached — checked by its first bytes)."""
    claim = document.claim
    authorize(actor, Capability.REPORT_CLAIMS, within=claim.household.region_path)
    if not claim.is_open:
        raise ValidationError(_("This claim is closed."), code="closed")
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The day received cannot be in the future.")})
    if upload is not None:
        extension = file_type_check(upload)
        document.original_name = (upload.name or "")[-200:]
        document.uploaded_by = actor
        document.uploaded_at = timezone.now()
        document.file.save(f"scan.{extension}", upload, save=False)
    document.received_on = received_on
    with history_context(actor=actor, service="insurance_document_receive"):
        document.save()
        if not missing_documents(claim):
            _documents_messages_done(claim)
    return document


def _documents_messages_done(claim: InsuranceClaim) -> int:
    """Every document is in: the village contact's messages asking for them are done (read), so the inbox stays
    true."""
    from visits.models import Notification

    return Notification.objects.filter(
        kind=Notification.Kind.INSURANCE_DOCUMENTS, params__claim=claim.pk, read_at__isnull=True
    ).update(read_at=timezone.now())


def claim_document_open(*, actor: User, document: ClaimDocument, request: HttpRequest | None = None):
    """A claim's scan, to a user who handles claims in the household's area; logged."""
    household = document.claim.household
    authorize(actor, Capability.REPORT_CLAIMS, within=household.region_path)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=document.claim,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"insurance_claim": document.claim_id, "document": document.pk, "kind": document.kind},
    )
    return document.file.open("rb")


def claim_access_record(*, actor: User, claim: InsuranceClaim, request: HttpRequest | None = None) -> None:
    """Log a view of one claim (the person's name, the event and hospital)."""
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=claim,
        target_label=claim.household.number,
        region_path=claim.household.region_path,
        request=request,
        detail={"insurance_claim": claim.pk},
    )


def _msgids(labels: Iterable[Callable[[], Any]]) -> list[str]:
    """The untranslated source texts of choice labels (translation deactivated: gettext gives the msgid)."""
    with translation.override(None):
        return [str(label()) for label in labels]


def claim_followups_notify(*, claim: InsuranceClaim) -> int:
    """The claim's missing documents as a message to the household's village contact — its 四对一 village-cadre
    holder, else the village's active cadres (as a failed payout line is: benefits.payouts.returns)."""
    from contacts.selectors import village_contacts_for_households
    from visits.messages import message_text
    from visits.models import Notification

    missing = missing_documents(claim)
    if not missing:
        return 0
    household = claim.household
    users = village_contacts_for_households(villages={household.pk: household.village_id}, on=timezone.localdate())[
        household.pk
    ]
    step = claim.steps.order_by("-at", "-id").values_list("pk", flat=True).first()
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "claim": claim.pk,
            "name": claim.member.name,
            "number": household.number,
            "place": household.village.name if household.village is not None else "",
            "documents": "、".join(str(d.get_kind_display()) for d in missing),
            # The documents' names as their msgids, so that each reader reads them in their own language.
            "document_msgids": _msgids(d.get_kind_display for d in missing),
            # where the reader acts: the inbox links it (the claim's page, where the documents are received)
            "link": reverse("benefits:insurance:claim", args=[claim.pk]),
        }
        message = message_text(Notification.Kind.INSURANCE_DOCUMENTS, params)[:300]
    notes = [
        Notification(
            user=user,
            kind=Notification.Kind.INSURANCE_DOCUMENTS,
            key=f"insuranceclaim:{claim.pk}:{step}",
            household_id=household.pk,
            params=params,
            message=message,
        )
        for user in users
    ]
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return len(notes)


def reported_at_default() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)
