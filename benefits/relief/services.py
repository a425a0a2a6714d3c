"""Writes of relief and gifts (docs/BENEFITS.md §Relief and gifts): one-off help per household or person.

Every change is recorded by pghistory's trigger under ``history_context``; the services check the capability and
the household's area themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from benefits.models import Relief
from households import validation

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household

RELIEF_FIELDS = ("member", "kind", "amount", "given_on", "source", "approved_by", "note")
# Money handed over: its amount is required. Goods, cards and services may carry their value, or none.
MONEY_KINDS = frozenset({Relief.Kind.TEMPORARY, Relief.Kind.RED_CROSS})


def _apply(relief: Relief, data: dict[str, Any]) -> None:
    for name in RELIEF_FIELDS:
        if name in data:
            value = data[name]
            setattr(relief, name, validation.clean_text(value) if isinstance(value, str) else value)
    errors: dict[str, list[Any]] = {}
    if relief.member is not None and relief.member.household_id != relief.household_id:
        errors.setdefault("member", []).append(_("The person is not a member of this household."))
    if relief.kind in MONEY_KINDS and relief.amount is None:
        errors.setdefault("amount", []).append(_("Enter the amount of money given."))
    if relief.amount is not None and relief.amount < 0:
        errors.setdefault("amount", []).append(_("The amount cannot be negative."))
    try:
        validation.date_check_not_future(relief.given_on, today=timezone.localdate())
    except ValidationError as exc:
        errors.setdefault("given_on", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    relief.full_clean(exclude=["household", "recorded_by"])


def relief_create(*, actor: User, household: Household, data: dict[str, Any]) -> Relief:
    authorize(actor, Capability.RECORD_RELIEF, within=household.region_path)
    relief = Relief(household=household, recorded_by=actor)
    _apply(relief, data)
    with transaction.atomic(), history_context(actor=actor, service="relief_create"):
        relief.save()
    return relief


def relief_update(*, actor: User, relief: Relief, data: dict[str, Any]) -> Relief:
    authorize(actor, Capability.RECORD_RELIEF, within=relief.household.region_path)
    _apply(relief, data)
    with transaction.atomic(), history_context(actor=actor, service="relief_update"):
        relief.save()
    return relief


def relief_delete(*, actor: User, relief: Relief, reason: str = "") -> None:
    authorize(actor, Capability.RECORD_RELIEF, within=relief.household.region_path)
    with transaction.atomic(), history_context(actor=actor, service="relief_delete", reason=reason):
        relief.delete()
