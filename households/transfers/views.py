"""Views of transfers (迁移): thin — the gatekeeper (404 outside the user's county), then the service (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from core.forms import form_errors_apply, form_errors_text
from households.transfers import selectors, services
from households.transfers.forms import TransferAnswerForm, TransferRequestForm


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.TRANSFER_HOUSEHOLDS)
    lists = selectors.transfer_lists_for_user(user=request.user)
    return render(request, "households/transfers/list.html", {"lists": lists, "answer_form": TransferAnswerForm()})


@login_required
@require_http_methods(["GET", "POST"])
def transfer_request(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.TRANSFER_HOUSEHOLDS)
    form = TransferRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request(
                actor=request.user,
                id_number=form.cleaned_data["id_number"],
                to_village=form.cleaned_data["to_village"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Transfer requested. The other county will accept or refuse it."))
            return redirect("households:transfers:list")
    return render(request, "households/transfers/request.html", {"form": form})


def _answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept and refuse are the sending county's, cancel the receiving county's: the services say 403 otherwise."""
    transfer = selectors.transfer_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.TRANSFER_HOUSEHOLDS)
    form = TransferAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("households:transfers:list")
    reason = form.cleaned_data["reason"]
    service = {
        "accept": services.transfer_accept,
        "refuse": services.transfer_refuse,
        "cancel": services.transfer_cancel,
    }[action]
    try:
        service(actor=request.user, transfer=transfer, reason=reason, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {
            "accept": _("Transfer accepted: the family's file now belongs to the other county."),
            "refuse": _("Transfer refused."),
            "cancel": _("Transfer request withdrawn."),
        }
        messages.success(request, done[action])
    return redirect("households:transfers:list")


@login_required
@require_POST
def transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, "accept")


@login_required
@require_POST
def transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, "refuse")


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, "cancel")
