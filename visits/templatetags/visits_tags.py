"""The household archive shows where the household stands with its visits (visits/_household_panel.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accounts.roles import Capability
from visits.selectors import VisitStatus, household_visit_status

register = template.Library()


@register.simple_tag(takes_context=True)
def household_visits(context: dict[str, Any], household: Any) -> VisitStatus | None:
    """The visit status of a household the page already shows (so already inside the user's area), or None
    when the user's role neither logs visits nor reads the archive."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if household is None or user is None:
        return None
    if not (user.has_capability(Capability.LOG_VISITS) or user.has_capability(Capability.VIEW_HOUSEHOLDS)):
        return None
    return household_visit_status(household=household, on=timezone.localdate())


@register.simple_tag(takes_context=True)
def may_log_visits(context: dict[str, Any]) -> bool:
    user = getattr(context.get("request"), "user", None)
    return bool(user and user.has_capability(Capability.LOG_VISITS))
