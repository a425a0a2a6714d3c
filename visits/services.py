"""Writes of the visits app: rules, visits and follow-ups, notifications.

The overdue engine itself is visits.engine (``overdue_refresh``); this module queues it after a visit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.roles import Capability, Role
from accounts.scope import authorize, require_capability
from audit.history import history_context
from core.db import enqueue, enqueue_on_commit
from households.models import Household
from regions.models import Region
from visits.messages import message_text
from visits.models import FollowUp, Notification, OverdueFlag, Rule, RuleSet, Visit

logger = logging.getLogger(__name__)

# The earliest date a visit may have (the database's check constraint visit_date_plausible).
VISITS_SINCE = date(2000, 1, 1)

M = Visit.Method
CONTACT_METHODS = [M.HOME, M.PHONE, M.ONLINE]
ALL_METHODS = [M.HOME, M.PHONE, M.ONLINE, M.OTHER]

# The defaults of docs/DOMAIN.md §Four-on-one contacts (seed 003). A county edits its own copy.
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "monthly_contact",
        "name": gettext_noop("Contact at least once a month"),
        "period": Rule.PeriodKind.MONTH,
        "methods": CONTACT_METHODS,
        "grace_days": 5,
    },
    {
        "code": "quarterly_home_visit",
        "name": gettext_noop("Home visit at least once a quarter"),
        "period": Rule.PeriodKind.QUARTER,
        "methods": [M.HOME],
        "grace_days": 10,
    },
    {
        "code": "doctor_monthly_home_visit",
        "name": gettext_noop("Family doctor's home visit every month"),
        "period": Rule.PeriodKind.MONTH,
        "methods": [M.HOME],
        "by_family_doctor": True,
        "grace_days": 5,
    },
    {
        "code": "doctor_weekly_contact",
        "name": gettext_noop("Family doctor's weekly contact (失能/半失能 member)"),
        "period": Rule.PeriodKind.WEEK,
        "methods": [M.HOME, M.PHONE],
        "by_family_doctor": True,
        "applies_to": Rule.AppliesTo.CARE_DEPENDENT,
        "grace_days": 2,
    },
    {
        "code": "spring_festival",
        "name": gettext_noop("Spring Festival visit (春节)"),
        "period": Rule.PeriodKind.SPRING_FESTIVAL,
        "methods": ALL_METHODS,
        "window_before_days": 10,
        "window_after_days": 7,
    },
    {
        "code": "mid_autumn",
        "name": gettext_noop("Mid-Autumn Festival visit (中秋)"),
        "period": Rule.PeriodKind.MID_AUTUMN,
        "methods": ALL_METHODS,
        "window_before_days": 7,
        "window_after_days": 3,
    },
    {
        "code": "death_anniversary",
        "name": gettext_noop("Anniversary of the child's death (reminder)"),
        "mode": Rule.Mode.REMINDER,
        "period": Rule.PeriodKind.DEATH_ANNIVERSARY,
        "methods": CONTACT_METHODS,
        "applies_to": Rule.AppliesTo.BEREAVED,
        "window_before_days": 3,
        "window_after_days": 3,
    },
    {
        "code": "qingming",
        "name": gettext_noop("Qingming (清明) (reminder)"),
        "mode": Rule.Mode.REMINDER,
        "period": Rule.PeriodKind.QINGMING,
        "methods": CONTACT_METHODS,
        "applies_to": Rule.AppliesTo.BEREAVED,
        "window_before_days": 3,
        "window_after_days": 3,
    },
]


# ---- rules ------------------------------------------------------------------------------------------


@transaction.atomic
def ruleset_create_default(*, county: Region) -> RuleSet:
    """The county's rule set with the defaults (idempotent: an existing set is returned as it is)."""
    rule_set, created = RuleSet.objects.get_or_create(county=county)
    if created:
        with history_context(service="ruleset_create_default"):
            Rule.objects.bulk_create(
                [Rule(rule_set=rule_set, position=i, **spec) for i, spec in enumerate(DEFAULT_RULES)],
                ignore_conflicts=True,
            )
    return rule_set


def ruleset_update(
    *, actor: User, rule_set: RuleSet, escalate_town_after_days: int, escalate_county_after_days: int
) -> RuleSet:
    authorize(actor, Capability.EDIT_RULES, within=rule_set.county.path)
    rule_set.escalate_town_after_days = escalate_town_after_days
    rule_set.escalate_county_after_days = escalate_county_after_days
    rule_set.full_clean()
    with history_context(service="ruleset_update"):
        rule_set.save()
    return rule_set


def rule_update(*, actor: User, rule: Rule, **fields: Any) -> Rule:
    authorize(actor, Capability.EDIT_RULES, within=rule.rule_set.county.path)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    with history_context(service="rule_update"):
        rule.save()
    return rule


# ---- events (the seam for event-driven rules: visits.EventPeriod) -------------------------------------


@dataclass(frozen=True)
class RuleEventSpec:
    """One period an app above opens for a household on a rule of kind "event" (docs/RULES.md "Events")."""

    household_id: int
    rule_id: int
    start: date
    due: date

    @property
    def key(self) -> str:
        return self.start.isoformat()


def rule_events_write(*, source: str, events: Iterable[RuleEventSpec]) -> None:
    """Make ``source``'s events exactly ``events`` (an app's own rows: a discharge corrected moves its periods, a
    stay deleted drops them); then the engine re-evaluates the households after the commit.

    Two statements whatever the number of events; called inside the caller's transaction.
    """
    from visits.models import EventPeriod

    wanted = list(events)
    old = set(EventPeriod.objects.filter(source=source).values_list("household_id", flat=True))
    EventPeriod.objects.filter(source=source).delete()
    EventPeriod.objects.bulk_create(
        [
            EventPeriod(
                household_id=e.household_id, rule_id=e.rule_id, key=e.key, start=e.start, due=e.due, source=source
            )
            for e in wanted
        ],
        # Two events of one household and rule on one day (two members discharged the same day): one period.
        ignore_conflicts=True,
    )
    for household_id in sorted(old | {e.household_id for e in wanted}):
        household_refresh_on_commit(household_id)


# ---- visits -----------------------------------------------------------------------------------------


def _catch_up_tonight(task: Any) -> Callable[[], None]:
    """What a visit's queued task says when the broker is down: the nightly run catches up."""
    return lambda: logger.warning("Could not queue %s; the nightly run will catch up", task.name)


def visitor_role_for(user: User) -> str:
    """The contact role a portal user visits in, from the user's role."""
    roles: dict[str, str] = {
        Role.TOWN_CADRE: Visit.VisitorRole.TOWN_LEADER,
        Role.VILLAGE_CADRE: Visit.VisitorRole.VILLAGE_CADRE,
        Role.FAMILY_DOCTOR: Visit.VisitorRole.FAMILY_DOCTOR,
        Role.MEMBER: Visit.VisitorRole.ASSOCIATION_MEMBER,
        Role.COUNTY_STAFF: Visit.VisitorRole.STAFF,
    }
    return roles.get(user.role, Visit.VisitorRole.OTHER)


def _visitor_fields(*, visitor: Any, user: User, visitor_name: str = "") -> dict[str, Any]:
    """Who visited: a contact (a contacts.ServicePerson), or by default the portal user."""
    if visitor is not None:
        return {
            "visitor": visitor,
            "visitor_user": visitor.user,
            "visitor_name": visitor.name,
            "visitor_role": visitor.role_type,
        }
    return {
        "visitor": None,
        "visitor_user": user,
        "visitor_name": visitor_name or user.get_full_name() or user.username,
        "visitor_role": visitor_role_for(user),
    }


def _visit_validate(visit: Visit, *, today: date) -> None:
    if visit.date > today:
        raise ValidationError({"date": _("The date is in the future.")})
    if visit.date < VISITS_SINCE:  # the constraint visit_date_plausible, said in plain words
        raise ValidationError({"date": _("Visits before 2000-01-01 cannot be logged.")})
    if visit.date < visit.household.registered_on:
        raise ValidationError({"date": _("The date is before the household was registered.")})
    visit.full_clean()


def household_refresh_on_commit(household_id: int) -> None:
    """After the commit, the engine re-evaluates the household (its flags, its place in the worklist).

    Called after a visit is logged, corrected or deleted, and by the households app after a household is
    registered, changed (members' deaths and self-care count), closed or reopened.
    """
    from visits import tasks

    enqueue_on_commit(
        tasks.overdue_refresh_household, household_id, on_failure=_catch_up_tonight(tasks.overdue_refresh_household)
    )


# How long a request waits for the engine's lock before leaving the household to the queued run (the nightly
# run holds it for minutes; another household's run, milliseconds).
REFRESH_NOW_WAIT_S = 1.0


def household_refresh_now(household_id: int, *, today: date) -> bool:
    """The engine over one household now, in the caller's transaction (the request's): the page that follows
    shows the household's new state — the flag gone or still there — not the one before the queued run.

    Milliseconds for one household. False when it did not run: another run held the engine's lock for longer
    than REFRESH_NOW_WAIT_S, or it failed (its savepoint rolled back; the visit stays saved). The run queued
    after the commit (household_refresh_on_commit) does it then, as before.
    """
    from visits import engine

    try:
        engine.overdue_refresh(as_of=today, household_ids=[household_id], lock_wait_s=REFRESH_NOW_WAIT_S)
    except engine.EngineBusy:
        return False
    except DatabaseError:
        logger.warning("The engine failed for household %s; the queued run will catch up", household_id, exc_info=True)
        return False
    return True


def overdue_refresh_all_queue() -> None:
    """Queue the engine over every household now (the nightly task), e.g. after a roster import changed
    hundreds of households at once: set-based, seconds for a county. With the broker down, the night catches up."""
    from visits import tasks

    enqueue(tasks.overdue_refresh_all, on_failure=_catch_up_tonight(tasks.overdue_refresh_all))


@transaction.atomic
def visit_record(
    *,
    user: User,
    household: Household,
    date: date,
    method: str,
    purpose: str = Visit.Purpose.ROUTINE,
    visitor: Any = None,
    visitor_name: str = "",
    health: str = "",
    mood: str = "",
    living_conditions: str = "",
    needs: str = "",
    help_given: str = "",
    follow_ups: Iterable[dict[str, Any]] = (),
    today: date | None = None,
) -> Visit:
    """Log a visit or contact, for a user who logs visits in the household's area (403 otherwise).

    The visitor is a contact (``visitor``, a contacts.ServicePerson) or, by default, the user. After the
    commit the engine re-evaluates the household; an emergency notifies the village, the town and the
    county at once.
    """
    authorize(user, Capability.LOG_VISITS, within=household.region_path)
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("The date is in the future.")})
    if household.status != Household.Status.ACTIVE:
        raise ValidationError(_("The household is closed."))
    visit = Visit(
        household=household,
        date=date,
        method=method,
        purpose=purpose,
        **_visitor_fields(visitor=visitor, user=user, visitor_name=visitor_name),
        health=health,
        mood=mood,
        living_conditions=living_conditions,
        needs=needs,
        help_given=help_given,
        recorded_by=user,
    )
    _visit_validate(visit, today=today)
    with history_context(actor=user, service="visit_record"):
        visit.save()
        for spec in follow_ups:
            followup_create(visit=visit, **spec)
    if visit.is_emergency:
        emergency_notify(visit=visit)
    household_refresh_on_commit(household.pk)
    return visit


def _require_correctable(*, user: User, visit: Visit, today: date) -> None:
    """The correction policy (Visit.correctable_by) and the area, whoever calls: 403 otherwise."""
    require_capability(user, Capability.LOG_VISITS)
    in_area = Visit.objects.visible_to(user).filter(pk=visit.pk).exists()
    if not in_area or not visit.correctable_by(user, today=today):
        raise PermissionDenied(_("You may not correct this visit."))


@transaction.atomic
def visit_update(
    *,
    user: User,
    visit: Visit,
    date: date,
    method: str,
    purpose: str,
    visitor: Any = None,
    health: str = "",
    mood: str = "",
    living_conditions: str = "",
    needs: str = "",
    help_given: str = "",
    reason: str = "",
    today: date | None = None,
) -> Visit:
    """Correct a logged visit: the fields of the log form (docs/RULES.md "Correcting a visit").

    ``visitor`` None keeps the visitor as logged, unless the visit named a contact: then it becomes the
    person who logged it (as when logged with "Me"). The history row carries who, the service and the
    reason; after the commit the engine re-evaluates the household, as after logging.
    """
    today = today or timezone.localdate()
    _require_correctable(user=user, visit=visit, today=today)
    was_emergency = visit.is_emergency
    if visitor is not None:
        visitor_fields = _visitor_fields(visitor=visitor, user=user)
    elif visit.visitor_id is not None and visit.recorded_by is not None:
        visitor_fields = _visitor_fields(visitor=None, user=visit.recorded_by)
    else:
        visitor_fields = {"visitor": None}
    fields = {
        "date": date,
        "method": method,
        "purpose": purpose,
        "health": health,
        "mood": mood,
        "living_conditions": living_conditions,
        "needs": needs,
        "help_given": help_given,
        **visitor_fields,
    }
    for name, value in fields.items():
        setattr(visit, name, value)
    _visit_validate(visit, today=today)
    with history_context(actor=user, service="visit_update", reason=reason.strip()[:500]):
        visit.save()
    if visit.is_emergency and not was_emergency:
        emergency_notify(visit=visit)
    household_refresh_on_commit(visit.household_id)
    return visit


@transaction.atomic
def visit_delete(*, user: User, visit: Visit, reason: str, today: date | None = None) -> None:
    """Delete a visit logged by mistake, with the reason (docs/RULES.md "Correcting a visit").

    The row and its follow-ups go; their history rows (pghistory) keep what they were, who deleted them and
    why, and the household's timeline shows it. A message already sent about it stays in the inboxes. After
    the commit the engine re-evaluates the household: a flag the visit had closed opens again.
    """
    today = today or timezone.localdate()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the visit is deleted.")})
    _require_correctable(user=user, visit=visit, today=today)
    household_id = visit.household_id
    with history_context(actor=user, service="visit_delete", reason=reason[:500]):
        visit.delete()
    household_refresh_on_commit(household_id)


def followup_create(*, visit: Visit, action: str, due_on: date, owner: User | None = None) -> FollowUp:
    follow_up = FollowUp(visit=visit, action=action, due_on=due_on, owner=owner)
    follow_up.full_clean()
    with history_context(service="followup_create"):
        follow_up.save()
    return follow_up


def followup_complete(*, actor: User, follow_up: FollowUp, outcome: str, on: date) -> FollowUp:
    authorize(actor, Capability.LOG_VISITS, within=follow_up.visit.household.region_path)
    follow_up.status = FollowUp.Status.DONE
    follow_up.outcome = outcome
    follow_up.done_on = on
    follow_up.full_clean()
    with history_context(service="followup_complete"):
        follow_up.save()
    return follow_up


# ---- notifications ----------------------------------------------------------------------------------


def _users_at(regions: set[int | None], roles: list[str]) -> dict[int | None, list[User]]:
    """Active users of `roles` working at each region node (one query)."""
    result: dict[int | None, list[User]] = defaultdict(list)
    for user in User.objects.filter(region_id__in=regions, role__in=roles, is_active=True).order_by("id"):
        result[user.region_id].append(user)
    return result


def _flag_params(flag: OverdueFlag, level: int) -> dict[str, Any]:
    """What a flag's message at ``level`` means (visits.messages renders it in the reader's language)."""
    household, rule = flag.household, flag.rule
    params: dict[str, Any] = {
        "rule": rule.code,
        "rule_name": rule.name,  # a msgid for the default rules (gettext_noop), a county's own text otherwise
        "number": household.number,
        "place": household.village.name if household.village is not None else "",
        "level": level,
    }
    if rule.mode == Rule.Mode.REMINDER:
        return {**params, "start": flag.period_start.isoformat(), "end": flag.period_end.isoformat()}
    params["period"] = flag.period_key
    if level:
        params["days"] = (flag.escalated_on - flag.opened_on).days if flag.escalated_on else ""
    return params


def _written(kind: str, params: dict[str, Any]) -> str:
    """The text as written (Notification.message: the record of what was said), in the active language: the
    callers say it in the portal's (``translation.override(settings.LANGUAGE_CODE)`` once around their loop)."""
    return message_text(kind, params)[:300]


KIND_BY_LEVEL = {
    0: Notification.Kind.OVERDUE,
    1: Notification.Kind.ESCALATED_TOWN,
    2: Notification.Kind.ESCALATED_COUNTY,
}


@dataclass
class _Recipients:
    """Who hears of a flag at each level: the households' responsible contacts for a new flag (by slot), and
    the active village cadres, town cadres and county staff of the flags' regions."""

    responsible: dict[str, dict[int, list[User]]]  # slot → household id → users
    regional: dict[int | None, list[User]]  # region id → users working there

    @classmethod
    def of(cls, flags: list[OverdueFlag], *, as_of: date) -> _Recipients:
        from contacts.selectors import responsible_users_for_households

        new_contact = [f for f in flags if f.notified_level is None]
        responsible: dict[str, dict[int, list[User]]] = {}
        for slot, doctor in (("family_doctor", True), ("village_cadre", False)):
            ids = [f.household_id for f in new_contact if f.rule.by_family_doctor == doctor]
            responsible[slot] = responsible_users_for_households(household_ids=ids, slot=slot, on=as_of) if ids else {}
        villages = {f.household.village_id for f in flags if f.household.village_id}
        towns = {village.parent_id for f in flags if (village := f.household.village) is not None}
        counties = {f.household.county_id for f in flags}
        regional = _users_at(villages | towns | counties, [Role.VILLAGE_CADRE, Role.TOWN_CADRE, Role.COUNTY_STAFF])
        return cls(responsible=responsible, regional=regional)

    def at(self, region_id: int | None, role: str) -> list[User]:
        return [u for u in self.regional.get(region_id, []) if u.role == role]

    def for_level(self, flag: OverdueFlag, level: int) -> tuple[list[User], str]:
        """The users told of the flag at this level, and the kind of their message."""
        household = flag.household
        if level == 0:
            slot = "family_doctor" if flag.rule.by_family_doctor else "village_cadre"
            users = self.responsible[slot].get(household.pk) or self.at(household.village_id, Role.VILLAGE_CADRE)
            kind = Notification.Kind.REMINDER if flag.rule.mode == Rule.Mode.REMINDER else KIND_BY_LEVEL[0]
            return users, kind
        if level == 1:
            return self.at(
                household.village.parent_id if household.village is not None else None, Role.TOWN_CADRE
            ), KIND_BY_LEVEL[1]
        return self.at(household.county_id, Role.COUNTY_STAFF), KIND_BY_LEVEL[2]


@transaction.atomic
def notifications_refresh(*, as_of: date) -> int:
    """Write the inbox messages the open flags call for and have not had yet; returns how many.

    Level 0 (a new flag) goes to the household's responsible contact (contacts' four-on-one assignment: the
    family doctor for a doctor's rule, the village cadre otherwise; the village's cadres when the slot is
    vacant); level 1 to the town's cadres; level 2 to the county's staff. Unique keys make a second run
    write nothing; a constant number of queries.
    """
    from visits.engine import engine_lock

    engine_lock()  # never beside a run of the engine: the levels read here stay true until the commit
    flags = list(
        OverdueFlag.objects.open()
        .filter(Q(notified_level__isnull=True) | Q(notified_level__lt=F("escalation_level")))
        .select_related("household", "household__village", "rule")
    )
    if not flags:
        return 0
    notes = _flag_notifications(flags, _Recipients.of(flags, as_of=as_of))
    existing = set(Notification.objects.filter(flag__in=[f.pk for f in flags]).values_list("user_id", "key"))
    notes = [n for n in notes if (n.user.pk, n.key) not in existing]
    # The unique key still guards against a run beside this one.
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=2000)
    _flags_mark_notified(flags)
    return len(notes)


def _flag_notifications(flags: list[OverdueFlag], recipients: _Recipients) -> list[Notification]:
    """The messages of every level each flag has reached since it was last notified (unsaved)."""
    notes: list[Notification] = []
    with translation.override(settings.LANGUAGE_CODE):
        for flag in flags:
            start = -1 if flag.notified_level is None else flag.notified_level
            for level in range(start + 1, flag.escalation_level + 1):
                users, kind = recipients.for_level(flag, level)
                if not users:  # nobody to tell at this level (a vacant post): nothing to write
                    continue
                params = _flag_params(flag, level)
                message = _written(kind, params)
                notes.extend(
                    Notification(
                        user=user,
                        kind=kind,
                        key=f"flag:{flag.pk}:{level}",
                        household=flag.household,
                        flag=flag,
                        params=params,
                        message=message,
                    )
                    for user in users
                )
    return notes


def _flags_mark_notified(flags: list[OverdueFlag]) -> None:
    """Each flag notified up to its escalation level (one update per level)."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for flag in flags:
        by_level[flag.escalation_level].append(flag.pk)
    for level, ids in by_level.items():
        OverdueFlag.objects.filter(pk__in=ids).update(notified_level=level)


def emergency_notify(*, visit: Visit) -> int:
    """突发事件 (seed 001 item 11): the village's cadres, the town's cadres and the county's staff at once."""
    household = visit.household
    village = household.village
    regions: set[int | None] = {household.county_id}
    if village is not None:
        regions |= {village.pk, village.parent_id}
    users = User.objects.filter(
        region_id__in=regions, role__in=[Role.VILLAGE_CADRE, Role.TOWN_CADRE, Role.COUNTY_STAFF], is_active=True
    )
    params = {
        "number": household.number,
        "place": village.name if village else "",
        "date": visit.date.isoformat(),
        # Not the health note: the message reaches cadres, who may not read health (accounts.sensitivity).
        "needs": (visit.needs or "")[:150],
    }
    with translation.override(settings.LANGUAGE_CODE):
        message = _written(Notification.Kind.EMERGENCY, params)
    already = set(Notification.objects.filter(visit=visit).values_list("user_id", flat=True))
    created = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=Notification.Kind.EMERGENCY,
                key=f"visit:{visit.pk}:emergency",
                household=household,
                visit=visit,
                params=params,
                message=message,
            )
            for user in users
            if user.pk not in already
            and (user.role != Role.VILLAGE_CADRE or (village and user.region_id == village.pk))
            and (user.role != Role.TOWN_CADRE or (village and user.region_id == village.parent_id))
            and (user.role != Role.COUNTY_STAFF or user.region_id == household.county_id)
        ],
        ignore_conflicts=True,
    )
    from visits import tasks

    enqueue_on_commit(tasks.notifications_deliver, on_failure=_catch_up_tonight(tasks.notifications_deliver))
    return len(created)


def notification_mark_read(*, user: User, notification_ids: list[int]) -> int:
    """Mark the user's own messages read — only those the user still reads (inside the user's area)."""
    return (
        Notification.objects.visible_to(user)
        .filter(user=user, pk__in=notification_ids, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def notification_mark_all_read(*, user: User, kind: str = "") -> int:
    """Mark every unread message of the user read (of one ``kind`` if given), inside the user's area."""
    unread = Notification.objects.visible_to(user).filter(user=user, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


def user_language(user: User) -> str:
    """The language messages to a user are said in outside a page (email, SMS): the user's own if the account
    has one, else the portal's (settings.LANGUAGE_CODE). A page says them in the page's language."""
    chosen = getattr(user, "language", "") or ""
    return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE


def notifications_deliver(*, limit: int = 500) -> int:
    """Email and SMS for the messages not yet delivered: one email and one SMS per user per batch.

    The rows are locked (SKIP LOCKED) so two workers never send the same message; a failure rolls back
    and the task retries. Returns the number of messages delivered.
    """
    from visits.channels import email_send, sms_channel

    with transaction.atomic():
        pending: QuerySet[Notification] = (
            Notification.objects.filter(delivered_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .order_by("id")[:limit]
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for note in pending:
            by_user[note.user_id].append(note)
        channel = sms_channel()
        for notes in by_user.values():
            user = notes[0].user
            with translation.override(user_language(user)):
                body = "\n".join(n.text for n in notes)
                if user.email:
                    subject = _("Special families portal: new messages (%(n)s)") % {"n": len(notes)}
                    email_send(to=user.email, subject=subject, body=body)
                if user.phone:
                    channel.send(phone=user.phone, text=_("New messages in the portal: %(n)s.") % {"n": len(notes)})
        ids = [n.pk for notes in by_user.values() for n in notes]
        Notification.objects.filter(pk__in=ids).update(delivered_at=timezone.now())
    return len(ids)


def supervision_export_record(
    *, actor: User, flags: int, households: int, filters: dict[str, str], request: Any = None
) -> None:
    """Check that the actor may export lists (county staff: docs/SECURITY.md §Exports) and log the export of the
    supervision list as an access event (the filters — with the rule's name, for the audit log to say it — and
    the rows; the area is the actor's)."""
    from audit.models import AccessEvent
    from audit.services import access_event_record
    from regions.scope import user_scope_path

    authorize(actor, Capability.EXPORT_LISTS, within=user_scope_path(actor))
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.EXPORT,
        target_label=_("Overdue flags (%(n)d)") % {"n": flags},
        request=request,
        detail={
            "format": "xlsx",
            "list": "overdue_flags",
            "rows": flags,
            "households": households,
            "supervision": filters,
        },
    )
