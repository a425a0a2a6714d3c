"""Reads of the visits app: a household's visits, "my households" (the worklist), the inbox, the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from accounts.roles import Role
from core.db import pk_among
from households.models import Household, Member
from regions.scope import get_visible_or_404, user_scope_path
from visits.models import (
    FollowUp,
    HouseholdUrgency,
    Notification,
    NotificationQuerySet,
    OverdueFlag,
    Rule,
    RuleSet,
    Visit,
)

if TYPE_CHECKING:
    from accounts.models import User


def visit_list_for_household(*, household: Household, limit: int | None = None) -> QuerySet[Visit]:
    """The visits of one household, newest first, with their follow-ups (two queries).

    The caller has checked the household is in the user's area (households.selectors.household_get_for_user).
    """
    qs = (
        Visit.objects.filter(household=household)
        .select_related("visitor", "visitor_user")
        .prefetch_related(Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner")))
        .order_by("-date", "-id")
    )
    return qs[:limit] if limit else qs


def clears_doctors_rules(user: User) -> bool:
    """Whether a user's own visits count as a family doctor's (visits.services.visitor_role_for): then every
    flag is theirs; for anyone else a family doctor's rule waits for the doctor (docs/RULES.md "Who must act")."""
    return user.role == Role.FAMILY_DOCTOR


@dataclass
class WorkItem:
    """One household of the worklist's page: its open flags (overdue ones, reminders) and its dates.

    ``doctor`` says whether the reader's visits count as a family doctor's: if not, the flags of the doctor's
    rules are shown as waiting for the doctor, and only the others make the household the reader's to do.
    """

    household: Household
    overdue: list[OverdueFlag] = field(default_factory=list)
    reminders: list[OverdueFlag] = field(default_factory=list)
    next_due: date | None = None
    last_visit: date | None = None
    members: list[str] = field(default_factory=list)  # the living members' names, as the cadre knows them
    log_url: str = ""  # set by the page
    visits_url: str = ""
    doctor: bool = True

    def _waits(self, flag: OverdueFlag) -> bool:
        return flag.rule.by_family_doctor and not self.doctor

    @property
    def state(self) -> str:
        if any(not self._waits(f) for f in self.overdue):
            return "overdue"
        if any(not self._waits(f) for f in self.reminders):
            return "reminder"
        return "waiting" if self.overdue else ""

    @property
    def flags(self) -> list[tuple[str, str, str, str]]:
        """(style, rule code, what the worklist says, who it waits for): the reader's overdue flags first, with
        their escalation, then reminders, then the flags waiting for the family doctor. Said here once per flag
        rather than by template tags (50 items a page)."""
        levels = dict(OverdueFlag.Level.choices)
        mine, waiting = [], []
        for flag in self.overdue:
            text = flag.summary
            if flag.escalation_level:
                text += " · " + str(levels[flag.escalation_level])
            if self._waits(flag):
                waiting.append(("muted", flag.rule.code, f"{text} · {flag.waits_for_label}", flag.waits_for))
            else:
                mine.append(("danger", flag.rule.code, text, flag.waits_for))
        for flag in self.reminders:
            (waiting if self._waits(flag) else mine).append(("warn", flag.rule.code, flag.summary, flag.waits_for))
        return mine + waiting


def my_households_queryset(*, user: User, on: date) -> QuerySet[Household]:
    """The active households a user works for: those of their current four-on-one assignments, and for a
    village cadre every household of the village. Always inside the user's area."""
    from contacts.selectors import current_assignments

    if user_scope_path(user) is None:
        return Household.objects.none()
    ids = set(
        current_assignments(on=on).filter(person__user=user, holder_away=False).values_list("household_id", flat=True)
    )
    if user.role == Role.VILLAGE_CADRE:
        ids |= set(Household.objects.filter(village=user.region_id).values_list("pk", flat=True))
    # Two indexed reads, then the area scope on their ids (an OR of the two would scan the households); the ids
    # as one array literal (``pk__in`` compiled 500 parameters for the count and again for the page).
    return Household.objects.visible_to(user).active().filter(pk_among(ids))


# The worklist's order (docs/RULES.md "The worklist's order"), kept per household by the engine
# (visits.models.HouseholdUrgency). A household the engine has not seen yet (registered since its last run)
# comes last, like one with nothing due. A family doctor's list is in the order of every rule; anyone else's
# leaves the doctor's rules out (docs/RULES.md "Who must act"): their flags wait for the doctor.
WORKLIST_ORDER = (
    Coalesce("urgency__rank", Value(HouseholdUrgency.Rank.DUE)).asc(),
    Coalesce("urgency__escalation_level", Value(0)).desc(),
    F("urgency__urgent_on").asc(nulls_last=True),
    F("number").asc(),
    F("id").asc(),
)
CONTACT_ORDER = (
    Coalesce("urgency__contact_rank", Value(HouseholdUrgency.Rank.DUE)).asc(),
    Coalesce("urgency__contact_level", Value(0)).desc(),
    F("urgency__contact_urgent_on").asc(nulls_last=True),
    F("number").asc(),
    F("id").asc(),
)
# Waiting for the family doctor: the longest waiting first.
DOCTOR_WAIT_ORDER = (F("urgency__doctor_since").asc(), F("number").asc(), F("id").asc())


def my_households(*, user: User, on: date, waiting_for_doctor: bool = False) -> QuerySet[Household]:
    """The worklist: the user's households, the most urgent first. Paginate it, then ``work_items`` on a page.

    ``waiting_for_doctor``: only those with an open flag of a family doctor's rule, the longest waiting first.
    """
    qs = my_households_queryset(user=user, on=on).select_related("village", "urgency")
    if waiting_for_doctor:
        return qs.filter(urgency__doctor_since__isnull=False).order_by(*DOCTOR_WAIT_ORDER)
    return qs.order_by(*(WORKLIST_ORDER if clears_doctors_rules(user) else CONTACT_ORDER))


def waiting_for_doctor_count(*, user: User, on: date) -> int:
    return my_households_queryset(user=user, on=on).filter(urgency__doctor_since__isnull=False).count()


def work_items(*, households: list[Household], on: date, user: User | None = None) -> list[WorkItem]:
    """A page of the worklist with the open flags, the last contact and the living members' names of each
    household (three queries). With ``user``: as that user must act on them (WorkItem.doctor)."""
    ids = [h.pk for h in households]
    doctor = user is None or clears_doctors_rules(user)
    items = {h.pk: WorkItem(household=h, doctor=doctor) for h in households}
    for h in households:
        urgency = getattr(h, "urgency", None)
        if urgency is not None:
            items[h.pk].next_due = urgency.next_due if doctor else urgency.contact_next_due
    for household_id, last in last_visit_dates(household_ids=ids, on=on).items():
        items[household_id].last_visit = last
    members = Member.objects.filter(household_id__in=ids, alive=True).order_by("household_id", "id")
    for household_id, name in members.values_list("household_id", "name"):
        items[household_id].members.append(name)
    for flag in OverdueFlag.objects.open().filter(household_id__in=ids).select_related("rule").order_by("opened_on"):
        item = items[flag.household_id]
        (item.overdue if flag.rule.mode == Rule.Mode.OVERDUE else item.reminders).append(flag)
    return list(items.values())


def last_visit_dates(*, household_ids: list[int], on: date) -> dict[int, date]:
    """The date of each household's latest visit up to `on` (one query on the (household, date) index)."""
    rows = (
        Visit.objects.filter(household_id__in=household_ids, date__lte=on)
        .order_by()
        .values_list("household_id")
        .annotate(last=Max("date"))
    )
    return dict(rows)


def household_for_visit(*, user: User, pk: int) -> Household:
    """The gatekeeper of the log form: a household in the user's area (404 outside)."""
    return get_visible_or_404(Household.objects.select_related("village"), user, pk=pk)


def visit_get_for_user(*, user: User, pk: int) -> Visit:
    """The gatekeeper of the correction forms: a visit of a household in the user's area (404 outside)."""
    return get_visible_or_404(Visit.objects.select_related("household__village", "visitor", "recorded_by"), user, pk=pk)


def visitors_for_visit(*, visit: Visit) -> QuerySet[Any]:
    """The contacts a corrected visit may name: those serving its household, and the one it names already
    (even if no longer serving there)."""
    from contacts.models import ServicePerson
    from contacts.selectors import service_persons_for_household

    visitors = service_persons_for_household(household=visit.household)
    if visit.visitor_id:
        visitors = visitors | ServicePerson.objects.filter(pk=visit.visitor_id)
    return visitors


def open_flags_for_household(*, household: Household) -> list[OverdueFlag]:
    return list(OverdueFlag.objects.open().filter(household=household).select_related("rule"))


@dataclass
class VisitStatus:
    """Where one household stands with its visits: the archive's panel."""

    overdue: list[OverdueFlag]
    reminders: list[OverdueFlag]
    last_contact: date | None  # any method
    last_home_visit: date | None
    last_doctor_visit: date | None  # by a family doctor, any method
    next_due: date | None  # as of the engine's last run for the household
    follow_ups: list[FollowUp]  # open, soonest due first
    # Nothing has come due yet: no contact logged and no flag ever opened (a period that ended without a visit
    # would have opened one), as for a household registered this month. The panel says "Not yet due", not
    # "Up to date".
    not_yet_due: bool = False


def household_visit_status(*, household: Household, on: date) -> VisitStatus:
    """The household's open flags, latest contacts, next due date and open follow-ups (four or five queries)."""
    flags = open_flags_for_household(household=household)
    last = Visit.objects.filter(household=household, date__lte=on).aggregate(
        contact=Max("date"),
        home=Max("date", filter=Q(method=Visit.Method.HOME)),
        doctor=Max("date", filter=Q(visitor_role=Visit.VisitorRole.FAMILY_DOCTOR)),
    )
    urgency = HouseholdUrgency.objects.filter(household=household).first()
    follow_ups = list(
        FollowUp.objects.filter(visit__household=household, status=FollowUp.Status.OPEN)
        .select_related("owner", "visit")
        .order_by("due_on", "id")
    )
    return VisitStatus(
        overdue=[f for f in flags if f.rule.mode == Rule.Mode.OVERDUE],
        reminders=[f for f in flags if f.rule.mode == Rule.Mode.REMINDER],
        last_contact=last["contact"],
        last_home_visit=last["home"],
        last_doctor_visit=last["doctor"],
        next_due=urgency.next_due if urgency else None,
        follow_ups=follow_ups,
        not_yet_due=(
            not flags and last["contact"] is None and not OverdueFlag.objects.filter(household=household).exists()
        ),
    )


def follow_ups_for_user(*, user: User, limit: int = 20) -> QuerySet[FollowUp]:
    """The open follow-up actions a user owns, inside their area, the soonest due first."""
    return (
        FollowUp.objects.visible_to(user)
        .open_owned_by(user)
        .select_related("visit__household__village")
        .order_by("due_on", "id")[:limit]
    )


def inbox_messages_for_user(*, user: User) -> NotificationQuerySet:
    """The user's own messages about households inside the user's area (docs/SECURITY.md §Access: one mechanism)."""
    return Notification.objects.visible_to(user).filter(user=user)


def inbox_for_user(*, user: User, limit: int = 100) -> QuerySet[Notification]:
    return inbox_messages_for_user(user=user).select_related("household")[:limit]


def inbox_page_queryset(*, user: User, unread: bool = False, kind: str = "") -> NotificationQuerySet:
    """The user's messages for the inbox's pages, newest first: only the unread ones, of one kind, or all."""
    qs = inbox_messages_for_user(user=user)
    if unread:
        qs = qs.unread()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def inbox_counts(*, user: User) -> dict[str, int]:
    """The unread messages of the user by kind (one query), and "" for all of them."""
    rows = inbox_messages_for_user(user=user).unread().order_by().values_list("kind").annotate(n=Count("pk"))
    counts = dict(rows)
    counts[""] = sum(counts.values())
    return counts


def unread_count(*, user: User) -> int:
    return inbox_messages_for_user(user=user).unread().count()


def follow_up_get_for_user(*, user: User, pk: int) -> FollowUp:
    return get_visible_or_404(FollowUp.objects.select_related("visit", "visit__household"), user, pk=pk)


def rule_set_for_user(*, user: User) -> RuleSet | None:
    """The rule set of the user's county (created with the defaults on first sight)."""
    from regions.models import Region
    from visits.services import ruleset_create_default

    path = user_scope_path(user)
    if path is None:
        return None
    county = Region.objects.county_of(path)
    if county is None:
        return None
    return ruleset_create_default(county=county)


def rule_get_for_user(*, user: User, pk: int) -> Rule:
    """A rule of the user's own county, or 404 (another county's rules are outside the area)."""
    return get_visible_or_404(Rule.objects.select_related("rule_set__county"), user, pk=pk)


@dataclass
class MyWork:
    """What waits for a user who visits (the home page)."""

    households: int
    overdue: int  # of them, with an open overdue flag the user clears (as of the engine's last run)
    waiting_for_doctor: int  # … with an open flag of a family doctor's rule (the user not a doctor)
    follow_ups: int  # open follow-up actions they own
    follow_ups_late: int  # … past their due date
    unread: int


def my_work_summary(*, user: User, on: date) -> MyWork:
    """Counts for "my households", "my follow-ups" and the inbox (four queries)."""
    mine = my_households_queryset(user=user, on=on)
    doctor = clears_doctors_rules(user)
    rank = "urgency__rank" if doctor else "urgency__contact_rank"
    counts = mine.aggregate(
        households=Count("pk"),
        overdue=Count("pk", filter=Q(**{rank: HouseholdUrgency.Rank.OVERDUE})),
        waiting=Count("pk", filter=Q(urgency__doctor_since__isnull=False)),
    )
    follow_ups = (
        FollowUp.objects.visible_to(user)
        .open_owned_by(user)
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(due_on__lt=on)))
    )
    return MyWork(
        households=counts["households"],
        overdue=counts["overdue"],
        waiting_for_doctor=0 if doctor else counts["waiting"],
        follow_ups=follow_ups["open"],
        follow_ups_late=follow_ups["late"],
        unread=unread_count(user=user),
    )


# ---------------------------------------------------------------------------------------------------
# Supervision: the open overdue flags of the user's area (county staff and town cadres: SUPERVISE_FLAGS)
# ---------------------------------------------------------------------------------------------------

# The orders of the supervision list; each ends on the flag's id so that pages never overlap.
SUPERVISION_SORTS: dict[str, tuple[Any, ...]] = {
    # the flag open longest first
    "age": (F("opened_on").asc(), F("household__number").asc(), F("id").asc()),
    # the most escalated first (county, town, contact), then the oldest
    "level": (F("escalation_level").desc(), F("opened_on").asc(), F("household__number").asc(), F("id").asc()),
    # by place (the region path: town, then village), then household number
    "village": (
        F("household__village__path").asc(nulls_first=True),
        F("household__number").asc(),
        F("opened_on").asc(),
        F("id").asc(),
    ),
    "number": (F("household__number").asc(), F("opened_on").asc(), F("id").asc()),
}


@dataclass(frozen=True)
class SupervisionFilter:
    """The filters of the supervision list, already checked against the user's area (visits.forms)."""

    number: str = ""  # a household number, or a part of one
    town: int | None = None
    village: int | None = None
    rule: str = ""  # a rule's code
    level: int | None = None  # OverdueFlag.Level, exactly
    min_days: int | None = None  # open at least this many days
    waits_for: str = ""  # "family_doctor" or "any_contact" (OverdueFlag.waits_for)
    sort: str = "age"


def supervision_flags(*, user: User, filters: SupervisionFilter, on: date) -> QuerySet[OverdueFlag]:
    """The open overdue flags inside the user's area that match ``filters``, in the chosen order — the engine's
    own rows (visits.engine writes them; reminders are not overdue and are left out), one row per flag. Narrow:
    page its ids, then ``supervision_rows``; an export adds ``select_related(*SUPERVISION_RELATED)``.

    The age of a flag is the days since it opened (``on − opened_on``), as the escalation counts them."""
    qs = OverdueFlag.objects.visible_to(user).open().filter(rule__mode=Rule.Mode.OVERDUE)
    if filters.number:
        qs = qs.filter(household__number__icontains=filters.number)
    if filters.town is not None:
        qs = qs.filter(household__village__parent_id=filters.town)
    if filters.village is not None:
        qs = qs.filter(household__village_id=filters.village)
    if filters.rule:
        qs = qs.filter(rule__code=filters.rule)
    if filters.level is not None:
        qs = qs.filter(escalation_level=filters.level)
    if filters.min_days is not None:
        qs = qs.filter(opened_on__lte=on - timedelta(days=filters.min_days))
    if filters.waits_for:
        qs = qs.filter(rule__by_family_doctor=filters.waits_for == "family_doctor")
    order = SUPERVISION_SORTS.get(filters.sort, SUPERVISION_SORTS["age"])
    return qs.order_by(*order)


# What a row of the supervision list shows besides the flag: its household, village, town and rule.
SUPERVISION_RELATED = ("household__village__parent", "rule")


def supervision_rows(ids: list[int]) -> list[OverdueFlag]:
    """The flags of one page with their household, place and rule, in the order of ``ids`` (one query by primary
    key). The page's ids come from the narrow sorted query (``supervision_flags(…).values_list("pk")``): sorting
    the area's flags with every joined column carried along cost four times as much at 100,000 open flags."""
    found = {f.pk: f for f in OverdueFlag.objects.filter(pk_among(ids)).select_related(*SUPERVISION_RELATED)}
    return [found[pk] for pk in ids if pk in found]


def supervision_counts(flags: QuerySet[OverdueFlag]) -> dict[str, int]:
    """How many flags and how many households the filtered list holds (one query)."""
    return flags.order_by().aggregate(flags=Count("pk"), households=Count("household_id", distinct=True))


def supervision_places(*, user: User) -> tuple[list[Any], list[Any]]:
    """The towns and the villages of the user's area (the filter's choices), in path order (one query)."""
    from regions.models import Region

    nodes = list(
        Region.objects.visible_to(user)
        .filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        .select_related("parent")
        .order_by("path")
    )
    return [r for r in nodes if r.level == Region.Level.TOWN], [r for r in nodes if r.level == Region.Level.VILLAGE]


def supervision_rules(*, user: User) -> list[Rule]:
    """The overdue rules of the user's county (the filter's choices): a town's cadre reads the county's rules."""
    from regions.models import Region

    path = user_scope_path(user)
    county = Region.objects.county_of(path) if path else None
    if county is None:
        return []
    return list(Rule.objects.filter(rule_set__county=county, mode=Rule.Mode.OVERDUE).order_by("position", "id"))


def supervision_summary(*, user: User, on: date) -> dict[str, int]:
    """The home page's supervision figures: the area's open overdue flags, their households, and the flags at
    the county's and the town's level (one query; the same rows as the supervision list)."""
    flags = supervision_flags(user=user, filters=SupervisionFilter(), on=on)
    return flags.order_by().aggregate(
        flags=Count("pk"),
        households=Count("household_id", distinct=True),
        county=Count("pk", filter=Q(escalation_level=OverdueFlag.Level.COUNTY)),
        town=Count("pk", filter=Q(escalation_level=OverdueFlag.Level.TOWN)),
    )
