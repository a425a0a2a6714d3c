"""Relief and gifts: the area's list, a household's list, and the forms (RECORD_RELIEF, inside the area)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from benefits.relief import selectors, services
from benefits.relief.forms import ReliefDeleteForm, ReliefFilterForm, ReliefForm
from core.forms import form_errors_apply
from households.selectors import household_get_for_user
from households.services import household_access_record

PAGE_SIZE = 50


@login_required
@require_GET
def relief_list(request: HttpRequest) -> HttpResponse:
    """The area's relief and gifts (household numbers, places, kinds and amounts), filtered."""
    require_capability(request.user, Capability.VIEW_ENTITLEMENTS)
    form = ReliefFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.relief_list_for_user(
        user=request.user, kind=filters.get("kind") or "", year=filters.get("year"), town=filters.get("town")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/relief/list.html",
        {"form": form, "page": page, "totals": selectors.relief_totals(rows)},
    )


def _household_for(request: HttpRequest, pk: int, capability: str):
    household = household_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, capability)
    return household


@login_required
@require_GET
def household_relief(request: HttpRequest, pk: int) -> HttpResponse:
    """One household's relief (its members' names and what they got): the read is logged."""
    household = _household_for(request, pk, Capability.VIEW_ENTITLEMENTS)
    household_access_record(
        actor=request.user,
        household=household,
        action=AccessEvent.Action.VIEW,
        request=request,
        detail={"page": "relief"},
    )
    return render(
        request,
        "benefits/relief/household.html",
        {
            "household": household,
            "reliefs": selectors.relief_list_for_household(household=household),
            "may_record": request.user.has_capability(Capability.RECORD_RELIEF),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def relief_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, Capability.RECORD_RELIEF)
    _form_read_record(request, household)
    form = ReliefForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.relief_create(actor=request.user, household=household, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Relief recorded."))
            return redirect("benefits:relief:household", pk=household.pk)
    return render(request, "benefits/relief/form.html", {"form": form, "household": household, "relief": None})


def _form_read_record(request: HttpRequest, household) -> None:
    """The form lists the household's members by name: its read is logged."""
    if request.method == "GET":
        household_access_record(
            actor=request.user,
            household=household,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": "relief_form"},
        )


def _relief_for(request: HttpRequest, pk: int):
    relief = selectors.relief_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_RELIEF)
    return relief


@login_required
@require_http_methods(["GET", "POST"])
def relief_edit(request: HttpRequest, pk: int) -> HttpResponse:
    relief = _relief_for(request, pk)
    _form_read_record(request, relief.household)
    form = ReliefForm(request.POST or None, instance=relief, household=relief.household)
    if request.method == "POST" and form.is_valid():
        try:
            services.relief_update(actor=request.user, relief=relief, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("benefits:relief:household", pk=relief.household_id)
    return render(request, "benefits/relief/form.html", {"form": form, "household": relief.household, "relief": relief})


@login_required
@require_http_methods(["GET", "POST"])
def relief_delete(request: HttpRequest, pk: int) -> HttpResponse:
    relief = _relief_for(request, pk)
    form = ReliefDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household_pk = relief.household_id
        services.relief_delete(actor=request.user, relief=relief, reason=form.cleaned_data["reason"])
        messages.success(request, _("Relief deleted."))
        return redirect("benefits:relief:household", pk=household_pk)
    return render(request, "benefits/relief/delete.html", {"form": form, "relief": relief})
