"""Disease and treatment pages: the gatekeeper first (outside the area: 404), then the health tier (cadres and
volunteers never see a disease: 403), then a selector or a service. Every page with a family's diseases logs its
read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import Tier, may_see
from audit.models import AccessEvent
from core.forms import form_errors_apply
from households.models import Household
from households.selectors import household_get_for_user
from households.services import household_access_record
from medical.disease import selectors, services
from medical.disease.forms import CostForm, DiagnosisForm, DiagnosisUpdateForm, FollowUpForm
from medical.models import Diagnosis


def _require_content(user: Any) -> None:
    """The diseases are of the health tier: medical roles and county staff only."""
    if not may_see(user, Tier.HEALTH):
        raise PermissionDenied(_("Your role does not allow this."))


def _logged(request: HttpRequest, household: Household, page: str) -> None:
    household_access_record(
        actor=request.user, household=household, action=AccessEvent.Action.VIEW, request=request, detail={"page": page}
    )


@login_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's diagnosed diseases with their follow-ups and costs."""
    item = household_get_for_user(user=request.user, pk=pk)
    _require_content(request.user)
    _logged(request, item, "diseases")
    diagnoses = selectors.household_diagnoses(household=item)
    return render(
        request,
        "medical/disease/household.html",
        {
            "household": item,
            "diagnoses": [(d, selectors.cost_totals(list(d.costs.all()))) for d in diagnoses],
            "may_record": request.user.has_capability(Capability.RECORD_MEDICAL) and item.is_active,
            "today": timezone.localdate(),
        },
    )


def _form_page(
    request: HttpRequest, *, household: Household, form: Any, title: str, write: Any, back: str, page: str
) -> HttpResponse:
    require_capability(request.user, Capability.RECORD_MEDICAL)
    _require_content(request.user)
    if request.method == "GET":  # the form shows the family's members or a disease: its read is logged
        _logged(request, household, page)
    if request.method == "POST" and form.is_valid():
        try:
            write(form)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return render(
        request,
        "medical/disease/form.html",
        {"form": form, "household": household, "title": title, "back": back},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def diagnosis_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = household_get_for_user(user=request.user, pk=pk)
    form = DiagnosisForm(request.POST or None, household=item)

    def write(f: DiagnosisForm) -> None:
        services.diagnosis_record(actor=request.user, household=item, today=timezone.localdate(), **f.cleaned_data)

    return _form_page(
        request,
        household=item,
        form=form,
        title=_("Record a diagnosed disease"),
        write=write,
        back=reverse("medical:disease:household", args=[item.pk]),
        page="diagnosis_add",
    )


def _diagnosis_back(diagnosis: Diagnosis) -> str:
    return reverse("medical:disease:household", args=[diagnosis.household_id])


@login_required
@require_http_methods(["GET", "POST"])
def diagnosis_edit(request: HttpRequest, pk: int) -> HttpResponse:
    diagnosis = selectors.diagnosis_get_for_user(user=request.user, pk=pk)
    form = DiagnosisUpdateForm(request.POST or None, instance=diagnosis)

    def write(f: DiagnosisUpdateForm) -> None:
        services.diagnosis_update(actor=request.user, diagnosis=diagnosis, today=timezone.localdate(), **f.cleaned_data)

    return _form_page(
        request,
        household=diagnosis.household,
        form=form,
        title=_("Change the disease's class or status: %(disease)s, %(member)s")
        % {"disease": diagnosis.label, "member": diagnosis.member.name},
        write=write,
        back=_diagnosis_back(diagnosis),
        page="diagnosis_edit",
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    diagnosis = selectors.diagnosis_get_for_user(user=request.user, pk=pk)
    form = FollowUpForm(request.POST or None, household=diagnosis.household)

    def write(f: FollowUpForm) -> None:
        services.follow_up_record(actor=request.user, diagnosis=diagnosis, today=timezone.localdate(), **f.cleaned_data)

    return _form_page(
        request,
        household=diagnosis.household,
        form=form,
        title=_("Record a follow-up: %(disease)s, %(member)s")
        % {"disease": diagnosis.label, "member": diagnosis.member.name},
        write=write,
        back=_diagnosis_back(diagnosis),
        page="follow_up_add",
    )


@login_required
@require_http_methods(["GET", "POST"])
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    diagnosis = selectors.diagnosis_get_for_user(user=request.user, pk=pk)
    form = CostForm(request.POST or None, household=diagnosis.household)

    def write(f: CostForm) -> None:
        services.cost_record(actor=request.user, diagnosis=diagnosis, today=timezone.localdate(), **f.cleaned_data)

    return _form_page(
        request,
        household=diagnosis.household,
        form=form,
        title=_("Record a cost and its reimbursement: %(disease)s, %(member)s")
        % {"disease": diagnosis.label, "member": diagnosis.member.name},
        write=write,
        back=_diagnosis_back(diagnosis),
        page="cost_add",
    )


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """The chronic follow-ups due in the next 30 days in the user's area (overdue first), and the counts by
    treatment class."""
    require_capability(request.user, Capability.RECORD_MEDICAL)
    _require_content(request.user)
    today = timezone.localdate()
    return render(
        request,
        "medical/disease/due.html",
        {
            "rows": selectors.follow_ups_due(user=request.user, on=today),
            "classes": selectors.class_counts(user=request.user),
            "costs": selectors.cost_year_totals(user=request.user, year=today.year),
            "today": today,
        },
    )
