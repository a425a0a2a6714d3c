"""The visits in the household archive's timeline (through visits.extension): the visits as they
stand, and every correction and deletion of one, from the history pghistory's triggers keep (VisitEvent)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sensitivity import shown
from audit.diff import changes_render
from audit.history import event_context
from households.archive import Change, TimelineEntry
from households.models import Household
from visits.forms import VISIT_NOTES
from visits.models import Visit
from visits.selectors import visit_list_for_household

if TYPE_CHECKING:
    from accounts.models import User

TIMELINE_VISITS = 100

# The fields a correction may change, as the timeline names them.
CORRECTED_FIELDS = ("date", "method", "purpose", "visitor_name", "visitor_role", *VISIT_NOTES)


def visit_notes(visit: Visit, *, user: User | None, labels: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """A visit's notes (what was found and done) as ``user`` may see them, each with its label (``labels`` by
    field, else the field's name): the health and mood notes "(restricted)" for a reader without their tier
    (accounts.sensitivity), empty or not."""
    notes = []
    for name in VISIT_NOTES:
        value = shown(user, Visit, name, getattr(visit, name))
        if value:
            label = labels[name] if labels else Visit._meta.get_field(name).verbose_name
            notes.append((str(label), str(value)))
    return notes


def visit_timeline(household: Household, *, user: User | None) -> list[TimelineEntry]:
    """The latest visits of the household, and the corrections and deletions of its visits (three queries), as
    ``user`` may see them."""
    entries = []
    for visit in visit_list_for_household(household=household, limit=TIMELINE_VISITS):
        changes = [Change(field=label, before="", after=text) for label, text in visit_notes(visit, user=user)]
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
                date_only=True,
            )
        )
    return entries + visit_corrections(household, user=user)


def visit_corrections(household: Household, *, user: User | None) -> list[TimelineEntry]:
    """Each correction (what changed, before → after) and deletion (what the visit was, and why) of the
    household's visits, with who made it and when (one query)."""
    events_model = apps.get_model("visits", "VisitEvent")
    corrected = events_model.objects.filter(household_id=household.pk, pgh_label__in=["update", "delete"])
    events = (
        events_model.objects.filter(pgh_obj_id__in=corrected.values("pgh_obj_id"))
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    entries = []
    previous: dict[int, Any] = {}
    for event in events:
        before = previous.get(event.pgh_obj_id)
        previous[event.pgh_obj_id] = event
        if event.pgh_label == "insert":
            continue
        context = event_context(event)
        day = event.date.isoformat()
        if event.pgh_label == "delete":
            title = _("Visit of %(date)s deleted") % {"date": day}
            (what,) = changes_render(
                [(Visit, [(n, None, getattr(event, n)) for n in ("method", "purpose", "visitor_name")])], reader=user
            )
            changes = [Change(field=_("The visit"), before="", after=" · ".join(c.after for c in what))]
        else:
            title = _("Visit of %(date)s corrected") % {"date": day}
            pairs = [
                (name, getattr(before, name), getattr(event, name))
                for name in CORRECTED_FIELDS
                if before is not None and getattr(before, name) != getattr(event, name)
            ]
            (corrected,) = changes_render([(Visit, pairs)], reader=user)
            changes = [Change(field=c.field, before=c.before, after=c.after) for c in corrected]
        if context.reason:
            changes.append(Change(field=_("Reason"), before="", after=context.reason))
        elif not changes:
            continue  # a change of nothing the timeline shows (a bookkeeping column)
        entries.append(
            TimelineEntry(
                at=event.pgh_created_at,
                kind="visit",
                action=event.pgh_label,
                title=title,
                username=context.who,
                changes=changes,
            )
        )
    return entries
