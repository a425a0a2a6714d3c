"""Reads of the audit trail, inside the reader's area."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Q, QuerySet
from pghistory.models import Events

from accounts.selectors import user_names
from audit.describe import change_subjects, record_text
from audit.diff import FieldChange, events_render
from audit.history import HistoryContext, event_context
from audit.models import AccessEvent
from core.history import COMMAND, REGION_PATH, USERNAME
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User


def access_event_list_for_user(
    *, user: User, action: str = "", username: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[AccessEvent]:
    qs = AccessEvent.objects.visible_to(user)
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(actor_username=username)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def change_event_list_for_user(
    *, user: User, username: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[Events]:
    """Row changes (pghistory events of every tracked model) made inside the reader's area.

    Each change carries its area in its history context (audit.history): the scope of the user who made it, or
    the county a command or an import job worked on. Changes with no area (the regions tree, system commands)
    are read in the Django admin by the system administrator. ``username`` finds a user's changes or a
    command's.
    """
    path = user_scope_path(user)
    if path is None:
        return Events.objects.none()
    qs = Events.objects.filter(**{f"pgh_context__{REGION_PATH}__startswith": path})
    if username:
        qs = qs.filter(Q(**{f"pgh_context__{USERNAME}": username}) | Q(**{f"pgh_context__{COMMAND}": username}))
    if since:
        qs = qs.filter(pgh_created_at__date__gte=since)
    if until:
        qs = qs.filter(pgh_created_at__date__lte=until)
    return qs.order_by("-pgh_created_at")


@dataclass(frozen=True)
class ChangeRow:
    """One row change as the change log shows it."""

    slug: str  # the event's id in pghistory's aggregate (a reveal names it)
    at: datetime
    action: str  # "insert" / "update" / "delete"
    record: str  # the kind of record in the reader's language, e.g. "member"
    object_id: str
    context: HistoryContext
    changes: list[FieldChange]
    name: str = ""  # the name of the user who made the change (context.username), when the login has one
    # What the row is, for people: "member · 李春生 (household 630103-00011)", "Household 630103-00011 (…)"
    subject: str = ""


def change_rows(events: Iterable[Events], *, reader: User | None = None) -> list[ChangeRow]:
    """The events of one page of the change log with their diffs rendered (audit.diff) as ``reader`` may see
    them: personal values masked, health and mental-health values "(restricted)" unless the reader's role may
    see them (accounts.sensitivity). No reader: nothing sensitive is shown."""
    events = list(events)
    contexts = [event_context(event) for event in events]
    names = user_names(context.username for context in contexts)
    subjects = change_subjects(events)
    rows = []
    for event, context, changes, subject in zip(
        events, contexts, events_render(events, reader=reader), subjects, strict=True
    ):
        model = apps.get_model(event.pgh_obj_model)
        rows.append(
            ChangeRow(
                slug=event.pgh_slug,
                at=event.pgh_created_at,
                action=event.pgh_label,
                record=str(model._meta.verbose_name),
                object_id=event.pgh_obj_id or "",
                context=context,
                changes=changes,
                name=names.get(context.username, ""),
                subject=record_text(model, subject, event.pgh_obj_id or ""),
            )
        )
    return rows


def change_event_get_for_user(*, user: User, slug: str) -> Events | None:
    """One row change of the change log inside the reader's area, by its slug, or None."""
    if not slug or len(slug) > 200:
        return None
    return change_event_list_for_user(user=user).filter(pgh_slug=slug).first()
