"""The second factor's pages (accounts.second_factor): set up the authenticator app, give a code at login."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from accounts.forms import SecondFactorCodeForm
from accounts.second_factor import (
    has_device,
    recovery_codes_left,
    second_factor_required,
    second_factor_setup_confirm,
    second_factor_setup_offer,
    second_factor_verified,
    second_factor_verify,
)


def _next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is given: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """The QR code and the secret as text; a code from the app confirms the device; then the recovery codes once."""
    user = request.user
    if not second_factor_required(user):
        return redirect(_next_url(request))
    if has_device(user) and not second_factor_verified(user):  # type: ignore[arg-type]
        return redirect(resolve_url("accounts:otp_verify") + "?" + request.GET.urlencode())
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor_setup_confirm(request=request, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            # Rendered in the answer to the POST, never stored for a later page: the codes are shown once.
            return render(request, "accounts/otp_recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    offer = second_factor_setup_offer(request=request)
    return render(request, "accounts/otp_setup.html", {"form": form, "offer": offer, "next": _next_url(request)})


@login_required
def second_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or one recovery code."""
    user = request.user
    if not second_factor_required(user) or second_factor_verified(user):
        return redirect(_next_url(request))
    if not has_device(user):  # type: ignore[arg-type]
        return redirect(resolve_url("accounts:otp_setup") + "?" + request.GET.urlencode())
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = second_factor_verify(request=request, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            if kind == "recovery":
                left = recovery_codes_left(user)  # type: ignore[arg-type]
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(left)d is left. Set up your authenticator app again if you "
                        "lost it.",
                        "You used a recovery code: %(left)d are left. Set up your authenticator app again if you "
                        "lost it.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})
