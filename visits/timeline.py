"""The visits in the household archive's timeline (households.archive.TIMELINE_PROVIDERS)."""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from households.archive import Change, TimelineEntry
from households.models import Household
from visits.models import Visit
from visits.selectors import visit_list_for_household

TIMELINE_VISITS = 100


def visit_timeline(household: Household) -> list[TimelineEntry]:
    """The latest visits of the household (two queries)."""
    entries = []
    for visit in visit_list_for_household(household=household, limit=TIMELINE_VISITS):
        changes = [
            Change(field=str(Visit._meta.get_field(name).verbose_name), before="", after=getattr(visit, name))
            for name in ("health", "mood", "living_conditions", "needs", "help_given")
            if getattr(visit, name)
        ]
        changes += [
            Change(field=_("Follow-up"), before="", after=f"{f.action} · {f.due_on} · {f.get_status_display()}")
            for f in visit.follow_ups.all()
        ]
        entries.append(
            TimelineEntry(
                at=timezone.make_aware(datetime.combine(visit.date, time(12))),
                kind="visit",
                action=visit.purpose,
                title=f"{visit.get_method_display()} · {visit.get_purpose_display()} · {visit.visitor_name}",
                username=visit.visitor_user.username if visit.visitor_user_id else "",
                changes=changes,
            )
        )
    return entries
