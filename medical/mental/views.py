"""Mental-health pages: the gatekeeper first (outside the area: 404), then the tier (403 for every role but the family
doctor and county staff), then a selector or a service. Every page with an assessment's content logs its read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from core.forms import form_errors_apply
from households.selectors import household_get_for_user
from medical.mental import instruments, selectors, services
from medical.mental.forms import AssessmentForm, GriefCadenceForm
from medical.selectors import user_county


@login_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's assessments (the tier's readers only), each member's latest first; logged."""
    item = household_get_for_user(user=request.user, pk=pk)
    services.require_read(request.user)
    services.assessment_access_record(actor=request.user, household=item, request=request)
    assessments = selectors.household_assessments(household=item)
    return render(
        request,
        "medical/mental/household.html",
        {
            "household": item,
            "assessments": assessments,
            "latest": selectors.latest_by_member(assessments),
            "state": services.household_state(household_id=item.pk),
            "instruments": instruments.INSTRUMENTS.values(),
            "may_record": services.may_record(request.user) and item.is_active,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_add(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    item = household_get_for_user(user=request.user, pk=pk)
    if not services.may_record(request.user):
        raise PermissionDenied(_("Your role does not allow this."))
    inst = instruments.INSTRUMENTS.get(instrument)
    if inst is None:
        raise Http404
    form = AssessmentForm(request.POST or None, household=item, instrument=inst)
    if request.method == "GET":  # the form lists the members' names on a mental-health page: logged
        services.assessment_access_record(actor=request.user, household=item, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.assessment_record(
                actor=request.user, household=item, today=timezone.localdate(), **form.service_data()
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:mental:assessment", saved.pk)
    return render(
        request,
        "medical/mental/assessment_form.html",
        {"form": form, "household": item, "instrument": inst},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.assessment_get_for_user(user=request.user, pk=pk)
    services.require_read(request.user)
    services.assessment_access_record(
        actor=request.user, household=row.household, request=request, assessment_id=row.pk
    )
    inst = instruments.INSTRUMENTS[row.instrument]
    answers = []
    for item, value in zip(inst.items, row.answers, strict=False):
        text = dict(item.choices).get(value, "")
        answers.append({"item": item, "value": value, "text": text})
    factors = []
    if row.instrument == "scl90":
        means = row.details.get("factors", {})
        factors = [(label, means.get(key)) for key, (label, _numbers) in instruments.SCL90_FACTORS.items()]
    return render(
        request,
        "medical/mental/assessment.html",
        {
            "a": row,
            "household": row.household,
            "instrument": inst,
            "answers": answers,
            "band_label": instruments.band_label(row.instrument, row.band),
            "factors": factors,
            "criteria": [
                (instruments.PG13_CRITERIA.get(key, key), met) for key, met in row.details.get("criteria", {}).items()
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadence(request: HttpRequest) -> HttpResponse:
    """The county's grief-aware cadence (county staff, who edit the visit rules)."""
    require_capability(request.user, Capability.EDIT_RULES)
    county = user_county(request.user)
    if county is None:
        raise Http404
    rule = services.grief_rule(county)
    current = rule.loss_within_years if rule is not None and rule.active else 0
    form = GriefCadenceForm(request.POST or None, initial={"years": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.grief_cadence_set(actor=request.user, county=county, years=form.cleaned_data["years"])
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:mental:cadence")
    context: dict[str, Any] = {"form": form, "county": county, "current": current}
    return render(request, "medical/mental/cadence.html", context, status=400 if form.errors else 200)
