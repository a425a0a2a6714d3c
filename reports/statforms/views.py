"""The statistical forms' pages (docs/REPORTS.md): a unit's forms, a form for a period (counted vs typed, links to
what lies behind each cell), the fill form, the actions, the exports, completeness and the deadlines.

Every page reads its unit through ``unit_get_for_reader`` (404 outside the reader's figures — city users read their
counties' forms) and needs VIEW_STAT_REPORTS (403); the services authorize the acts. The records behind a cell are
shown only to those reports.statforms.drill lets see them (never a leader, never a city user): everyone else drills
to the child units' own forms (figures).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from audit.services import access_event_record
from regions.models import Region
from reports.models import Report, ReportReminder, ReportTransition, ReportValue
from reports.statforms import completeness as comp
from reports.statforms import drill as drill_module
from reports.statforms import exports, selectors, services, snapshots
from reports.statforms.spec import TEMPLATES, FormTemplate, Period, Source


def _unit(request: AuthenticatedRequest, pk: int | None) -> Region:
    if pk is None:
        if request.user.region_id is None:
            raise Http404(_("Not found."))
        pk = request.user.region_id
    unit = selectors.unit_get_for_reader(user=request.user, pk=pk)  # 404 first
    require_capability(request.user, Capability.VIEW_STAT_REPORTS)
    return unit


def _form_args(
    request: AuthenticatedRequest, pk: int, template: str, period: str
) -> tuple[Region, FormTemplate, Period]:
    unit = _unit(request, pk)
    spec = selectors.template_get(template)
    return unit, spec, selectors.period_get(spec, period)


def _form_url(name: str, unit: Region, template: FormTemplate, period: Period, *extra: Any) -> str:
    return reverse(f"reports:forms:{name}", args=[unit.pk, template.code, period.key, *extra])


@login_required
@require_GET
def home(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    """A unit's forms × recent periods, with their states and deadlines; the reader's reminders; its child units."""
    unit = _unit(request, pk)
    today = timezone.localdate()
    own = unit.pk == request.user.region_id
    reminders = (
        ReportReminder.objects.filter(user=request.user, unit=unit).select_related("unit").order_by("-deadline")[:10]
        if own
        else []
    )
    context = {
        "unit": unit,
        "forms": selectors.unit_forms(unit=unit, today=today),
        "today": today,
        "reminders": [(r, services.reminder_text(r)) for r in reminders],
        "children": selectors.child_units(unit),
        "parent": unit.parent
        if unit.parent_id and selectors.units_readable_by(request.user).filter(pk=unit.parent_id).exists()
        else None,
        "completeness_templates": [
            (t, selectors.recent_periods(t, today=today, count=2)[1]) for t in TEMPLATES.values() if t.deadlines
        ],
        "may_set_deadlines": own
        and request.user.has_capability(Capability.MANAGE_REPORT_DEADLINES)
        and unit.level in (Region.Level.COUNTY, Region.Level.CITY),
    }
    return render(request, "reports/statforms/home.html", context)


def _cell_links(request: AuthenticatedRequest, form: selectors.Form) -> dict[tuple[int, str], str]:
    """Where each counted cell leads: the records behind it (those who may drill), else the child unit's own form."""
    links: dict[tuple[int, str], str] = {}
    for index, row in enumerate(form.rows):
        for cell in row.cells:
            column = cell.column
            if column.source != Source.COUNTED or row.unit is None:
                continue
            if drill_module.may_drill(request.user, row.unit, column.measure):
                query = "?row=own" if row.key == selectors.OWN and len(form.body) > 1 else ""
                target = row.unit if row.key[0] == ReportValue.Row.CHILD else form.unit
                links[(index, column.key)] = _form_url("drill", target, form.template, form.period, column.key) + query
            elif row.key[0] == ReportValue.Row.CHILD:
                links[(index, column.key)] = _form_url("report", row.unit, form.template, form.period)
    return links


def _actions(request: AuthenticatedRequest, form: selectors.Form, today: Any) -> dict[str, bool]:
    user, report = request.user, form.report
    own = user.region_id == form.unit.pk and user.has_capability(Capability.FILL_STAT_REPORTS)
    filed = selectors.filed_at(form.template, form.unit)
    editable = report is None or report.state in services.EDITABLE_STATES
    above = (
        user.has_capability(Capability.ACCEPT_STAT_REPORTS)
        and form.unit.parent_id is not None
        and form.unit.parent_id == user.region_id
        and report is not None
        and report.submitted_by_id != user.pk
    )
    state = report.state if report is not None else ""
    return {
        "open": own and filed and report is None,
        "fill": own and filed and report is not None and editable,
        "submit": own and filed and report is not None and editable and form.period.has_ended(today),
        "accept": above and state == Report.State.SUBMITTED,
        "return": above and state in (Report.State.SUBMITTED, Report.State.ACCEPTED),
        "reopen": above and state in (Report.State.SUBMITTED, Report.State.ACCEPTED, Report.State.LOCKED),
    }


@login_required
@require_GET
def report(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    unit, spec, when = _form_args(request, pk, template, period)
    form = selectors.form_build(template=spec, period=when, unit=unit)
    today = timezone.localdate()
    links = _cell_links(request, form)
    rows = [
        (row, [(cell, links.get((index, cell.column.key))) for cell in row.cells])
        for index, row in enumerate(form.rows)
    ]
    transitions = list(ReportTransition.objects.filter(report=form.report).select_related("by")) if form.report else []
    context = {
        "f": form,
        "unit": unit,
        "rows": rows,
        "depth_rows": _heading_rows(spec),
        "numbers": exports.column_numbers(spec),
        "may_details": bool(spec.detail_sheets) and exports.detail_records_allowed(form, request.user),
        "actions": _actions(request, form, today),
        "transitions": transitions,
        "deadline": selectors.deadline_for(template=spec, unit=unit, period=when),
        "pdf": spec.code == "yearly",
        "ended": when.has_ended(today),
        "previous": when.previous(),
        "may_recount": not form.frozen and request.user.has_capability(Capability.FILL_STAT_REPORTS),
    }
    return render(request, "reports/statforms/report.html", context)


@login_required
@require_POST
def recount(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    """ "Count again now": the figure snapshot of the counties under the unit counted from the records for the
    period (reports.statforms.snapshots), then back to the form."""
    unit, spec, when = _form_args(request, pk, template, period)
    snapshots.statform_counts_recount(actor=request.user, unit=unit, period=when)
    messages.success(request, _("Counted again from the records."))
    return redirect(_form_url("report", unit, spec, when))


def _heading_rows(template: FormTemplate) -> list[list[dict[str, Any]]]:
    """The merged heading as HTML rows: each span in the row it starts, with its rowspan and colspan."""
    rows: list[list[dict[str, Any]]] = [[] for _level in range(template.header_rows)]
    for span in sorted(exports.heading_spans(template), key=lambda s: (s.row, s.col)):
        rows[span.row].append(
            {"text": span.text, "rowspan": span.last_row - span.row + 1, "colspan": span.last_col - span.col + 1}
        )
    return rows


def _row_key(value: str) -> int | None:
    return None if value in ("", "own") else int(value)


@login_required
@require_http_methods(["GET", "POST"])
def fill(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    """One row at a time (phone-first): the row's cells with the count, the typed figure and its reason."""
    unit, spec, when = _form_args(request, pk, template, period)
    require_capability(request.user, Capability.FILL_STAT_REPORTS)
    if request.user.region_id != unit.pk:
        raise PermissionDenied(_("Only the unit's own staff fill its form."))
    report_row = Report.objects.filter(template=spec.code, unit=unit, period_key=when.key).first()
    if report_row is None:
        raise Http404(_("Not found."))
    form = selectors.form_build(template=spec, period=when, unit=unit, report=report_row)
    editable_rows = [row for row in form.body if any(cell.editable for cell in row.cells)]
    if not editable_rows:
        raise PermissionDenied(_("This report cannot be edited."))
    try:
        wanted = _row_key(request.GET.get("row", ""))
    except ValueError as exc:
        raise Http404(_("Not found.")) from exc
    row = next((r for r in editable_rows if r.key[1] == wanted), editable_rows[0])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        cells = [
            services.CellInput(
                row_unit_id=row.key[1],
                column=cell.column.key,
                value=request.POST.get(f"v_{cell.column.key}", ""),
                reason=request.POST.get(f"r_{cell.column.key}", ""),
            )
            for cell in row.cells
            if cell.editable
        ]
        try:
            services.report_values_save(actor=request.user, report=report_row, cells=cells)
        except ValidationError as exc:
            errors = {key.split(":", 1)[-1]: value for key, value in exc.message_dict.items()}
        else:
            messages.success(request, _("Saved."))
            return redirect(_form_url("report", unit, spec, when))
    values = [
        (
            cell,
            request.POST.get(f"v_{cell.column.key}") if request.method == "POST" else cell.typed,
            request.POST.get(f"r_{cell.column.key}") if request.method == "POST" else cell.reason,
            errors.get(cell.column.key, []),
        )
        for cell in row.cells
        if cell.editable
    ]
    context = {
        "f": form,
        "unit": unit,
        "row": row,
        "rows": editable_rows,
        "values": values,
        "row_param": "own" if row.key[1] is None else row.key[1],
    }
    return render(request, "reports/statforms/fill.html", context, status=400 if errors else 200)


@login_required
@require_POST
def act(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    """open, submit, nil, accept, return, reopen: the service decides (a refusal is a message; nothing written)."""
    unit, spec, when = _form_args(request, pk, template, period)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    existing = Report.objects.filter(template=spec.code, unit=unit, period_key=when.key).select_related("unit").first()
    try:
        if action == "open":
            services.report_open(actor=request.user, template_code=spec.code, unit=unit, period=when)
        elif existing is None:
            raise Http404(_("Not found."))
        elif action in ("submit", "nil"):
            services.report_submit(actor=request.user, report=existing, nil=action == "nil")
            messages.success(request, _("Submitted."))
        elif action == "accept":
            services.report_accept(actor=request.user, report=existing)
            messages.success(request, _("Accepted."))
        elif action == "return":
            services.report_return(actor=request.user, report=existing, reason=reason)
            messages.success(request, _("Returned to the unit."))
        elif action == "reopen":
            services.report_reopen(actor=request.user, report=existing, reason=reason)
            messages.success(request, _("Reopened."))
        else:
            raise Http404(_("Not found."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(_form_url("report", unit, spec, when))


def _export_log(request: AuthenticatedRequest, form: selectors.Form, kind: str, *, details: bool) -> None:
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target=form.report if form.report is not None else form.unit,
        target_label=exports.form_title(form.template, form.unit.name, form.period)[:200],
        region_path=form.unit.path,
        request=request,
        detail={
            "report": f"statform_{form.template.code}",
            "format": kind,
            "period": form.period.key,
            "unit": form.unit.pk,
            "rows": len(form.rows),
            "detail_sheets": details,
        },
    )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def export(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    unit, spec, when = _form_args(request, pk, template, period)
    form = selectors.form_build(template=spec, period=when, unit=unit)
    details = exports.detail_records(form, request.user) if request.GET.get("details") == "1" else None
    content = exports.form_xlsx(form, user=request.user, details=details)
    _export_log(request, form, "xlsx", details=details is not None)
    return _attachment(content, exports.XLSX_TYPE, exports.form_filename(spec, unit.name, when))


@login_required
@require_GET
def export_pdf(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    unit, spec, when = _form_args(request, pk, template, period)
    if spec.code != "yearly":
        raise Http404(_("Not found."))
    form = selectors.form_build(template=spec, period=when, unit=unit)
    content = exports.form_pdf(form)
    _export_log(request, form, "pdf", details=False)
    return _attachment(content, "application/pdf", exports.form_filename(spec, unit.name, when, extension="pdf"))


DRILL_PAGE_SIZE = 200


@login_required
@require_GET
def drill(request: AuthenticatedRequest, pk: int, template: str, period: str, column: str) -> HttpResponse:
    """The records behind a cell: only for readers who may open the households (404 for everyone else, as for a
    file outside the area: a leader or a city user drills to child units' forms instead)."""
    unit, spec, when = _form_args(request, pk, template, period)
    try:
        col = spec.column(column)
    except KeyError as exc:
        raise Http404(_("Not found.")) from exc
    if col.source != Source.COUNTED or not drill_module.may_drill(request.user, unit, col.measure):
        raise Http404(_("Not found."))
    own = request.GET.get("row") == "own"
    result = drill_module.drill(col.measure, when, unit, request.user, own_level=own)
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.VIEW,
        target=unit,
        target_label=_("Records behind %(column)s: %(unit)s %(period)s")
        % {"column": column, "unit": unit.name, "period": when.key},
        region_path=unit.path,
        request=request,
        detail={"report": f"statform_{spec.code}", "measure": col.measure, "records": len(result.records)},
    )
    fields = list(result.records[0].keys()) if result.records else []
    shown_fields = [f for f in fields if f not in ("id", "household_id") and not f.endswith("_raw")]
    context = {
        "unit": unit,
        "template": spec,
        "period": when,
        "column": col,
        "result": result,
        "own": own,
        "fields": shown_fields,
        "records": len(result.records),
    }
    # A county's cell can stand for tens of thousands of records: they are counted and totalled whole, and shown
    # a page at a time.
    page = Paginator(result.records, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    context["page"] = page
    context["rows"] = [
        (
            record.get("household_id") or (record.get("id") if result.measure.records == "households" else None),
            [record.get(f, "") for f in shown_fields],
        )
        for record in page.object_list
    ]
    return render(request, "reports/statforms/drill.html", context)


@login_required
@require_GET
def completeness_page(request: AuthenticatedRequest, pk: int, template: str, period: str) -> HttpResponse:
    unit, spec, when = _form_args(request, pk, template, period)
    if not spec.deadlines:
        raise Http404(_("Not found."))
    result = comp.completeness(region=unit, template=spec, period=when)
    context = {"c": result, "unit": unit, "template": spec, "period": when, "previous": when.previous()}
    return render(request, "reports/statforms/completeness.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deadlines(request: AuthenticatedRequest) -> HttpResponse:
    """The deadlines of the reader's county or city: per form and level, the day of the next month and the
    reminder days."""
    unit = _unit(request, None)
    require_capability(request.user, Capability.MANAGE_REPORT_DEADLINES)
    if unit.level not in (Region.Level.COUNTY, Region.Level.CITY):
        raise PermissionDenied(_("Deadlines are set by a county or a city for its own area."))
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.report_deadline_set(
                actor=request.user,
                region=unit,
                template_code=request.POST.get("template", ""),
                level=request.POST.get("level", ""),
                day=int(request.POST.get("day", "0")),
                reminder_days=int(request.POST.get("reminder_days", "0")),
            )
        except ValueError:
            errors.append(_("Enter whole numbers."))
        except ValidationError as exc:
            errors += exc.messages
        else:
            messages.success(request, _("Saved."))
            return redirect("reports:forms:deadlines")
    table = [
        (template, selectors.deadline_rules(template=template, region=unit))
        for template in TEMPLATES.values()
        if template.deadlines
    ]
    levels = dict(Region.Level.choices)
    return render(
        request,
        "reports/statforms/deadlines.html",
        {"unit": unit, "table": table, "levels": levels, "errors": errors},
        status=400 if errors else 200,
    )
