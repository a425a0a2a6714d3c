"""Reads of the activities app: lists with person-times, the attendance picker, the invitation gaps, the time bank
and a household's activities for its timeline. Every read goes through ``visible_to``; figures are set-based
(one query, whatever the number of rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Activity, Attendance, Centre, Invitation, Pairing, ServiceLog, Team, Volunteer
from households.models import Household, Member, household_scope_q
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User


def activities_for(
    *, user: User, kind: str = "", month: str = "", organiser_id: int | None = None
) -> QuerySet[Activity]:
    """Activities the user may see, newest first, each with its person-times and households (counted rows).

    ``month`` is "YYYY-MM": an activity belongs to the month it starts in."""
    rows = Activity.objects.visible_to(user).select_related("organiser", "centre")
    if kind:
        rows = rows.filter(kind=kind)
    if month:
        year, _sep, number = month.partition("-")
        if year.isdigit() and number.isdigit():
            rows = rows.filter(starts_on__year=int(year), starts_on__month=int(number))
    if organiser_id:
        rows = rows.filter(organiser_id=organiser_id)
    # Explicitly ordered: a grouped query does not take Meta.ordering (and the pages would not be stable).
    return rows.annotate(
        person_times=Count("attendances", distinct=True),
        household_count=Count("attendances__household", distinct=True),
    ).order_by("-starts_on", "-id")


def person_times(activities: QuerySet[Activity]) -> int:
    """Person-times (人次) of a set of activities: their attendance rows."""
    return Attendance.objects.filter(activity__in=activities.values("pk")).count()


@dataclass
class ActivityPage:
    activity: Activity
    attendances: list[Attendance]
    hidden_attendances: int  # rows of households outside the reader's area (counted, never named)
    invited: int
    logs: list[ServiceLog]
    volunteer_hours: Decimal


def activity_page(*, user: User, activity: Activity) -> ActivityPage:
    visible = list(
        Attendance.objects.visible_to(user)
        .filter(activity=activity)
        .select_related("household", "member", "service_person")
        .order_by("household__number", "member_id", "service_person__name")
    )
    total = activity.attendances.count()
    logs = list(activity.service_logs.select_related("volunteer").order_by("volunteer__name"))
    return ActivityPage(
        activity=activity,
        attendances=visible,
        hidden_attendances=total - len(visible),
        invited=activity.invitations.count(),
        logs=logs,
        volunteer_hours=sum((log.hours for log in logs), Decimal(0)),
    )


def organisers_for(user: User) -> QuerySet[Region]:
    """The units a user may record activities for: the county, towns and villages of their area."""
    return Region.objects.visible_to(user).filter(level__in=("county", "town", "village")).order_by("path")


def centres_for(user: User) -> QuerySet[Centre]:
    return Centre.objects.visible_to(user).select_related("town")


def picker_households(*, organiser: Region, query: str = "", limit: int = 30) -> list[Household]:
    """Households of the organiser's area for the attendance picker (active ones, their living members attached),
    searched by number, address or a member's name."""
    rows = Household.objects.filter(household_scope_q(organiser.path)).active().select_related("village")
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(number__icontains=query)
            | Q(address__icontains=query)
            | Exists(Member.objects.filter(household=OuterRef("pk"), name__icontains=query))
        )
    found = list(
        rows.order_by("village__path", "number").prefetch_related(
            Prefetch("members", queryset=Member.objects.filter(alive=True).order_by("id"), to_attr="living")
        )[:limit]
    )
    return found


def invitation_gaps(*, user: User, year: int) -> QuerySet[Household]:
    """Active households of the user's area never invited to (nor attending) any activity that starts in ``year``:
    one query, the invitations and attendance as NOT EXISTS."""
    invited = Invitation.objects.filter(household=OuterRef("pk"), activity__starts_on__year=year)
    attended = Attendance.objects.filter(household=OuterRef("pk"), activity__starts_on__year=year)
    return (
        Household.objects.visible_to(user)
        .active()
        .exclude(Exists(invited))
        .exclude(Exists(attended))
        .select_related("village", "village__parent")
        .order_by("village__path", "number")
    )


def volunteer_hours(
    *, user: User, start: date | None = None, end: date | None = None, volunteers: QuerySet[Volunteer] | None = None
) -> QuerySet[Volunteer]:
    """The time bank: each visible volunteer with the hours served between ``start`` and ``end`` (inclusive;
    open ends: all), the services counted and the pairings active on ``end`` (or today) — one query."""
    logs = ServiceLog.objects.filter(volunteer=OuterRef("pk"))
    if start:
        logs = logs.filter(served_on__gte=start)
    if end:
        logs = logs.filter(served_on__lte=end)
    hours = logs.order_by().values("volunteer").annotate(s=Sum("hours")).values("s")
    count = logs.order_by().values("volunteer").annotate(n=Count("pk")).values("n")
    on = end or timezone.localdate()
    pairs = (
        Pairing.objects.filter(volunteer=OuterRef("pk"))
        .active_on(on)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    base = volunteers if volunteers is not None else Volunteer.objects.visible_to(user)
    return base.annotate(
        hours=Coalesce(Subquery(hours), Value(Decimal(0)), output_field=DecimalField(max_digits=10, decimal_places=1)),
        services=Coalesce(Subquery(count), Value(0)),
        active_pairings=Coalesce(Subquery(pairs), Value(0)),
    )


def volunteers_for(*, user: User, query: str = "", skill: str = "", team_id: int | None = None) -> QuerySet[Volunteer]:
    rows = Volunteer.objects.visible_to(user).select_related("region")
    if query.strip():
        rows = rows.filter(name__icontains=query.strip())
    if skill:
        rows = rows.filter(skills__contains=[skill])
    if team_id:
        rows = rows.filter(teams__id=team_id)
    return volunteer_hours(user=user, volunteers=rows).prefetch_related("teams").order_by("-active", "name", "id")


def teams_for(user: User) -> QuerySet[Team]:
    return Team.objects.visible_to(user).select_related("region").annotate(size=Count("volunteers"))


def household_activities(*, household: Household) -> tuple[list[Attendance], list[Invitation], list[Pairing]]:
    """What the timeline shows of a household: its attendance, invitations it did not attend, its pairings
    (three queries)."""
    attendances = list(
        Attendance.objects.filter(household=household)
        .select_related("activity", "member")
        .order_by("activity__starts_on")
    )
    attended = {a.activity_id for a in attendances}
    invitations = [
        i
        for i in Invitation.objects.filter(household=household)
        .select_related("activity")
        .order_by("activity__starts_on")
        if i.activity_id not in attended
    ]
    pairings = list(Pairing.objects.filter(household=household).select_related("volunteer"))
    return attendances, invitations, pairings


def my_volunteer(user: User) -> Volunteer | None:
    """The volunteer a portal login stands behind (None when it stands behind none)."""
    return Volunteer.objects.filter(user=user, active=True).select_related("region").first()
