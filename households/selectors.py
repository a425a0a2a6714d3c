"""Reads of the household archive, always inside the reader's area (Household.objects.visible_to)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Right
from django.http import Http404

from core.db import pk_among
from households import validation
from households.models import Household, Member, SavedFilter
from regions.models import Region
from regions.scope import get_visible_or_404

if TYPE_CHECKING:
    from accounts.models import User
    from households.extensions import ListColumn

AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    # band: (minimum age, maximum age) inclusive; None = open
    "under_60": (None, 59),
    "60_69": (60, 69),
    "70_79": (70, 79),
    "80_plus": (80, None),
}

# The list's orders by the households' own columns, ascending; "-key" is the exact reverse. Each ends with a
# unique key, so a page is the same page on every request. Number and date registered are read from the indexes
# household_number_order and household_registered_order (forwards or backwards: no sort); by village, through
# VillageOrderedPks; type, living situation and status sort the area's primary keys (a few values, rarely asked).
SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "id"),
    "registered": ("registered_on", "id"),
    "village": ("village__path", "number", "id"),
    "family_type": ("family_type", "number", "id"),
    "living_situation": ("living_situation", "number", "id"),
    "status": ("status", "number", "id"),
}


def _reversed(order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)


SORTS: dict[str, tuple[str, ...]] = {
    **SORT_COLUMNS,
    **{f"-{key}": _reversed(order) for key, order in SORT_COLUMNS.items()},
}


def sort_keys(columns: Iterable[ListColumn] = ()) -> list[str]:
    """Every sort the list knows: its own columns' and the extensions' columns', each ascending and descending."""
    keys = [*SORT_COLUMNS, *(column.key for column in columns)]
    return [order for key in keys for order in (key, f"-{key}")]


def sort_order(key: str, columns: Iterable[ListColumn] = ()) -> tuple[Any, ...]:
    """The ordering of the list for a sort key (unknown: by number). An extension's column: its expression, no
    value first when ascending (last when descending), then number and id."""
    if key in SORTS:
        return SORTS[key]
    name, descending = (key[1:], True) if key.startswith("-") else (key, False)
    for column in columns:
        if column.key == name:
            expression = column.order
            if descending:
                return (expression.desc(nulls_last=True), "-number", "-id")
            return (expression.asc(nulls_first=True), "number", "id")
    return SORTS["number"]


@dataclass(frozen=True)
class HouseholdFilters:
    """The categorised query (分类查询). Everything here is non-personal except `search`."""

    town: Region | None = None
    village: Region | None = None
    family_type: str = ""
    age_band: str = ""
    self_care: str = ""
    alive: str = ""  # "alive" / "deceased": a member who is …
    # The age filter counts living members only, unless asked (then a deceased member counts by birth date, as
    # the alive filter "deceased" does).
    with_deceased: bool = False
    living_alone: bool = False
    poverty: str = ""  # "registered" (建档立卡) / "allowance" (低保) / "either"
    status: str = ""
    difficulty: str = ""
    search: str = ""
    sort: str = "number"
    # The extensions' sortable columns the reader sees (households.extensions.list_columns).
    columns: tuple[ListColumn, ...] = ()

    @property
    def on_members(self) -> bool:
        """A filter on the members (age, self-care, alive): each household of the area is probed for a member
        that meets it, the costly part of a list (household_page reads such a list once)."""
        return bool(self.age_band in AGE_BANDS or self.self_care or self.alive in {"alive", "deceased"})


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_date_range_for_ages(
    *, today: date, min_age: int | None, max_age: int | None
) -> tuple[date | None, date | None]:
    """Birth dates of people aged min_age..max_age (inclusive) on `today`, as (earliest, latest)."""
    latest = years_before(today, min_age) if min_age is not None else None
    earliest = years_before(today, max_age + 1) + timedelta(days=1) if max_age is not None else None
    return earliest, latest


def _member_q(filters: HouseholdFilters, *, today: date) -> Q | None:
    """Conditions on one member: the household matches when one member meets them all."""
    q = Q()
    used = False
    if filters.age_band in AGE_BANDS:
        earliest, latest = birth_date_range_for_ages(
            today=today, min_age=AGE_BANDS[filters.age_band][0], max_age=AGE_BANDS[filters.age_band][1]
        )
        if earliest:
            q &= Q(birth_date__gte=earliest)
        if latest:
            q &= Q(birth_date__lte=latest)
        if not filters.with_deceased and filters.alive not in {"alive", "deceased"}:
            q &= Q(alive=True)
        used = True
    if filters.self_care:
        q &= Q(self_care=filters.self_care)
        used = True
    if filters.alive in {"alive", "deceased"}:
        q &= Q(alive=filters.alive == "alive")
        used = True
    return q if used else None


# The last four characters of an ID number or a phone: what a masked value shows (6301**********0694,
# 138****0014). Matched through the expression indexes member_id_number_last4 and member_phone_last4.
LAST_FOUR = re.compile(r"[0-9]{3}[0-9X]")


def search_household_ids(text: str, *, user: User | None = None) -> list[int] | None:
    """The households a search finds, in the whole archive (the list then keeps those of the reader's area);
    None when there is nothing to search for.

    By ID number, phone, certificate or household number, or (part of) a name; or by the last four digits of
    an ID number or a phone (the digits a masked value shows), among the members of ``user``'s area when a user
    is given (four digits match about one member in ten thousand of the whole archive). An ID number or a phone is
    normalised first, so "６３０１０３…" and "0971 1234567" find the stored values. The ids are read once, then
    the list's count and page read those households by primary key: as a subquery, the planner did not know
    how few there are, scanned every household of the area and ran the member search twice (count, page).
    """
    text = validation.clean_text(text)[:50]
    if not text:
        return None
    compact = validation.id_number_normalize(text)
    if re.fullmatch(r"[0-9]{17}[0-9X]|[0-9]{15}", compact):
        number = validation.id_number_convert_15(compact) if len(compact) == 15 else compact
        return list(Member.objects.filter(id_number=number).values_list("household_id", flat=True))
    matches = (
        Household.objects.filter(Q(number=compact) | Q(certificate_number=compact))
        .order_by()
        .values_list("pk", flat=True)
    )
    try:
        phone = validation.phone_normalize(text)
    except ValidationError:
        phone = ""
    if phone:
        matches = matches.union(Member.objects.filter(phone=phone).order_by().values_list("household_id", flat=True))
    if LAST_FOUR.fullmatch(compact):
        members = Member.objects.visible_to(user) if user is not None else Member.objects.all()
        last_four = members.alias(id_last4=Right("id_number", 4), phone_last4=Right("phone", 4)).filter(
            Q(id_last4=compact) | Q(phone_last4=compact)
        )
        matches = matches.union(last_four.order_by().values_list("household_id", flat=True))
    if not re.fullmatch(r"[-0-9()\s]+", text):
        # Names: a substring LIKE (Chinese has no case, so no ILIKE). No trigram index: the embedded
        # PostgreSQL of dev/test ships no contrib extensions (pg_trgm).
        matches = matches.union(
            Member.objects.filter(name__contains=text).order_by().values_list("household_id", flat=True)
        )
    return list(matches)


def household_list_for_user(*, user: User, filters: HouseholdFilters, today: date) -> QuerySet[Household]:
    qs = Household.objects.visible_to(user).select_related("village", "village__parent", "county")
    if filters.village is not None:
        qs = qs.filter(village=filters.village)
    elif filters.town is not None:
        qs = qs.filter(village_id__in=Region.objects.filter(parent=filters.town).values("pk"))
    if filters.family_type:
        qs = qs.filter(family_type=filters.family_type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.living_alone:
        qs = qs.filter(living_situation=Household.LivingSituation.ALONE)
    if filters.poverty == "registered":
        qs = qs.filter(poverty_registered=True)
    elif filters.poverty == "allowance":
        qs = qs.filter(subsistence_allowance=True)
    elif filters.poverty == "either":
        qs = qs.filter(Q(poverty_registered=True) | Q(subsistence_allowance=True))
    if filters.difficulty:
        qs = qs.filter(difficulties__contains=[filters.difficulty])
    member_q = _member_q(filters, today=today)
    if member_q is not None:
        qs = qs.filter(pk__in=Member.objects.filter(member_q).values("household_id"))
    found = search_household_ids(filters.search, user=user) if filters.search else None
    if found is not None:
        qs = qs.filter(pk_among(found))
    return qs.order_by(*sort_order(filters.sort, filters.columns))


def household_page(queryset: QuerySet[Household], *, number: Any, per_page: int, read_once: bool = False) -> Page:
    """One page of the list. Count and offset run on primary keys only (a narrow index scan, even on a
    deep page; sorted by village, VillageOrderedPks); then the 25 rows of the page are loaded with their
    regions and members (two queries).

    ``read_once``: the list's primary keys are read once, in order, and counted and sliced in Python. For a
    filter on members (HouseholdFilters.on_members) the count and the page would each probe every household
    of the area for a matching member; one read halves that work."""
    order = tuple(queryset.query.order_by)
    if order in (SORTS["village"], SORTS["-village"]):
        pks_in_order: Any = VillageOrderedPks(queryset, descending=order == SORTS["-village"])
    elif read_once:
        pks_in_order = list(queryset.values_list("pk", flat=True))
    else:
        pks_in_order = queryset.values_list("pk", flat=True)
    page = Paginator(pks_in_order, per_page).get_page(number)
    pks = list(page.object_list)
    by_pk = Household.objects.select_related("village", "village__parent", "county").in_bulk(pks)
    page.object_list = [by_pk[pk] for pk in pks]
    household_page_members(page.object_list)
    return page


class VillageOrderedPks:
    """The primary keys of a household list in the "village" order of SORTS (villages in tree order, then
    number and id; households without a village last), sliced without sorting the whole list.

    Ordering the list by the region path would sort every household of the area (a join and a sort on
    disk). Instead: one query counts the households of each
    village, ordered by the village's path (an index-only scan of household_scope, then one lookup per
    village); a page then reads only the villages it spans, in (number, id) order from the index
    household_village_order. What Paginator needs: count() and slicing. ``descending``: the exact reverse
    ("-village": households without a village first, then the villages from the last, each from its last number).
    """

    def __init__(self, queryset: QuerySet[Household], *, descending: bool = False) -> None:
        self._queryset = queryset.order_by()
        self._within: tuple[str, ...] = ("-number", "-id") if descending else ("number", "id")
        path = Subquery(Region.objects.filter(pk=OuterRef("village_id")).order_by().values("path"))
        self._villages: list[tuple[int | None, int]] = list(
            self._queryset.values_list("village_id")
            .annotate(n=Count("pk"))
            .order_by(path.desc(nulls_first=True) if descending else path.asc(nulls_last=True))
        )

    def count(self) -> int:
        return sum(n for _village, n in self._villages)

    def __getitem__(self, index: slice) -> list[int]:
        start, stop = index.start or 0, index.stop
        spanned: list[int | None] = []
        skip = position = 0
        for village_id, n in self._villages:
            if stop is not None and position >= stop:
                break
            if position + n > start:
                if not spanned:
                    skip = start - position
                spanned.append(village_id)
            position += n
        if not spanned:
            return []
        wanted = None if stop is None else skip + stop - start
        if len(spanned) == 1:
            rows = self._queryset.filter(_village_q(spanned[0])).order_by(*self._within)
        else:
            in_spanned = Q()
            for village_id in spanned:
                in_spanned |= _village_q(village_id)
            rank = Case(
                *(When(_village_q(village_id), then=Value(i)) for i, village_id in enumerate(spanned)),
                output_field=IntegerField(),
            )
            rows = self._queryset.filter(in_spanned).order_by(rank, *self._within)
        return list(rows.values_list("pk", flat=True)[skip:wanted])


def _village_q(village_id: int | None) -> Q:
    return Q(village__isnull=True) if village_id is None else Q(village_id=village_id)


def household_page_members(households: list[Household]) -> None:
    """Attach the members of one page of households in one query (``household.member_list``)."""
    by_household: dict[int, list[Member]] = {h.pk: [] for h in households}
    for member in Member.objects.filter(household_id__in=by_household).order_by("household_id", "id"):
        by_household[member.household_id].append(member)
    for household in households:
        household.member_list = by_household[household.pk]


def household_get_for_user(*, user: User, pk: int) -> Household:
    """The gatekeeper of one household: 404 outside the user's area, the same as a missing one."""
    return get_visible_or_404(
        Household.objects.select_related("village", "village__parent", "county").prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("id"))
        ),
        user,
        pk=pk,
    )


def member_get_for_user(*, user: User, household: Household, pk: int) -> Member:
    return get_visible_or_404(Member.objects.filter(household=household), user, pk=pk)


def saved_filter_list_for_user(*, user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).order_by("name")


def saved_filter_get_for_user(*, user: User, pk: int) -> SavedFilter:
    """A saved filter belongs to its user only: anybody else's answers 404."""
    try:
        return SavedFilter.objects.get(user=user, pk=pk)
    except SavedFilter.DoesNotExist as exc:
        raise Http404 from exc


def village_choices_for_user(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).villages().select_related("parent").order_by("path")


def town_choices_for_user(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).towns().order_by("path")


# ---------------------------------------------------------------------------------------------------
# Data quality
# ---------------------------------------------------------------------------------------------------

# MOD 11-2 in SQL, so a whole county's members are checked in the database, not row by row in Python.
_ID_CHECK_SQL = (
    "substr('10X98765432', (("
    + " + ".join(
        f"substr(households_member.id_number, {i + 1}, 1)::int * {w}" for i, w in enumerate(validation.ID_WEIGHTS)
    )
    + ") %% 11) + 1, 1) <> substr(households_member.id_number, 18, 1)"  # %% : a literal % in RawSQL
)


@dataclass
class QualityList:
    key: str
    count: int
    rows: list[Any] = field(default_factory=list)


@dataclass
class Milestone:
    member: Member
    age: int
    on: date


ADULT_AGE = 18


def data_quality_for_user(*, user: User, today: date, limit: int = 50, days: int = 90) -> dict[str, Any]:
    """What needs fixing in the user's area (a constant number of queries)."""
    members = Member.objects.visible_to(user).select_related("household", "household__village")
    active_alive = members.filter(alive=True, household__status=Household.Status.ACTIVE)

    bad_id = active_alive.filter(
        Q(id_number__isnull=True) | Q(RawSQL(f"({_ID_CHECK_SQL})", [], output_field=BooleanField()))
    ).order_by("household__number", "id")
    # A child being raised by the grandparents (存三代) is reached through them: only adults need a phone.
    bad_phone = (
        active_alive.filter(Q(birth_date__isnull=True) | Q(birth_date__lte=years_before(today, ADULT_AGE)))
        .filter(Q(phone="") | ~Q(phone__regex=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?)$"))
        .order_by("household__number", "id")
    )
    households = Household.objects.visible_to(user)
    no_village = households.filter(village__isnull=True).select_related("county").order_by("number")
    no_living = (
        households.active()
        .filter(Exists(Member.objects.filter(household=OuterRef("pk"))))
        .exclude(Exists(Member.objects.filter(household=OuterRef("pk"), alive=True)))
        .select_related("village")
        .order_by("number")
    )
    # Milestones: 49 (special assistance usually starts when the wife reaches it) and 60 (free yearly
    # health check), in the next `days` days.
    milestone_q = Q()
    for age in (49, 60):
        milestone_q |= Q(
            birth_date__gte=years_before(today, age), birth_date__lte=years_before(today + timedelta(days=days), age)
        )
    upcoming = active_alive.filter(milestone_q).order_by("birth_date", "id")

    def take(key: str, qs: QuerySet) -> QualityList:
        rows = list(qs[:limit])
        count = len(rows) if len(rows) < limit else qs.count()
        return QualityList(key=key, count=count, rows=rows)

    milestones = take("milestones", upcoming)
    milestones.rows = [_milestone(m, today=today, days=days) for m in milestones.rows]
    return {
        "bad_id": take("bad_id", bad_id),
        "bad_phone": take("bad_phone", bad_phone),
        "no_village": take("no_village", no_village),
        "no_living": take("no_living", no_living),
        "milestones": milestones,
    }


def _milestone(member: Member, *, today: date, days: int) -> Milestone:
    born = member.birth_date
    if born is None:  # not among the milestones' rows (they are read by birth date)
        return Milestone(member=member, age=0, on=today)
    for age in (49, 60):
        try:
            birthday = born.replace(year=born.year + age)
        except ValueError:
            birthday = born.replace(year=born.year + age, day=28)
        if today <= birthday <= today + timedelta(days=days):
            return Milestone(member=member, age=age, on=birthday)
    return Milestone(member=member, age=0, on=today)


@dataclass
class AreaSummary:
    """The households of a user's area at a glance (the home page)."""

    active: int
    death: int  # active households whose only child died (失独)
    disability: int
    closed: int
    living_members: int


def household_area_summary(*, user: User) -> AreaSummary:
    """Counts of the households and living members of the user's area (two queries on small indexes)."""
    counts = Household.objects.visible_to(user).aggregate(
        active=Count("pk", filter=Q(status=Household.Status.ACTIVE)),
        death=Count("pk", filter=Q(status=Household.Status.ACTIVE, family_type=Household.FamilyType.DEATH)),
        disability=Count("pk", filter=Q(status=Household.Status.ACTIVE, family_type=Household.FamilyType.DISABILITY)),
        closed=Count("pk", filter=Q(status=Household.Status.CLOSED)),
    )
    living = Member.objects.visible_to(user).filter(alive=True, household__status=Household.Status.ACTIVE).count()
    return AreaSummary(**counts, living_members=living)
