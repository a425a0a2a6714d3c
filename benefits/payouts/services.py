"""Writes of the payouts: batches, their lines, the steps of review, corrections (the rules: benefits.payouts).

Every service authorizes its actor itself (accounts.scope.authorize) and writes inside a history context; lines
are written set-based (bulk_create, one UPDATE), so the number of queries does not grow with the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Capability, Role
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.models import BenefitProfile, PayoutBatch, PayoutLine, PayoutStep, Scheme
from benefits.payouts import selectors
from benefits.payouts.selectors import Plan
from regions.models import Region
from regions.paths import is_within

if TYPE_CHECKING:
    from accounts.models import User

State = PayoutBatch.State
# The longest period one batch may pay (a year; 一卡通 pays once or twice a year).
MAX_MONTHS = 12
BULK = 2000


def _locked(batch: PayoutBatch) -> PayoutBatch:
    """The batch row locked for the transaction (two reviewers at once: one wins, the other sees the new state)."""
    fresh = PayoutBatch.objects.select_for_update(of=("self",)).select_related("county", "area").get(pk=batch.pk)
    batch.state, batch.reconciled_at = fresh.state, fresh.reconciled_at
    return fresh


def _step(
    batch: PayoutBatch, *, actor: User, to: str, result: str, opinion: str = "", area: Region | None = None
) -> PayoutStep:
    step = PayoutStep.objects.create(
        batch=batch, from_state=batch.state, to_state=to, result=result, opinion=opinion, by=actor, area=area
    )
    if to != batch.state:
        batch.state = to
        batch.save(update_fields=["state"])
    return step


def _require_state(batch: PayoutBatch, *states: str) -> None:
    if batch.state not in states:
        raise ValidationError(
            _("The batch is %(state)s: this cannot be done now.") % {"state": batch.get_state_display()},
            code="state",
        )


def _title(*, county: Region, scheme: str, first: date, last: date, area: Region | None) -> str:
    """The roster's title, written in the portal's language (it is printed for the bank)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(place)s %(scheme)s payout roster %(first)s to %(last)s") % {
            "place": area.name if area is not None else county.name,
            "scheme": Scheme(scheme).label,
            "first": f"{first:%Y-%m}",
            "last": f"{last:%Y-%m}",
        }


def _check_period(first: date, last: date) -> None:
    if last < first:
        raise ValidationError({"last_month": _("The last month is before the first month.")})
    if len(selectors.months_between(first, last)) > MAX_MONTHS:
        raise ValidationError({"last_month": _("A batch pays at most %(n)d months.") % {"n": MAX_MONTHS}})


def _lines_write(plan: Plan) -> None:
    """The plan's lines in one statement per BULK lines; a month already paid (a batch written beside this one)
    is refused by the exclusion constraint and said plainly."""
    try:
        with transaction.atomic():
            PayoutLine.objects.bulk_create(plan.lines, batch_size=BULK)
    except IntegrityError as exc:
        if "payoutline_no_month_paid_twice" in str(exc):
            raise ValidationError(
                _(
                    "Some of these months were put on another batch at the same moment: a person is never paid "
                    "twice for a month. Reload the page and try again."
                ),
                code="paid_twice",
            ) from exc
        raise


@dataclass
class Created:
    batch: PayoutBatch
    plan: Plan
    not_entitled: int  # persons of the previous batch due nothing in the new period


@transaction.atomic
def payout_batch_create(
    *,
    actor: User,
    county: Region,
    scheme: str,
    first_month: date,
    last_month: date,
    area: Region | None = None,
    previous: PayoutBatch | None = None,
) -> Created:
    """A draft batch filled from the engine's confirmed entitlements of the months (or, from ``previous``, for the
    same persons with amounts recomputed). Persons without an account and persons whose months are already in
    another batch are left out and returned in the plan (the page lists them)."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=county.path)
    first, last = first_month.replace(day=1), last_month.replace(day=1)
    _check_period(first, last)
    if area is not None and not (is_within(area.path, county.path) and area.level in ("town", "village")):
        raise ValidationError({"area": _("Choose a town or a village of the county.")})
    member_ids = None
    if previous is not None:
        if previous.county_id != county.pk or previous.scheme != scheme:
            raise ValidationError({"previous": _("The previous batch must be of the same county and scheme.")})
        member_ids = list(PayoutLine.objects.filter(batch=previous).values_list("member_id", flat=True))
        if area is None:
            area = previous.area
    months = selectors.months_between(first, last)
    due = selectors.due_by_member(county=county, scheme=scheme, months=months, area=area, member_ids=member_ids)
    with history_context(actor=actor, service="payout_batch_create"):
        batch = PayoutBatch.objects.create(
            county=county,
            scheme=scheme,
            period_start=first,
            period_end=last,
            area=area,
            title=_title(county=county, scheme=scheme, first=first, last=last, area=area),
            created_by=actor,
            filled_on=timezone.localdate(),
        )
        plan = selectors.payout_plan(batch=batch, due=due)
        _lines_write(plan)
    not_entitled = len(set(member_ids) - {m for m, d in due.items() if d.months}) if member_ids is not None else 0
    return Created(batch=batch, plan=plan, not_entitled=not_entitled)


def _lines_changed(batch: PayoutBatch) -> None:
    """Any change to the lines clears the reconciliation."""
    if batch.reconciled_at is not None:
        batch.reconciled_at = None
        batch.save(update_fields=["reconciled_at"])


def _renumber(batch: PayoutBatch) -> None:
    """序号 1…n again after lines were removed, in the present order (two statements: the unique (batch, seq) is
    checked row by row)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE benefits_payoutline SET seq = seq + 1000000 WHERE batch_id = %s", [batch.pk])
        cursor.execute(
            """
            UPDATE benefits_payoutline l SET seq = o.n
              FROM (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM benefits_payoutline WHERE batch_id = %s) o
             WHERE l.id = o.id
            """,
            [batch.pk],
        )


def _draft_for(actor: User, batch: PayoutBatch) -> PayoutBatch:
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    locked = _locked(batch)
    _require_state(locked, State.DRAFT)
    return locked


@transaction.atomic
def payout_lines_remove(*, actor: User, batch: PayoutBatch, line_ids: list[int]) -> int:
    """Remove lines of a draft batch (a person no longer eligible); the rest renumbered."""
    batch = _draft_for(actor, batch)
    with history_context(actor=actor, service="payout_lines_remove"):
        removed, _detail = PayoutLine.objects.filter(batch=batch, pk__in=line_ids).delete()
        if removed:
            _renumber(batch)
            _lines_changed(batch)
    return removed


@transaction.atomic
def payout_lines_add(*, actor: User, batch: PayoutBatch, member_ids: list[int]) -> Plan:
    """Add persons found missing by the reconciliation (their confirmed months of the batch's period)."""
    batch = _draft_for(actor, batch)
    if batch.kind != PayoutBatch.Kind.REGULAR:
        raise ValidationError(_("A correction batch holds only the failed lines it re-pays."))
    months = selectors.months_between(batch.period_start, batch.period_end)
    due = selectors.due_by_member(
        county=batch.county, scheme=batch.scheme, months=months, area=batch.area, member_ids=member_ids
    )
    present = set(PayoutLine.objects.filter(batch=batch, member_id__in=member_ids).values_list("member_id", flat=True))
    due = {m: d for m, d in due.items() if m not in present}
    start = (PayoutLine.objects.filter(batch=batch).aggregate(m=Max("seq"))["m"] or 0) + 1
    with history_context(actor=actor, service="payout_lines_add"):
        plan = selectors.payout_plan(batch=batch, due=due, start_seq=start)
        _lines_write(plan)
        if plan.lines:
            _lines_changed(batch)
    return plan


@transaction.atomic
def payout_lines_recompute(*, actor: User, batch: PayoutBatch, line_ids: list[int]) -> int:
    """Set lines of a regular draft batch to what the engine says now (months, amount, explanation); a line due
    nothing is removed."""
    batch = _draft_for(actor, batch)
    if batch.kind != PayoutBatch.Kind.REGULAR:
        raise ValidationError(_("A correction batch holds only the failed lines it re-pays."))
    lines = list(PayoutLine.objects.filter(batch=batch, pk__in=line_ids))
    months = selectors.months_between(batch.period_start, batch.period_end)
    due = selectors.due_by_member(
        county=batch.county, scheme=batch.scheme, months=months, member_ids=[line.member_id for line in lines]
    )
    gone, changed = [], []
    for line in lines:
        item = due.get(line.member_id)
        if item is None or not item.months:
            gone.append(line.pk)
            continue
        line.months = selectors.months_range(item.months[0], item.months[-1])
        line.month_count, line.amount, line.explanation = len(item.months), item.amount, item.groups
        changed.append(line)
    with history_context(actor=actor, service="payout_lines_recompute"):
        PayoutLine.objects.bulk_update(changed, ["months", "month_count", "amount", "explanation"], batch_size=BULK)
        if gone:
            PayoutLine.objects.filter(pk__in=gone).delete()
            _renumber(batch)
        if changed or gone:
            _lines_changed(batch)
    return len(changed) + len(gone)


@transaction.atomic
def payout_batch_reconcile(*, actor: User, batch: PayoutBatch) -> PayoutBatch:
    """Mark the draft reconciled: staff have seen the reconciliation. Refused while a line is no longer eligible
    (remove or recompute it first)."""
    batch = _draft_for(actor, batch)
    if not PayoutLine.objects.filter(batch=batch).exists():
        raise ValidationError(_("The batch has no lines."), code="empty")
    if selectors.reconciliation(batch).blocking:
        raise ValidationError(
            _("Some lines are no longer eligible: remove them before marking the batch reconciled."),
            code="ineligible",
        )
    with history_context(actor=actor, service="payout_batch_reconcile"):
        batch.reconciled_at = timezone.now()
        batch.save(update_fields=["reconciled_at"])
    return batch


def _refuse_if_ineligible(batch: PayoutBatch) -> None:
    if selectors.reconciliation(batch).blocking:
        raise ValidationError(
            _(
                "Since the batch was reconciled, the archive shows lines that are no longer eligible (see the "
                "reconciliation). Send the batch back to draft and remove them."
            ),
            code="ineligible",
        )


@transaction.atomic
def payout_batch_submit(*, actor: User, batch: PayoutBatch, opinion: str = "") -> PayoutBatch:
    """Draft → town review: only a reconciled batch, and only when no line has become ineligible since."""
    batch = _draft_for(actor, batch)
    if batch.reconciled_at is None:
        raise ValidationError(_("Reconcile the batch with the archive before submitting it."), code="unreconciled")
    _refuse_if_ineligible(batch)
    with history_context(actor=actor, service="payout_batch_submit"):
        _step(batch, actor=actor, to=State.TOWN_REVIEW, result="submitted", opinion=opinion)
        if not selectors.batch_towns(batch):  # no line in any town: straight to the county
            _step(batch, actor=actor, to=State.COUNTY_REVIEW, result="no_town", opinion="")
    return batch


def _town_of(actor: User, batch: PayoutBatch) -> Region:
    """The town whose lines the actor reviews: a town cadre working at a town with lines in the batch."""
    towns = selectors.batch_towns(batch)
    if actor.role != Role.TOWN_CADRE or actor.region_id not in towns:
        raise PermissionDenied(_("The town review is done by the cadres of the batch's towns."))
    return towns[actor.region_id]


def _town_without_cadre(actor: User, batch: PayoutBatch, town_id: int, opinion: str) -> Region:
    """The town county staff confirm for: one of the batch's towns with no active town cadre (nobody there could),
    with an opinion saying why — the batch would otherwise wait for ever."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    towns = selectors.batch_towns(batch)
    if town_id not in towns or town_id not in selectors.towns_without_cadre([town_id]):
        raise PermissionDenied(_("The county confirms only for a town of the batch that has no town cadre."))
    if not opinion.strip():
        raise ValidationError({"opinion": _("Say why the county confirms for the town.")}, code="opinion")
    return towns[town_id]


@transaction.atomic
def payout_batch_town_confirm(
    *, actor: User, batch: PayoutBatch, opinion: str = "", town_id: int | None = None
) -> PayoutBatch:
    """A town cadre confirms the town's lines — or county staff do, for a town with no town cadre (``town_id``);
    when every town of the batch has, it goes to county review."""
    authorize(actor, Capability.REVIEW_PAYOUTS)
    batch = _locked(batch)
    _require_state(batch, State.TOWN_REVIEW)
    town = _town_of(actor, batch) if town_id is None else _town_without_cadre(actor, batch, town_id, opinion)
    confirmed = selectors.town_confirmations(batch)
    if town.pk in confirmed:
        raise ValidationError(_("This town has confirmed this batch already."), code="confirmed")
    with history_context(actor=actor, service="payout_batch_town_confirm"):
        _step(
            batch,
            actor=actor,
            to=State.TOWN_REVIEW,
            result=selectors.STEP_TOWN_CONFIRMED,
            opinion=opinion,
            area=town,
        )
        if set(selectors.batch_towns(batch)) <= set(confirmed) | {town.pk}:
            _step(batch, actor=actor, to=State.COUNTY_REVIEW, result="all_towns_confirmed")
    return batch


@transaction.atomic
def payout_batch_send_back(*, actor: User, batch: PayoutBatch, reason: str) -> PayoutBatch:
    """A reviewer sends the batch back to draft with a reason: a town cadre of the batch's towns during the town
    review, county staff during either review."""
    authorize(actor, Capability.REVIEW_PAYOUTS)
    batch = _locked(batch)
    _require_state(batch, State.TOWN_REVIEW, State.COUNTY_REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the batch is sent back.")}, code="reason")
    area = None
    if actor.role == Role.COUNTY_STAFF:
        authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    elif batch.state == State.TOWN_REVIEW:
        area = _town_of(actor, batch)
    else:
        raise PermissionDenied(_("The county review is done by the county's staff."))
    with history_context(actor=actor, service="payout_batch_send_back", reason=reason):
        _step(batch, actor=actor, to=State.DRAFT, result="sent_back", opinion=reason, area=area)
    return batch


@transaction.atomic
def payout_batch_county_confirm(*, actor: User, batch: PayoutBatch, opinion: str = "") -> PayoutBatch:
    """County review → payment generated (the roster may go to the bank). Refused when a line has become
    ineligible since the reconciliation."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    authorize(actor, Capability.REVIEW_PAYOUTS, within=batch.county.path)
    batch = _locked(batch)
    _require_state(batch, State.COUNTY_REVIEW)
    _refuse_if_ineligible(batch)
    with history_context(actor=actor, service="payout_batch_county_confirm"):
        _step(batch, actor=actor, to=State.GENERATED, result="payment_generated", opinion=opinion)
    return batch


@transaction.atomic
def payout_batch_close(*, actor: User, batch: PayoutBatch, opinion: str = "") -> PayoutBatch:
    """Returned → closed, once every line has come back paid or failed."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    batch = _locked(batch)
    _require_state(batch, State.RETURNED)
    waiting = PayoutLine.objects.filter(batch=batch, status=PayoutLine.Status.PLANNED).count()
    if waiting:
        raise ValidationError(_("%(n)d lines have not come back from the bank yet.") % {"n": waiting}, code="waiting")
    with history_context(actor=actor, service="payout_batch_close"):
        _step(batch, actor=actor, to=State.CLOSED, result="closed", opinion=opinion)
    return batch


def payout_roster_download_record(*, actor: User, batch: PayoutBatch, lines: int, request: HttpRequest | None) -> None:
    """The roster holds full account and ID numbers: county staff only, every download an access event."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.EXPORT,
        target=batch,
        target_label=batch.title,
        region_path=batch.area.path if batch.area is not None else batch.county.path,
        request=request,
        detail={"format": "payout_roster", "lines": lines, "full_values": True},
    )


def payout_lines_view_record(*, actor: User, batch: PayoutBatch, request: HttpRequest | None) -> None:
    """The masked lines read on screen (names of many families): logged like a list export."""
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=batch,
        target_label=batch.title,
        request=request,
        detail={"page": "payout_lines"},
    )


def payout_reconciliation_view_record(*, actor: User, batch: PayoutBatch, request: HttpRequest | None) -> None:
    """The reconciliation read on screen (the names and household numbers of the persons it finds): logged."""
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=batch,
        target_label=batch.title,
        region_path=batch.area.path if batch.area is not None else batch.county.path,
        request=request,
        detail={"page": "payout_reconciliation"},
    )


def payout_followups_view_record(*, actor: User, lines: int, request: HttpRequest | None) -> None:
    """The failed lines to fix read on screen (names, masked ID and account numbers, phones): logged, labelled by
    the reader's area."""
    area = actor.region
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=area,
        target_label=area.name if area is not None else "",
        request=request,
        detail={"page": "payout_followups", "lines": lines},
    )


# ------------------------------------------------------------------------------------------------ corrections


@dataclass
class Correction:
    batch: PayoutBatch | None
    waiting: list[PayoutLine]  # failed lines whose account has not been fixed yet


def _fixed(line: PayoutLine, profile: BenefitProfile | None) -> bool:
    """The account was fixed: the profile has an account and it is not the one the bank refused."""
    if profile is None or not profile.has_account:
        return False
    return (profile.payee_name, profile.payee_id_number, profile.account_number, profile.bank_name) != (
        line.payee_name,
        line.payee_id_number,
        line.account_number,
        line.bank_name,
    )


@transaction.atomic
def payout_correction_create(*, actor: User, batch: PayoutBatch) -> Correction:
    """更正发放（第N次）: a draft batch re-paying the failed lines of ``batch`` whose account has been fixed; each
    line's payee, account and bank re-read from the profile, its amount the failed line's (never more: the
    trigger payoutline_correction_within_failed), each failed line re-paid once (corrects is one-to-one)."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    origin = _locked(batch)
    _require_state(origin, State.RETURNED, State.CLOSED)
    failed = list(
        PayoutLine.objects.filter(batch=origin, status=PayoutLine.Status.FAILED, correction__isnull=True).order_by(
            "seq"
        )
    )
    if not failed:
        raise ValidationError(_("No failed line of this batch is waiting to be paid again."), code="none")
    profiles = {p.member_id: p for p in BenefitProfile.objects.filter(member_id__in=[f.member_id for f in failed])}
    ready = [line for line in failed if _fixed(line, profiles.get(line.member_id))]
    waiting = [line for line in failed if line not in ready]
    if not ready:
        return Correction(batch=None, waiting=waiting)
    number = (PayoutBatch.objects.filter(corrects=origin).aggregate(n=Max("correction_number"))["n"] or 0) + 1
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(title)s — correction payout (no. %(n)d)") % {"title": origin.title, "n": number}
    with history_context(actor=actor, service="payout_correction_create"):
        correction = PayoutBatch.objects.create(
            county=origin.county,
            scheme=origin.scheme,
            kind=PayoutBatch.Kind.CORRECTION,
            period_start=origin.period_start,
            period_end=origin.period_end,
            corrects=origin,
            correction_number=number,
            area=origin.area,
            title=title[:120],
            created_by=actor,
            filled_on=timezone.localdate(),
        )
        lines = []
        for seq, line in enumerate(ready, start=1):
            profile = profiles[line.member_id]
            lines.append(
                PayoutLine(
                    batch=correction,
                    seq=seq,
                    member_id=line.member_id,
                    household_id=line.household_id,
                    scheme=line.scheme,
                    months=line.months,
                    month_count=line.month_count,
                    amount=line.amount,
                    explanation=line.explanation,
                    head_name=line.head_name,
                    head_id_number=line.head_id_number,
                    payee_name=profile.payee_name,
                    payee_id_number=profile.payee_id_number,
                    payee_relationship=profile.payee_relationship,
                    account_number=profile.account_number,
                    bank_name=profile.bank_name,
                    village_name=line.village_name,
                    group_name=line.group_name,
                    beneficiary_name=line.beneficiary_name,
                    beneficiary_id_number=line.beneficiary_id_number,
                    phone=line.phone,
                    address=line.address,
                    age=line.age,
                    retry_count=line.retry_count + 1,
                    corrects=line,
                    is_regular=False,
                )
            )
        try:
            with transaction.atomic():
                PayoutLine.objects.bulk_create(lines, batch_size=BULK)
        except IntegrityError as exc:
            raise ValidationError(
                _("A failed line was put on another correction at the same moment. Reload the page and try again."),
                code="corrected_twice",
            ) from exc
    return Correction(batch=correction, waiting=waiting)
