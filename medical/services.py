"""Writes of the medical app: settings, institutions, green-channel cards and uses (and the discharge loop),
family-doctor contracts, health checks. Each service authorizes its actor itself (accounts.scope.authorize) and
writes inside a history context; bad input is a ValidationError and nothing is written.

The discharge loop (MEDICAL.md "What the portal can do"): a discharge opens, for the household, two periods of the
visits engine's event rules (visits.EventPeriod) — the hand-over to the family doctor (a contact by the doctor,
due ``handover_days`` after the discharge) and the doctor's follow-up home visit (due ``doctor_visit_days`` after);
once the doctor's follow-up visit is logged, ``discharge_loop_advance`` opens the third, the contact's visit (due
``liaison_visit_days`` after the doctor's). Each is overdue, escalated, listed and notified like any rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import Capability
from accounts.scope import authorize, require_capability
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from contacts.models import ServicePerson
from core.scans import scan_content_type, scan_type_check
from households.models import Household, Member
from households.validation import phone_normalize
from medical.models import ChannelUse, Contract, GreenCard, HealthCheck, Institution, MedicalSettings
from regions.models import Region
from regions.paths import is_within
from visits.models import Rule, Visit
from visits.services import RuleEventSpec, household_refresh_on_commit, rule_events_write, ruleset_create_default

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

M = Visit.Method

# ---------------------------------------------------------------------------------------------------- settings


def settings_for(county: Region) -> MedicalSettings:
    """The county's settings (the defaults, unsaved, until its staff change them)."""
    found = MedicalSettings.objects.filter(county=county).first()
    return found or MedicalSettings(county=county)


SETTING_FIELDS = (
    "certificate_counts",
    "contact_card_counts",
    "handover_days",
    "doctor_visit_days",
    "liaison_visit_days",
    "unserved_days",
    "renewal_window_days",
    "check_age",
)


def medical_settings_update(*, actor: User, county: Region, **fields: Any) -> MedicalSettings:
    authorize(actor, Capability.MANAGE_INSTITUTIONS, within=county.path)
    row = settings_for(county)
    for name in SETTING_FIELDS:
        if name in fields:
            setattr(row, name, fields[name])
    row.full_clean()
    with history_context(actor=actor, service="medical_settings_update"):
        row.save()
    return row


# ------------------------------------------------------------------------------------------------------- files

# The green-channel rules: PDF, JPEG or PNG, recognised by their first bytes (never by the name).
FILE_MAX_BYTES: int = getattr(settings, "MEDICAL_FILE_MAX_BYTES", 10 * 1024 * 1024)


def file_type_check(upload: UploadedFile) -> str:
    """The file's real type (pdf, jpg, png) by its first bytes, or a ValidationError; never by its name."""
    return scan_type_check(upload, max_bytes=FILE_MAX_BYTES)


def file_content_type(name: str) -> str:
    return scan_content_type(name)


# ------------------------------------------------------------------------------------------------ institutions

INSTITUTION_FIELDS = (
    "name",
    "level",
    "grade",
    "region",
    "address",
    "responsible_name",
    "responsible_phone",
    "liaison_name",
    "liaison_phone",
    "rules_summary",
    "services",
    "priority_window",
    "active",
)


def _phones(fields: dict[str, Any], names: Sequence[str]) -> None:
    errors: dict[str, list[ValidationError]] = {}
    for name in names:
        value = fields.get(name) or ""
        if not value:
            fields[name] = ""
            continue
        try:
            fields[name] = phone_normalize(value)
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def institution_save(
    *,
    actor: User,
    county: Region,
    institution: Institution | None = None,
    rules_upload: UploadedFile | None = None,
    **fields: Any,
) -> Institution:
    """Create or change a designated institution of ``county`` (county staff). The rules file, if given, is
    checked by its first bytes and stored under a name of the portal's."""
    authorize(actor, Capability.MANAGE_INSTITUTIONS, within=county.path)
    fields = {k: v for k, v in fields.items() if k in INSTITUTION_FIELDS}
    _phones(fields, ("responsible_phone", "liaison_phone"))
    region = fields.get("region")
    if region is not None and not is_within(region.path, county.path):
        raise ValidationError({"region": _("The area is outside the county.")})
    row = institution or Institution(county=county)
    for name, value in fields.items():
        setattr(row, name, value)
    if row.region_id is None:
        row.region = county
    if rules_upload is not None:
        extension = file_type_check(rules_upload)
        row.rules_file_name = (rules_upload.name or "")[:200]
        row.rules_file.save(f"{uuid.uuid4().hex}.{extension}", rules_upload, save=False)
    row.full_clean()
    with history_context(actor=actor, service="institution_save"):
        row.save()
    return row


def institution_rules_open(*, actor: User, institution: Institution, request: HttpRequest | None = None) -> IO[bytes]:
    """The institution's rules file for a reader of the county; each read is logged."""
    if not (
        actor.has_capability(Capability.VIEW_MEDICAL_STATUS) or actor.has_capability(Capability.MANAGE_INSTITUTIONS)
    ):
        require_capability(actor, Capability.VIEW_MEDICAL_STATUS)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=institution,
        target_label=institution.name,
        region_path=institution.county.path,
        request=request,
        detail={"page": "institution_rules"},
    )
    return institution.rules_file.open("rb")


# ------------------------------------------------------------------------------------------------ card and uses


def _not_future(errors: dict[str, str], name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        errors[name] = _("The date is in the future.")


def _member_of(household: Household, member: Member) -> None:
    if member.household_id != household.pk:
        raise ValidationError({"member": _("The person is not a member of this household.")})


@transaction.atomic
def green_card_record(
    *, actor: User, household: Household, member: Member, kind: str, number: str, issued_on: date, today: date
) -> GreenCard:
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    _member_of(household, member)
    errors: dict[str, str] = {}
    _not_future(errors, "issued_on", issued_on, today)
    if errors:
        raise ValidationError(errors)
    card = GreenCard(household=household, member=member, kind=kind, number=number.strip(), issued_on=issued_on)
    card.full_clean()
    with history_context(actor=actor, service="green_card_record"):
        card.save()
    return card


@transaction.atomic
def green_card_withdraw(*, actor: User, card: GreenCard, withdrawn_on: date, today: date) -> GreenCard:
    authorize(actor, Capability.RECORD_MEDICAL, within=card.household.region_path)
    if withdrawn_on > today:
        raise ValidationError({"withdrawn_on": _("The date is in the future.")})
    if withdrawn_on < card.issued_on:
        raise ValidationError({"withdrawn_on": _("The card cannot be withdrawn before it was issued.")})
    card.withdrawn_on = withdrawn_on
    with history_context(actor=actor, service="green_card_withdraw"):
        card.save(update_fields=["withdrawn_on"])
    return card


def _use_validate(
    *,
    household: Household,
    institution: Institution,
    kind: str,
    used_on: date,
    admitted_on: date | None,
    discharged_on: date | None,
    fee_waived: Decimal,
    today: date,
) -> None:
    errors: dict[str, str] = {}
    _not_future(errors, "used_on", used_on, today)
    _not_future(errors, "admitted_on", admitted_on, today)
    _not_future(errors, "discharged_on", discharged_on, today)
    if institution.county_id != household.county_id:
        errors["institution"] = _("The institution is not one of the household's county.")
    if kind == ChannelUse.Kind.INPATIENT:
        if admitted_on is None:
            errors.setdefault("admitted_on", _("A hospital stay needs the date of admission."))
        elif discharged_on is not None and discharged_on < admitted_on:
            errors.setdefault("discharged_on", _("The discharge is before the admission."))
    elif admitted_on is not None or discharged_on is not None:
        errors["kind"] = _("Only an inpatient use has admission and discharge dates.")
    if fee_waived is not None and fee_waived < 0:
        errors["fee_waived"] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def channel_use_record(
    *,
    actor: User,
    household: Household,
    member: Member,
    institution: Institution,
    used_on: date,
    kind: str,
    services: Sequence[str] = (),
    fee_waived: Decimal = Decimal(0),
    ambulance: bool = False,
    admitted_on: date | None = None,
    discharged_on: date | None = None,
    note: str = "",
    today: date,
) -> ChannelUse:
    """A use of the green channel; a stay's discharge opens the discharge loop."""
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    _member_of(household, member)
    fee = fee_waived if fee_waived is not None else Decimal(0)
    _use_validate(
        household=household,
        institution=institution,
        kind=kind,
        used_on=used_on,
        admitted_on=admitted_on,
        discharged_on=discharged_on,
        fee_waived=fee,
        today=today,
    )
    use = ChannelUse(
        household=household,
        member=member,
        institution=institution,
        used_on=used_on,
        kind=kind,
        services=list(services),
        fee_waived=fee,
        ambulance=ambulance,
        admitted_on=admitted_on,
        discharged_on=discharged_on,
        note=note,
        recorded_by=actor,
    )
    if discharged_on is not None:
        use.handover_to = household_doctor(household=household, on=discharged_on)
    use.full_clean()
    with history_context(actor=actor, service="channel_use_record"):
        use.save()
        discharge_loop_open(use)
    return use


@transaction.atomic
def stay_discharge(*, actor: User, use: ChannelUse, discharged_on: date, today: date) -> ChannelUse:
    """Record (or correct) the discharge of a stay: the loop's periods follow the new day."""
    authorize(actor, Capability.RECORD_MEDICAL, within=use.household.region_path)
    if not use.is_stay:
        raise ValidationError(_("Only an inpatient use has admission and discharge dates."))
    errors: dict[str, str] = {}
    _not_future(errors, "discharged_on", discharged_on, today)
    if use.admitted_on and discharged_on < use.admitted_on:
        errors.setdefault("discharged_on", _("The discharge is before the admission."))
    if errors:
        raise ValidationError(errors)
    use.discharged_on = discharged_on
    use.handover_to = household_doctor(household=use.household, on=discharged_on)
    use.full_clean()
    with history_context(actor=actor, service="stay_discharge"):
        use.save(update_fields=["discharged_on", "handover_to"])
        discharge_loop_open(use)
    return use


# ---- the discharge loop (through the visits engine's event rules) ----------------------------------------------

HANDOVER = "discharge_handover"
DOCTOR_VISIT = "discharge_doctor_visit"
LIAISON_VISIT = "discharge_liaison_visit"

# The loop's rules, added to a county's visit rules (editable there like any rule: methods, grace, lapse).
DISCHARGE_RULES: list[dict[str, Any]] = [
    {
        "code": HANDOVER,
        "name": gettext_noop("Hospital discharge: hand-over to the family doctor"),
        "methods": [M.HOME, M.PHONE, M.ONLINE],
        "by_family_doctor": True,
    },
    {
        "code": DOCTOR_VISIT,
        "name": gettext_noop("Hospital discharge: the family doctor's follow-up visit"),
        "methods": [M.HOME],
        "by_family_doctor": True,
    },
    {
        "code": LIAISON_VISIT,
        "name": gettext_noop("Hospital discharge: the contact's visit after the doctor's"),
        "methods": [M.HOME, M.PHONE],
        "by_family_doctor": False,
    },
]
# A step not done this many days after its due date lapses (leaves the worklist; stays in the history).
DISCHARGE_LAPSE_DAYS = 60
# Discharges older than this are not advanced any more (their steps have lapsed).
ADVANCE_REACH_DAYS = 180


def discharge_rules_ensure(*, county: Region) -> dict[str, Rule]:
    """The county's three discharge rules (created the first time), by code."""
    rule_set = ruleset_create_default(county=county)
    existing = {
        r.code: r for r in Rule.objects.filter(rule_set=rule_set, code__in=[s["code"] for s in DISCHARGE_RULES])
    }
    position = 100
    for spec in DISCHARGE_RULES:
        if spec["code"] not in existing:
            with history_context(service="discharge_rules_ensure"):
                existing[spec["code"]] = Rule.objects.create(
                    rule_set=rule_set,
                    period=Rule.PeriodKind.EVENT,
                    mode=Rule.Mode.OVERDUE,
                    lapse_after_days=DISCHARGE_LAPSE_DAYS,
                    position=position,
                    **spec,
                )
        position += 1
    return existing


def _source(use: ChannelUse) -> str:
    return f"medical.channeluse:{use.pk}"


def discharge_loop_open(use: ChannelUse) -> None:
    """The loop's first two periods for a discharged stay (none for another use): written through the visits
    seam, which re-evaluates the household after the commit. A liaison step already opened is dropped and
    re-opened by ``discharge_loop_advance`` from the new day."""
    household = use.household
    if use.discharged_on is None or household.status != Household.Status.ACTIVE:
        rule_events_write(source=_source(use), events=[])
        return
    rules = discharge_rules_ensure(county=household.county)
    conf = settings_for(household.county)
    day = use.discharged_on
    rule_events_write(
        source=_source(use),
        events=[
            RuleEventSpec(household.pk, rules[HANDOVER].pk, day, day + timedelta(days=conf.handover_days)),
            RuleEventSpec(household.pk, rules[DOCTOR_VISIT].pk, day, day + timedelta(days=conf.doctor_visit_days)),
        ],
    )


# The third step, set-based: for each discharged stay whose household's family doctor has made the follow-up visit
# (a visit of the doctor rule's methods by a family doctor, on or after the discharge), the contact's visit is due
# liaison_visit_days after the first such visit, counted from the day after it.
ADVANCE_SQL = """
INSERT INTO visits_eventperiod (household_id, rule_id, key, start, due, source)
SELECT u.household_id, rl.id, to_char(fv.d + 1, 'YYYY-MM-DD'), fv.d + 1,
       fv.d + coalesce(s.liaison_visit_days, %(default_days)s), 'medical.channeluse:' || u.id
FROM medical_channeluse u
JOIN households_household h ON h.id = u.household_id AND h.status = 'active'
JOIN visits_ruleset rs ON rs.county_id = h.county_id
JOIN visits_rule rd ON rd.rule_set_id = rs.id AND rd.code = %(doctor_code)s
JOIN visits_rule rl ON rl.rule_set_id = rs.id AND rl.code = %(liaison_code)s
LEFT JOIN medical_medicalsettings s ON s.county_id = h.county_id
CROSS JOIN LATERAL (
    SELECT min(v.date) AS d FROM visits_visit v
    WHERE v.household_id = u.household_id AND v.date >= u.discharged_on AND v.date <= %(as_of)s
      AND v.method = ANY (rd.methods) AND v.visitor_role = 'family_doctor'
) fv
WHERE u.discharged_on IS NOT NULL AND u.discharged_on >= %(since)s AND fv.d IS NOT NULL {filter}
  AND NOT EXISTS (
      SELECT 1 FROM visits_eventperiod e WHERE e.source = 'medical.channeluse:' || u.id AND e.rule_id = rl.id
  )
ON CONFLICT (household_id, rule_id, key) DO NOTHING
RETURNING household_id
"""


def discharge_loop_advance(*, as_of: date, household_ids: Sequence[int] | None = None) -> list[int]:
    """Open the contact's visit for every stay whose doctor's follow-up visit is logged (one statement; idempotent).

    Runs after the engine re-evaluated households outside the night (visits.hooks.flags_refreshed, registered in
    MedicalConfig.ready) and in the nightly pipeline before the engine. Returns the households given a new period.
    """
    params: dict[str, Any] = {
        "as_of": as_of,
        "since": as_of - timedelta(days=ADVANCE_REACH_DAYS),
        "doctor_code": DOCTOR_VISIT,
        "liaison_code": LIAISON_VISIT,
        "default_days": MedicalSettings._meta.get_field("liaison_visit_days").default,
        "ids": list(household_ids or []),
    }
    sql = ADVANCE_SQL.format(filter="AND u.household_id = ANY (%(ids)s)" if household_ids is not None else "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted({row[0] for row in cursor.fetchall()})


def discharge_loop_after_refresh(*, as_of: date, household_ids: Sequence[int] | None) -> None:
    """The flags_refreshed listener: a doctor's visit just logged may open the contact's step; the engine then
    places it for those households (a run over a few households: milliseconds)."""
    from visits import engine

    advanced = discharge_loop_advance(as_of=as_of, household_ids=household_ids)
    if advanced:
        engine.overdue_refresh(as_of=as_of, household_ids=advanced)


# ---------------------------------------------------------------------------------------------------- contracts


def household_doctor(*, household: Household, on: date) -> ServicePerson | None:
    """The family doctor of the household on ``on``: its contract's doctor, else the four-on-one post's holder."""
    contract = (
        Contract.objects.filter(household=household, status=Contract.Status.SIGNED, starts_on__lte=on, ends_on__gte=on)
        .order_by("member_id", "-starts_on")  # a household contract (member empty) first
        .select_related("doctor")
        .first()
    )
    if contract is not None:
        return contract.doctor
    from contacts.models import Assignment

    assignment = (
        Assignment.objects.current(on=on)
        .holders()
        .filter(household=household, slot=ServicePerson.RoleType.FAMILY_DOCTOR)
        .select_related("person")
        .first()
    )
    return assignment.person if assignment else None


CONTRACT_FIELDS = (
    "member",
    "doctor",
    "township_doctor",
    "team",
    "clinic",
    "clinic_phone",
    "starts_on",
    "ends_on",
    "packages",
    "personalised",
    "personalised_fee",
    "personalised_note",
)


def _doctor_check(household: Household, person: ServicePerson | None, field: str) -> dict[str, str]:
    if person is None:
        return {}
    serving = ServicePerson.objects.active().serving(household.region_path).filter(pk=person.pk).exists()
    if person.role_type != ServicePerson.RoleType.FAMILY_DOCTOR or not serving:
        return {field: _("Choose an active family doctor serving the household's area.")}
    return {}


def _overlap_message() -> str:
    return _("The member already has a contract over these dates (a contract of the household covers every member).")


@transaction.atomic
def contract_sign(*, actor: User, household: Household, today: date, **fields: Any) -> Contract:
    """Sign a family-doctor contract (一年一签: the end defaults to a year after the start)."""
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    fields = {k: v for k, v in fields.items() if k in CONTRACT_FIELDS}
    _phones(fields, ("clinic_phone",))
    member = fields.get("member")
    if member is not None:
        _member_of(household, member)
    starts_on: date = fields["starts_on"]
    if not fields.get("ends_on"):
        fields["ends_on"] = Contract.default_end(starts_on)
    errors = {
        **_doctor_check(household, fields.get("doctor"), "doctor"),
        **_doctor_check(household, fields.get("township_doctor"), "township_doctor"),
    }
    if fields["ends_on"] < starts_on:
        errors["ends_on"] = _("The end is before the start.")
    if starts_on > today + timedelta(days=Contract.TERM_DAYS):
        errors["starts_on"] = _("The start is more than a year ahead.")
    if fields.get("personalised_fee") is not None and fields["personalised_fee"] < 0:
        errors["personalised_fee"] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)
    contract = Contract(household=household, recorded_by=actor, **fields)
    contract.full_clean(validate_constraints=False)
    _contract_overlap_check(contract)
    try:
        with transaction.atomic(), history_context(actor=actor, service="contract_sign"):
            contract.save()
    except IntegrityError as exc:  # contract_no_overlap: two signings at once
        raise ValidationError(_overlap_message()) from exc
    household_refresh_on_commit(household.pk)
    return contract


def _contract_overlap_check(contract: Contract) -> None:
    """The exclusion constraint contract_no_overlap, said in words before the database says it."""
    others = Contract.objects.filter(household=contract.household).exclude(pk=contract.pk)
    if contract.member_id is not None:
        others = others.filter(Q(member_id=contract.member_id) | Q(member__isnull=True))
    for other in others.only("starts_on", "ends_on", "ended_on"):
        if other.starts_on <= contract.last_day and contract.starts_on <= other.last_day:
            raise ValidationError(_overlap_message())


@transaction.atomic
def contract_end(
    *, actor: User, contract: Contract, ended_on: date, reason: str, note: str = "", today: date
) -> Contract:
    authorize(actor, Capability.RECORD_MEDICAL, within=contract.household.region_path)
    errors: dict[str, str] = {}
    if contract.status != Contract.Status.SIGNED:
        raise ValidationError(_("The contract has already ended."))
    _not_future(errors, "ended_on", ended_on, today)
    if ended_on < contract.starts_on:
        errors["ended_on"] = _("The end is before the start.")
    if not reason:
        errors["end_reason"] = _("Say why the contract ended.")
    if errors:
        raise ValidationError(errors)
    contract.status = Contract.Status.ENDED
    contract.ended_on = min(ended_on, contract.ends_on)
    contract.end_reason = reason
    contract.end_note = note
    contract.full_clean(validate_constraints=False)
    with history_context(actor=actor, service="contract_end"):
        contract.save(update_fields=["status", "ended_on", "end_reason", "end_note"])
    return contract


def contract_renew(*, actor: User, contract: Contract, today: date) -> Contract:
    """The same contract for another year, from the day after this one ends."""
    fields = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    fields["starts_on"] = contract.ends_on + timedelta(days=1)
    fields["ends_on"] = None
    return contract_sign(actor=actor, household=contract.household, today=today, **fields)


# ------------------------------------------------------------------------------------------------ health checks


@transaction.atomic
def health_check_record(
    *,
    actor: User,
    household: Household,
    member: Member,
    checked_on: date,
    items: Sequence[str],
    institution: Institution | None = None,
    abnormal_findings: str = "",
    follow_up: str = "",
    today: date,
) -> HealthCheck:
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    _member_of(household, member)
    errors: dict[str, str] = {}
    _not_future(errors, "checked_on", checked_on, today)
    if member.death_date and checked_on > member.death_date:
        errors["checked_on"] = _("The date is after the member's death.")
    if not items:
        errors["items"] = _("Tick at least one item.")
    if institution is not None and institution.county_id != household.county_id:
        errors["institution"] = _("The institution is not one of the household's county.")
    if errors:
        raise ValidationError(errors)
    check = HealthCheck(
        household=household,
        member=member,
        checked_on=checked_on,
        institution=institution,
        items=list(items),
        abnormal_findings=abnormal_findings,
        follow_up=follow_up,
        recorded_by=actor,
    )
    check.full_clean()
    with history_context(actor=actor, service="health_check_record"):
        check.save()
    return check
