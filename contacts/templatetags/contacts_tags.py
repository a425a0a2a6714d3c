"""The household archive shows its contacts with one include (contacts/_household_panel.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accounts.roles import Capability
from contacts.selectors import HouseholdContacts, household_contacts_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def household_contacts(context: dict[str, Any], household: Any) -> HouseholdContacts | None:
    """The contacts of a household the page already shows (so already inside the user's area), or None when
    the user's role does not see contacts."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if household is None or user is None or not user.has_capability(Capability.VIEW_CONTACTS):
        return None
    return household_contacts_panel(household=household, on=timezone.localdate())
