"""Writes and reveals of a parent's benefit profile: where the money goes (收款人, 一卡通 account) and the facts
beyond the archive (reward assistance, a surgery complication).

A bank account is personal data of the highest kind (accounts.sensitivity Tier.BANK): every page shows it masked,
only county staff reveal it — an explicit act, logged like households' reveal of an ID number — and every change
is recorded by pghistory's trigger under ``history_context`` (the audit's change log shows who changed it, masked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Capability
from accounts.scope import authorize
from accounts.sensitivity import FIELD_TIERS, Tier
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.models import BenefitProfile
from households import validation
from households.models import Member

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

# The parents: special assistance is paid to each parent of the family (docs/BENEFITS.md).
PARENT_ROLES = frozenset({Member.Role.HUSBAND, Member.Role.WIFE})
ACCOUNT_FIELDS = ("payee_name", "payee_id_number", "payee_relationship", "account_number", "bank_name")
FACT_FIELDS = ("reward_qualified", "complication_grade", "complication_since")
# The eligibility facts decide money: county staff (who manage the payouts) set them.
FACT_CAPABILITY = Capability.MANAGE_PAYOUTS
# The profile's fields only county staff reveal, as the sensitivity table declares them.
REVEALABLE = tuple(
    key.rsplit(".", 1)[1]
    for key, tier in FIELD_TIERS.items()
    if tier == Tier.BANK and key.startswith("benefits.BenefitProfile.")
)


def account_number_clean(value: Any) -> str:
    """Digits only (spaces and dashes typed to group them dropped), 12 to 32 of them. No Luhn check: not every
    Chinese bank card or 一卡通 passbook number carries one."""
    text = "".join(ch for ch in validation.clean_text(value) if ch not in " -")
    if not text:
        return ""
    if not (text.isascii() and text.isdigit()) or not 12 <= len(text) <= 32:
        raise ValidationError(_("An account number has 12 to 32 digits."), code="account_number")
    return text


def benefit_profile_for(member: Member) -> BenefitProfile:
    """The member's profile, or an unsaved one."""
    try:
        return member.benefit_profile
    except BenefitProfile.DoesNotExist:
        return BenefitProfile(member=member)


def _clean_field(name: str, value: Any, errors: dict[str, list[Any]]) -> Any:
    try:
        if name == "account_number":
            return account_number_clean(value)
        if name == "payee_id_number":
            return validation.id_number_parse(value, today=timezone.localdate()).number if value else ""
        if name == "payee_name":
            return validation.person_name_clean(value)
        return validation.clean_text(value)
    except ValidationError as exc:
        errors.setdefault(name, []).extend(exc.messages)
        return value


_REQUIRED = (
    ("payee_name", gettext_lazy("Enter the payee's name.")),
    ("payee_id_number", gettext_lazy("Enter the payee's ID number.")),
    ("account_number", gettext_lazy("Enter the account number.")),
    ("bank_name", gettext_lazy("Enter the bank.")),
)


def _account_values(profile: BenefitProfile, data: dict[str, Any], errors: dict[str, list[Any]]) -> dict[str, Any]:
    """The account's new values; an empty account number or payee ID number keeps the stored one."""
    if data.get("remove_account"):
        return dict.fromkeys(ACCOUNT_FIELDS, "")
    values = {}
    for name in ACCOUNT_FIELDS:
        if name not in data and name not in {"account_number", "payee_id_number"}:
            continue
        raw = data.get(name) or ""
        if name in {"account_number", "payee_id_number"} and not validation.clean_text(raw):
            values[name] = getattr(profile, name)
        else:
            values[name] = _clean_field(name, raw, errors)
    merged = {name: values.get(name, getattr(profile, name)) for name in ACCOUNT_FIELDS}
    if merged["account_number"] or merged["bank_name"]:  # an account is whole, or it cannot enter a batch
        for name, message in _REQUIRED:
            if not merged[name] and name not in errors:
                errors.setdefault(name, []).append(message)
    return values


def _fact_values(profile: BenefitProfile, data: dict[str, Any], errors: dict[str, list[Any]]) -> dict[str, Any]:
    values = {name: data[name] for name in FACT_FIELDS if name in data}
    grade = values.get("complication_grade", profile.complication_grade)
    since = values.get("complication_since", profile.complication_since)
    if grade and not since:
        errors.setdefault("complication_since", []).append(_("Enter the date of the complication."))
    if not grade and "complication_grade" in values:
        values["complication_since"] = None
    if since:
        try:
            validation.date_check_not_future(since, today=timezone.localdate())
        except ValidationError as exc:
            errors.setdefault("complication_since", []).extend(exc.messages)
    return values


def benefit_profile_save(*, actor: User, member: Member, data: dict[str, Any]) -> BenefitProfile:
    """Set a parent's bank account (the village, town or county of the area) and, for county staff, the facts.

    ``data`` holds the account's fields (an empty account number or payee ID number keeps the stored one: the
    form never holds the full values), ``remove_account`` to clear the account, and the facts only when given.
    """
    household = member.household
    authorize(actor, Capability.EDIT_BANK_ACCOUNTS, within=household.region_path)
    if any(name in data for name in FACT_FIELDS) and not actor.has_capability(FACT_CAPABILITY):
        raise PermissionDenied(_("Your role does not allow this."))
    if member.role not in PARENT_ROLES:
        raise ValidationError(_("Only a parent of the family has a benefit profile."), code="not_a_parent")
    profile = benefit_profile_for(member)
    errors: dict[str, list[Any]] = {}
    values = {**_account_values(profile, data, errors), **_fact_values(profile, data, errors)}
    if errors:
        raise ValidationError(errors)
    if profile.pk is not None and all(getattr(profile, name) == value for name, value in values.items()):
        return profile
    for name, value in values.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["member"])
    with (
        transaction.atomic(),
        history_context(actor=actor, service="benefit_profile_save", region_path=household.region_path),
    ):
        profile.save()
    return profile


def benefit_account_reveal(*, actor: User, member: Member, field_name: str, request: HttpRequest | None = None) -> str:
    """Show one full account number or payee ID number to county staff: an explicit act, logged."""
    household = member.household
    authorize(actor, Capability.REVEAL_BANK_ACCOUNT, within=household.region_path)
    if field_name not in REVEALABLE:
        raise ValidationError(_("This value cannot be revealed."))
    profile = benefit_profile_for(member)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        target=profile if profile.pk else member,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"field": field_name, "household": household.pk, "member": member.pk},
    )
    return getattr(profile, field_name) or ""
