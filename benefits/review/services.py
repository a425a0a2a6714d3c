"""Writes of the annual review: open a county's cycle, enter applications and leavers, upload proofs, decide.

Every service authorizes itself (accounts.scope.authorize): opening a cycle and setting its notice date is the
county's configuration (MANAGE_STANDARDS, county staff, like the county's settings the deadlines come from); the
decisions are REVIEW_BENEFITS at the user's own level (a village cadre at the village stage, a town cadre at the
town stage, county staff at the county's), inside the user's area.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.engine import entitlements
from benefits.models import ReviewCase, ReviewCycle, ReviewProof, ReviewStep, Scheme
from benefits.policy import review_deadlines
from core.scans import scan_content_type, scan_type_check
from households.models import Household, Member
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User

Stage = ReviewCase.Stage
# A case climbs village → town → county → decided; sending back goes one step down.
NEXT_STAGE: dict[str, str] = {Stage.VILLAGE: Stage.TOWN, Stage.TOWN: Stage.COUNTY, Stage.COUNTY: Stage.DONE}
PREVIOUS_STAGE: dict[str, str] = {Stage.TOWN: Stage.VILLAGE, Stage.COUNTY: Stage.TOWN}
# The schemes a case may be for: the special-assistance branches (the review of reward assistance is not this one).
REVIEW_SCHEMES = (Scheme.DEATH, Scheme.DISABILITY, Scheme.COMPLICATION)
PARENT_ROLES = (Member.Role.HUSBAND, Member.Role.WIFE)

# Proofs: scans as PDF, JPEG or PNG, recognised by their first bytes (never by the name), at most this size.
PROOF_MAX_BYTES: int = getattr(settings, "REVIEW_PROOF_MAX_BYTES", 10 * 1024 * 1024)


def user_stage(user: User) -> str | None:
    """The stage a user decides at: the level of their region (village, town, county), or None."""
    region = getattr(user, "region", None)
    level = getattr(region, "level", None)
    return level if level in NEXT_STAGE else None


def _require_stage(actor: User, case: ReviewCase) -> None:
    authorize(actor, Capability.REVIEW_BENEFITS, within=case.member.household.region_path)
    if case.stage == Stage.DONE:
        raise ValidationError(_("This case has already been decided."), code="decided")
    if user_stage(actor) != case.stage:
        raise PermissionDenied(_("This case is at another level's review."))


# ------------------------------------------------------------------------------------------------------ the cycle


def current_recipients(cycle: ReviewCycle) -> list[tuple[int, str]]:
    """Who must be re-checked in a cycle: (member id, scheme) of every person confirmed in the county's previous
    year's cycle (a new application or a re-check) who did not leave there; in a first year (no previous cycle)
    every parent the amount engine finds entitled in December of the previous year. Constant queries."""
    previous = ReviewCycle.objects.filter(county_id=cycle.county_id, year=cycle.year - 1).first()
    if previous is not None:
        leavers = ReviewCase.objects.filter(
            cycle=previous, kind=ReviewCase.Kind.LEAVER, outcome=ReviewCase.Outcome.CONFIRMED
        ).values("member_id")
        rows = (
            ReviewCase.objects.filter(
                cycle=previous,
                kind__in=[ReviewCase.Kind.NEW, ReviewCase.Kind.RECHECK],
                outcome=ReviewCase.Outcome.CONFIRMED,
                member__household__county_id=cycle.county_id,
            )
            .exclude(member_id__in=leavers)
            .order_by("member_id", "scheme")
            .values_list("member_id", "scheme")
        )
        return list(rows)
    december = date(cycle.year - 1, 12, 1)
    pairs = {
        (e.member_id, e.scheme)
        for e in entitlements(cycle.county, [december])
        if e.scheme in REVIEW_SCHEMES and e.amount > 0
    }
    return sorted(pairs)


@transaction.atomic
def cycle_open(
    *, actor: User, county: Region, year: int, deadlines: dict[str, date] | None = None
) -> tuple[ReviewCycle, int]:
    """Open a county's cycle of a year: the deadlines from the county's settings (benefits.policy.settings_for)
    unless given (a review opened after the settings' dates gets its own: village, town, county, in that order),
    then a re-check case at the village stage for every current recipient (one bulk insert). Returns the cycle
    and how many cases it starts with."""
    authorize(actor, Capability.MANAGE_STANDARDS, within=county.path)
    if county.level != Region.Level.COUNTY:
        raise ValidationError(_("An annual review is opened for a county."), code="not_county")
    today = timezone.localdate()
    if not (today.year - 1 <= year <= today.year + 1):
        raise ValidationError(
            _("An annual review can be opened for %(from)d to %(to)d only.")
            % {"from": today.year - 1, "to": today.year + 1},
            code="year",
        )
    if ReviewCycle.objects.filter(county=county, year=year).exists():
        raise ValidationError(
            _("The annual review %(year)d of this county is already open.") % {"year": year}, code="exists"
        )
    d = review_deadlines(county.code, year)
    dates = {"village_by": d.village_by, "town_by": d.town_by, "county_by": d.county_by} | (deadlines or {})
    if not dates["village_by"] <= dates["town_by"] <= dates["county_by"]:
        raise ValidationError(
            _("The deadlines follow the review's order: applications, village, town, then county."), code="order"
        )
    with history_context(actor=actor, service="review_cycle_open", region_path=county.path):
        cycle = ReviewCycle.objects.create(
            county=county,
            year=year,
            applications_by=min(d.applications_by, dates["village_by"]),
            village_by=dates["village_by"],
            town_by=dates["town_by"],
            county_by=dates["county_by"],
            notice_days=d.notice_days,
        )
        cases = [
            ReviewCase(cycle=cycle, member_id=member_id, scheme=scheme, kind=ReviewCase.Kind.RECHECK)
            for member_id, scheme in current_recipients(cycle)
        ]
        ReviewCase.objects.bulk_create(cases, batch_size=2000)
    return cycle, len(cases)


@transaction.atomic
def notice_date_set(*, actor: User, cycle: ReviewCycle, notice_from: date) -> ReviewCycle:
    """Set the first day of the public notice (公示); it runs ``notice_days`` days."""
    authorize(actor, Capability.MANAGE_STANDARDS, within=cycle.county.path)
    if notice_from.year not in (cycle.year, cycle.year + 1):
        raise ValidationError(_("The notice must start in the review's year."), code="notice_year")
    cycle.notice_from = notice_from
    with history_context(actor=actor, service="review_notice_date_set", region_path=cycle.county.path):
        cycle.save(update_fields=["notice_from"])
    return cycle


# ------------------------------------------------------------------------------------- applications and leavers


def _check_parent(member: Member, cycle: ReviewCycle) -> None:
    household = member.household
    if household.county_id != cycle.county_id:
        raise ValidationError(_("This household is not in the review's county."), code="county")
    if household.status != Household.Status.ACTIVE:
        raise ValidationError(_("This household is closed."), code="closed")
    if member.role not in PARENT_ROLES:
        raise ValidationError(_("Only a parent of the family can be entered."), code="not_parent")


def _insert(case: ReviewCase) -> ReviewCase:
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("%(name)s already has a case for this scheme in this annual review.") % {"name": case.member.name},
            code="duplicate",
        ) from exc
    return case


@transaction.atomic
def application_create(
    *,
    actor: User,
    cycle: ReviewCycle,
    member: Member,
    scheme: str,
    proofs: Iterable[tuple[str, UploadedFile]] = (),
) -> ReviewCase:
    """A new application (申报) for a parent, entered by a cadre of the area; it starts at the village's review.
    Its proofs (scans) are checked before anything is written."""
    authorize(actor, Capability.REVIEW_BENEFITS, within=member.household.region_path)
    _check_parent(member, cycle)
    if scheme not in REVIEW_SCHEMES:
        raise ValidationError(_("Choose a special-assistance scheme."), code="scheme")
    if not member.alive:
        raise ValidationError(_("%(name)s is recorded as deceased.") % {"name": member.name}, code="deceased")
    checked = [(kind, upload, proof_type_check(upload)) for kind, upload in proofs]
    with history_context(actor=actor, service="review_application_create", region_path=member.household.region_path):
        case = _insert(ReviewCase(cycle=cycle, member=member, scheme=scheme, kind=ReviewCase.Kind.NEW))
        for kind, upload, extension in checked:
            _proof_save(actor=actor, case=case, kind=kind, upload=upload, extension=extension)
    return case


@transaction.atomic
def leaver_record(
    *, actor: User, cycle: ReviewCycle, member: Member, scheme: str, reason: str, opinion: str = ""
) -> ReviewCase:
    """A leaver (退出) with a reason: the person's re-check case of the cycle becomes a leaver's case (while it is
    still at the village's review), or a leaver's case is opened. Confirmed by the county, the money stops from the
    month after the decision."""
    authorize(actor, Capability.REVIEW_BENEFITS, within=member.household.region_path)
    if member.household.county_id != cycle.county_id:
        raise ValidationError(_("This household is not in the review's county."), code="county")
    if reason not in ReviewCase.LeaveReason.values:
        raise ValidationError(_("Choose the reason for leaving."), code="reason")
    region_path = member.household.region_path
    case = ReviewCase.objects.select_for_update().filter(cycle=cycle, member=member, scheme=scheme).first()
    with history_context(actor=actor, service="review_leaver_record", region_path=region_path, reason=opinion):
        if case is None:
            case = _insert(
                ReviewCase(cycle=cycle, member=member, scheme=scheme, kind=ReviewCase.Kind.LEAVER, leave_reason=reason)
            )
        elif case.kind == ReviewCase.Kind.RECHECK and case.stage == Stage.VILLAGE:
            case.kind = ReviewCase.Kind.LEAVER
            case.leave_reason = reason
            case.save(update_fields=["kind", "leave_reason"])
        else:
            raise ValidationError(
                _("%(name)s already has a case for this scheme in this annual review.") % {"name": member.name},
                code="duplicate",
            )
    return case


# --------------------------------------------------------------------------------------------------------- proofs


def proof_type_check(upload: UploadedFile) -> str:
    """The file's real type (pdf, jpg, png) by its first bytes, or a ValidationError; never by its name."""
    return scan_type_check(upload, max_bytes=PROOF_MAX_BYTES)


def _proof_save(*, actor: User, case: ReviewCase, kind: str, upload: UploadedFile, extension: str) -> ReviewProof:
    if kind not in ReviewProof.Kind.values:
        raise ValidationError(_("Choose what the proof is."), code="proof_kind")
    proof = ReviewProof(case=case, kind=kind, original_name=(upload.name or "")[-200:], uploaded_by=actor)
    # Stored under the case with the extension of its real type (review_proof_path), not the name it came with.
    proof.file.save(f"scan.{extension}", upload, save=False)
    proof.save()
    return proof


@transaction.atomic
def proof_add(*, actor: User, case: ReviewCase, kind: str, upload: UploadedFile) -> ReviewProof:
    """Add a scan to a case still under review."""
    authorize(actor, Capability.REVIEW_BENEFITS, within=case.member.household.region_path)
    if case.stage == Stage.DONE:
        raise ValidationError(_("This case has already been decided."), code="decided")
    extension = proof_type_check(upload)
    return _proof_save(actor=actor, case=case, kind=kind, upload=upload, extension=extension)


def proof_content_type(proof: ReviewProof) -> str:
    return scan_content_type(proof.file.name)


def proof_open(*, actor: User, proof: ReviewProof, request: HttpRequest | None = None):
    """Open a proof's file for a reviewer of its area; logged as a view of the household's data."""
    household = proof.case.member.household
    authorize(actor, Capability.REVIEW_BENEFITS, within=household.region_path)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=proof,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"review_proof": proof.pk, "case": proof.case_id, "kind": proof.kind},
    )
    return proof.file.open("rb")


def case_access_record(*, actor: User, case: ReviewCase, request: HttpRequest | None = None) -> None:
    """Log a view of one case (a person's name, household and the proofs' list)."""
    household = case.member.household
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=case,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"review_case": case.pk},
    )


# ------------------------------------------------------------------------------------------------------ decisions


def _decide_fields(case: ReviewCase, stage: str, today: date) -> None:
    case.stage = stage
    if stage == Stage.DONE:
        case.outcome = ReviewCase.Outcome.CONFIRMED
        case.decided_on = today


@transaction.atomic
def case_confirm(*, actor: User, case: ReviewCase, opinion: str = "", visited_on: date | None = None) -> ReviewCase:
    """The level confirms: the case moves up; the county's confirmation decides it (confirmed, today)."""
    case = (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("member__household__village").get(pk=case.pk)
    )
    _require_stage(actor, case)
    stage = case.stage
    today = timezone.localdate()
    _decide_fields(case, NEXT_STAGE[stage], today)
    case.returned_reason = ""
    fields = ["stage", "outcome", "decided_on", "returned_reason"]
    if visited_on is not None:
        case.visited_on = visited_on
        fields.append("visited_on")
    region_path = case.member.household.region_path
    with history_context(actor=actor, service="review_case_confirm", region_path=region_path, reason=opinion):
        case.save(update_fields=fields)
        ReviewStep.objects.create(case=case, stage=stage, action=ReviewStep.Action.CONFIRM, opinion=opinion, by=actor)
    return case


@transaction.atomic
def case_send_back(*, actor: User, case: ReviewCase, reason: str) -> ReviewCase:
    """Send a case back one level with the reason (required)."""
    case = (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("member__household__village").get(pk=case.pk)
    )
    _require_stage(actor, case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the case is sent back."), code="reason_required")
    if case.stage not in PREVIOUS_STAGE:
        raise ValidationError(_("The village's review is the first: there is no level to send it back to."))
    stage = case.stage
    case.stage = PREVIOUS_STAGE[stage]
    case.returned_reason = reason[:300]
    region_path = case.member.household.region_path
    with history_context(actor=actor, service="review_case_send_back", region_path=region_path, reason=reason):
        case.save(update_fields=["stage", "returned_reason"])
        ReviewStep.objects.create(
            case=case, stage=stage, action=ReviewStep.Action.RETURN, opinion=reason[:500], by=actor
        )
    return case


@transaction.atomic
def case_refuse(*, actor: User, case: ReviewCase, opinion: str) -> ReviewCase:
    """Refuse a case at one's level: decided (refused, today); the engine pays nothing from the next month. A
    leaver's case is not refused (a wrong leaving is sent back, and the village withdraws it)."""
    case = (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("member__household__village").get(pk=case.pk)
    )
    _require_stage(actor, case)
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError(_("Say why the case is refused."), code="reason_required")
    if case.kind == ReviewCase.Kind.LEAVER:
        raise ValidationError(
            _("A leaver's case cannot be refused: send it back, or withdraw the leaving at the village."),
            code="leaver_refused",
        )
    stage = case.stage
    case.stage = Stage.DONE
    case.outcome = ReviewCase.Outcome.REFUSED
    case.decided_on = timezone.localdate()
    region_path = case.member.household.region_path
    with history_context(actor=actor, service="review_case_refuse", region_path=region_path, reason=opinion):
        case.save(update_fields=["stage", "outcome", "decided_on"])
        ReviewStep.objects.create(
            case=case, stage=stage, action=ReviewStep.Action.REFUSE, opinion=opinion[:500], by=actor
        )
    return case


@transaction.atomic
def leaver_withdraw(*, actor: User, case: ReviewCase) -> ReviewCase:
    """At the village's review, a leaver's case entered by mistake goes back to a re-check."""
    case = (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("member__household__village").get(pk=case.pk)
    )
    _require_stage(actor, case)
    if case.kind != ReviewCase.Kind.LEAVER or case.stage != Stage.VILLAGE:
        raise ValidationError(_("Only a leaver's case at the village's review can be withdrawn."), code="withdraw")
    case.kind = ReviewCase.Kind.RECHECK
    case.leave_reason = ""
    region_path = case.member.household.region_path
    with history_context(actor=actor, service="review_leaver_withdraw", region_path=region_path):
        case.save(update_fields=["kind", "leave_reason"])
    return case


@transaction.atomic
def cases_bulk_confirm(*, actor: User, cycle: ReviewCycle, case_ids: Collection[int], opinion: str = "") -> int:
    """Confirm the selected cases at the actor's level in one statement (and their steps in one insert): only the
    cases of the actor's area at the actor's stage are touched. Returns how many moved."""
    authorize(actor, Capability.REVIEW_BENEFITS)
    stage = user_stage(actor)
    if stage is None:
        raise PermissionDenied(_("This case is at another level's review."))
    ids = list(
        ReviewCase.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(cycle=cycle, pk__in=list(case_ids), stage=stage)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    today = timezone.localdate()
    update: dict = {"stage": NEXT_STAGE[stage], "returned_reason": ""}
    if NEXT_STAGE[stage] == Stage.DONE:
        update.update(outcome=ReviewCase.Outcome.CONFIRMED, decided_on=today)
    now = timezone.now()
    with history_context(actor=actor, service="review_cases_bulk_confirm", reason=opinion):
        ReviewCase.objects.filter(pk__in=ids).update(**update)
        ReviewStep.objects.bulk_create(
            [
                ReviewStep(case_id=pk, stage=stage, action=ReviewStep.Action.CONFIRM, opinion=opinion, by=actor, at=now)
                for pk in ids
            ]
        )
    return len(ids)
