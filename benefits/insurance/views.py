"""Insurance pages: thin — the gatekeeper first (outside the area: 404), then the role (403), then a selector or
a service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from benefits.insurance import exports, selectors, services
from benefits.insurance.forms import (
    AskForm,
    ClaimFilterForm,
    ClaimForm,
    DocumentForm,
    EnrolmentRunForm,
    ExportForm,
    NoteForm,
    PayForm,
    ProductForm,
    RejectForm,
    YearForm,
)
from benefits.models import InsuranceClaim, InsuranceProduct
from core.forms import form_errors_apply, form_errors_text
from households.selectors import household_get_for_user
from households.services import household_access_record
from regions.models import Region
from regions.scope import user_scope_path

PAGE_SIZE = 50


def _county(request: HttpRequest) -> Region | None:
    region = getattr(request.user, "region", None)
    return Region.objects.county_of(region.path) if region is not None else None


def _may_read(user) -> bool:
    return any(
        user.has_capability(c)
        for c in (Capability.MANAGE_INSURANCE, Capability.REPORT_CLAIMS, Capability.VIEW_BENEFIT_REPORTS)
    )


def _require_insurance_role(user) -> None:
    if not (user.has_capability(Capability.MANAGE_INSURANCE) or user.has_capability(Capability.REPORT_CLAIMS)):
        raise PermissionDenied(_("Your role does not allow this."))


# ----------------------------------------------------------------------------------------------------- products


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The county's products, and what needs attention (county staff)."""
    _require_insurance_role(request.user)
    today = timezone.localdate()
    may_manage = request.user.has_capability(Capability.MANAGE_INSURANCE)
    return render(
        request,
        "benefits/insurance/home.html",
        {
            "products": selectors.product_list_for_user(request.user),
            "may_manage": may_manage,
            "unclaimed": (
                len(selectors.unclaimed_hospital_visits(user=request.user, today=today))
                + len(selectors.unclaimed_green_channel_stays(user=request.user, today=today))
                if may_manage
                else 0
            ),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_INSURANCE)
    county = _county(request)
    if county is None:
        raise PermissionDenied(_("Your role does not allow this."))
    form = ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                actor=request.user, county=county, data=form.service_data(), document=form.cleaned_data["document"]
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Insurance product saved."))
            return redirect("benefits:insurance:product", product.pk)
    return render(request, "benefits/insurance/product_form.html", {"form": form, "product": None})


def _product_for(request: HttpRequest, pk: int, capability: str | None = None) -> InsuranceProduct:
    product = selectors.product_get(request.user, pk)
    if capability:
        require_capability(request.user, capability)
    else:
        _require_insurance_role(request.user)
    return product


@login_required
@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A product: its terms, the enrolment per town (persons, still covered, premium), the runs."""
    product = _product_for(request, pk)
    today = timezone.localdate()
    totals = selectors.enrolment_totals(product=product, user=request.user, on=today)
    may_manage = request.user.has_capability(Capability.MANAGE_INSURANCE)
    missing = (0, [])
    if may_manage and today <= product.ends_on:
        missing = selectors.eligible_not_enrolled(product=product, user=request.user, on=today, limit=20)
    return render(
        request,
        "benefits/insurance/product.html",
        {
            "product": product,
            "totals": totals,
            "total_persons": sum(t.persons for t in totals),
            "total_running": sum(t.running for t in totals),
            "total_premium": sum((t.premium for t in totals), start=services.Decimal("0.00")),
            "runs": product.runs.select_related("by")[:10],
            "may_manage": may_manage,
            "may_export_full": request.user.has_capability(Capability.REVEAL_PERSONAL),
            "missing_count": missing[0],
            "missing": missing[1],
            "run_form": EnrolmentRunForm(),
            "export_form": ExportForm(),
            "renewal": InsuranceProduct.objects.filter(renews=product).first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_for(request, pk, Capability.MANAGE_INSURANCE)
    form = ProductForm(request.POST or None, request.FILES or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(
                actor=request.user, product=product, data=form.service_data(), document=form.cleaned_data["document"]
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("benefits:insurance:product", product.pk)
    return render(request, "benefits/insurance/product_form.html", {"form": form, "product": product})


@login_required
@require_http_methods(["GET", "POST"])
def product_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renewal: the form starts from this year's product; posting it shows the changes; confirming saves."""
    product = _product_for(request, pk, Capability.MANAGE_INSURANCE)
    if request.method == "GET":
        form = ProductForm(initial=services.product_renewal_initial(product))
        return render(request, "benefits/insurance/renew.html", {"form": form, "product": product, "changes": None})
    form = ProductForm(request.POST, request.FILES or None)
    changes = None
    if form.is_valid():
        changes = services.product_renewal_changes(product, form.service_data())
        if request.POST.get("confirm") == "1":
            try:
                renewal = services.product_renew(
                    actor=request.user,
                    product=product,
                    data=form.service_data(),
                    document=form.cleaned_data["document"],
                )
            except ValidationError as exc:
                form_errors_apply(form, exc)
            else:
                messages.success(request, _("The renewal is saved."))
                return redirect("benefits:insurance:product", renewal.pk)
    return render(
        request,
        "benefits/insurance/renew.html",
        {"form": form, "product": product, "changes": changes},
        status=200 if form.is_valid() else 400,
    )


@login_required
@require_GET
def product_document(request: HttpRequest, pk: int) -> FileResponse:
    product = _product_for(request, pk)
    if not product.document:
        raise Http404
    handle = services.product_document_open(actor=request.user, product=product, request=request)
    return FileResponse(
        handle, content_type=services.file_content_type(product.document.name), filename=product.document_name
    )


@login_required
@require_POST
def enrolment_run(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_for(request, pk, Capability.MANAGE_INSURANCE)
    form = EnrolmentRunForm(request.POST)
    if form.is_valid():
        run = services.enrolment_run(actor=request.user, product=product, as_of=form.cleaned_data["as_of"])
        messages.success(
            request,
            _(
                "Enrolment as of %(day)s: %(added)d added, %(ended)d ended, %(restored)d running again, "
                "%(removed)d removed."
            )
            % {
                "day": run.as_of.isoformat(),
                "added": run.added,
                "ended": run.ended,
                "restored": run.restored,
                "removed": run.removed,
            },
        )
    else:
        messages.error(request, form_errors_text(form))
    return redirect("benefits:insurance:product", product.pk)


@login_required
@require_GET
def enrolment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The insured persons (names, household numbers, places; no ID numbers) of the user's area."""
    product = _product_for(request, pk)
    try:
        town_id = int(request.GET.get("town") or 0)
    except ValueError:
        town_id = 0
    rows = selectors.enrolment_lines(product=product, user=request.user, town_id=town_id)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "benefits/insurance/lines.html", {"product": product, "page_obj": page})


@login_required
@require_POST
def enrolment_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The enrolment list for the insurer: county staff; full ID numbers only when asked and allowed; logged."""
    product = _product_for(request, pk, Capability.MANAGE_INSURANCE)
    require_capability(request.user, Capability.EXPORT_LISTS)
    form = ExportForm(request.POST)
    full_values = bool(form.is_valid() and form.cleaned_data["full_values"])
    if full_values:
        require_capability(request.user, Capability.REVEAL_PERSONAL)
    lines = list(selectors.enrolment_lines(product=product, user=request.user))
    content = exports.enrolment_xlsx(product=product, lines=lines, full_values=full_values)
    services.enrolment_export_record(
        actor=request.user, product=product, count=len(lines), full_values=full_values, request=request
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="insured-{product.year}-{product.pk}.xlsx"'
    return response


# ------------------------------------------------------------------------------------------------------- claims


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    _require_insurance_role(request.user)
    form = ClaimFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    town = filters.get("town")
    rows = selectors.claim_list_for_user(
        user=request.user,
        state=filters.get("state") or "",
        kind=filters.get("kind") or "",
        town_id=town.pk if town else None,
        flagged=bool(filters.get("flagged")),
        year=filters.get("year"),
    )
    try:
        number = min(int(request.GET.get("page") or 1), 100_000)
    except ValueError:
        number = 1
    page = selectors.claim_page(rows, number=number, size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "benefits/insurance/claims.html", {"form": form, "page_obj": page, "query": query.urlencode()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a claim for a person of the household (pk: the household)."""
    household = household_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.REPORT_CLAIMS)
    initial = None
    if request.method == "GET" and request.GET.get("stay", "").isdigit():
        # Started from a hospital stay recorded through the green channel (medical): the form is prefilled.
        initial = selectors.claim_initial_from_stay(household, int(request.GET["stay"]))
    form = ClaimForm(request.POST or None, household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_report(
                actor=request.user, member=form.cleaned_data["member"], data=form.service_data()
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            if claim.flags:
                messages.warning(
                    request,
                    _("Claim recorded, flagged: %(flags)s.")
                    % {"flags": "; ".join(str(InsuranceClaim.Flag(f).label) for f in claim.flags)},
                )
            else:
                messages.success(request, _("Claim recorded."))
            return redirect("benefits:insurance:claim", claim.pk)
    if request.method == "GET":
        household_access_record(
            actor=request.user,
            household=household,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": "insurance_claim_report"},
        )
    context = {
        "form": form,
        "household": household,
        "claim": None,
        "stays": [] if initial else selectors.household_stays_without_claim(household, today=timezone.localdate()),
        "from_stay": bool(initial),
    }
    return render(request, "benefits/insurance/claim_form.html", context)


def _claim_for(request: HttpRequest, pk: int) -> InsuranceClaim:
    claim = selectors.claim_get(request.user, pk)
    _require_insurance_role(request.user)
    return claim


def _claim_page(request: HttpRequest, claim: InsuranceClaim, status: int = 200, **forms) -> HttpResponse:
    """The claim's page (the person, the event, the documents): every read of it is logged, a refused action's
    page again included."""
    user = request.user
    services.claim_access_record(actor=user, claim=claim, request=request)
    documents = list(claim.documents.all())
    context = {
        "claim": claim,
        "documents": documents,
        "missing": [d for d in documents if d.is_missing],
        "steps": claim.steps.select_related("by"),
        "flags": [InsuranceClaim.Flag(f).label for f in claim.flags if f in InsuranceClaim.Flag.values],
        "may_manage": user.has_capability(Capability.MANAGE_INSURANCE),
        "may_report": user.has_capability(Capability.REPORT_CLAIMS),
        "note_form": forms.get("note_form") or NoteForm(),
        "ask_form": forms.get("ask_form") or AskForm(),
        "pay_form": forms.get("pay_form")
        or PayForm(initial={"amount": claim.benefit_max, "paid_on": timezone.localdate()}),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "over_maximum": bool(claim.paid_amount is not None and claim.paid_amount > claim.benefit_max),
    }
    return render(request, "benefits/insurance/claim.html", context, status=status)


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: the person, the event, the benefit beside what was paid, the checklist, the steps. Logged."""
    return _claim_page(request, _claim_for(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for(request, pk)
    require_capability(request.user, Capability.REPORT_CLAIMS)
    form = ClaimForm(request.POST or None, instance=claim, household=claim.household, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_facts_update(actor=request.user, claim=claim, data=form.service_data())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("benefits:insurance:claim", claim.pk)
    if request.method == "GET":  # the form shows the claim and lists the household's members by name
        services.claim_access_record(actor=request.user, claim=claim, request=request)
    return render(
        request, "benefits/insurance/claim_form.html", {"form": form, "household": claim.household, "claim": claim}
    )


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """collect / submit / ask / pay / reject / withdraw — the service checks the role and the state."""
    claim = _claim_for(request, pk)
    if action not in services.TRANSITIONS:
        raise Http404
    form_class = {"ask": AskForm, "pay": PayForm, "reject": RejectForm}.get(action, NoteForm)
    form = form_class(request.POST)
    done = {
        "collect": _("Collecting the documents; the village contact is told what is missing."),
        "submit": _("Submitted to the insurer."),
        "ask": _("More documents asked; the village contact is told."),
        "pay": _("Payment recorded."),
        "reject": _("Rejection recorded."),
        "withdraw": _("Claim withdrawn."),
    }[action]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "collect":
                services.claim_collect(actor=request.user, claim=claim, note=data["note"])
            elif action == "submit":
                services.claim_submit(actor=request.user, claim=claim, note=data["note"])
            elif action == "ask":
                services.claim_ask_documents(actor=request.user, claim=claim, kinds=data["kinds"], note=data["note"])
            elif action == "pay":
                services.claim_pay(
                    actor=request.user,
                    claim=claim,
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    over_maximum_reason=data["over_maximum_reason"],
                    note=data["note"],
                )
            elif action == "reject":
                services.claim_reject(actor=request.user, claim=claim, reason=data["reason"], note=data["note"])
            else:
                services.claim_withdraw(actor=request.user, claim=claim, note=data["note"])
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, done)
            return redirect("benefits:insurance:claim", claim.pk)
    messages.error(request, form_errors_text(form))
    claim.refresh_from_db()
    return _claim_page(request, claim, status=400, **{f"{'note' if form_class is NoteForm else action}_form": form})


@login_required
@require_POST
def document_receive(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(request.user, pk)
    _require_insurance_role(request.user)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.claim_document_receive(
                actor=request.user,
                document=document,
                upload=form.cleaned_data["file"],
                received_on=form.cleaned_data["received_on"],
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Document received."))
            return redirect("benefits:insurance:claim", document.claim_id)
    messages.error(request, form_errors_text(form))
    claim = selectors.claim_get(request.user, document.claim_id)
    return _claim_page(request, claim, status=400, document_form=form)


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors.document_get(request.user, pk)
    _require_insurance_role(request.user)
    if not document.file:
        raise Http404
    handle = services.claim_document_open(actor=request.user, document=document, request=request)
    return FileResponse(handle, content_type=services.file_content_type(document.file.name))


# ------------------------------------------------------------------------------------------- alerts and reports


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    """County staff: hospital visits with no claim after the set days; persons eligible but not enrolled in a
    product of this year or the next (before its cover starts, or added by the next run)."""
    require_capability(request.user, Capability.MANAGE_INSURANCE)
    today = timezone.localdate()
    products = InsuranceProduct.objects.visible_to(request.user).filter(ends_on__gte=today).order_by("starts_on")
    missing = []
    for product in products:
        count, rows = selectors.eligible_not_enrolled(product=product, user=request.user, on=today, limit=50)
        if count:
            missing.append((product, count, rows))
    return render(
        request,
        "benefits/insurance/alerts.html",
        {
            "unclaimed": selectors.unclaimed_hospital_visits(user=request.user, today=today),
            "unclaimed_stays": selectors.unclaimed_green_channel_stays(user=request.user, today=today),
            "days": services.UNCLAIMED_STAY_DAYS,
            "missing": missing,
            "today": today,
        },
    )


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    if not request.user.has_capability(Capability.VIEW_BENEFIT_REPORTS):
        raise PermissionDenied(_("Your role does not allow this."))
    if user_scope_path(request.user) is None:
        # Above the county (a city or a province) there is no area to count here: the leaders' home counts the
        # counties' insurance (reports.leaders).
        raise Http404(_("Not found."))
    today = timezone.localdate()
    form = YearForm(request.GET or None)
    year = form.year_or(today.year)
    on = today if year == today.year else date(year, 12, 31)
    months = selectors.claims_by_month_and_town(user=request.user, year=year)
    return render(
        request,
        "benefits/insurance/reports.html",
        {
            "form": form,
            "year": year,
            "rates": selectors.enrolment_rates(user=request.user, year=year, on=on),
            "months": months,
            "month_totals": (
                sum(m.reported for m in months),
                sum(m.paid for m in months),
                sum((m.amount for m in months), start=selectors.ZERO),
            ),
            "open": selectors.open_claims_by_age(user=request.user, today=today),
            "rejections": selectors.rejection_reasons(user=request.user, year=year),
        },
    )
