"""Views of the four-on-one contacts: thin — parse, call a selector or service, render.

Every object comes through a gatekeeper (``get_visible_or_404``): outside the user's area is 404. Views that
take an id check the method after the gatekeeper, so an outsider gets 404 whatever the method.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from audit.services import access_event_record
from contacts import imports, selectors, services
from contacts.forms import (
    AssignmentEndForm,
    AssignmentSetForm,
    ContactSchemeForm,
    HandoverForm,
    HouseholdAssignForm,
    PersonFilterForm,
    PersonImportForm,
    RegionFilterForm,
    ServicePersonForm,
    SubstituteForm,
    VillageAssignConfirmForm,
    VillageAssignForm,
)
from contacts.models import ServicePerson
from contacts.resources import export_headers
from core.forms import form_errors_text, plain_messages
from households.forms import apply_service_errors
from households.models import Household
from regions.models import Region
from regions.scope import get_visible_or_404, user_scope_path

PAGE_SIZE = 25


def _errors(exc: ValidationError) -> str:
    return " ".join(plain_messages(exc.messages))


def _form_refused(request: HttpRequest, form: forms.BaseForm, message: str) -> None:
    """A small form of the household page answered by a message: what is missing, then each field's error."""
    messages.error(request, f"{message} {form_errors_text(form)}".strip())


def _household(request: HttpRequest, pk: int) -> Household:
    return get_visible_or_404(
        Household.objects.select_related("village", "village__parent", "county"), request.user, pk=pk
    )


def _tabs(request: HttpRequest, tab: str) -> dict[str, Any]:
    user = request.user
    return {
        "tab": tab,
        "may_manage": user.has_capability(Capability.MANAGE_CONTACTS),
        "may_configure": user.has_capability(Capability.CONFIGURE_CONTACTS),
        "may_export": user.has_capability(Capability.EXPORT_LISTS),
    }


# ---------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CONTACTS)
    form = PersonFilterForm(request.GET or None, actor=request.user)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        active = {"1": True, "0": False}.get(data["active"])
        filters = {
            "search": data["q"].strip(),
            "role_type": data["role_type"],
            "region": data["region"],
            "serving": data["serving"],
            "active": active,
        }
    people = selectors.service_person_list_for_user(user=request.user, **filters)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contacts/person_list.html", {"form": form, "page": page, **_tabs(request, "people")})


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    form = ServicePersonForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.service_person_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect("contacts:person_edit", pk=person.pk)
    return render(request, "contacts/person_form.html", {"form": form, "creating": True, **_tabs(request, "people")})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    person = selectors.service_person_get_for_user(user=request.user, pk=pk)
    form = ServicePersonForm(request.POST or None, instance=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_person_update(
                actor=request.user,
                person=selectors.service_person_get_for_user(user=request.user, pk=pk),
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:person_edit", pk=pk)
    terms = selectors.current_assignments(on=timezone.localdate()).filter(person_id=pk).visible_to(request.user)
    return render(
        request,
        "contacts/person_form.html",
        {
            "form": form,
            "person": person,
            "terms": terms.select_related("household", "household__village").order_by("household__number"),
            **_tabs(request, "people"),
        },
    )


@login_required
@require_GET
def person_export(request: HttpRequest) -> HttpResponse:
    """The people of the user's area as xlsx (county staff: whole lists); logged."""
    require_capability(request.user, Capability.VIEW_CONTACTS)
    require_capability(request.user, Capability.EXPORT_LISTS)
    data, count = imports.person_export_xlsx(user=request.user)
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target_label=_("Service persons"),
        request=request,
        detail={"format": "xlsx", "kind": "service_persons", "rows": count},
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="service-persons.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_import(request: HttpRequest) -> HttpResponse:
    """Add and update people from xlsx or csv: checked whole first; any error and nothing changes."""
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    form = PersonImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = imports.person_import(user=request.user, name=upload.name, data=imports.upload_read(upload))
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            access_event_record(
                actor=request.user,
                action=AccessEvent.Action.IMPORT,
                target_label=_("Service persons"),
                request=request,
                detail={"kind": "service_persons", "new": outcome.new, "updated": outcome.updated, "ok": outcome.ok},
            )
            if outcome.ok:
                messages.success(
                    request,
                    _("Imported: %(new)d new, %(updated)d updated.") % {"new": outcome.new, "updated": outcome.updated},
                )
                return redirect("contacts:person_list")
    return render(
        request,
        "contacts/person_import.html",
        {"form": form, "outcome": outcome, "columns": export_headers(), **_tabs(request, "import")},
    )


# ---------------------------------------------------------------------------------------------------
# One household
# ---------------------------------------------------------------------------------------------------


@login_required
def household_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CONTACTS)
    household = _household(request, pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    access_event_record(  # a page with the household's data: its read is logged like the archive's
        actor=request.user,
        action=AccessEvent.Action.VIEW,
        target=household,
        target_label=household.number,
        region_path=household.region_path,
        request=request,
        detail={"page": "contacts"},
    )
    today = timezone.localdate()
    panel = selectors.household_contacts_panel(household=household, on=today)
    context: dict[str, Any] = {"household": household, "contacts": panel, **_tabs(request, "")}
    if context["may_manage"] and household.is_active:
        persons = list(selectors.service_persons_for_household(household=household))
        context["set_forms"] = [
            (
                slot,
                AssignmentSetForm(
                    prefix=slot.slot,
                    persons=selectors.service_persons_for_household(household=household, slot=slot.slot),
                ),
            )
            for slot in panel.slots
        ]
        context["substitute_persons"] = persons
        context["end_form"] = AssignmentEndForm()
    return render(request, "contacts/household.html", context)


@login_required
def assignment_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    household = _household(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    slot = request.POST.get("slot", "")
    form = AssignmentSetForm(
        request.POST, prefix=slot, persons=selectors.service_persons_for_household(household=household)
    )
    if slot in ServicePerson.RoleType.values and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_set(
                actor=request.user,
                household=household,
                slot=slot,
                person=data["person"],
                start_date=data["start_date"],
                note=data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("%(name)s assigned.") % {"name": data["person"].name})
    else:
        _form_refused(request, form, _("Choose a person and a start date."))
    return redirect("contacts:household", pk=household.pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """All the posts of one household on one form; saved together or not at all, errors next to their post."""
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    household = _household(request, pk)
    if not household.is_active:
        messages.error(request, _("The household is closed."))
        return redirect("contacts:household", pk=household.pk)
    panel = selectors.household_contacts_panel(household=household, on=timezone.localdate())
    slots = {s.slot: s.needed for s in panel.slots if s.needed}
    current = {s.slot: [a.person for a in s.holders] for s in panel.slots}
    form = HouseholdAssignForm(
        request.POST or None,
        slots=slots,
        persons=selectors.service_persons_for_household(household=household),
        current=current,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignments_set_household(
                actor=request.user,
                household=household,
                persons={slot: data[slot] for slot in slots if slot != ServicePerson.RoleType.VOLUNTEER},
                volunteers=list(data[ServicePerson.RoleType.VOLUNTEER])
                if ServicePerson.RoleType.VOLUNTEER in slots
                else None,
                start_date=data["start_date"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:household", pk=household.pk)
    return render(
        request,
        "contacts/household_assign.html",
        {"household": household, "contacts": panel, "form": form, **_tabs(request, "")},
    )


@login_required
def assignment_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    assignment = selectors.assignment_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AssignmentEndForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_end(
                actor=request.user,
                assignment=assignment,
                end_date=form.cleaned_data["end_date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("The term of %(name)s has ended.") % {"name": assignment.person.name})
    else:
        _form_refused(request, form, _("Enter the end date."))
    return redirect("contacts:household", pk=assignment.household_id)


@login_required
def assignment_substitute_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    assignment = selectors.assignment_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SubstituteForm(
        request.POST,
        persons=selectors.service_persons_for_household(household=assignment.household, slot=assignment.slot),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_substitute(
                actor=request.user,
                assignment=assignment,
                person=data["person"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                note=data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("%(name)s substitutes from now on.") % {"name": data["person"].name})
    else:
        _form_refused(request, form, _("Choose a substitute and the dates."))
    return redirect("contacts:household", pk=assignment.household_id)


# ---------------------------------------------------------------------------------------------------
# Contact cards (爱心联系卡)
# ---------------------------------------------------------------------------------------------------


def _card_logged(request: HttpRequest, *, target: Any, label: str, region_path: str, count: int) -> None:
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        target=target,
        target_label=label,
        region_path=region_path,
        request=request,
        detail={"format": "contact_card", "households": count},
    )


@login_required
def household_card(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CONTACTS)
    household = _household(request, pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    card = selectors.household_contacts_panel(household=household, on=timezone.localdate())
    _card_logged(request, target=household, label=household.number, region_path=household.region_path, count=1)
    return render(request, "contacts/cards.html", {"cards": [card], "title": household.number, "back": household})


@login_required
def village_cards(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CONTACTS)
    village = get_visible_or_404(Region.objects.villages().select_related("parent"), request.user, pk=pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    cards = selectors.household_contacts_for_village(village=village, on=timezone.localdate())
    _card_logged(request, target=village, label=village.name, region_path=village.path, count=len(cards))
    return render(request, "contacts/cards.html", {"cards": cards, "title": village.name, "village": village})


# ---------------------------------------------------------------------------------------------------
# Bulk work, gaps, scheme
# ---------------------------------------------------------------------------------------------------


def _bulk_message(request: HttpRequest, result: services.BulkResult) -> None:
    messages.success(
        request,
        _("Terms started: %(assigned)d; ended: %(ended)d; unchanged: %(unchanged)d.")
        % {"assigned": result.assigned, "ended": result.ended, "unchanged": result.unchanged},
    )
    if result.skipped:
        messages.warning(
            request,
            _("Left alone (a later term starts after the date): %(numbers)s") % {"numbers": ", ".join(result.skipped)},
        )


def _bulk(request: HttpRequest, form_class: Any, service: Any, tab: str) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    form = form_class(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            result = service(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            _bulk_message(request, result)
            return redirect(request.path)
    return render(request, "contacts/bulk_form.html", {"form": form, **_tabs(request, tab)})


@login_required
@require_http_methods(["GET", "POST"])
def village_assign(request: HttpRequest) -> HttpResponse:
    """One person to a slot of every household of a village, in two steps: the form posts to a preview of what
    starts and what ends, household by household (nothing written); its confirmation posts the same choices with
    the plan's token, and the work is done only if the plan is still the one shown."""
    require_capability(request.user, Capability.MANAGE_CONTACTS)
    confirming = request.method == "POST" and "token" in request.POST
    form_class = VillageAssignConfirmForm if confirming else VillageAssignForm
    form = form_class(request.POST or None, actor=request.user)
    context: dict[str, Any] = {"form": form, **_tabs(request, "bulk")}
    if request.method != "POST" or not form.is_valid():
        if confirming:  # the hidden choices no longer hold (a person deactivated, a village out of scope)
            messages.error(request, f"{_('The preview is no longer valid.')} {form_errors_text(form)}".strip())
            form = VillageAssignForm(request.POST, actor=request.user)
            form.is_valid()
            context["form"] = form
        return render(request, "contacts/bulk_form.html", context)
    data = {k: form.cleaned_data[k] for k in ("village", "slot", "person", "start")}
    if confirming:
        try:
            result = services.assignments_assign_village(
                actor=request.user, expected_token=form.cleaned_data["token"], **data
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) != "stale_preview":
                apply_service_errors(exc, form=form)
                return render(request, "contacts/bulk_form.html", context)
            messages.warning(request, _errors(exc))
        else:
            _bulk_message(request, result)
            return redirect(request.path)
    try:
        plan = services.assignments_assign_village_plan(actor=request.user, **data)
    except ValidationError as exc:
        apply_service_errors(exc, form=form)
        return render(request, "contacts/bulk_form.html", context)
    confirm = VillageAssignConfirmForm(
        initial={**data, "village": data["village"].pk, "person": data["person"].pk, "token": plan.token},
        actor=request.user,
    )
    return render(request, "contacts/bulk_preview.html", {"plan": plan, "confirm": confirm, **context})


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    """All of a leaving person's households to a successor in one step."""
    return _bulk(request, HandoverForm, services.assignments_handover, "handover")


@login_required
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_CONTACTS)
    form = RegionFilterForm(request.GET or None, actor=request.user)
    region = form.cleaned_data["region"] if form.is_valid() else None
    today = timezone.localdate()
    rows = selectors.assignment_gaps(request.user, on=today, region=region)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "contacts/gaps.html",
        {
            "form": form,
            "page": page,
            "vacant": sum(1 for g in rows if g.kind == "vacant"),
            "ending": sum(1 for g in rows if g.kind == "ending"),
            "coverage": selectors.contact_coverage(
                user=request.user, on=today, group_by="village" if region else "town", region=region
            ),
            **_tabs(request, "gaps"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme(request: HttpRequest) -> HttpResponse:
    """The county's choice of required slots (county staff of that county)."""
    require_capability(request.user, Capability.CONFIGURE_CONTACTS)
    county_path = selectors.county_path_of(user_scope_path(request.user) or "")
    county = get_visible_or_404(Region.objects.filter(level=Region.Level.COUNTY), request.user, path=county_path)
    current = selectors.contact_scheme_for_county(county=county)
    form = ContactSchemeForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_scheme_set(
                actor=request.user,
                county=county,
                kind=form.cleaned_data["kind"],
                volunteers_required=form.cleaned_data["volunteers_required"],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:scheme")
    return render(request, "contacts/scheme.html", {"form": form, "county": county, **_tabs(request, "scheme")})
