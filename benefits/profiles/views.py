"""A parent's bank account: the form (village, town and county cadres of the area) and the reveal (county staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import mask
from audit.models import AccessEvent
from benefits.models import BenefitProfile
from benefits.profiles import services
from benefits.profiles.forms import BenefitProfileForm
from core.forms import form_errors_apply
from households.models import Member
from households.services import household_access_record
from regions.scope import get_visible_or_404


def _member_for(request: HttpRequest, member_pk: int, capability: str) -> Member:
    """404 outside the area (or not a parent), then the role (403)."""
    member = get_visible_or_404(
        Member.objects.select_related("household", "household__village", "household__county").filter(
            role__in=services.PARENT_ROLES
        ),
        request.user,
        pk=member_pk,
    )
    require_capability(request.user, capability)
    return member


def _masked(profile: BenefitProfile) -> dict[str, str]:
    return {name: mask(BenefitProfile, name, getattr(profile, name)) for name in services.REVEALABLE}


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = _member_for(request, member_pk, Capability.EDIT_BANK_ACCOUNTS)
    household = member.household
    profile = services.benefit_profile_for(member)
    facts = request.user.has_capability(services.FACT_CAPABILITY)
    form = BenefitProfileForm(request.POST or None, profile=profile, masked=_masked(profile), facts=facts)
    if request.method == "GET":  # the page shows the person, the payee and the masked account: its read is logged
        household_access_record(
            actor=request.user,
            household=household,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": "bank_account", "member": member.pk},
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_profile_save(actor=request.user, member=member, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Bank account saved."))
            return redirect(reverse("households:detail", args=[household.pk]) + "#benefits")
    return render(
        request,
        "benefits/profiles/form.html",
        {
            "form": form,
            "member": member,
            "household": household,
            "profile": profile,
            "masked": _masked(profile),
            "may_reveal": request.user.has_capability(Capability.REVEAL_BANK_ACCOUNT),
        },
    )


@login_required
@require_POST
def profile_reveal(request: HttpRequest, member_pk: int) -> HttpResponse:
    """One full account number or payee ID number for county staff; logged. JSON for the page's script."""
    member = _member_for(request, member_pk, Capability.REVEAL_BANK_ACCOUNT)
    field_name = request.POST.get("field", "")
    if field_name not in services.REVEALABLE:
        return HttpResponse(status=400)
    value = services.benefit_account_reveal(actor=request.user, member=member, field_name=field_name, request=request)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"value": value})
    return render(
        request,
        "benefits/profiles/reveal.html",
        {"household": member.household, "member": member, "field": field_name, "value": value},
    )
