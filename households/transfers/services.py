"""Writes of transfers (迁移). Each checks the capability and the area itself (accounts.scope.authorize) and logs
an access event on both sides: the receiving county's area and the household's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from households import validation
from households.extensions import ChangeReason, household_changed
from households.models import Household, HouseholdTransfer, Member
from households.privacy import mask_value
from households.services import household_number_next
from regions.models import Region
from regions.paths import is_within
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User

Status = HouseholdTransfer.Status


def _record(
    *, actor: User, transfer: HouseholdTransfer, step: str, request: HttpRequest | None, household_side: bool = True
) -> None:
    """The access events of one step: in the receiving county (labelled by the masked ID number until the family
    arrives) and, once the household is known to the actor's side, in the household's area (by its number)."""
    detail = {"step": step, "transfer": transfer.pk}
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.TRANSFER,
        target=transfer,
        target_label=transfer.number_after or transfer.id_number_masked,
        region_path=transfer.to_county.path,
        request=request,
        detail=detail,
    )
    if household_side:
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.TRANSFER,
            target=transfer.household,
            target_label=transfer.number_before,
            region_path=transfer.from_county.path,
            request=request,
            detail=detail,
        )


def _household_by_id_number(number: str) -> Household | None:
    member = Member.objects.filter(id_number=number).select_related("household", "household__county").first()
    return member.household if member is not None else None


@transaction.atomic
def transfer_request(
    *, actor: User, id_number: str, to_village: Region, note: str = "", request: HttpRequest | None = None
) -> HouseholdTransfer:
    """The receiving county asks for the family of the person with this ID number, to live in ``to_village``."""
    authorize(actor, Capability.TRANSFER_HOUSEHOLDS, within=to_village.path)
    if to_village.level != Region.Level.VILLAGE:
        raise ValidationError({"to_village": _("Choose a village or community inside your area.")})
    to_county = Region.objects.county_of(to_village.path)
    try:
        number = validation.id_number_parse(id_number, today=timezone.localdate()).number
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    household = _household_by_id_number(number)
    scope = user_scope_path(actor) or ""
    if household is None or to_county is None or household.county_id == to_county.pk:
        # Nothing to transfer from another county: the same answer whether the number is unknown or in this county.
        raise ValidationError(
            {"id_number": _("No family of another county can be asked for with this ID number. Register it here.")}
        )
    if is_within(household.region_path, scope):  # cannot happen for county staff; kept for any future role
        raise ValidationError({"id_number": _("This family is already inside your area.")})
    transfer = HouseholdTransfer(
        household=household,
        from_county=household.county,
        to_county=to_county,
        to_village=to_village,
        id_number_masked=mask_value("id_number", number),
        note=note.strip(),
        number_before=household.number,
        requested_by=actor,
    )
    transfer.full_clean(validate_constraints=False)
    if HouseholdTransfer.objects.open().filter(household=household).exists():
        raise ValidationError({"id_number": _("A transfer of this family has already been requested.")})
    try:
        with transaction.atomic(), history_context(actor=actor, service="transfer_request"):
            transfer.save()
    except IntegrityError as exc:
        raise ValidationError({"id_number": _("A transfer of this family has already been requested.")}) from exc
    _record(actor=actor, transfer=transfer, step="requested", request=request)
    return transfer


def _open_for_update(transfer: HouseholdTransfer) -> HouseholdTransfer:
    locked = HouseholdTransfer.objects.select_for_update().select_related("household").get(pk=transfer.pk)
    if locked.status != Status.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    return locked


@transaction.atomic
def transfer_accept(
    *, actor: User, transfer: HouseholdTransfer, reason: str = "", request: HttpRequest | None = None
) -> HouseholdTransfer:
    """The sending county accepts: the household (members, visits, history) moves to the receiving county's
    village under its next number; its contacts here end (the contacts extension) and the overdue engine
    re-evaluates it (the visits extension), both through ``household_changed``."""
    authorize(actor, Capability.TRANSFER_HOUSEHOLDS, within=transfer.household.region_path)
    transfer = _open_for_update(transfer)
    household = Household.objects.select_for_update().get(pk=transfer.household_id)
    authorize(actor, Capability.TRANSFER_HOUSEHOLDS, within=household.region_path)
    note = reason.strip()
    household.county = transfer.to_county
    household.village = transfer.to_village
    household.number = household_number_next(county=transfer.to_county)
    household.full_clean(validate_constraints=False)
    now = timezone.now()
    transfer.status = Status.ACCEPTED
    transfer.reason = note
    transfer.number_after = household.number
    transfer.decided_by = actor
    transfer.decided_at = now
    with history_context(actor=actor, service="transfer_accept", reason=note or _("Transferred to another county")):
        household.save()
        transfer.save()
    household_changed(household_ids=[household.pk], reason=ChangeReason.TRANSFERRED)
    _record(actor=actor, transfer=transfer, step="accepted", request=request)
    return transfer


@transaction.atomic
def transfer_refuse(
    *, actor: User, transfer: HouseholdTransfer, reason: str, request: HttpRequest | None = None
) -> HouseholdTransfer:
    """The sending county refuses, saying why (the receiving county reads the reason)."""
    authorize(actor, Capability.TRANSFER_HOUSEHOLDS, within=transfer.household.region_path)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the transfer is refused.")})
    transfer = _open_for_update(transfer)
    transfer.status = Status.REFUSED
    transfer.reason = reason.strip()
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    with history_context(actor=actor, service="transfer_refuse", reason=transfer.reason):
        transfer.save()
    _record(actor=actor, transfer=transfer, step="refused", request=request)
    return transfer


@transaction.atomic
def transfer_cancel(
    *, actor: User, transfer: HouseholdTransfer, reason: str = "", request: HttpRequest | None = None
) -> HouseholdTransfer:
    """The receiving county withdraws its request before the answer."""
    authorize(actor, Capability.TRANSFER_HOUSEHOLDS, within=transfer.to_county.path)
    transfer = _open_for_update(transfer)
    transfer.status = Status.CANCELLED
    transfer.reason = reason.strip()
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    with history_context(actor=actor, service="transfer_cancel", reason=transfer.reason):
        transfer.save()
    _record(actor=actor, transfer=transfer, step="cancelled", request=request)
    return transfer
