"""The benefit reports' pages and their xlsx exports: read-only (the filter is a GET), for the region asked (404
outside the reader's area), for the roles with VIEW_BENEFIT_REPORTS (403 else)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from audit.services import access_event_record
from reports import benefit_exports, charts
from reports import benefits as selectors
from reports.forms import BenefitReportFilterForm
from reports.selectors import dashboard_region_for_user


@dataclass(frozen=True)
class Report:
    title: Promise
    build: Callable[[selectors.Scope], Any]
    export: Callable[[Any], bytes]
    rows: Callable[[Any], int]


REPORTS: dict[str, Report] = {
    "payouts": Report(
        gettext_lazy("Payout rate"),
        selectors.payout_rate_report,
        benefit_exports.payout_rate_xlsx,
        lambda r: len(r.rows),
    ),
    "failures": Report(
        gettext_lazy("Failed payments"),
        selectors.failure_report,
        benefit_exports.failure_xlsx,
        lambda r: len(r.reasons),
    ),
    "recipients": Report(
        gettext_lazy("Joined and left"),
        selectors.recipient_report,
        benefit_exports.recipient_xlsx,
        lambda r: len(r.rows),
    ),
    "relief": Report(
        gettext_lazy("Relief by kind"),
        selectors.relief_report,
        benefit_exports.relief_xlsx,
        lambda r: len(r.areas),
    ),
}


def _report(name: str) -> Report:
    if name not in REPORTS:
        raise Http404
    return REPORTS[name]


def _scope(request: AuthenticatedRequest, pk: int | None) -> tuple[selectors.Scope, BenefitReportFilterForm]:
    region = dashboard_region_for_user(user=request.user, pk=pk)  # 404 outside the area, before any 403
    require_capability(request.user, Capability.VIEW_BENEFIT_REPORTS)
    form = BenefitReportFilterForm(request.GET or None)
    year, scheme = timezone.localdate().year, ""
    if form.is_bound and form.is_valid():
        year, scheme = form.cleaned_data["year"], form.cleaned_data["scheme"]
    return selectors.Scope(user=request.user, region=region, year=year, scheme=scheme), form


def _charts(name: str, report: Any) -> dict[str, Any]:
    if name != "payouts":
        return {}
    return {
        "area_chart": charts.bar_chart(
            [(row.label, row.figures.money_rate) for row in report.rows], title=_("Payout rate (money)")
        ),
        "month_chart": charts.trend_chart(
            [(month.strftime("%Y-%m"), figures.money_rate) for month, figures in report.months],
            title=_("Payout rate (money)"),
        ),
    }


@login_required
@require_GET
def benefit_report(request: AuthenticatedRequest, report: str, pk: int | None = None) -> HttpResponse:
    spec = _report(report)
    scope, form = _scope(request, pk)
    data = spec.build(scope)
    context = {
        "name": report,
        "title": spec.title,
        "tabs": [(key, r.title) for key, r in REPORTS.items()],
        "r": data,
        "scope": scope,
        "form": form,
        "query": urlencode({"year": scope.year, "scheme": scope.scheme}),
        "crumbs": scope.crumbs(),
        "leave_reasons": benefit_exports.leave_reason_labels(),
        **_charts(report, data),
    }
    return render(request, "reports/benefits.html", context)


@login_required
@require_GET
def benefit_report_export(request: AuthenticatedRequest, report: str, pk: int | None = None) -> HttpResponse:
    spec = _report(report)
    scope, _form = _scope(request, pk)
    data = spec.build(scope)
    content = spec.export(data)
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target=scope.region,
        target_label=_("Benefit report, %(report)s: %(region)s") % {"report": spec.title, "region": scope.region.name},
        region_path=scope.region.path,
        request=request,
        detail={"report": f"benefits_{report}", "year": scope.year, "scheme": scope.scheme, "rows": spec.rows(data)},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    scheme = f"-{scope.scheme}" if scope.scheme else ""
    filename = f"benefits-{report}-{scope.region.code}-{scope.year}{scheme}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
