"""Medical pages: thin — the gatekeeper first (outside the area: 404), then the role (403, in the services), then a
selector or a service. Every page with one family's medical data logs its read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import Tier, may_see
from audit.models import AccessEvent
from core.forms import form_errors_apply, form_errors_text
from households.models import Household
from households.selectors import household_get_for_user
from households.services import household_access_record
from medical import selectors, services
from medical.forms import (
    CardWithdrawForm,
    ChannelUseForm,
    ContractEndForm,
    ContractForm,
    DischargeForm,
    GreenCardForm,
    HealthCheckForm,
    InstitutionForm,
    MedicalSettingsForm,
    YearForm,
)
from medical.models import Contract
from regions.models import Region
from regions.scope import get_visible_or_404


def _may_read(user: Any) -> bool:
    return user.has_capability(Capability.VIEW_MEDICAL_STATUS) or user.has_capability(Capability.MANAGE_INSTITUTIONS)


def _require_read(user: Any) -> None:
    if not _may_read(user):
        raise PermissionDenied(_("Your role does not allow this."))


def _county(request: HttpRequest) -> Region:
    county = selectors.user_county(request.user)
    if county is None:
        raise Http404
    return county


# ------------------------------------------------------------------------------------------------------ overview


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The medical work of the user's area: institutions for every reader; the work lists for medical roles."""
    _require_read(request.user)
    today = timezone.localdate()
    records = request.user.has_capability(Capability.RECORD_MEDICAL)
    context: dict[str, Any] = {
        "institutions": selectors.institution_list_for_user(request.user).filter(active=True).count(),
        "records": records,
        "may_manage": request.user.has_capability(Capability.MANAGE_INSTITUTIONS),
        # diseases: health-tier readers who record; the grief-aware cadence: those who edit the visit rules
        "diseases": records and request.user.has_capability(Capability.VIEW_HEALTH),
        "cadence": request.user.has_capability(Capability.EDIT_RULES),
    }
    if records:
        context["renewals"] = len(selectors.renewals_due(user=request.user, on=today))
        context["unserved"] = len(selectors.signed_not_served(user=request.user, on=today))
        villages = selectors.checks_due_by_village(user=request.user, year=today.year)
        context["checks_due"] = sum(v.due for v in villages)
        context["checks_not_done"] = sum(v.not_done for v in villages)
    return render(request, "medical/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_INSTITUTIONS)
    county = _county(request)
    form = MedicalSettingsForm(request.POST or None, instance=services.settings_for(county))
    if request.method == "POST" and form.is_valid():
        try:
            services.medical_settings_update(actor=request.user, county=county, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:settings")
    return render(
        request, "medical/settings.html", {"form": form, "county": county}, status=400 if form.errors else 200
    )


# -------------------------------------------------------------------------------------------------- institutions


@login_required
@require_GET
def institutions(request: HttpRequest) -> HttpResponse:
    _require_read(request.user)
    return render(
        request,
        "medical/institutions.html",
        {
            "institutions": selectors.institution_list_for_user(request.user),
            "may_manage": request.user.has_capability(Capability.MANAGE_INSTITUTIONS),
        },
    )


@login_required
@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(user=request.user, pk=pk)
    _require_read(request.user)
    return render(
        request,
        "medical/institution_detail.html",
        {"institution": institution, "may_manage": request.user.has_capability(Capability.MANAGE_INSTITUTIONS)},
    )


def _institution_form(request: HttpRequest, institution: Any | None) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_INSTITUTIONS)
    county = institution.county if institution else _county(request)
    form = InstitutionForm(request.POST or None, request.FILES or None, instance=institution, county=county)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.institution_save(
                actor=request.user,
                county=county,
                institution=institution,
                rules_upload=form.cleaned_data.get("rules_upload"),
                **form.service_data(),
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:institution", saved.pk)
    return render(
        request,
        "medical/institution_form.html",
        {"form": form, "institution": institution},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_create(request: HttpRequest) -> HttpResponse:
    return _institution_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(user=request.user, pk=pk)
    return _institution_form(request, institution)


@login_required
@require_GET
def institution_rules(request: HttpRequest, pk: int) -> FileResponse:
    institution = selectors.institution_get_for_user(user=request.user, pk=pk)
    if not institution.rules_file:
        raise Http404
    handle = services.institution_rules_open(actor=request.user, institution=institution, request=request)
    response = FileResponse(
        handle,
        content_type=services.file_content_type(institution.rules_file.name),
        filename=institution.rules_file_name or institution.rules_file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------------------ one household


@login_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's medical file: the content for the health tier's readers, the status for the others."""
    item = household_get_for_user(user=request.user, pk=pk)
    _require_read(request.user)
    today = timezone.localdate()
    household_access_record(
        actor=request.user, household=item, action=AccessEvent.Action.VIEW, request=request, detail={"page": "medical"}
    )
    content = may_see(request.user, Tier.HEALTH)
    context: dict[str, Any] = {
        "household": item,
        "content": content,
        "may_record": request.user.has_capability(Capability.RECORD_MEDICAL) and item.is_active,
        "today": today,
        "end_reasons": Contract.EndReason.choices,
    }
    if content:
        context["file"] = selectors.household_medical_file(household=item, on=today)
    else:
        context["status"] = selectors.household_status(household=item, on=today)
    return render(request, "medical/household.html", context)


def _household_form(request: HttpRequest, pk: int, form_class: Any, template: str, write: Any) -> HttpResponse:
    item: Household = household_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    form = form_class(request.POST or None, household=item)
    if request.method == "GET":  # the form lists the members' names: its read is logged like the file's
        household_access_record(
            actor=request.user,
            household=item,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": template},
        )
    if request.method == "POST" and form.is_valid():
        try:
            write(item, form)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:household", item.pk)
    return render(request, template, {"form": form, "household": item}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def card_add(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Household, form: GreenCardForm) -> None:
        services.green_card_record(actor=request.user, household=item, today=timezone.localdate(), **form.cleaned_data)

    return _household_form(request, pk, GreenCardForm, "medical/card_form.html", write)


@login_required
@require_http_methods(["GET", "POST"])
def use_add(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Household, form: ChannelUseForm) -> None:
        services.channel_use_record(
            actor=request.user, household=item, today=timezone.localdate(), **form.service_data()
        )

    return _household_form(request, pk, ChannelUseForm, "medical/use_form.html", write)


@login_required
@require_http_methods(["GET", "POST"])
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Household, form: ContractForm) -> None:
        services.contract_sign(actor=request.user, household=item, today=timezone.localdate(), **form.service_data())

    return _household_form(request, pk, ContractForm, "medical/contract_form.html", write)


@login_required
@require_http_methods(["GET", "POST"])
def check_add(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Household, form: HealthCheckForm) -> None:
        services.health_check_record(
            actor=request.user, household=item, today=timezone.localdate(), **form.cleaned_data
        )

    return _household_form(request, pk, HealthCheckForm, "medical/check_form.html", write)


def _small_form(request: HttpRequest, form: Any, household: Household, act: Any) -> HttpResponse:
    """A small POST form answered by a message and a redirect to the household's medical file."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("medical:household", household.pk)
    messages.error(request, form_errors_text(form))
    return redirect("medical:household", household.pk)


@login_required
@require_POST
def card_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.green_card_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    return _small_form(
        request,
        CardWithdrawForm(request.POST),
        card.household,
        lambda data: services.green_card_withdraw(
            actor=request.user, card=card, withdrawn_on=data["withdrawn_on"], today=timezone.localdate()
        ),
    )


@login_required
@require_POST
def use_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    use = selectors.channel_use_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    return _small_form(
        request,
        DischargeForm(request.POST),
        use.household,
        lambda data: services.stay_discharge(
            actor=request.user, use=use, discharged_on=data["discharged_on"], today=timezone.localdate()
        ),
    )


@login_required
@require_POST
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    return _small_form(
        request,
        ContractEndForm(request.POST),
        contract.household,
        lambda data: services.contract_end(
            actor=request.user,
            contract=contract,
            ended_on=data["ended_on"],
            reason=data["end_reason"],
            note=data.get("end_note", ""),
            today=timezone.localdate(),
        ),
    )


@login_required
@require_POST
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    try:
        services.contract_renew(actor=request.user, contract=contract, today=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Renewed for another year."))
    return redirect("medical:household", contract.household_id)


# -------------------------------------------------------------------------------------------------- work lists


@login_required
@require_GET
def renewals(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.RECORD_MEDICAL)
    today = timezone.localdate()
    return render(
        request,
        "medical/renewals.html",
        {"contracts": selectors.renewals_due(user=request.user, on=today), "today": today},
    )


@login_required
@require_GET
def unserved(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.RECORD_MEDICAL)
    today = timezone.localdate()
    county = _county(request)
    return render(
        request,
        "medical/unserved.html",
        {
            "rows": selectors.signed_not_served(user=request.user, on=today),
            "days": services.settings_for(county).unserved_days,
            "today": today,
        },
    )


def _year(request: HttpRequest) -> tuple[YearForm, int]:
    form = YearForm(request.GET or None)
    year = timezone.localdate().year
    if form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    return form, year


@login_required
@require_GET
def checks(request: HttpRequest) -> HttpResponse:
    """Health checks due this year (the county's age), done and not done, per village."""
    require_capability(request.user, Capability.RECORD_MEDICAL)
    form, year = _year(request)
    villages = selectors.checks_due_by_village(user=request.user, year=year)
    return render(
        request,
        "medical/checks.html",
        {
            "form": form,
            "year": year,
            "villages": villages,
            "due": sum(v.due for v in villages),
            "done": sum(v.done for v in villages),
            "age": services.settings_for(_county(request)).check_age,
        },
    )


@login_required
@require_GET
def checks_village(request: HttpRequest, pk: int) -> HttpResponse:
    village = get_visible_or_404(Region.objects.filter(level=Region.Level.VILLAGE), request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_MEDICAL)
    _form, year = _year(request)
    members = selectors.checks_not_done_in_village(user=request.user, year=year, village=village)
    return render(request, "medical/checks_village.html", {"village": village, "year": year, "members": members})
