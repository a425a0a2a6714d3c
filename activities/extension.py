"""The activities app's part of the household's file (households.extensions): a card (this year's activities and
person-times, the volunteers paired with the family) and timeline entries (each activity attended, each invitation
not attended, each pairing started and ended). Read once per request (three queries), for readers of activities."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from activities import selectors
from households.archive import Change, TimelineEntry
from households.extensions import ArchiveExtension, Panel

if TYPE_CHECKING:
    from accounts.models import User
    from activities.models import Attendance, Invitation, Pairing
    from households.models import Household

_FILE = "_activities_file"


def _file(household: Household) -> tuple[list[Attendance], list[Invitation], list[Pairing]]:
    cached = household.__dict__.get(_FILE)
    if cached is None:
        cached = selectors.household_activities(household=household)
        household.__dict__[_FILE] = cached
    return cached


def _entry(day: date, kind: str, title: str, changes: list[Change]) -> TimelineEntry:
    return TimelineEntry(
        at=timezone.make_aware(datetime.combine(day, time(12))),
        kind=kind,
        action=kind,
        title=title,
        changes=changes,
        date_only=True,
    )


class ActivitiesArchive(ArchiveExtension):
    key = "activities"
    order = 60

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not user.has_capability(Capability.VIEW_ACTIVITIES):
            return None
        attendances, invitations, pairings = _file(household)
        this_year = [a for a in attendances if a.activity.starts_on.year == today.year]
        return Panel(
            "activities/_household_panel.html",
            {
                "activities_this_year": len({a.activity_id for a in this_year}),
                "person_times_this_year": len(this_year),
                "invited_not_attended": sum(1 for i in invitations if i.activity.starts_on.year == today.year),
                "pairings": [p for p in pairings if p.ended_on is None or p.ended_on >= today],
                "recent": sorted({a.activity_id: a.activity for a in attendances}.values(), key=lambda x: x.starts_on)[
                    -3:
                ][::-1],
            },
        )

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        if not user.has_capability(Capability.VIEW_ACTIVITIES):
            return []
        attendances, invitations, pairings = _file(household)
        by_activity: dict[int, list[Attendance]] = defaultdict(list)
        for a in attendances:
            by_activity[a.activity_id].append(a)
        entries = []
        for rows in by_activity.values():
            activity = rows[0].activity
            entries.append(
                _entry(
                    activity.starts_on,
                    "activity",
                    _("Took part in an activity: %(title)s") % {"title": activity.title},
                    [
                        Change(field=_("Kind"), before="", after=str(activity.get_kind_display())),
                        Change(field=_("Who"), before="", after="、".join(a.member.name for a in rows if a.member)),
                    ],
                )
            )
        for i in invitations:
            entries.append(
                _entry(
                    i.activity.starts_on,
                    "activity",
                    _("Invited to an activity: %(title)s") % {"title": i.activity.title},
                    [Change(field=_("Kind"), before="", after=str(i.activity.get_kind_display()))],
                )
            )
        for p in pairings:
            entries.append(
                _entry(
                    p.started_on,
                    "pairing",
                    _("Paired with a volunteer"),
                    [Change(_("Volunteer"), "", p.volunteer.name)],
                )
            )
            if p.ended_on:
                entries.append(
                    _entry(
                        p.ended_on,
                        "pairing",
                        _("Pairing with a volunteer ended"),
                        [Change(_("Volunteer"), "", p.volunteer.name)],
                    )
                )
        return entries
