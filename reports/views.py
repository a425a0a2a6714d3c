"""The coverage dashboard: read-only (no form changes anything); every figure exports to xlsx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from audit.services import access_event_record
from core.reversing import url_for_each
from reports import charts, exports, selectors
from reports.city import reads_above_county


def _dashboard(request: HttpRequest, pk: int | None) -> selectors.Dashboard:
    region = selectors.dashboard_region_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.VIEW_COVERAGE)
    return selectors.coverage_dashboard(user=request.user, region=region, as_of=timezone.localdate())


@login_required
@require_GET
def coverage(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    dashboard = _dashboard(request, pk)
    rows = [(row.label, row.figures.month_rate) for row in dashboard.rows]
    context = {
        "d": dashboard,
        "month_chart": charts.bar_chart(rows, title=_("Monthly contact rate")),
        "contacts_chart": charts.bar_chart(
            [(row.label, row.figures.contacts_share) for row in dashboard.rows],
            title=_("Every required contact assigned"),
        ),
        "may_read_rules": request.user.has_capability(Capability.VIEW_RULES) and not reads_above_county(request.user),
        "trend_chart": charts.trend_chart(
            [(key, met / n if n else None) for key, n, met in dashboard.trend], title=_("Monthly contact rate")
        ),
    }
    if dashboard.child_level == "household" and request.user.has_capability(Capability.VIEW_HOUSEHOLDS):
        # County staff and cadres open a household's archive from its row; a leader reads figures only.
        urls = url_for_each("households:detail", [row.key for row in dashboard.rows])
        for row in dashboard.rows:
            row.url = urls[row.key]
    return render(request, "reports/coverage.html", context)


@login_required
@require_GET
def coverage_export(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    dashboard = _dashboard(request, pk)
    content = exports.dashboard_xlsx(dashboard)
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target=dashboard.region,
        target_label=_("Coverage dashboard: %(region)s") % {"region": dashboard.region.name},
        region_path=dashboard.region.path,
        request=request,
        detail={"report": "coverage", "as_of": dashboard.as_of.isoformat(), "rows": len(dashboard.rows)},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"coverage-{dashboard.region.code}-{dashboard.as_of.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
