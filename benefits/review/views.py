"""Views of the annual review: thin — the gatekeeper first (outside the area: 404), then the role (403), then a
selector or a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.models import ReviewCase, ReviewCycle
from benefits.review import pdf, selectors, services
from benefits.review.forms import (
    ApplicationForm,
    BulkConfirmForm,
    CycleOpenForm,
    DecisionForm,
    HouseholdNumberForm,
    LeaverForm,
    NoticeDateForm,
    ProofForm,
)
from core.forms import form_errors_apply, form_errors_text
from households.models import Household
from households.services import household_access_record
from regions.models import Region

PAGE_SIZE = 50


def _cycle_for(request: HttpRequest, pk: int) -> ReviewCycle:
    cycle = selectors.cycle_get(request.user, pk)
    require_capability(request.user, Capability.REVIEW_BENEFITS)
    return cycle


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.REVIEW_BENEFITS)
    may_open = request.user.has_capability(Capability.MANAGE_STANDARDS)
    return render(
        request,
        "benefits/review/home.html",
        {
            "cycles": selectors.cycles_for(request.user),
            "may_open": may_open,
            "form": CycleOpenForm() if may_open else None,
        },
    )


@login_required
@require_POST
def cycle_open(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_STANDARDS)
    form = CycleOpenForm(request.POST)
    county = Region.objects.county_of(request.user.region.path) if request.user.region else None
    if form.is_valid() and county is not None:
        try:
            cycle, count = services.cycle_open(
                actor=request.user, county=county, year=form.cleaned_data["year"], deadlines=form.deadlines()
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(
                request,
                _("The annual review %(year)d is open with %(count)d current recipients to re-check.")
                % {"year": cycle.year, "count": count},
            )
            return redirect("benefits:review:workbench", cycle.pk)
    messages.error(request, form_errors_text(form))
    return redirect("benefits:review:home")


@login_required
@require_GET
def workbench(request: HttpRequest, pk: int) -> HttpResponse:
    """A level's workbench: the counts per stage and village, the overdue ones, and the cases at a stage (the
    user's own by default) with the actions of that level."""
    cycle = _cycle_for(request, pk)
    today = timezone.localdate()
    bench = selectors.workbench(request.user, cycle, today)
    stage = request.GET.get("stage") or bench.stage or ReviewCase.Stage.VILLAGE
    if stage not in ReviewCase.Stage.values:
        stage = bench.stage or ReviewCase.Stage.VILLAGE
    try:
        village_id = int(request.GET.get("village") or 0)
    except ValueError:
        village_id = 0
    kind = request.GET.get("kind", "")
    if kind not in ReviewCase.Kind.values:
        kind = ""
    cases = selectors.case_list(request.user, cycle, stage=stage, village_id=village_id, kind=kind)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue_days = selectors.days_overdue(cycle, stage, today)
    may_act = stage == bench.stage and stage != ReviewCase.Stage.DONE
    stages = [
        (value, label, bench.by_stage.get(value, 0), value in bench.overdue_by_stage)
        for value, label in ReviewCase.Stage.choices
    ]
    return render(
        request,
        "benefits/review/workbench.html",
        {
            "cycle": cycle,
            "bench": bench,
            "stages": stages,
            "stage": stage,
            "stage_label": ReviewCase.Stage(stage).label,
            "deadline": selectors.stage_deadline(cycle, stage),
            "overdue_days": overdue_days,
            "page_obj": page,
            "village_id": village_id,
            "kind": kind,
            "kinds": ReviewCase.Kind.choices,
            "may_act": may_act,
            "may_manage": request.user.has_capability(Capability.MANAGE_STANDARDS),
            "notice_form": NoticeDateForm(initial={"notice_from": cycle.notice_from}),
            "today": today,
        },
    )


@login_required
@require_POST
def notice_date(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(request.user, pk)
    require_capability(request.user, Capability.MANAGE_STANDARDS)
    form = NoticeDateForm(request.POST)
    if form.is_valid():
        try:
            services.notice_date_set(actor=request.user, cycle=cycle, notice_from=form.cleaned_data["notice_from"])
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("The public notice's dates are saved."))
            return redirect("benefits:review:workbench", cycle.pk)
    messages.error(request, form_errors_text(form))
    return redirect("benefits:review:workbench", cycle.pk)


def _household_of(request: HttpRequest, cycle: ReviewCycle, number: str) -> Household | None:
    return (
        Household.objects.visible_to(request.user)
        .filter(county=cycle.county, number=number.strip(), status=Household.Status.ACTIVE)
        .select_related("village")
        .first()
    )


def _person_page(request: HttpRequest, pk: int, form_class, template: str, create) -> HttpResponse:
    """The two steps of entering a person: the household's number, then the parent and the rest."""
    cycle = _cycle_for(request, pk)
    number_form = HouseholdNumberForm(request.POST or request.GET or None)
    household = None
    form = None
    if number_form.is_valid():
        household = _household_of(request, cycle, number_form.cleaned_data["number"])
        if household is None:
            number_form.add_error("number", _("No active household of your area has this number."))
    if household is not None:
        if request.method == "GET":  # the second step lists the household's parents by name: the read is logged
            household_access_record(
                actor=request.user,
                household=household,
                action=AccessEvent.Action.VIEW,
                request=request,
                detail={"page": "review_person", "cycle": cycle.pk},
            )
        parents = list(household.members.filter(role__in=services.PARENT_ROLES).order_by("id"))
        form = form_class(request.POST or None, request.FILES or None, parents=parents)
        if request.method == "POST" and form.is_valid():
            try:
                case = create(request, cycle, form)
            except ValidationError as exc:
                form_errors_apply(form, exc)
            else:
                messages.success(request, _("The case of %(name)s is entered.") % {"name": case.member.name})
                return redirect("benefits:review:case", case.pk)
    return render(
        request,
        template,
        {"cycle": cycle, "number_form": number_form, "household": household, "form": form},
        status=400 if request.method == "POST" and (form is None or form.errors) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    def create(request, cycle, form):
        return services.application_create(
            actor=request.user,
            cycle=cycle,
            member=form.cleaned_data["member"],
            scheme=form.cleaned_data["scheme"],
            proofs=form.proofs(),
        )

    return _person_page(request, pk, ApplicationForm, "benefits/review/apply.html", create)


@login_required
@require_http_methods(["GET", "POST"])
def leaver(request: HttpRequest, pk: int) -> HttpResponse:
    def create(request, cycle, form):
        return services.leaver_record(
            actor=request.user,
            cycle=cycle,
            member=form.cleaned_data["member"],
            scheme=form.cleaned_data["scheme"],
            reason=form.cleaned_data["reason"],
            opinion=form.cleaned_data["opinion"],
        )

    return _person_page(request, pk, LeaverForm, "benefits/review/leaver.html", create)


def _case_page(request: HttpRequest, case: ReviewCase, *, decision=None, proof=None, status: int = 200) -> HttpResponse:
    services.case_access_record(actor=request.user, case=case, request=request)
    today = timezone.localdate()
    stage = services.user_stage(request.user)
    return render(
        request,
        "benefits/review/case.html",
        {
            "case": case,
            "cycle": case.cycle,
            "household": case.member.household,
            "may_act": stage == case.stage,
            "decision_form": decision or DecisionForm(),
            "proof_form": proof or ProofForm(),
            "deadline": selectors.stage_deadline(case.cycle, case.stage),
            "overdue_days": selectors.days_overdue(case.cycle, case.stage, today),
        },
        status=status,
    )


def _case_for(request: HttpRequest, pk: int) -> ReviewCase:
    case = selectors.case_get(request.user, pk)
    require_capability(request.user, Capability.REVIEW_BENEFITS)
    return case


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: the person (name, household number, place; no ID number), its steps and proofs. Logged."""
    return _case_page(request, _case_for(request, pk))


@login_required
@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        opinion = form.cleaned_data["opinion"]
        try:
            if action == DecisionForm.CONFIRM:
                services.case_confirm(
                    actor=request.user, case=case, opinion=opinion, visited_on=form.cleaned_data["visited_on"]
                )
                message = _("The case of %(name)s is confirmed.")
            elif action == DecisionForm.RETURN:
                services.case_send_back(actor=request.user, case=case, reason=opinion)
                message = _("The case of %(name)s is sent back.")
            else:
                services.case_refuse(actor=request.user, case=case, opinion=opinion)
                message = _("The case of %(name)s is refused.")
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, message % {"name": case.member.name})
            return redirect("benefits:review:workbench", case.cycle_id)
    return _case_page(request, selectors.case_get(request.user, pk), decision=form, status=400)


@login_required
@require_POST
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    try:
        services.leaver_withdraw(actor=request.user, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The leaving is withdrawn: the case is a re-check again."))
    return redirect("benefits:review:case", case.pk)


@login_required
@require_POST
def case_proof(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = ProofForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.proof_add(
                actor=request.user, case=case, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("The proof is added."))
            return redirect("benefits:review:case", case.pk)
    return _case_page(request, selectors.case_get(request.user, pk), proof=form, status=400)


@login_required
@require_GET
def proof_file(request: HttpRequest, pk: int) -> FileResponse:
    """A proof's scan, only to a reviewer of its area; logged."""
    proof = selectors.proof_get(request.user, pk)
    require_capability(request.user, Capability.REVIEW_BENEFITS)
    handle = services.proof_open(actor=request.user, proof=proof, request=request)
    extension = proof.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle, content_type=services.proof_content_type(proof), filename=f"proof-{proof.pk}.{extension}"
    )
    response["Content-Disposition"] = f'inline; filename="proof-{proof.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bulk_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for(request, pk)
    form = BulkConfirmForm(request.POST)
    if form.is_valid():
        count = services.cases_bulk_confirm(
            actor=request.user, cycle=cycle, case_ids=form.cleaned_data["cases"], opinion=form.cleaned_data["opinion"]
        )
        messages.success(request, _("%(count)d cases confirmed.") % {"count": count})
    else:
        messages.error(request, form_errors_text(form))
    back = request.POST.get("back", "")
    url = reverse("benefits:review:workbench", args=[cycle.pk])
    return redirect(f"{url}?{back}" if back and "//" not in back else url)


def _notice_for(request: HttpRequest, pk: int, village_pk: int) -> selectors.Notice:
    cycle = _cycle_for(request, pk)
    village = selectors.notice_village_get(request.user, village_pk)
    if not village.path.startswith(cycle.county.path):
        raise Http404(_("Not found."))
    result = selectors.notice(cycle, village)
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target=cycle,
        target_label=village.name,
        region_path=village.path,
        request=request,
        detail={"review_notice": cycle.pk, "village": village.pk, "persons": len(result.rows)},
    )
    return result


@login_required
@require_GET
def notice_print(request: HttpRequest, pk: int, village_pk: int) -> HttpResponse:
    """The public notice (公示) of a village, an A4 page to print: names, village, scheme and amount only."""
    notice = _notice_for(request, pk, village_pk)
    return render(request, "benefits/review/notice.html", {"notice": notice, "cycle": notice.cycle})


@login_required
@require_GET
def notice_pdf(request: HttpRequest, pk: int, village_pk: int) -> HttpResponse:
    notice = _notice_for(request, pk, village_pk)
    response = HttpResponse(pdf.notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.cycle.year}-{notice.village.code}.pdf"'
    return response
