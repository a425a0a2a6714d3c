"""The home page: what a user of this role needs first, inside their area, from each app below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability, Role
from accounts.selectors import region_summary_for_user
from audit.describe import access_rows
from audit.selectors import access_event_list_for_user
from households.selectors import household_area_summary
from reports import charts
from reports.benefits import benefit_card
from reports.city import reads_above_county
from reports.leaders import leader_home
from visits.selectors import my_work_summary, supervision_summary

# The roles whose home is the leaders' home (issue 17 part 8): the coverage dashboard of their level and more.
LEADER_HOME_ROLES = frozenset({Role.LEADER, Role.CITY_STAFF})


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.role in LEADER_HOME_ROLES and user.has_capability(Capability.VIEW_COVERAGE):
        return _leader_home(request)
    context = {
        "summary": region_summary_for_user(user=user),
        "is_manager": user.has_capability(Capability.MANAGE_USERS),
    }
    if user.has_capability(Capability.VIEW_HOUSEHOLDS):
        context["households"] = household_area_summary(user=user)
    if user.has_capability(Capability.LOG_VISITS):
        context["my_work"] = my_work_summary(user=user, on=timezone.localdate())
    if user.has_capability(Capability.SUPERVISE_FLAGS):
        # The open overdue flags of the area (county staff's "my households" is empty: this is their worklist).
        context["supervision"] = supervision_summary(user=user, on=timezone.localdate())
    if user.has_capability(Capability.VIEW_BENEFIT_REPORTS):
        # This year's payout rate and open failed payments of the area, as the benefit reports count them.
        context["benefits"] = benefit_card(user=user, year=timezone.localdate().year)
    if user.has_capability(Capability.READ_AUDIT):
        events = access_event_list_for_user(user=user).select_related("actor")[:8]
        context["recent_events"] = access_rows(events, reader=user)  # the events in words (audit.describe)
    return render(request, "portal/home.html", context)


def _leader_home(request: AuthenticatedRequest) -> HttpResponse:
    """三个全覆盖, payouts, insurance, activities and reporting completeness of the user's level, with 12-month
    trends and the child units side by side (reports.leaders: the figures of the pages each card links to)."""
    user = request.user
    home = leader_home(user=user, as_of=timezone.localdate())
    context = {
        "h": home,
        "d": home.dashboard,
        "charts": {
            "month": charts.trend_chart(home.trends["month"], title=_("Monthly contact rate")),
            "payouts": charts.trend_chart(home.trends["payouts"], title=_("Payout rate (persons)")),
            "claims": charts.count_chart(home.counts["claims"], title=_("Claims reported")),
            "sessions": charts.count_chart(home.counts["sessions"], title=_("Activities held")),
            "completeness": charts.trend_chart(home.trends["completeness"], title=_("Reporting rate")),
            "cards": charts.trend_chart(home.trends["cards"], title=_("Members holding a green-channel card")),
            "signed": charts.trend_chart(
                home.trends["signed"], title=_("Willing households signed with a family doctor")
            ),
        },
        "may_read_benefit_reports": user.has_capability(Capability.VIEW_BENEFIT_REPORTS),
        "may_read_insurance_report": user.has_capability(Capability.VIEW_BENEFIT_REPORTS)
        and not reads_above_county(user),
        "is_manager": user.has_capability(Capability.MANAGE_USERS),
    }
    return render(request, "portal/leader_home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for browsers and tools that ask for it without reading the page's <link rel="icon">."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
