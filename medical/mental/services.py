"""Writes of mental health (issue 16 parts 5 and 7): assessments, the urgent follow-up they open, and the grief-aware
cadence. Each service authorizes its actor (accounts.scope.authorize); bad input is a ValidationError and nothing is
written.

**The urgent follow-up.** An assessment is *urgent* when PHQ-9 item 9 is above 0 (thoughts of self-harm) or the
assessor's risk level is high or immediate. A household is urgent while the latest assessment of any of its members is
urgent; a later assessment that is not urgent lowers it. While it is urgent the household has, through the visits
engine's event seam (visits.EventPeriod, one source per household, rewritten after every assessment):

* ``urgent_follow_up`` — the family doctor's contact (home or phone), due the day after the urgent assessment, then
  every week (a period of seven days ending a week later, and so on): overdue the day after a period's due date
  unless the doctor made a contact from its start;
* ``urgent_follow_up_contact`` — the same cadence for any contact of the household (the village cadre …);
* ``anniversary_doctor`` — the window of the child's death anniversary (the county's ``death_anniversary`` rule's
  days) gets the family doctor too: the doctor's contact in the window, overdue after it.

When the level is lowered the household's periods are dropped, so the engine closes the open flags ("no longer
applies"). At the urgent assessment the family doctor and the household's village contact get a message at once
(visits Notification ``urgent_visit``), which says only that an urgent visit is needed for the household's number —
never why. The rule names and codes are neutral for the same reason (they show on worklists and supervision lists).

**The grief-aware cadence** (part 7) is a rule of the visits engine with a condition on the years since the loss
(``visits.Rule.loss_within_years``): ``grief_home_visit``, a monthly home visit for 失独 families in the first N years
after the child's death (the county's setting, default 2), on top of the county's normal rules (a quarterly home
visit); the highest risk (an urgent household) raises it to weekly through the urgent follow-up above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import Capability
from accounts.scope import authorize, require_capability
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from households.models import Household, Member
from medical.mental import instruments
from medical.models import MentalAssessment
from regions.models import Region
from visits import periods
from visits.models import Notification, Rule, Visit
from visits.services import RuleEventSpec, rule_events_write, ruleset_create_default

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

M = Visit.Method
R = MentalAssessment.Risk

URGENT_DOCTOR = "urgent_follow_up"
URGENT_CONTACT = "urgent_follow_up_contact"
ANNIVERSARY_DOCTOR = "anniversary_doctor"
GRIEF_HOME_VISIT = "grief_home_visit"

URGENT_RULES: list[dict[str, Any]] = [
    {
        "code": URGENT_DOCTOR,
        "name": gettext_noop("Urgent follow-up: the family doctor's contact"),
        "methods": [M.HOME, M.PHONE],
        "by_family_doctor": True,
    },
    {
        "code": URGENT_CONTACT,
        "name": gettext_noop("Urgent follow-up: the contact's visit"),
        "methods": [M.HOME, M.PHONE],
        "by_family_doctor": False,
    },
    {
        "code": ANNIVERSARY_DOCTOR,
        "name": gettext_noop("Anniversary of the child's death: the family doctor's contact"),
        "methods": [M.HOME, M.PHONE, M.ONLINE],
        "by_family_doctor": True,
    },
]
# The first contact is due this many days after the urgent assessment, then every week.
URGENT_FIRST_DUE_DAYS = 1
URGENT_EVERY_DAYS = 7
# The weekly periods are written this far ahead; mental_cadence_extend (nightly) writes more for a household still
# urgent when fewer than URGENT_EXTEND_WITHIN_DAYS remain.
URGENT_HORIZON_DAYS = 366
URGENT_EXTEND_WITHIN_DAYS = 60
# A missed week lapses (leaves the worklist; the next week's period asks again) after this many days.
URGENT_LAPSE_DAYS = 30
# The anniversary window when the county has no death_anniversary rule (docs/RULES.md: 3 days before, 3 after).
ANNIVERSARY_BEFORE = ANNIVERSARY_AFTER = 3

GRIEF_YEARS_DEFAULT = 2
GRIEF_YEARS_MAX = 20

URGENT_LEVELS = frozenset({R.HIGH, R.IMMEDIATE})


def _source(household_id: int) -> str:
    return f"medical.mental:{household_id}"


# ------------------------------------------------------------------------------------------------------------ rules


def urgent_rules_ensure(*, county: Region) -> dict[str, Rule]:
    """The county's urgent follow-up rules (created the first time; editable on the rules page like any), by code."""
    rule_set = ruleset_create_default(county=county)
    existing = {r.code: r for r in Rule.objects.filter(rule_set=rule_set, code__in=[s["code"] for s in URGENT_RULES])}
    position = 110
    for spec in URGENT_RULES:
        if spec["code"] not in existing:
            with history_context(service="urgent_rules_ensure"):
                existing[spec["code"]] = Rule.objects.create(
                    rule_set=rule_set,
                    period=Rule.PeriodKind.EVENT,
                    mode=Rule.Mode.OVERDUE,
                    lapse_after_days=URGENT_LAPSE_DAYS,
                    position=position,
                    **spec,
                )
        position += 1
    return existing


def grief_rule(county: Region) -> Rule | None:
    return Rule.objects.filter(rule_set__county=county, code=GRIEF_HOME_VISIT).first()


@transaction.atomic
def grief_cadence_set(*, actor: User, county: Region, years: int) -> Rule | None:
    """The county's grief-aware cadence: a monthly home visit to 失独 families in the first ``years`` after the loss
    (0: off — the rule is kept, inactive). County staff (the ones who edit the visit rules)."""
    authorize(actor, Capability.EDIT_RULES, within=county.path)
    if not 0 <= years <= GRIEF_YEARS_MAX:
        raise ValidationError({"years": _("Give a number of years from 0 to %(max)d.") % {"max": GRIEF_YEARS_MAX}})
    rule_set = ruleset_create_default(county=county)
    rule = grief_rule(county)
    with history_context(actor=actor, service="grief_cadence_set"):
        if rule is None:
            if years == 0:
                return None
            rule = Rule.objects.create(
                rule_set=rule_set,
                code=GRIEF_HOME_VISIT,
                name=gettext_noop("Home visit every month in the first years after the loss"),
                period=Rule.PeriodKind.MONTH,
                methods=[M.HOME],
                applies_to=Rule.AppliesTo.BEREAVED,
                loss_within_years=years,
                grace_days=5,
                position=120,
            )
        else:
            rule.active = years > 0
            if years:
                rule.loss_within_years = years
            rule.full_clean()
            rule.save(update_fields=["active", "loss_within_years"])
    _refresh_county_on_commit()
    return rule


def _refresh_county_on_commit() -> None:
    """The rule changed for every household of the county: the engine runs over all (set-based, seconds)."""
    from visits.services import overdue_refresh_all_queue

    transaction.on_commit(overdue_refresh_all_queue)


# ------------------------------------------------------------------------------------------------------ assessments


def may_read(user: Any) -> bool:
    """Who reads mental-health content: the tier's roles (the family doctor, county staff)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_capability(Capability.VIEW_MENTAL_HEALTH)


def may_record(user: Any) -> bool:
    return may_read(user) and user.has_capability(Capability.RECORD_MEDICAL)


def require_read(user: Any) -> None:
    if not may_read(user):
        raise PermissionDenied(_("Your role does not allow this."))


def is_urgent(*, risk_level: str, self_harm: bool) -> bool:
    return self_harm or risk_level in URGENT_LEVELS


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    household: Household,
    member: Member,
    instrument: str,
    answers: Sequence[Any],
    assessed_on: date,
    consent: bool,
    risk_level: str,
    action: str,
    notes: str = "",
    assessor_name: str = "",
    today: date,
) -> MentalAssessment:
    """Record a scored assessment (the portal computes the total and the band from every item's answer). Refused:
    without the person's consent, with a missing item or an answer outside its item's range, in the future."""
    authorize(actor, Capability.RECORD_MEDICAL, within=household.region_path)
    require_capability(actor, Capability.VIEW_MENTAL_HEALTH)
    errors: dict[str, Any] = {}
    if member.household_id != household.pk:
        errors["member"] = _("The person is not a member of this household.")
    if not household.is_active:
        errors["member"] = _("The household is closed.")
    if not consent:
        errors["consent"] = _("An assessment needs the person's consent; without it nothing is recorded.")
    if assessed_on is None:
        errors["assessed_on"] = _("Give the date of the assessment.")
    elif assessed_on > today:
        errors["assessed_on"] = _("The date is in the future.")
    elif member.death_date and assessed_on > member.death_date:
        errors["assessed_on"] = _("The date is after the member's death.")
    if risk_level not in R.values:
        errors["risk_level"] = _("Choose the risk level.")
    if not (action or "").strip():
        errors["action"] = _("Say what action the risk level calls for.")
    try:
        result = instruments.score(instrument, answers)
    except ValidationError as exc:
        errors["answers"] = exc.messages
        result = None
    if errors:
        raise ValidationError(errors)
    assert result is not None
    row = MentalAssessment(
        household=household,
        member=member,
        assessed_on=assessed_on,
        instrument=instrument,
        answers=[int(a) for a in answers],
        total=result.total,
        score=result.score,
        band=result.band,
        details=result.details,
        consent=True,
        risk_level=risk_level,
        action=action.strip(),
        notes=notes.strip(),
        urgent=is_urgent(risk_level=risk_level, self_harm=result.self_harm),
        assessor=actor,
        assessor_name=(assessor_name or actor.name or actor.username)[:50],
    )
    row.full_clean()
    with history_context(actor=actor, service="assessment_record"):
        row.save()
    urgent_cadence_write(household=household)
    if row.urgent and assessed_on >= today - timedelta(days=URGENT_EVERY_DAYS):
        urgent_notify(assessment=row, today=today)
    return row


def assessment_access_record(
    *, actor: User, household: Household, request: HttpRequest | None = None, assessment_id: int | None = None
) -> AccessEvent:
    """Log a read of mental-health content (an assessment, the household's list, the form that lists its members).
    Labelled by the household's number; the detail names no instrument, score or level."""
    detail: dict[str, Any] = {"page": "assessment"}
    if assessment_id is not None:
        detail["assessment"] = assessment_id
    return access_event_record(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        target=household,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail=detail,
    )


# ------------------------------------------------------------------------------------------- the urgent follow-up


@dataclass(frozen=True)
class UrgentState:
    urgent: bool
    since: date | None  # the day of the latest urgent assessment among the members' latest ones
    level: str  # the highest risk level among the members' latest assessments ("" without any)


LEVEL_ORDER = {R.LOW: 0, R.MEDIUM: 1, R.HIGH: 2, R.IMMEDIATE: 3}


def household_state(*, household_id: int) -> UrgentState:
    """The household's state from each member's latest assessment (one query)."""
    latest = (
        MentalAssessment.objects.filter(household_id=household_id)
        .order_by("member_id", "-assessed_on", "-id")
        .distinct("member_id")
        .values("urgent", "assessed_on", "risk_level")
    )
    return state_of(latest)


def state_of(latest: Iterable[Mapping[str, Any]]) -> UrgentState:
    """The household's state from each member's latest assessment (rows with ``urgent``, ``assessed_on`` and
    ``risk_level``): urgent when any is, since the latest urgent one, the highest level."""
    latest = list(latest)
    urgent_days = [row["assessed_on"] for row in latest if row["urgent"]]
    levels = [row["risk_level"] for row in latest]
    return UrgentState(
        urgent=bool(urgent_days),
        since=max(urgent_days) if urgent_days else None,
        level=max(levels, key=lambda level: LEVEL_ORDER.get(level, 0)) if levels else "",
    )


def urgent_periods(anchor: date, *, until: date) -> list[tuple[date, date]]:
    """(start, due) of the urgent follow-up's periods from ``anchor`` (the urgent assessment's day) up to ``until``:
    the first due the next day, then a period of a week each."""
    result = [(anchor, anchor + timedelta(days=URGENT_FIRST_DUE_DAYS))]
    while True:
        previous_due = result[-1][1]
        start, due = previous_due + timedelta(days=1), previous_due + timedelta(days=URGENT_EVERY_DAYS)
        if start > until:
            return result
        result.append((start, due))


def _anniversary_days(household: Household) -> tuple[int, int]:
    rule = Rule.objects.filter(
        rule_set__county_id=household.county_id, period=Rule.PeriodKind.DEATH_ANNIVERSARY, active=True
    ).first()
    if rule is None:
        return ANNIVERSARY_BEFORE, ANNIVERSARY_AFTER
    return rule.window_before_days, rule.window_after_days


def urgent_cadence_write(*, household: Household, horizon_from: date | None = None) -> UrgentState:
    """Make the household's urgent periods match its state (none when it is not urgent); the engine re-evaluates the
    household after the commit."""
    state = household_state(household_id=household.pk)
    if not state.urgent or state.since is None or not household.is_active:
        rule_events_write(source=_source(household.pk), events=[])
        return state
    rules = urgent_rules_ensure(county=household.county)
    until = max(state.since, horizon_from or state.since) + timedelta(days=URGENT_HORIZON_DAYS)
    events = []
    for start, due in urgent_periods(state.since, until=until):
        events.append(RuleEventSpec(household.pk, rules[URGENT_DOCTOR].pk, start, due))
        events.append(RuleEventSpec(household.pk, rules[URGENT_CONTACT].pk, start, due))
    loss = household.child_event_date
    if household.family_type == Household.FamilyType.DEATH and loss is not None:
        before, after = _anniversary_days(household)
        for year in range(state.since.year, until.year + 1):
            if year <= loss.year:
                continue
            day = periods.anniversary(loss, year)
            start, due = day - timedelta(days=before), day + timedelta(days=after)
            if due >= state.since and start <= until:
                events.append(RuleEventSpec(household.pk, rules[ANNIVERSARY_DOCTOR].pk, max(start, state.since), due))
    rule_events_write(source=_source(household.pk), events=events)
    return state


def mental_cadence_extend(*, as_of: date) -> list[int]:
    """The nightly step: for each household still urgent whose written periods end within URGENT_EXTEND_WITHIN_DAYS,
    write the next year of them. Returns the households extended (few: one query to find them)."""
    from django.db.models import Max

    from visits.models import EventPeriod

    ending = (
        EventPeriod.objects.filter(source__startswith="medical.mental:")
        .values("household_id")
        .annotate(last=Max("due"))
        .filter(last__lte=as_of + timedelta(days=URGENT_EXTEND_WITHIN_DAYS))
    )
    extended = []
    for row in ending:
        household = Household.objects.get(pk=row["household_id"])
        with transaction.atomic():
            state = urgent_cadence_write(household=household, horizon_from=as_of)
        if state.urgent:
            extended.append(household.pk)
    return extended


def urgent_notify(*, assessment: MentalAssessment, today: date) -> int:
    """At once, to the family doctor (the contract's, else the four-on-one post's) and the household's village
    contact (its 四对一 village-cadre holder, else the village's active cadres): "an urgent visit is needed for
    household N" — nothing of the assessment. One message per user and assessment."""
    from contacts.selectors import village_contacts_for_households
    from medical.services import household_doctor
    from visits.messages import message_text

    household = assessment.household
    users: list[User] = []
    doctor = household_doctor(household=household, on=today)
    if doctor is not None and doctor.user_id and doctor.user.is_active:
        users.append(doctor.user)
    contacts = village_contacts_for_households(villages={household.pk: household.village_id}, on=today)[household.pk]
    for user in contacts:
        if user not in users:
            users.append(user)
    with translation.override(settings.LANGUAGE_CODE):
        params = {"number": household.number}
        message = message_text(Notification.Kind.URGENT_VISIT, params)[:300]
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=Notification.Kind.URGENT_VISIT,
                key=f"urgent:{assessment.pk}",
                household_id=household.pk,
                params=params,
                message=message,
            )
            for user in users
        ],
        ignore_conflicts=True,
    )
    return len(users)
