"""Reads of the four-on-one contacts. Set-based: each selector runs a constant number of queries.

Stable interface for other apps (visits, reports):

* ``current_assignments(*, on)`` — the terms running on a date, substitutes included;
* ``responsible_users_for_households(*, household_ids, slot, on)`` — whom to notify;
* ``village_contacts_for_households(*, villages, on)`` — the household's village contact, else its village's cadres;
* ``contact_coverage(*, user, on, group_by)`` — 联系人全覆盖 per town or village;
* ``households_with_contact_status(*, households, on, scheme)`` — households annotated ``contacts_complete``;
* ``household_contacts_panel(*, household, on)`` — one household's contacts (the archive panel, the card).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext as _

from accounts.models import User
from contacts.models import Assignment, ContactScheme, ServicePerson
from households.models import Household
from regions.models import Region
from regions.paths import ancestor_paths, county_path
from regions.scope import get_visible_or_404, user_scope_path

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

Slot = ServicePerson.RoleType

# An assignment whose term ends within this many days shows up as "ending soon" among the gaps.
ENDING_SOON_DAYS = 30


# ---------------------------------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------------------------------


def county_path_of(path: str) -> str:
    """The county part of a region path ("630101/630101001/" → "630101/")."""
    return county_path(path)


def contact_scheme_for_county(*, county: Region) -> ContactScheme:
    """The county's scheme; an unsaved 四对一 scheme when the county has not chosen one."""
    return ContactScheme.objects.filter(county=county).first() or ContactScheme(county=county)


def contact_scheme_for_path(*, path: str) -> ContactScheme:
    """The scheme of the county that contains `path` (one query)."""
    county_path = county_path_of(path)
    scheme = ContactScheme.objects.filter(county__path=county_path).first()
    return scheme or ContactScheme(kind=ContactScheme.Kind.FOUR_ON_ONE)


def contact_scheme_for_user(*, user: User) -> ContactScheme | None:
    path = user_scope_path(user)
    return None if path is None else contact_scheme_for_path(path=path)


# ---------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------


def service_person_list_for_user(
    *,
    user: User,
    search: str = "",
    role_type: str = "",
    region: Region | None = None,
    serving: bool = False,
    active: bool | None = None,
) -> QuerySet[ServicePerson]:
    """The people of the user's area, filtered. `region`: registered in that area (or below it); with `serving`,
    also the people registered above it who serve it (a village's town leader and the town's family doctor)."""
    qs = (
        ServicePerson.objects.visible_to(user)
        .select_related("region", "region__parent", "user")
        .annotate(
            current_households=Count(
                "assignments",
                filter=Q(assignments__end_date__isnull=True),
                distinct=True,
            )
        )
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(unit__icontains=search) | Q(phone__contains=search))
    if role_type:
        qs = qs.filter(role_type=role_type)
    if region is not None:
        within = Q(region__path__startswith=region.path)
        if serving:
            within |= Q(region__path__in=ancestor_paths(region.path, include_self=False))
        qs = qs.filter(within)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("region__path", "role_type", "name", "id")


def service_person_get_for_user(*, user: User, pk: int) -> ServicePerson:
    return get_visible_or_404(ServicePerson.objects.select_related("region", "user"), user, pk=pk)


def service_persons_for_household(*, household: Household, slot: str = "") -> QuerySet[ServicePerson]:
    """Active people whose area contains the household (its village, town or county)."""
    qs = ServicePerson.objects.active().serving(household.region_path).select_related("region")
    if slot:
        qs = qs.filter(role_type=slot)
    return qs.order_by("role_type", "name", "id")


# ---------------------------------------------------------------------------------------------------
# Assignments on a date (for visits and reports)
# ---------------------------------------------------------------------------------------------------


class HolderAway(TypedDict):
    holder_away: bool


def current_assignments(*, on: date) -> QuerySet[WithAnnotations[Assignment, HolderAway]]:
    """Assignments whose term runs on `on` (start ≤ on < end), substitutes included.

    Each row has ``is_substitute`` (a property: it covers ``substitute_for``) and the annotation
    ``holder_away`` (True when a substitute covers this holder on `on`). Not scoped: chain
    ``.visible_to(user)`` or filter by household.
    """
    covering = Assignment.objects.current(on=on).filter(substitute_for=OuterRef("pk"))
    # The plugin names the annotation's TypedDict itself; the cast gives it the name callers can spell.
    return cast(
        "QuerySet[WithAnnotations[Assignment, HolderAway]]",
        Assignment.objects.current(on=on).annotate(holder_away=Exists(covering)),
    )


def responsible_users_for_households(*, household_ids: list[int], slot: str, on: date) -> dict[int, list[User]]:
    """For each household, the active portal users of the people who hold `slot` on `on`.

    A holder covered by a substitute is away: the substitute is notified instead. People without a login or
    deactivated are left out. Every requested household is a key (an empty list: nobody to notify). One query.
    """
    result: dict[int, list[User]] = {hid: [] for hid in household_ids}
    rows = (
        current_assignments(on=on)
        .filter(
            household_id__in=list(household_ids),
            slot=slot,
            holder_away=False,
            person__active=True,
            person__user__isnull=False,
            person__user__is_active=True,
        )
        .select_related("person__user")
        .order_by("household_id", "start_date", "id")
    )
    for assignment in rows:
        users = result.setdefault(assignment.household_id, [])
        user = assignment.person.user
        if user is not None and user not in users:  # never None: the query asks for a login
            users.append(user)
    return result


def village_contacts_for_households(*, villages: dict[int, int | None], on: date) -> dict[int, list[User]]:
    """For each household (``villages``: household id → its village's id), whom a task for the village goes to:
    the portal users holding its 四对一 village-cadre slot on ``on``, else the active village cadres of its
    village (a household nobody holds is not left without anyone). Two queries."""
    from accounts.roles import Role

    holders = responsible_users_for_households(household_ids=list(villages), slot="village_cadre", on=on)
    unheld = {village for household, village in villages.items() if not holders[household] and village}
    cadres: dict[int, list[User]] = defaultdict(list)
    if unheld:
        for user in User.objects.filter(region_id__in=unheld, role=Role.VILLAGE_CADRE, is_active=True).order_by("pk"):
            cadres[user.region_id].append(user)
    return {
        household: holders[household] or list(cadres.get(village or 0, [])) for household, village in villages.items()
    }


def households_active_on(households: QuerySet[Household], *, on: date) -> QuerySet[Household]:
    """Households on the roster on `on`: registered by then and not closed by then."""
    return households.filter(
        Q(status=Household.Status.ACTIVE) | Q(closed_on__gt=on),
        registered_on__lte=on,
    )


def _slot_filled(slot: str, needed: int, *, on: date) -> Any:
    """A boolean expression: the household has at least `needed` holders of `slot` on `on`."""
    holders = Assignment.objects.current(on=on).holders().filter(household=OuterRef("pk"), slot=slot)
    if needed <= 1:
        return Exists(holders)
    counted = holders.order_by().values("household").annotate(n=Count("id")).values("n")
    return GreaterThanOrEqual(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), needed)


def contacts_complete_condition(*, on: date, scheme: ContactScheme) -> Q:
    """Q for households with every required slot of `scheme` filled on `on` (substitutes cover a holder,
    so counting holders is enough)."""
    condition = Q()
    for slot, needed in scheme.required_slots().items():
        condition &= Q(_slot_filled(slot, needed, on=on))
    return condition


class ContactStatus(TypedDict):
    contacts_complete: bool


def households_with_contact_status(
    *, households: QuerySet[Household], on: date, scheme: ContactScheme
) -> QuerySet[WithAnnotations[Household, ContactStatus]]:
    """`households` annotated with ``contacts_complete`` (every required slot filled on `on`)."""
    return households.annotate(
        contacts_complete=Case(
            When(contacts_complete_condition(on=on, scheme=scheme), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def contact_figures_by_village(
    *, households: QuerySet[Household], on: date, scheme: ContactScheme
) -> dict[int, tuple[int, int]]:
    """联系人全覆盖 per village, the one definition every page and the dashboard's snapshots use: of `households`
    (narrowed here to those on the roster on `on` and in a village), village id → (households, those with every
    required slot of `scheme` filled on `on`). One query."""
    counts = _contact_counts(households.filter(village__isnull=False), on=on, scheme=scheme, key="village_id")
    return {k: v for k, v in counts.items() if k is not None}


def _contact_counts(
    households: QuerySet[Household], *, on: date, scheme: ContactScheme, key: str
) -> dict[int | None, tuple[int, int]]:
    """contact_figures_by_village's count, grouped by `key` ("village_id", or "village__parent_id" for towns;
    None: the households without a village). One query."""
    counts = households_active_on(households, on=on).order_by().values_list(key)
    complete = contacts_complete_condition(on=on, scheme=scheme)
    return {k: (n, covered) for k, n, covered in counts.annotate(n=Count("id"), covered=Count("id", filter=complete))}


def assignment_change_latest() -> int:
    """The id of the latest change of any assignment (its history event; 0 when none). One query."""
    from django.apps import apps
    from django.db.models import Max

    latest = apps.get_model("contacts", "AssignmentEvent").objects.aggregate(m=Max("pgh_id"))["m"]
    return int(latest or 0)


def villages_with_assignment_changes(*, after: int) -> set[int]:
    """The villages of the households whose assignments changed after the history event `after` (a figure stored
    with `after` is behind there). One query, by the events' primary key."""
    from django.apps import apps

    events = apps.get_model("contacts", "AssignmentEvent").objects.filter(pgh_id__gt=after)
    changed = Household.objects.filter(pk__in=events.values("household_id"), village__isnull=False)
    return set(changed.values_list("village_id", flat=True).distinct())


@dataclass(frozen=True)
class CoverageRow:
    region_id: int | None
    region_name: str
    region_code: str
    households: int
    covered: int

    @property
    def share(self) -> float | None:
        """Covered / households (0.0 – 1.0), None when there are no households."""
        return self.covered / self.households if self.households else None

    @property
    def vacant(self) -> int:
        return self.households - self.covered


def contact_coverage(
    *, user: User, on: date, group_by: Literal["town", "village"] = "town", region: Region | None = None
) -> list[CoverageRow]:
    """联系人全覆盖 (三个全覆盖 1): per town or village of the user's area, the households on the roster on `on`
    and those with every required contact slot filled on `on`.

    Every town/village of the area is listed, with zero when it has no household; households without a
    village are one row with ``region_id`` None. `region` (already scoped by the caller) narrows the area.
    The figures are contact_figures_by_village's, the dashboard's. Three queries, whatever the number of
    households.
    """
    path = user_scope_path(user)
    if path is None:
        return []
    scheme = contact_scheme_for_path(path=path)
    households = Household.objects.visible_to(user)
    if region is not None:
        households = households.filter(village__path__startswith=region.path)
    level = Region.Level.TOWN if group_by == "town" else Region.Level.VILLAGE
    # The one definition of the figure (contact_figures_by_village, the dashboard's), grouped by town or village.
    key = "village__parent_id" if group_by == "town" else "village_id"
    counts = {
        k: {"n_households": n, "n_covered": covered}
        for k, (n, covered) in _contact_counts(households, on=on, scheme=scheme, key=key).items()
    }
    within = region.path if region is not None and region.path.startswith(path) else path
    regions = Region.objects.filter(Q(path__startswith=within, level=level) | Q(pk__in=[k for k in counts if k]))
    rows = []
    for reg in regions.order_by("path"):
        data = counts.get(reg.pk, {})
        rows.append(
            CoverageRow(
                region_id=reg.pk,
                region_name=reg.name,
                region_code=reg.code,
                households=data.get("n_households", 0),
                covered=data.get("n_covered", 0),
            )
        )
    if None in counts:
        rows.append(
            CoverageRow(
                region_id=None,
                region_name=_("(no village)"),
                region_code="",
                households=counts[None]["n_households"],
                covered=counts[None]["n_covered"],
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# One household
# ---------------------------------------------------------------------------------------------------


@dataclass
class SlotView:
    slot: str
    label: str
    needed: int
    holders: list[Assignment] = field(default_factory=list)  # current holders, each with .current_substitutes

    @property
    def vacant(self) -> bool:
        return len(self.holders) < self.needed

    @property
    def missing(self) -> int:
        return max(self.needed - len(self.holders), 0)


@dataclass
class HouseholdContacts:
    household: Household
    on: date
    scheme: ContactScheme
    slots: list[SlotView]
    history: list[Assignment]  # ended terms and substitutes, newest first
    upcoming: list[Assignment]  # terms that start after `on`

    @property
    def complete(self) -> bool:
        return all(not s.vacant for s in self.slots if s.needed)

    @property
    def card_rows(self) -> list[tuple[str, Assignment]]:
        """(slot label, assignment) for the contact card: the substitute stands in for an away holder."""
        rows: list[tuple[str, Assignment]] = []
        for slot in self.slots:
            for holder in slot.holders:
                rows.extend((slot.label, sub) for sub in holder.current_substitutes)
                rows.append((slot.label, holder))
        return rows


def household_contacts_panel(*, household: Household, on: date) -> HouseholdContacts:
    """One household's contacts on `on`: the required slots with their holders and substitutes, vacancies,
    and the history. Two queries (the scheme and the assignments)."""
    scheme = contact_scheme_for_path(path=household.region_path)
    rows = list(
        Assignment.objects.filter(household=household)
        .select_related("person", "person__region")
        .order_by("-start_date", "-id")
    )
    return _panel_from_rows(household, rows, on=on, scheme=scheme)


def _panel_from_rows(
    household: Household, rows: list[Assignment], *, on: date, scheme: ContactScheme
) -> HouseholdContacts:
    required = scheme.required_slots()
    substitutes: dict[int, list[Assignment]] = defaultdict(list)
    holders: dict[str, list[Assignment]] = defaultdict(list)
    history: list[Assignment] = []
    upcoming: list[Assignment] = []
    for row in rows:
        if row.is_current(on=on):
            if row.substitute_for_id is not None:  # a substitute
                substitutes[row.substitute_for_id].append(row)
            else:
                holders[row.slot].append(row)
        elif row.start_date > on and row.end_date != row.start_date:
            upcoming.append(row)
        else:
            history.append(row)
    slots = []
    for slot, label in Slot.choices:
        needed = required.get(slot, 0)
        current = sorted(holders.get(slot, []), key=lambda a: (a.start_date, a.pk))
        if not needed and not current:
            continue
        for holder in current:
            holder.current_substitutes = substitutes.get(holder.pk, [])
        slots.append(SlotView(slot=slot, label=str(label), needed=needed, holders=current))
    return HouseholdContacts(household=household, on=on, scheme=scheme, slots=slots, history=history, upcoming=upcoming)


def household_contacts_for_village(*, village: Region, on: date) -> list[HouseholdContacts]:
    """The contact card batch of a village: every household on the roster, ordered by number. Three queries."""
    scheme = contact_scheme_for_path(path=village.path)
    households = list(households_active_on(Household.objects.filter(village=village), on=on).order_by("number", "id"))
    for household in households:
        household.village = village
    by_household: dict[int, list[Assignment]] = defaultdict(list)
    for row in (
        Assignment.objects.filter(household__in=[h.pk for h in households])
        .current(on=on)
        .select_related("person")
        .order_by("-start_date", "-id")
    ):
        by_household[row.household_id].append(row)
    return [_panel_from_rows(h, by_household.get(h.pk, []), on=on, scheme=scheme) for h in households]


def assignment_get_for_user(*, user: User, pk: int) -> Assignment:
    return get_visible_or_404(Assignment.objects.select_related("household", "person"), user, pk=pk)


# ---------------------------------------------------------------------------------------------------
# Gaps
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    household_id: int
    household_number: str
    village_name: str
    town_name: str
    slot: str
    slot_label: str
    kind: Literal["vacant", "ending"]
    missing: int  # people missing in the slot (vacant); 0 when ending soon
    last_person: str  # who held the slot last (vacant) or holds it (ending)
    last_end: date | None  # when that term ended or ends


def assignment_gaps(
    user: User, *, on: date, region: Region | None = None, ending_within: int = ENDING_SOON_DAYS
) -> list[Gap]:
    """Vacant required slots on `on` (with who held the slot last and when that term ended), and holders
    whose term ends within `ending_within` days with no successor yet. Two queries."""
    path = user_scope_path(user)
    if path is None:
        return []
    scheme = contact_scheme_for_path(path=path)
    households = households_active_on(Household.objects.visible_to(user), on=on)
    if region is not None:
        households = households.filter(village__path__startswith=region.path)
    annotations: dict[str, Any] = {}
    required = scheme.required_slots()
    horizon = on + timedelta(days=ending_within)
    for slot in required:
        holders = Assignment.objects.current(on=on).holders().filter(household=OuterRef("pk"), slot=slot)
        annotations[f"n_{slot}"] = Coalesce(
            Subquery(holders.order_by().values("household").annotate(n=Count("id")).values("n")[:1]),
            Value(0),
        )
        ended = (
            Assignment.objects.holders()
            .filter(household=OuterRef("pk"), slot=slot, end_date__lte=on)
            .order_by("-end_date", "-id")
        )
        annotations[f"last_{slot}"] = Subquery(ended.values("person__name")[:1])
        annotations[f"lastend_{slot}"] = Subquery(ended.values("end_date")[:1])
        ending = holders.filter(end_date__isnull=False, end_date__lte=horizon).order_by("end_date", "id")
        successor = Assignment.objects.holders().filter(
            household=OuterRef(OuterRef("pk")), slot=slot, start_date__gte=OuterRef("end_date")
        )
        ending = ending.annotate(has_successor=Exists(successor)).filter(has_successor=False)
        annotations[f"ending_{slot}"] = Subquery(ending.values("person__name")[:1])
        annotations[f"endingon_{slot}"] = Subquery(ending.values("end_date")[:1])
    rows = (
        households.annotate(**annotations)
        .select_related("village", "village__parent")
        .order_by("village__path", "number", "id")
    )
    labels = dict(Slot.choices)
    gaps = []
    for household in rows:
        village = household.village
        for slot, needed in required.items():
            common: dict[str, Any] = {
                "household_id": household.pk,
                "household_number": household.number,
                "village_name": village.name if village else "",
                "town_name": village.parent.name if village and village.parent else "",
                "slot": slot,
                "slot_label": str(labels[slot]),
            }
            have = getattr(household, f"n_{slot}")
            if have < needed:
                gaps.append(
                    Gap(
                        **common,
                        kind="vacant",
                        missing=needed - have,
                        last_person=getattr(household, f"last_{slot}") or "",
                        last_end=getattr(household, f"lastend_{slot}"),
                    )
                )
            elif getattr(household, f"ending_{slot}"):
                gaps.append(
                    Gap(
                        **common,
                        kind="ending",
                        missing=0,
                        last_person=getattr(household, f"ending_{slot}"),
                        last_end=getattr(household, f"endingon_{slot}"),
                    )
                )
    return gaps
