"""The standards page (read by everyone who sees entitlements; written by county staff) and the county's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from benefits.standards import selectors, services
from benefits.standards.forms import BenefitSettingsForm, StandardEndForm, StandardForm
from core.forms import form_errors_apply
from policies.selectors import document_choices


@login_required
@require_GET
def standard_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_ENTITLEMENTS)
    county = selectors.user_county(request.user)
    manage = request.user.has_capability(Capability.MANAGE_STANDARDS)
    today = timezone.localdate()
    return render(
        request,
        "benefits/standards/list.html",
        {
            "county": county,
            "groups": selectors.standard_groups(county=county, today=today, manage=manage),
            "may_manage": manage,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_STANDARDS)
    county = selectors.user_county(request.user)
    form = StandardForm(request.POST or None, county_code=county.code, documents=document_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            standard = services.standard_create(actor=request.user, county=county, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(
                request, _("Standard added: %(standard)s") % {"standard": services.standard_describe(standard)}
            )
            return redirect("benefits:standards:list")
    return render(request, "benefits/standards/form.html", {"form": form, "county": county, "standard": None})


def _standard_for(request: HttpRequest, pk: int):
    """404 outside the county's top-ups first, then the role (403)."""
    county = selectors.user_county(request.user)
    standard = selectors.standard_get_for_county(county=county, pk=pk)
    require_capability(request.user, Capability.MANAGE_STANDARDS)
    return county, standard


@login_required
@require_http_methods(["GET", "POST"])
def standard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    county, standard = _standard_for(request, pk)
    locked = services.standard_is_locked(standard, today=timezone.localdate())
    form = StandardForm(
        request.POST or None,
        instance=standard,
        county_code=county.code,
        locked=locked,
        documents=document_choices(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_update(actor=request.user, county=county, standard=standard, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("benefits:standards:list")
    return render(
        request,
        "benefits/standards/form.html",
        {"form": form, "county": county, "standard": standard, "locked": locked},
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_end(request: HttpRequest, pk: int) -> HttpResponse:
    county, standard = _standard_for(request, pk)
    form = StandardEndForm(request.POST or None, initial={"effective_to": standard.effective_to})
    if request.method == "POST" and form.is_valid():
        try:
            ended = services.standard_end(
                actor=request.user,
                county=county,
                standard=standard,
                effective_to=form.cleaned_data["effective_to"],
                new_amount=form.cleaned_data["new_amount"],
                new_document=form.cleaned_data["new_document"],
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Standard ended on %(date)s.") % {"date": ended.ended.effective_to.isoformat()})
            return redirect("benefits:standards:list")
    return render(
        request,
        "benefits/standards/end.html",
        {"form": form, "standard": standard, "described": services.standard_describe(standard)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_delete(request: HttpRequest, pk: int) -> HttpResponse:
    county, standard = _standard_for(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.standard_delete(actor=request.user, county=county, standard=standard)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Standard deleted."))
            return redirect("benefits:standards:list")
    return render(
        request,
        "benefits/standards/delete.html",
        {"standard": standard, "described": services.standard_describe(standard), "error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def benefit_settings(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_STANDARDS)
    county = selectors.user_county(request.user)
    current = selectors.benefit_settings_for_county(county=county)
    form = BenefitSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_settings_save(actor=request.user, county=county, data=form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("benefits:standards:settings")
    return render(
        request, "benefits/standards/settings.html", {"form": form, "county": county, "saved": bool(current.pk)}
    )
