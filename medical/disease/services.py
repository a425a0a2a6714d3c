"""Writes of disease and treatment (issue 16 part 6; seed 004 "三个一批"): a member's diagnosed disease with its
treatment class, its follow-ups, its costs and their reimbursement. Each service authorizes its actor
(RECORD_MEDICAL in the household's area) and writes inside a history context; bad input is a ValidationError and
nothing is written.

A chronic patient under contracted management (treatment class ``chronic``, open) is on the family doctor's
worklist through the visits engine's event rules (visits.EventPeriod, written by visits.services.rule_events_write,
like the discharge loop): one period per diagnosis, from ``FOLLOW_UP_WINDOW_DAYS`` before the next follow-up's due
date (never before the day after the last follow-up) to that date, met by the family doctor's contact (home,
phone, online) — overdue, escalated, listed and notified like any rule. A follow-up recorded moves the period to
the next due date; a diagnosis closed or moved to another class drops it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from contacts.models import ServicePerson
from households.models import Household, Member
from medical.models import Diagnosis, DiseaseFollowUp, Institution, TreatmentCost
from regions.models import Region
from visits.models import Rule, Visit
from visits.services import RuleEventSpec, rule_events_write, ruleset_create_default

if TYPE_CHECKING:
    from accounts.models import User

M = Visit.Method

CHRONIC_FOLLOW_UP = "chronic_follow_up"
CHRONIC_RULE: dict[str, Any] = {
    "code": CHRONIC_FOLLOW_UP,
    "name": gettext_noop("Chronic disease: the family doctor's follow-up"),
    "methods": [M.HOME, M.PHONE, M.ONLINE],
    "by_family_doctor": True,
}
# The follow-up's window opens this many days before it is due (a contact of the doctor in it counts).
FOLLOW_UP_WINDOW_DAYS = 14
# A follow-up not done this many days after its due date leaves the worklist (it stays in the history).
CHRONIC_LAPSE_DAYS = 90


def chronic_rule_ensure(*, county: Region) -> Rule:
    """The county's chronic follow-up rule (created the first time; editable with the county's visit rules)."""
    rule_set = ruleset_create_default(county=county)
    rule = Rule.objects.filter(rule_set=rule_set, code=CHRONIC_FOLLOW_UP).first()
    if rule is None:
        with history_context(service="chronic_rule_ensure"):
            rule = Rule.objects.create(
                rule_set=rule_set,
                period=Rule.PeriodKind.EVENT,
                mode=Rule.Mode.OVERDUE,
                lapse_after_days=CHRONIC_LAPSE_DAYS,
                position=110,
                **CHRONIC_RULE,
            )
    return rule


def _source(diagnosis: Diagnosis) -> str:
    return f"medical.diagnosis:{diagnosis.pk}"


def follow_up_period(diagnosis: Diagnosis, *, last_follow_up: date | None) -> tuple[date, date] | None:
    """(start, due) of the diagnosis's next follow-up on the worklist, or None (not chronic, closed, none due)."""
    if not diagnosis.is_chronic_managed or diagnosis.next_due is None:
        return None
    after = (last_follow_up or diagnosis.diagnosed_on) + timedelta(days=1)
    start = max(after, diagnosis.next_due - timedelta(days=FOLLOW_UP_WINDOW_DAYS))
    return min(start, diagnosis.next_due), diagnosis.next_due


def follow_up_events_write(diagnosis: Diagnosis) -> None:
    """The diagnosis's period on the worklist, exactly (none when it needs none); the engine re-evaluates the
    household after the commit."""
    household = diagnosis.household
    last = diagnosis.follow_ups.order_by("-followed_on").values_list("followed_on", flat=True).first()
    period = follow_up_period(diagnosis, last_follow_up=last)
    if period is None or household.status != Household.Status.ACTIVE:
        rule_events_write(source=_source(diagnosis), events=[])
        return
    rule = chronic_rule_ensure(county=household.county)
    rule_events_write(source=_source(diagnosis), events=[RuleEventSpec(household.pk, rule.pk, *period)])


# ------------------------------------------------------------------------------------------------- validation


def _not_future(errors: dict[str, str], name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        errors[name] = _("The date is in the future.")


def _member_of(household: Household, member: Member) -> None:
    if member.household_id != household.pk:
        raise ValidationError({"member": _("The person is not a member of this household.")})


def _institution_of(errors: dict[str, str], household: Household, institution: Institution | None) -> None:
    if institution is not None and institution.county_id != household.county_id:
        errors["institution"] = _("The institution is not one of the household's county.")


# --------------------------------------------------------------------------------------------------- diagnoses


@transaction.atomic
def diagnosis_record(
    *,
    actor: User,
    household: Household,
    member: Member,
    disease: str,
    diagnosed_on: date,
    treatment_class: str,
    disease_name: str = "",
    institution: Institution | None = None,
    follow_up_days: int | None = None,
    note: str = "",
    today: date,
) -> Diagnosis:
    """A diagnosed disease of a member; under contracted chronic management its first follow-up is due
    ``follow_up_days`` after the diagnosis and appears on the family doctor's worklist."""
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    _member_of(household, member)
    errors: dict[str, str] = {}
    _not_future(errors, "diagnosed_on", diagnosed_on, today)
    if member.birth_date and diagnosed_on < member.birth_date:
        errors["diagnosed_on"] = _("The date is before the member's birth.")
    if member.death_date and diagnosed_on > member.death_date:
        errors["diagnosed_on"] = _("The date is after the member's death.")
    if disease == Diagnosis.Disease.OTHER and not disease_name.strip():
        errors["disease_name"] = _("Name the disease.")
    _institution_of(errors, household, institution)
    if errors:
        raise ValidationError(errors)
    diagnosis = Diagnosis(
        household=household,
        member=member,
        disease=disease,
        disease_name=disease_name.strip(),
        diagnosed_on=diagnosed_on,
        institution=institution,
        treatment_class=treatment_class,
        status=Diagnosis.Status.MANAGED
        if treatment_class == Diagnosis.TreatmentClass.CHRONIC
        else Diagnosis.Status.TREATING,
        note=note,
        recorded_by=actor,
    )
    if follow_up_days is not None:
        diagnosis.follow_up_days = follow_up_days
    if diagnosis.treatment_class == Diagnosis.TreatmentClass.CHRONIC:
        diagnosis.next_due = diagnosed_on + timedelta(days=diagnosis.follow_up_days)
    diagnosis.full_clean()
    with history_context(actor=actor, service="diagnosis_record"):
        diagnosis.save()
        follow_up_events_write(diagnosis)
    return diagnosis


@transaction.atomic
def diagnosis_update(
    *,
    actor: User,
    diagnosis: Diagnosis,
    treatment_class: str,
    status: str,
    follow_up_days: int,
    closed_on: date | None = None,
    note: str | None = None,
    today: date,
) -> Diagnosis:
    """Change the treatment class, the follow-up interval or the status (cured or ended: with the day)."""
    authorize(actor, Capability.RECORD_MEDICAL, within=diagnosis.household.region_path)
    errors: dict[str, str] = {}
    closing = status in (Diagnosis.Status.CURED, Diagnosis.Status.ENDED)
    if closing and closed_on is None:
        errors["closed_on"] = _("Give the day the disease was cured or its follow-up ended.")
    if not closing:
        closed_on = None
    _not_future(errors, "closed_on", closed_on, today)
    if closed_on is not None and closed_on < diagnosis.diagnosed_on:
        errors["closed_on"] = _("The day is before the diagnosis.")
    if errors:
        raise ValidationError(errors)
    was_chronic = diagnosis.treatment_class == Diagnosis.TreatmentClass.CHRONIC
    diagnosis.treatment_class = treatment_class
    diagnosis.status = status
    diagnosis.closed_on = closed_on
    changed_interval = follow_up_days != diagnosis.follow_up_days
    diagnosis.follow_up_days = follow_up_days
    if note is not None:
        diagnosis.note = note
    if diagnosis.treatment_class == Diagnosis.TreatmentClass.CHRONIC and (
        not was_chronic or changed_interval or diagnosis.next_due is None
    ):
        last = diagnosis.follow_ups.order_by("-followed_on").values_list("followed_on", flat=True).first()
        diagnosis.next_due = (last or max(diagnosis.diagnosed_on, today)) + timedelta(days=follow_up_days)
    diagnosis.full_clean()
    with history_context(actor=actor, service="diagnosis_update"):
        diagnosis.save()
        follow_up_events_write(diagnosis)
    return diagnosis


# -------------------------------------------------------------------------------------------------- follow-ups


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    diagnosis: Diagnosis,
    followed_on: date,
    method: str,
    result: str,
    by_person: ServicePerson | None = None,
    by_name: str = "",
    result_note: str = "",
    next_due: date | None = None,
    today: date,
) -> DiseaseFollowUp:
    """A follow-up of the disease. Under chronic management the next one is due ``next_due`` (by default the
    diagnosis's interval after this one) and the worklist's period moves there."""
    household = diagnosis.household
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    errors: dict[str, str] = {}
    _not_future(errors, "followed_on", followed_on, today)
    if followed_on < diagnosis.diagnosed_on:
        errors["followed_on"] = _("The follow-up is before the diagnosis.")
    if by_person is None and not by_name.strip():
        errors["by_person"] = _("Say who followed up: the family doctor or another doctor's name.")
    if by_person is not None and not (
        by_person.role_type == ServicePerson.RoleType.FAMILY_DOCTOR
        and ServicePerson.objects.serving(household.region_path).filter(pk=by_person.pk).exists()
    ):
        errors["by_person"] = _("Choose a family doctor serving the household's area.")
    if next_due is not None and next_due <= followed_on:
        errors["next_due"] = _("The next follow-up must be after this one.")
    if not diagnosis.is_open:
        errors["followed_on"] = _("The disease is closed: reopen it before recording a follow-up.")
    if errors:
        raise ValidationError(errors)
    if next_due is None and diagnosis.treatment_class == Diagnosis.TreatmentClass.CHRONIC:
        next_due = followed_on + timedelta(days=diagnosis.follow_up_days)
    follow_up = DiseaseFollowUp(
        diagnosis=diagnosis,
        household=household,
        followed_on=followed_on,
        by_person=by_person,
        by_name=by_name.strip(),
        method=method,
        result=result,
        result_note=result_note,
        next_due=next_due,
        recorded_by=actor,
    )
    follow_up.full_clean()
    with history_context(actor=actor, service="follow_up_record"):
        follow_up.save()
        latest = diagnosis.follow_ups.order_by("-followed_on", "-id").first()
        if latest is not None and latest.pk == follow_up.pk:
            diagnosis.next_due = next_due
            diagnosis.save(update_fields=["next_due"])
        follow_up_events_write(diagnosis)
    return follow_up


# ------------------------------------------------------------------------------------------------------ costs

AMOUNT_FIELDS = ("total", *TreatmentCost.REIMBURSED_FIELDS)


@transaction.atomic
def cost_record(
    *,
    actor: User,
    diagnosis: Diagnosis,
    incurred_on: date,
    kind: str,
    total: Decimal,
    institution: Institution | None = None,
    note: str = "",
    today: date,
    **amounts: Decimal | None,
) -> TreatmentCost:
    """A treatment's cost and what paid it (insurance, serious-illness insurance, assistance, safety net, other);
    together never more than the cost."""
    household = diagnosis.household
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    values = {name: amounts.get(name) or Decimal(0) for name in TreatmentCost.REIMBURSED_FIELDS}
    errors: dict[str, str] = {}
    _not_future(errors, "incurred_on", incurred_on, today)
    _institution_of(errors, household, institution)
    if total is None:
        errors["total"] = _("Give the total cost.")
    for name, value in (("total", total), *values.items()):
        if value is not None and value < 0:
            errors[name] = _("The amount cannot be negative.")
    if not errors and sum(values.values(), Decimal(0)) > total:
        errors["total"] = _("The reimbursements (%(paid)s yuan) are more than the total cost (%(total)s yuan).") % {
            "paid": sum(values.values(), Decimal(0)),
            "total": total,
        }
    if errors:
        raise ValidationError(errors)
    cost = TreatmentCost(
        diagnosis=diagnosis,
        household=household,
        incurred_on=incurred_on,
        kind=kind,
        institution=institution,
        total=total,
        note=note,
        recorded_by=actor,
        **values,
    )
    cost.full_clean()
    with history_context(actor=actor, service="cost_record"):
        cost.save()
    return cost
