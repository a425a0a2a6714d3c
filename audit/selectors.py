"""Reads of the audit trail, inside the reader's area."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from pghistory.models import Events

from accounts.scope import user_scope_path
from audit.models import AccessEvent


def access_event_list_for_user(
    *, user: Any, action: str = "", username: str = "", since: date | None = None, until: date | None = None
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
    *, user: Any, username: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[Events]:
    """Row changes (pghistory events of every tracked model) made by users of the reader's area.

    Each change carries the area of the user who made it in its context (audit.middleware); changes
    made by server commands carry none and are read in the Django admin by the system administrator.
    """
    path = user_scope_path(user)
    if path is None:
        return Events.objects.none()
    qs = Events.objects.filter(pgh_context__region_path__startswith=path)
    if username:
        qs = qs.filter(pgh_context__username=username)
    if since:
        qs = qs.filter(pgh_created_at__date__gte=since)
    if until:
        qs = qs.filter(pgh_created_at__date__lte=until)
    return qs.order_by("-pgh_created_at")
