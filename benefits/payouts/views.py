"""The payout pages: thin — the gatekeeper (404 outside the area), then the role (403), then a selector or a
service (the rules: benefits.payouts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability, Role
from accounts.scope import require_capability
from accounts.sensitivity import mask
from benefits.models import PayoutBatch, PayoutLine
from benefits.payouts import exports, returns, selectors, services
from benefits.payouts.forms import BatchCreateForm, IdsForm, OpinionForm, ReturnUploadForm, SendBackForm
from core.forms import form_errors_apply, form_errors_text
from regions.models import Region

LINES_PAGE = 50
State = PayoutBatch.State


def _require_payouts_role(user: Any) -> None:
    if not (user.has_capability(Capability.MANAGE_PAYOUTS) or user.has_capability(Capability.REVIEW_PAYOUTS)):
        raise PermissionDenied(_("Your role does not allow this."))


def _batch_for(request: HttpRequest, pk: int) -> PayoutBatch:
    """The gatekeeper first (outside the area: 404), then the role (403)."""
    batch = selectors.batch_get_for_user(user=request.user, pk=pk)
    _require_payouts_role(request.user)
    return batch


def _user_county(user: Any) -> Region:
    region = user.region
    if region is None or region.level != Region.Level.COUNTY:
        raise PermissionDenied(_("Payout batches are made by the county's staff."))
    return region


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    _require_payouts_role(request.user)
    page = Paginator(selectors.batch_list_for_user(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/payouts/list.html",
        {"page": page, "may_manage": request.user.has_capability(Capability.MANAGE_PAYOUTS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_PAYOUTS)
    county = _user_county(request.user)
    form = BatchCreateForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.payout_batch_create(
                actor=request.user,
                county=county,
                scheme=data["scheme"],
                first_month=data["first_month"],
                last_month=data["last_month"],
                area=data["area"],
                previous=data["previous"],
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            plan = created.plan
            messages.success(
                request,
                _("Batch created with %(lines)d lines.") % {"lines": len(plan.lines)},
            )
            if plan.missing_account:
                messages.warning(
                    request,
                    _("%(n)d persons are due money but have no bank account: they are listed as missing an account.")
                    % {"n": len(plan.missing_account)},
                )
            if plan.already_paid:
                messages.info(
                    request,
                    _("%(n)d persons were left out: their months are in another batch already.")
                    % {"n": len(plan.already_paid)},
                )
            if created.not_entitled:
                messages.info(
                    request,
                    _("%(n)d persons of the previous batch are due nothing in these months.")
                    % {"n": created.not_entitled},
                )
            return redirect("benefits:payouts:reconcile", created.batch.pk)
    return render(request, "benefits/payouts/create.html", {"form": form, "county": county})


def _actions(request: HttpRequest, batch: PayoutBatch) -> dict[str, bool]:
    """Which buttons the page offers (the services decide; this only hides what would be refused)."""
    user = request.user
    manage = user.has_capability(Capability.MANAGE_PAYOUTS)
    town_id = user.region_id if user.role == Role.TOWN_CADRE else None
    towns = selectors.batch_towns(batch) if batch.state == State.TOWN_REVIEW else {}
    confirmed = selectors.town_confirmations(batch) if towns else {}
    pending = [pk for pk in towns if pk not in confirmed]
    return {
        # county staff confirm for the batch's towns that have no town cadre (nobody there could)
        "town_confirm_for": sorted(selectors.towns_without_cadre(pending)) if manage and pending else [],
        "manage": manage,
        "reconcile": manage and batch.state == State.DRAFT,
        "submit": manage and batch.state == State.DRAFT,
        "town_confirm": town_id in towns and town_id not in confirmed,
        "send_back": (batch.state == State.TOWN_REVIEW and (manage or town_id in towns))
        or (batch.state == State.COUNTY_REVIEW and manage),
        "county_confirm": manage and batch.state == State.COUNTY_REVIEW,
        "roster": manage and batch.state in (State.GENERATED, State.RETURNED, State.CLOSED),
        "return": manage and batch.state in (State.GENERATED, State.RETURNED),
        "close": manage and batch.state == State.RETURNED,
        "correction": manage and batch.state in (State.RETURNED, State.CLOSED),
    }


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    lines = selectors.lines_for_user(user=request.user, batch=batch)
    actions = _actions(request, batch)
    towns = selectors.batch_towns(batch)
    confirmed = selectors.town_confirmations(batch)
    reconciliation = None
    if actions["manage"] and batch.state in (State.DRAFT, State.TOWN_REVIEW, State.COUNTY_REVIEW):
        reconciliation = selectors.reconciliation(batch)
        # the page lists the persons the reconciliation finds ineligible (names, household numbers): logged
        services.payout_reconciliation_view_record(actor=request.user, batch=batch, request=request)
        # the approval is not offered while a line is no longer eligible (the service refuses it too)
        actions["county_confirm"] = actions["county_confirm"] and not reconciliation.ineligible
    totals = selectors.line_totals(lines)
    actions["correction"] = actions["correction"] and bool(totals.failed)  # only the failed lines are corrected
    actions["any"] = any(v for k, v in actions.items() if k not in ("manage", "reconcile"))
    return render(
        request,
        "benefits/payouts/detail.html",
        {
            "batch": batch,
            "totals": totals,
            "steps": selectors.steps_of(batch),
            "towns": [(town, confirmed.get(town.pk)) for town in towns.values()],
            "confirm_for": [towns[pk] for pk in actions["town_confirm_for"] if pk in towns],
            "actions": actions,
            "reconciliation": reconciliation,
            "opinion_form": OpinionForm(),
            "send_back_form": SendBackForm(),
            "return_form": ReturnUploadForm(),
            "corrections": PayoutBatch.objects.filter(corrects=batch).order_by("correction_number"),
        },
    )


def _masked_line(line: PayoutLine) -> dict[str, Any]:
    return {
        "line": line,
        "beneficiary_id_number": mask(PayoutLine, "beneficiary_id_number", line.beneficiary_id_number),
        "payee_id_number": mask(PayoutLine, "payee_id_number", line.payee_id_number),
        "account_number": mask(PayoutLine, "account_number", line.account_number),
        "phone": mask(PayoutLine, "phone", line.phone),
        "months": "{} – {}".format(*(f"{m:%Y-%m}" for m in selectors.range_months(line.months))),
    }


@login_required
@require_GET
def batch_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """The lines the reader may see (a town cadre: the town's), masked; the read is logged."""
    batch = _batch_for(request, pk)
    lines = selectors.lines_for_user(user=request.user, batch=batch).select_related("household")
    page = Paginator(lines, LINES_PAGE).get_page(request.GET.get("page"))
    services.payout_lines_view_record(actor=request.user, batch=batch, request=request)
    return render(
        request,
        "benefits/payouts/lines.html",
        {"batch": batch, "page": page, "rows": [_masked_line(line) for line in page.object_list]},
    )


RECONCILE_ACTIONS = ("remove", "add", "recompute", "mark")


@login_required
@require_http_methods(["GET", "POST"])
def batch_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """The reconciliation with the engine and the archive; in a draft, staff act on it (county staff only: it
    lists persons of every town)."""
    batch = _batch_for(request, pk)
    require_capability(request.user, Capability.MANAGE_PAYOUTS)
    if request.method == "POST":
        _reconcile_act(request, batch, request.POST.get("action", ""))
        return redirect("benefits:payouts:reconcile", batch.pk)
    services.payout_reconciliation_view_record(actor=request.user, batch=batch, request=request)
    return render(
        request,
        "benefits/payouts/reconcile.html",
        {"batch": batch, "result": selectors.reconciliation(batch), "editable": batch.state == State.DRAFT},
    )


def _reconcile_act(request: HttpRequest, batch: PayoutBatch, action: str) -> None:
    if action not in RECONCILE_ACTIONS:
        messages.error(request, _("Choose what to do."))
        return
    try:
        if action == "mark":
            services.payout_batch_reconcile(actor=request.user, batch=batch)
            messages.success(request, _("The batch is marked reconciled."))
            return
        result = selectors.reconciliation(batch)
        if action == "add":
            allowed = [f.member_id for f in result.missing]
        else:
            allowed = [f.line_id for f in result.ineligible + result.changed if f.line_id is not None]
        form = IdsForm(request.POST, allowed=allowed)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return
        ids = form.cleaned_data["ids"]
        if action == "remove":
            count = services.payout_lines_remove(actor=request.user, batch=batch, line_ids=ids)
            messages.success(request, _("%(n)d lines removed.") % {"n": count})
        elif action == "recompute":
            count = services.payout_lines_recompute(actor=request.user, batch=batch, line_ids=ids)
            messages.success(request, _("%(n)d lines computed again.") % {"n": count})
        else:
            plan = services.payout_lines_add(actor=request.user, batch=batch, member_ids=ids)
            messages.success(request, _("%(n)d lines added.") % {"n": len(plan.lines)})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)


STEP_ACTIONS = ("submit", "town_confirm", "send_back", "county_confirm", "close")


@login_required
@require_POST
def batch_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the batch: submit, a town's confirmation, send back (a reason), the county's confirmation, close."""
    batch = _batch_for(request, pk)
    action = request.POST.get("action", "")
    if action not in STEP_ACTIONS:
        messages.error(request, _("Choose what to do."))
        return redirect("benefits:payouts:detail", batch.pk)
    form = SendBackForm(request.POST) if action == "send_back" else OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("benefits:payouts:detail", batch.pk)
    data = form.cleaned_data
    done = {
        "submit": (services.payout_batch_submit, _("The batch is submitted to the town review.")),
        "town_confirm": (services.payout_batch_town_confirm, _("Your town's lines are confirmed.")),
        "county_confirm": (services.payout_batch_county_confirm, _("The payment is generated.")),
        "close": (services.payout_batch_close, _("The batch is closed.")),
    }
    try:
        if action == "send_back":
            services.payout_batch_send_back(actor=request.user, batch=batch, reason=data["reason"])
            messages.success(request, _("The batch is sent back to draft."))
        else:
            service, text = done[action]
            town = request.POST.get("town", "")
            if action == "town_confirm" and town.isdigit():
                services.payout_batch_town_confirm(
                    actor=request.user, batch=batch, opinion=data["opinion"], town_id=int(town)
                )
                text = _("The town's lines are confirmed by the county.")
            else:
                service(actor=request.user, batch=batch, opinion=data["opinion"])
            messages.success(request, text)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("benefits:payouts:detail", batch.pk)


@login_required
@require_POST
def batch_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster for the bank: full account and ID numbers, county staff only, every download logged."""
    batch = _batch_for(request, pk)
    require_capability(request.user, Capability.MANAGE_PAYOUTS)
    if batch.state not in (State.GENERATED, State.RETURNED, State.CLOSED):
        messages.error(request, _("The roster is ready once the county review has generated the payment."))
        return redirect("benefits:payouts:detail", batch.pk)
    content, count = exports.payout_roster_xlsx(batch)
    services.payout_roster_download_record(actor=request.user, batch=batch, lines=count, request=request)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.roster_file_name(batch)}"'
    return response


@login_required
@require_POST
def batch_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank's return: applied whole, or refused whole with every mismatch listed."""
    batch = _batch_for(request, pk)
    require_capability(request.user, Capability.MANAGE_PAYOUTS)
    form = ReturnUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("benefits:payouts:detail", batch.pk)
    upload = form.cleaned_data["file"]
    try:
        applied = returns.payout_return_apply(
            actor=request.user, batch=batch, data=upload.read(), file_name=upload.name, request=request
        )
    except returns.ReturnRefused as exc:
        return render(
            request,
            "benefits/payouts/return_refused.html",
            {"batch": batch, "problems": exc.problems, "file_name": upload.name},
            status=400,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("benefits:payouts:detail", batch.pk)
    messages.success(
        request,
        _("Return read: %(paid)d lines paid, %(failed)d failed.") % {"paid": applied.paid, "failed": applied.failed},
    )
    return redirect("benefits:payouts:detail", batch.pk)


@login_required
@require_POST
def batch_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """更正发放: a correction batch from the failed lines whose account has been fixed."""
    batch = _batch_for(request, pk)
    require_capability(request.user, Capability.MANAGE_PAYOUTS)
    try:
        result = services.payout_correction_create(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("benefits:payouts:detail", batch.pk)
    if result.waiting:
        messages.warning(
            request,
            _("%(n)d failed lines wait for their bank account to be fixed (the village contacts have been told).")
            % {"n": len(result.waiting)},
        )
    if result.batch is None:
        messages.error(request, _("No failed line has had its bank account fixed yet."))
        return redirect("benefits:payouts:detail", batch.pk)
    messages.success(request, _("Correction batch created: %(title)s") % {"title": result.batch.title})
    return redirect("benefits:payouts:reconcile", result.batch.pk)


@login_required
@require_GET
def followups(request: HttpRequest) -> HttpResponse:
    """The bank accounts to fix in the user's area: failed lines whose account is still the refused one."""
    require_capability(request.user, Capability.EDIT_BANK_ACCOUNTS)
    page = Paginator(selectors.payout_followups_for_user(user=request.user), LINES_PAGE).get_page(
        request.GET.get("page")
    )
    services.payout_followups_view_record(actor=request.user, lines=len(page.object_list), request=request)
    return render(
        request,
        "benefits/payouts/followups.html",
        {
            "page": page,
            "rows": [_masked_line(line) for line in page.object_list],
            "no_account": selectors.due_without_account(user=request.user, month=timezone.localdate()),
        },
    )
