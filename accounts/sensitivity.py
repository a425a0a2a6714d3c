"""Sensitive data by tier, in one place (docs/SECURITY.md §Personal data, §Roles).

Every sensitive field of every model is declared here, once, with its tier; every page, print page, PDF, xlsx
export, archive timeline and audit diff asks this module what a reader may see of it:

* **personal** (ID number, phone, later a bank account): shown masked (GB/T 35273); the full value only on an
  explicit, logged reveal by a role that may reveal;
* **health** (members' health notes and diseases, the household's needs note, a visit's health note) and
  **mental health** (a visit's mood note, the mental-health difficulty; later medical's assessments): medical
  roles (the family doctor) and county staff only. Anyone else sees "(restricted)", never the value.

The fields are named by ``"app_label.Model.field"`` strings, so this module sits below the apps that own them
(households, visits, later benefits and medical) and they all read one table. A new sensitive field is one line in
``FIELD_TIERS`` (a choice value of a list field: one line in ``VALUE_TIERS``); a personal field that needs its own
mask adds one line in ``MASKS`` (otherwise the last four characters are kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.roles import Capability

if TYPE_CHECKING:
    from accounts.models import User


class Tier(StrEnum):
    PERSONAL = "personal"
    BANK = "bank"  # a bank account and its payee's ID number: masked for all; only county staff reveal, logged
    HEALTH = "health"
    MENTAL_HEALTH = "mental_health"


# The sensitive fields: "app_label.Model.field" → tier. One line per field.
FIELD_TIERS: dict[str, Tier] = {
    "households.Member.id_number": Tier.PERSONAL,
    "households.Member.phone": Tier.PERSONAL,
    "accounts.User.phone": Tier.PERSONAL,
    "activities.Volunteer.phone": Tier.PERSONAL,
    # Not here: a service person's (四对一 contact's) phone is a work number printed on the contact card that the
    # family keeps, so that it can call; every page that shows the contacts shows it in full (docs/SECURITY.md).
    "households.Member.health_notes": Tier.HEALTH,
    "households.Member.chronic_diseases": Tier.HEALTH,
    "households.Member.major_diseases": Tier.HEALTH,
    "households.Member.disability": Tier.HEALTH,
    "households.Household.difficulties_note": Tier.HEALTH,
    "visits.Visit.health": Tier.HEALTH,
    "visits.Visit.mood": Tier.MENTAL_HEALTH,
    # benefits: where the money goes (一卡通). The payout line keeps the values as they were sent to the bank.
    "benefits.BenefitProfile.account_number": Tier.BANK,
    "benefits.BenefitProfile.payee_id_number": Tier.BANK,
    "benefits.PayoutLine.account_number": Tier.BANK,
    "benefits.PayoutLine.payee_id_number": Tier.BANK,
    "benefits.PayoutLine.beneficiary_id_number": Tier.PERSONAL,
    "benefits.PayoutLine.head_id_number": Tier.PERSONAL,
    "benefits.PayoutLine.phone": Tier.PERSONAL,
    # medical: what happened in hospital and what a check found (medical roles and county staff only).
    "medical.ChannelUse.kind": Tier.HEALTH,
    "medical.ChannelUse.services": Tier.HEALTH,
    "medical.ChannelUse.admitted_on": Tier.HEALTH,
    "medical.ChannelUse.discharged_on": Tier.HEALTH,
    "medical.ChannelUse.note": Tier.HEALTH,
    "medical.HealthCheck.items": Tier.HEALTH,
    "medical.HealthCheck.abnormal_findings": Tier.HEALTH,
    "medical.HealthCheck.follow_up": Tier.HEALTH,
    "medical.Contract.personalised_note": Tier.HEALTH,
    # medical, disease and treatment: every disease, its class, follow-ups and costs.
    "medical.Diagnosis.disease": Tier.HEALTH,
    "medical.Diagnosis.disease_name": Tier.HEALTH,
    "medical.Diagnosis.treatment_class": Tier.HEALTH,
    "medical.Diagnosis.note": Tier.HEALTH,
    "medical.DiseaseFollowUp.result": Tier.HEALTH,
    "medical.DiseaseFollowUp.result_note": Tier.HEALTH,
    "medical.TreatmentCost.total": Tier.HEALTH,
    "medical.TreatmentCost.note": Tier.HEALTH,
    # medical, mental health: everything an assessment says (its existence is shown to nobody else either).
    "medical.MentalAssessment.instrument": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.answers": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.total": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.score": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.band": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.details": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.risk_level": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.action": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.notes": Tier.MENTAL_HEALTH,
    "medical.MentalAssessment.urgent": Tier.MENTAL_HEALTH,
}

# The tiers shown masked (the full value only on an explicit, logged reveal), not hidden.
MASKED_TIERS = frozenset({Tier.PERSONAL, Tier.BANK})

# Sensitive values of a list of choices: "app_label.Model.field" → {value: tier}. A reader who may not see the
# tier sees the list without the value (a "(restricted)" in its place would name it: it is the only such value).
VALUE_TIERS: dict[str, dict[str, Tier]] = {
    "households.Household.difficulties": {"mental_health": Tier.MENTAL_HEALTH},
}

# Who may see each tier in full: one capability per tier (the roles are in accounts.roles.CAPABILITY_ROLES).
TIER_CAPABILITIES: dict[Tier, Capability] = {
    Tier.PERSONAL: Capability.REVEAL_PERSONAL,
    Tier.BANK: Capability.REVEAL_BANK_ACCOUNT,
    Tier.HEALTH: Capability.VIEW_HEALTH,
    Tier.MENTAL_HEALTH: Capability.VIEW_MENTAL_HEALTH,
}

RESTRICTED = gettext_lazy("(restricted)")


def mask_id_number(value: str) -> str:
    """``630103196503020695`` → ``6301**********0694`` (first four and last four kept)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Mobile ``13800000014`` → ``138****0014``; landline ``0971-1234567`` → ``0971-***4567``."""
    if not value:
        return ""
    if "-" in value:
        area, _sep, rest = value.partition("-")
        return f"{area}-{'*' * max(len(rest) - 4, 0)}{rest[-4:]}"
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_default(value: str) -> str:
    """Any other personal value (a bank account …): the last four characters kept."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:] if len(value) > 4 else "*" * len(value)


# How a personal field is masked, where it is not ``mask_default``.
MASKS: dict[str, Callable[[str], str]] = {
    "households.Member.id_number": mask_id_number,
    "households.Member.phone": mask_phone,
    "accounts.User.phone": mask_phone,
    "activities.Volunteer.phone": mask_phone,
    "benefits.BenefitProfile.payee_id_number": mask_id_number,
    "benefits.PayoutLine.payee_id_number": mask_id_number,
    "benefits.PayoutLine.beneficiary_id_number": mask_id_number,
    "benefits.PayoutLine.head_id_number": mask_id_number,
    "benefits.PayoutLine.phone": mask_phone,
}


def field_key(model: Any, name: str) -> str:
    """``"households.Member.phone"`` for a model class (or instance) or its label, and a field name."""
    label = model if isinstance(model, str) else model._meta.label
    return f"{label}.{name}"


def field_tier(model: Any, name: str) -> Tier | None:
    """The tier of one field, or None when it is not sensitive."""
    return FIELD_TIERS.get(field_key(model, name))


def may_see(user: User | None, tier: Tier | None) -> bool:
    """The one decision: may ``user`` see values of ``tier`` in full?

    Not sensitive: yes. Health and mental health: the roles with the tier's capability (medical roles and county
    staff). Personal: the roles that may reveal — and even they see the value masked until they ask for it (an
    explicit act, logged). A user who is anonymous, inactive or has no area may see nothing.
    """
    if tier is None:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_capability(TIER_CAPABILITIES[tier])


def mask(model: Any, name: str, value: Any) -> str:
    """The masked form of a personal value."""
    key = field_key(model, name)
    return MASKS.get(key, mask_default)(str(value or ""))


def shown(user: User | None, model: Any, name: str, value: Any, *, revealed: bool = False) -> Any:
    """What ``user`` is shown of ``model.name`` holding ``value``.

    Not sensitive: the value itself. Personal: masked, unless ``revealed`` (an explicit, logged act) and the user
    may reveal. Health and mental health: the value for those who may see it, else "(restricted)" — empty or not,
    so the page does not tell whether there is something to hide.
    """
    tier = field_tier(model, name)
    if tier is None:
        return value
    if tier in MASKED_TIERS:
        return str(value or "") if revealed and may_see(user, tier) else mask(model, name, value)
    return value if may_see(user, tier) else RESTRICTED


def is_restricted(value: Any) -> bool:
    """True for the placeholder ``shown`` gives instead of a value the reader may not see."""
    return isinstance(value, Promise) and value == RESTRICTED


def restricted_fields(user: User | None, model: Any) -> frozenset[str]:
    """The fields of ``model`` whose values ``user`` may not see at all (health, mental health; not personal,
    which is shown masked): the forms leave them out, the pages show "(restricted)"."""
    label = model if isinstance(model, str) else model._meta.label
    prefix = f"{label}."
    return frozenset(
        key[len(prefix) :]
        for key, tier in FIELD_TIERS.items()
        if key.startswith(prefix) and tier not in MASKED_TIERS and not may_see(user, tier)
    )


def hidden_values(user: User | None, model: Any, name: str) -> frozenset[str]:
    """The choice values of a list field that ``user`` may not see (the mental-health difficulty …)."""
    tiers = VALUE_TIERS.get(field_key(model, name), {})
    return frozenset(value for value, tier in tiers.items() if not may_see(user, tier))


def visible_values(user: User | None, model: Any, name: str, values: Iterable[Any]) -> list[Any]:
    """The values of a list field that ``user`` may see, in order."""
    hidden = hidden_values(user, model, name)
    return [v for v in values or () if v not in hidden]
