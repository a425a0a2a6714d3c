"""The home page: what a user of this role needs first, inside their area, from each app below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability, Role
from accounts.selectors import region_summary_for_user
from audit.describe import access_rows
from audit.selectors import access_event_list_for_user
from households.selectors import household_area_summary
from reports.benefits import benefit_card
from reports.selectors import coverage_dashboard
from visits.selectors import my_work_summary, supervision_summary


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context = {
        "summary": region_summary_for_user(user=user),
        "is_manager": user.has_capability(Capability.MANAGE_USERS),
        "is_leader": user.role == Role.LEADER,
    }
    if user.has_capability(Capability.VIEW_HOUSEHOLDS):
        context["households"] = household_area_summary(user=user)
    if user.has_capability(Capability.LOG_VISITS):
        context["my_work"] = my_work_summary(user=user, on=timezone.localdate())
    if user.has_capability(Capability.SUPERVISE_FLAGS):
        # The open overdue flags of the area (county staff's "my households" is empty: this is their worklist).
        context["supervision"] = supervision_summary(user=user, on=timezone.localdate())
    if user.role == Role.LEADER and user.has_capability(Capability.VIEW_COVERAGE) and user.region is not None:
        # What the leader is assessed on (三个全覆盖), as the coverage dashboard of their area counts it.
        context["coverage"] = coverage_dashboard(user=user, region=user.region, as_of=timezone.localdate())
    if user.has_capability(Capability.VIEW_BENEFIT_REPORTS):
        # This year's payout rate and open failed payments of the area, as the benefit reports count them.
        context["benefits"] = benefit_card(user=user, year=timezone.localdate().year)
    if user.has_capability(Capability.READ_AUDIT):
        events = access_event_list_for_user(user=user).select_related("actor")[:8]
        context["recent_events"] = access_rows(events, reader=user)  # the events in words (audit.describe)
    return render(request, "portal/home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for browsers and tools that ask for it without reading the page's <link rel="icon">."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
