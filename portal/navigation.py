"""The navigation a user sees, by role and capability: the one list of every app's main pages (a context
processor, settings.TEMPLATES)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability
from accounts.second_factor import second_factor_pending
from reports.city import reads_above_county


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str


# (key, label, url name, capability or None for every logged-in user)
NAV_ITEMS = [
    ("dashboard", _("Dashboard"), "portal:home", None),
    ("households", _("Households"), "households:list", Capability.VIEW_HOUSEHOLDS),
    ("data_quality", _("Data quality"), "households:quality", Capability.EDIT_HOUSEHOLDS),
    ("roster", _("Roster import"), "households:roster:home", Capability.EDIT_HOUSEHOLDS),
    ("transfers", _("Transfers"), "households:transfers:list", Capability.TRANSFER_HOUSEHOLDS),
    ("contacts", _("Contacts"), "contacts:person_list", Capability.VIEW_CONTACTS),
    ("my_households", _("My households"), "visits:my_households", Capability.LOG_VISITS),
    ("inbox", _("Inbox"), "visits:inbox", Capability.LOG_VISITS),
    ("supervision", _("Overdue in the area"), "visits:supervision", Capability.SUPERVISE_FLAGS),
    ("coverage", _("Coverage"), "reports:coverage", Capability.VIEW_COVERAGE),
    # benefits and insurance: one entry, a home page with a card per part the role may use (benefits.hub)
    ("benefits", _("Benefits"), "benefits:home", Capability.VIEW_BENEFIT_REPORTS),
    # the statistical forms of the unit (fill, submit, accept the level below, completeness, exports)
    ("stat_reports", _("Statistical reports"), "reports:forms:home", Capability.VIEW_STAT_REPORTS),
    # medical care: institutions, green channel, family doctors, checks; its home links each part the role may use
    ("medical", _("Medical care"), "medical:home", Capability.VIEW_MEDICAL_STATUS),
    # activities and volunteers: the activity list, centres, volunteers, "log my service", the invitation gaps
    ("activities", _("Activities"), "activities:list", Capability.VIEW_ACTIVITIES),
    # the policy library: every role reads it (on a phone during a visit); staff add their area's documents
    ("policies", _("Policies"), "policies:library", Capability.VIEW_POLICIES),
    ("rules", _("Visit rules"), "visits:rules", Capability.VIEW_RULES),
    ("regions", _("Regions"), "regions:list", Capability.VIEW_REGIONS),
    ("users", _("Users"), "accounts:user_list", Capability.MANAGE_USERS),
    ("audit", _("Audit log"), "audit:access_list", Capability.READ_AUDIT),
]


# Above the county (a city, a province) a user reads figures only (reports.city): the entries whose pages work
# there, the benefits entry opening the benefit reports (a row per county) instead of the benefits home.
ABOVE_COUNTY: dict[str, str | None] = {
    "dashboard": None,
    "coverage": None,
    "benefits": "reports:benefits_home",
    "stat_reports": None,
    "policies": None,
    "users": None,
}


def navigation(request) -> dict:
    """The user's navigation; none while the login's second factor is still to be given (``second_factor_pending``:
    base.html then shows no menu, as on the login page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if second_factor_pending(request):
        return {"nav_items": [], "second_factor_pending": True}
    above = reads_above_county(user)
    items = [
        NavItem(key=key, label=str(label), url=reverse((ABOVE_COUNTY.get(key) if above else None) or url_name))
        for key, label, url_name, capability in NAV_ITEMS
        if (capability is None or user.has_capability(capability)) and (not above or key in ABOVE_COUNTY)
    ]
    return {"nav_items": items}
