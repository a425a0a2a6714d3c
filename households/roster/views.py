"""The roster pages: upload and history, one job's check and preview, confirm, the marked workbook, the
template, and the export of a filtered household list in the roster layout. Thin views over
households.roster.jobs and households.roster.workbook.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import Tier, may_see
from households import services as household_services
from households.roster import jobs, workbook
from households.roster.forms import RosterUploadForm
from households.roster.models import RosterImportJob
from households.views import list_export_prepare
from regions.scope import get_visible_or_404

ERRORS_SHOWN = 2000


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=workbook.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _job_for(request: HttpRequest, pk: int) -> RosterImportJob:
    """The gatekeeper: a user sees only their own jobs (anyone else's answers 404, like a missing one)."""
    require_capability(request.user, Capability.EDIT_HOUSEHOLDS)
    return get_visible_or_404(RosterImportJob.objects.select_related("county"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def roster_home(request: HttpRequest) -> HttpResponse:
    """Upload a roster; the import history of this user below."""
    require_capability(request.user, Capability.EDIT_HOUSEHOLDS)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.roster_job_create(user=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("households:roster:job", pk=job.pk)
    history = Paginator(RosterImportJob.objects.visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "households/roster/home.html",
        {
            "form": form,
            "page": history,
            "may_export": request.user.has_capability(Capability.EXPORT_LISTS),
            "may_export_full": request.user.has_capability(Capability.REVEAL_PERSONAL),
        },
    )


@login_required
@require_GET
def roster_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Status and progress while the file is checked; then the preview, the errors, the outcome."""
    job = _job_for(request, pk)
    if job.is_running:
        jobs.roster_job_requeue_if_stale(job=job, now=timezone.now())
    changes = {"household": [], "member": []}
    for change in job.changes:
        changes[change["kind"]].append(change)
    response = render(
        request,
        "households/roster/job.html",
        {
            "job": job,
            "errors": job.errors[:ERRORS_SHOWN],
            "errors_more": max(len(job.errors) - ERRORS_SHOWN, 0),
            "household_changes": changes["household"],
            "member_changes": changes["member"],
        },
    )
    if job.is_running:
        response["Refresh"] = "2"  # the page reloads until the job is done (no script needed)
    return response


@login_required
@require_POST
def roster_job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        jobs.roster_job_confirm(user=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("households:roster:job", pk=job.pk)


@login_required
@require_GET
def roster_job_marked(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded workbook back, with the bad cells filled and a comment on each."""
    job = _job_for(request, pk)
    if not job.file or not job.errors:
        raise Http404(_("There is no marked workbook for this file."))
    with job.file.open("rb") as stream:
        content = workbook.roster_marked_xlsx(data=stream.read(), errors=job.errors)
    return _xlsx(content, f"roster-{job.pk}-errors.xlsx")


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.EDIT_HOUSEHOLDS)
    return _xlsx(workbook.roster_template_xlsx(), "roster-template.xlsx")


@login_required
@require_POST
def roster_export(request: HttpRequest) -> HttpResponse:
    """The filtered household list in the roster layout (it imports back). County staff only; masked
    unless full values are asked for and the role may reveal them; logged."""
    export = list_export_prepare(request)
    if isinstance(export, HttpResponse):
        return export
    # The roster layout carries the health and needs notes and imports back: a reader who may not see them in
    # full (accounts.sensitivity) gets no such file, rather than one whose blanks would wipe them on re-import.
    if not all(may_see(request.user, tier) for tier in (Tier.HEALTH, Tier.MENTAL_HEALTH)):
        raise PermissionDenied(_("Your role does not allow this."))
    content = workbook.roster_export_xlsx(households=export.rows, full_values=export.full_values)
    household_services.household_list_export_record(
        actor=request.user,
        count=len(export.rows),
        full_values=export.full_values,
        filters={**export.filters, "layout": "roster"},
        request=request,
    )
    return _xlsx(content, f"roster-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
