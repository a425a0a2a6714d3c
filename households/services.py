"""Writes on the household archive. Row history is recorded by pghistory's triggers; access events here.

Every write checks the area scope itself (a form or an import naming a village outside the actor's area
is an error), validates through households.validation (via ``full_clean``) and raises ValidationError.
Errors about one member are keyed ``members.<index>.<field>`` so a form can show them in the right row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Capability
from accounts.scope import authorize, require_capability
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from households import validation
from households.extensions import ChangeReason, household_changed
from households.models import Household, Member, SavedFilter
from households.privacy import REVEALABLE_FIELDS, mask_value
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User

HOUSEHOLD_EDITABLE = frozenset(
    {
        "village",
        "number",
        "family_type",
        "certificate_number",
        "address",
        "living_situation",
        "poverty_registered",
        "subsistence_allowance",
        "difficulties",
        "difficulties_note",
        "visit_preferences",
        "do_not_disturb",
        "registered_on",
        "child_name",
        "child_sex",
        "child_birth_date",
        "child_event_date",
        "child_disability_grade",
        "residence",
        "child_recovered_on",
        "other_child_on",
    }
)
MEMBER_EDITABLE = frozenset(
    {
        "name",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "role",
        "alive",
        "death_date",
        "self_care",
        "health_notes",
        "chronic_diseases",
        "major_diseases",
        "disability",
    }
)


@dataclass
class MemberChange:
    """One member row of a household form or a roster: new (pk None), changed, or to delete."""

    index: int
    pk: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    delete: bool = False


def _village_in_area(*, actor: User, village: Region | None) -> Region:
    """The household's village must be a village inside the actor's area."""
    if village is None or not Region.objects.visible_to(actor).villages().filter(pk=village.pk).exists():
        raise ValidationError({"village": _("Choose a village or community inside your area.")})
    return village


def _county_of(village: Region) -> Region:
    county = Region.objects.county_of(village.path)
    if county is None:
        raise Region.DoesNotExist(village.path)
    return county


def household_number_next(*, county: Region) -> str:
    """The next free number of a county, ``630103-00042``. Locks the county row: one writer at a time."""
    Region.objects.select_for_update().filter(pk=county.pk).first()
    return household_number_format(county=county, sequence=household_number_last(county=county) + 1)


def household_number_last(*, county: Region) -> int:
    """The sequence of the county's last number in its scheme (0 for none). The caller holds the county row's
    lock (household_number_next, the roster import) while it hands out the next ones."""
    numbers = Household.objects.filter(county=county, number__regex=rf"^{county.code}-[0-9]{{5,}}$").values_list(
        "number", flat=True
    )
    return max((int(n.rsplit("-", 1)[1]) for n in numbers.order_by("-number")[:1]), default=0)


def household_number_format(*, county: Region, sequence: int) -> str:
    """The county's household number with this sequence: ``630103-00042``."""
    return f"{county.code}-{sequence:05d}"


def household_number_sequence(*, county: Region, number: str) -> int | None:
    """The sequence of a number in the county's scheme (``630103-00042``: 42), None for any other number."""
    prefix, _sep, sequence = number.rpartition("-")
    if prefix == county.code and len(sequence) >= 5 and sequence.isascii() and sequence.isdigit():
        return int(sequence)
    return None


# A bare household number: a roster's own numbering (1, 00001), without the county's code.
BARE_NUMBER = re.compile(r"[0-9]{1,5}")


def household_number_in_scheme(*, county: Region, number: str) -> str:
    """One numbering per county (docs/ROSTER.md §Outcome): a bare number (``00001``, ``1``) is the
    county's number of that sequence, ``630103-00001``; any other number stays as it is written."""
    number = number.strip()
    if BARE_NUMBER.fullmatch(number):
        return household_number_format(county=county, sequence=int(number))
    return number


IDENTITY_CONFLICT_MESSAGE = gettext_lazy(
    "This person cannot be registered here; the county association can move the family's file to your area."
)


class IdentityConflictError(ValidationError):
    """A write refused because a person of it is registered outside the actor's area (docs/SECURITY.md §Access).

    The answer says neither where nor what (no existence oracle beyond "cannot be registered here"); the caller
    records the attempt with :func:`identity_conflict_record` after its transaction rolled back.
    """

    masked_numbers: list[str]


def identity_conflict_record(
    *,
    actor: User,
    service: str,
    masked_numbers: list[str],
    request: HttpRequest | None = None,
    region_path: str | None = None,
) -> AccessEvent:
    """Log an attempt to register persons registered outside the actor's area, in the actor's own area
    (``region_path``: that area when the actor may have moved since, as for a roster job)."""
    return access_event_record(
        actor=actor,
        action=AccessEvent.Action.IDENTITY_CONFLICT,
        target_label=service,
        region_path=region_path,
        request=request,
        detail={"service": service, "persons": len(masked_numbers), "id_numbers": masked_numbers},
    )


def _id_conflicts(
    *, actor: User, household: Household | None, changes: list[MemberChange], outside: list[str]
) -> dict[str, list]:
    """ID numbers used twice in the form, or by a person of another household.

    A person of another household is named by its household number when that household is inside the
    actor's area; when it is not, the answer is the neutral IDENTITY_CONFLICT_MESSAGE (no hint of where, or
    that the person is a special family's), and the masked number is added to ``outside`` for the log.
    """
    errors: dict[str, list] = {}
    numbers: dict[int, str] = {}
    for change in changes:
        if change.delete or not change.data.get("id_number"):
            continue
        try:
            numbers[change.index] = validation.id_number_parse(change.data["id_number"]).number
        except ValidationError:
            continue  # full_clean reports it
    counts = Counter(numbers.values())
    for index, number in numbers.items():
        if counts[number] > 1:
            errors.setdefault(f"members.{index}.id_number", []).append(
                _("This ID number is entered twice in this household.")
            )
    others = Member.objects.filter(id_number__in=set(numbers.values()))
    if household is not None and household.pk:
        others = others.exclude(household=household)
    # Each other person's household number, and whether that household is inside the actor's area.
    by_number = {
        id_number: (in_area, household_number)
        for id_number, in_area, household_number in others.annotate(
            in_area=Exists(Household.objects.visible_to(actor).filter(pk=OuterRef("household_id")))
        ).values_list("id_number", "in_area", "household__number")
    }
    for index, number in numbers.items():
        other = by_number.get(number)
        if other is None:
            continue
        in_area, household_number = other
        if in_area:
            message = _("This person is already registered in household %(number)s.") % {"number": household_number}
        else:
            message = str(IDENTITY_CONFLICT_MESSAGE)
            outside.append(mask_value("id_number", number))
        errors.setdefault(f"members.{index}.id_number", []).append(message)
    return errors


def _apply_members(
    *, actor: User, household: Household, changes: list[MemberChange], existing: dict[int, Member]
) -> tuple[list[Member], list[Member], dict[str, list], list[str]]:
    """Build and validate the member rows; returns (to save, to delete, errors, masked ID numbers registered
    outside the actor's area)."""
    outside: list[str] = []
    errors = _id_conflicts(actor=actor, household=household, changes=changes, outside=outside)
    to_save: list[Member] = []
    to_delete: list[Member] = []
    roles: Counter[str] = Counter()
    for change in changes:
        unknown = set(change.data) - MEMBER_EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if change.pk is not None and change.pk not in existing:
            raise ValidationError(_("A member does not belong to this household."))
        if change.delete:
            if change.pk is not None:
                to_delete.append(existing[change.pk])
            continue
        member = _member_build(household=household, change=change, existing=existing, errors=errors)
        roles[member.role] += 1
        to_save.append(member)
    for role in (Member.Role.HUSBAND, Member.Role.WIFE):
        if roles[role] > 1:
            errors.setdefault("__all__", []).append(
                _("A household has one %(role)s.") % {"role": Member.Role(role).label.lower()}
            )
    if not to_save:
        errors.setdefault("__all__", []).append(_("A household has at least one member."))
    return to_save, to_delete, errors, outside


def _member_values(member: Member) -> tuple:
    """What a member's row holds, but for its timestamps: equal before and after = nothing to write."""
    return tuple(
        getattr(member, f.attname) for f in Member._meta.concrete_fields if f.name not in ("created_at", "updated_at")
    )


def _member_build(
    *, household: Household, change: MemberChange, existing: dict[int, Member], errors: dict[str, list]
) -> Member:
    """The member the change makes (not saved), validated: its errors go into `errors` under its form index."""
    member = existing[change.pk] if change.pk is not None else Member(household=household)
    for name, value in change.data.items():
        setattr(member, name, value)
    if member.id_number == "":
        member.id_number = None
    try:
        member.full_clean(exclude=["household"], validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(f"members.{change.index}.{name}", []).extend(messages)
    return member


def _household_apply(household: Household, data: dict[str, Any]) -> bool:
    """Set the form's values on the household; returns whether anything differs from what is stored."""
    unknown = set(data) - HOUSEHOLD_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "difficulties" in data:  # one order (the list of choices'), so a form that sends another is no change
        order = {value: i for i, value in enumerate(Household.Difficulty.values)}
        data = {**data, "difficulties": sorted(data["difficulties"] or [], key=lambda v: order.get(v, len(order)))}
    dirty = household.pk is None or any(getattr(household, name) != value for name, value in data.items())
    for name, value in data.items():
        setattr(household, name, value)
    return dirty


def _write(
    *, actor: User, household: Household, data: dict[str, Any], members: list[MemberChange], service: str
) -> Household:
    require_capability(actor, Capability.EDIT_HOUSEHOLDS)  # the area: _village_in_area below
    reason = ChangeReason.EDITED if household.pk else ChangeReason.REGISTERED
    number_stored = household.number if household.pk else None
    household_dirty = _household_apply(household, data)
    village = _village_in_area(actor=actor, village=household.village)
    household.county = _county_of(village)
    if not household.number:
        household.number = household_number_next(county=household.county)
    elif household.number != number_stored:  # a number typed (a stored bare number is left until it is changed)
        household.number = household_number_in_scheme(county=household.county, number=household.number)
    errors: dict[str, list] = {}
    try:
        household.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    existing = {m.pk: m for m in Member.objects.filter(household=household)} if household.pk else {}
    stored = {pk: _member_values(member) for pk, member in existing.items()}
    to_save, to_delete, member_errors, outside = _apply_members(
        actor=actor, household=household, changes=members, existing=existing
    )
    for key, messages in member_errors.items():
        errors.setdefault(key, []).extend(messages)
    if outside:
        conflict = IdentityConflictError(errors)
        conflict.masked_numbers = outside
        raise conflict
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic(), history_context(actor=actor, service=service):
            # Only what changed is written: an unchanged row saved again would get a new updated_at and an
            # empty "changed" entry in its history.
            if household_dirty:
                household.save()
            for member in to_delete:
                member.delete()
            for member in to_save:
                if member.pk is None or stored.get(member.pk) != _member_values(member):
                    member.household = household
                    member.save()
    except IntegrityError as exc:  # a concurrent write took the number or an ID number meanwhile
        raise ValidationError(_("Someone else changed these records at the same time. Please try again.")) from exc
    household_changed(household_ids=[household.pk], reason=reason)
    return household


def _write_logging_conflicts(
    *,
    actor: User,
    household: Household,
    data: dict[str, Any],
    members: list[MemberChange],
    service: str,
    request: HttpRequest | None,
) -> Household:
    """_write in one unit of work; a refused identity conflict is logged after that unit rolled back."""
    try:
        with transaction.atomic():
            return _write(actor=actor, household=household, data=data, members=members, service=service)
    except IdentityConflictError as exc:
        identity_conflict_record(actor=actor, service=service, masked_numbers=exc.masked_numbers, request=request)
        raise


def household_create(
    *, actor: User, data: dict[str, Any], members: list[MemberChange], request: HttpRequest | None = None
) -> Household:
    """Register a family (建档立卡) with its members. A blank number gets the county's next one."""
    return _write_logging_conflicts(
        actor=actor, household=Household(), data=data, members=members, service="household_create", request=request
    )


def household_update(
    *,
    actor: User,
    household: Household,
    data: dict[str, Any],
    members: list[MemberChange],
    request: HttpRequest | None = None,
) -> Household:
    """Change a household and its members (add, change, delete) in one unit of work."""
    if not household.is_active:
        raise ValidationError(_("This household is closed. Reopen it before changing it."))
    return _write_logging_conflicts(
        actor=actor, household=household, data=data, members=members, service="household_update", request=request
    )


@transaction.atomic
def household_close(*, actor: User, household: Household, reason: str, closed_on: date, note: str = "") -> Household:
    """Close the file (both parents deceased, moved away, no longer eligible …). History is kept."""
    authorize(actor, Capability.EDIT_HOUSEHOLDS, within=household.region_path)
    if not household.is_active:
        raise ValidationError(_("This household is already closed."))
    if closed_on < household.registered_on:
        raise ValidationError({"closed_on": _("A household cannot close before it was registered.")})
    household.status = Household.Status.CLOSED
    household.closed_reason = reason
    household.closed_on = closed_on
    household.closed_note = note
    household.full_clean()
    with history_context(actor=actor, service="household_close", reason=note):
        household.save()
    household_changed(household_ids=[household.pk], reason=ChangeReason.CLOSED)
    return household


@transaction.atomic
def household_reopen(*, actor: User, household: Household, note: str) -> Household:
    """Reopen a closed file (closed by mistake, moved back). The reason is required and kept in history."""
    authorize(actor, Capability.EDIT_HOUSEHOLDS, within=household.region_path)
    if household.is_active:
        raise ValidationError(_("This household is not closed."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the household is reopened.")})
    household.status = Household.Status.ACTIVE
    household.closed_reason = ""
    household.closed_on = None
    household.closed_note = note.strip()
    household.full_clean()
    with history_context(actor=actor, service="household_reopen", reason=note.strip()):
        household.save()
    household_changed(household_ids=[household.pk], reason=ChangeReason.REOPENED)
    return household


def household_access_record(
    *, actor: User, household: Household, action: str, request: HttpRequest | None = None, detail: dict | None = None
) -> AccessEvent:
    """Log a view or an export of one household's archive (labelled by its number, never by a name)."""
    return access_event_record(
        actor=actor,
        action=action,
        target=household,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail=detail,
    )


def member_value_reveal(
    *, actor: User, household: Household, member: Member, field_name: str, request: HttpRequest | None = None
) -> str:
    """Show one full ID number or phone: a capability, an explicit action and a logged event."""
    authorize(actor, Capability.REVEAL_PERSONAL, within=household.region_path)
    if field_name not in REVEALABLE_FIELDS or member.household_id != household.pk:
        raise ValidationError(_("This value cannot be revealed."))
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        target=member,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"field": field_name, "household": household.pk},
    )
    return getattr(member, field_name) or ""


def household_list_export_record(
    *, actor: User, count: int, full_values: bool, filters: dict[str, str], request: HttpRequest | None = None
) -> AccessEvent:
    """Log an export of the filtered list (the filters, never the search text)."""
    return access_event_record(
        actor=actor,
        action=AccessEvent.Action.EXPORT,
        target_label=_("Household list (%(n)d)") % {"n": count},
        request=request,
        detail={"format": "xlsx", "rows": count, "full_values": full_values, "filters": filters},
    )


@transaction.atomic
def saved_filter_save(*, user: User, name: str, params: dict[str, str]) -> SavedFilter:
    """Save (or replace) a named filter of the user's household list."""
    saved = SavedFilter.objects.filter(user=user, name=name.strip()).first() or SavedFilter(
        user=user, name=name.strip()
    )
    saved.params = params
    saved.full_clean()
    saved.save()
    return saved


def saved_filter_delete(*, saved_filter: SavedFilter) -> None:
    saved_filter.delete()
