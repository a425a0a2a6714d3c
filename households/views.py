"""Views of the household archive: thin — parse the request, call a selector or service, render.

Personal data never travels in a URL: a search text is POSTed, kept in the session under an opaque token,
and the list is linked with that token (``?s=…``) only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.models import AccessEvent
from households import archive, exports, selectors, services
from households.forms import (
    CloseForm,
    ExportForm,
    HouseholdFilterForm,
    HouseholdForm,
    ReopenForm,
    SavedFilterForm,
    SearchForm,
    apply_service_errors,
    member_formset,
)
from households.models import Household
from households.privacy import REVEALABLE_FIELDS

PAGE_SIZE = 25
SEARCH_SESSION_KEY = "household_searches"
SEARCHES_KEPT = 20
# How many households one xlsx export may hold (larger lists: narrow the filter).
EXPORT_MAX_HOUSEHOLDS = getattr(settings, "HOUSEHOLD_EXPORT_MAX_HOUSEHOLDS", 5000)


# ---------------------------------------------------------------------------------------------------
# The categorised query
# ---------------------------------------------------------------------------------------------------


def _search_text(request: HttpRequest, token: str) -> str:
    return request.session.get(SEARCH_SESSION_KEY, {}).get(token, "") if token else ""


def _search_store(request: HttpRequest, text: str) -> str:
    searches = dict(request.session.get(SEARCH_SESSION_KEY, {}))
    for token, stored in searches.items():
        if stored == text:
            return token
    token = secrets.token_urlsafe(9)
    searches[token] = text
    request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _list_url(params: dict[str, str], token: str = "") -> str:
    query = dict(params, **({"s": token} if token else {}))
    return reverse("households:list") + (f"?{urlencode(query)}" if query else "")


@dataclass
class Filtered:
    form: HouseholdFilterForm
    token: str  # the opaque search token of the URL
    search: str  # the search text it stands for
    filters: selectors.HouseholdFilters
    households: QuerySet[Household]


def _filtered(request: HttpRequest, data) -> Filtered:
    """The filter form, the search token and text, and the filtered queryset for `data` (GET or POST)."""
    form = HouseholdFilterForm(data, user=request.user)
    token = data.get("s", "")[:20]
    search = _search_text(request, token)
    filters = form.to_filters(search=search)
    households = selectors.household_list_for_user(user=request.user, filters=filters, today=timezone.localdate())
    return Filtered(form=form, token=token, search=search, filters=filters, households=households)


@dataclass
class SortHeading:
    """A heading of the list's table: its label, and when the column sorts, the link and the current order."""

    label: str
    url: str = ""
    order: str = ""  # "ascending" / "descending" when the list is sorted by this column (aria-sort)


# The list's own columns in the table's order: (label, sort key; "" for the members, which do not sort).
_HEADINGS = (
    (gettext_lazy("Number"), "number"),
    (gettext_lazy("Village/community"), "village"),
    (gettext_lazy("Type"), "family_type"),
    (gettext_lazy("Members"), ""),
    (gettext_lazy("Living situation"), "living_situation"),
    (gettext_lazy("Status"), "status"),
)


def _sort_headings(form: HouseholdFilterForm, *, sort: str, token: str) -> list[SortHeading]:
    """The table's headings, each sortable one a link: to its ascending order (an extension's column may start
    descending), or, when the list is sorted by it already, to the reverse."""
    params = {key: value for key, value in form.params().items() if key != "sort"}
    columns = [(label, key, False) for label, key in _HEADINGS]
    columns += [(column.label, column.key, column.descending_first) for column in form.columns]
    headings = []
    for label, key, descending_first in columns:
        if not key:
            headings.append(SortHeading(str(label)))
            continue
        first, second = (f"-{key}", key) if descending_first else (key, f"-{key}")
        order = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
        target = second if sort == first else first
        headings.append(SortHeading(str(label), _list_url({**params, "sort": target}, token), order))
    return headings


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_HOUSEHOLDS)
    listed = _filtered(request, request.GET)
    form, token, search = listed.form, listed.token, listed.search
    page = selectors.household_page(
        listed.households,
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
        read_once=listed.filters.on_members,
    )
    if token and not search:
        messages.info(request, _("That search has expired. Please search again."))
    params = form.params()
    return render(
        request,
        "households/list.html",
        {
            "form": form,
            "page": page,
            "rows": archive.list_rows(page.object_list, today=timezone.localdate(), columns=form.columns),
            "headings": _sort_headings(form, sort=listed.filters.sort, token=token if search else ""),
            "search_form": SearchForm(initial={"q": search}),
            "search": search,
            "token": token if search else "",
            "params": params,
            # What narrows the list (the panel opens and counts them); the order is not a filter.
            "filters_set": {key: value for key, value in params.items() if key != "sort"},
            "saved_filters": selectors.saved_filter_list_for_user(user=request.user),
            "save_form": SavedFilterForm(),
            "export_form": ExportForm(),
            "may_export": request.user.has_capability(Capability.EXPORT_LISTS),
            "may_export_full": request.user.has_capability(Capability.REVEAL_PERSONAL),
            "may_edit": request.user.has_capability(Capability.EDIT_HOUSEHOLDS),
        },
    )


@login_required
@require_POST
def household_search(request: HttpRequest) -> HttpResponse:
    """Search by POST; the text stays in the session, the URL carries an opaque token."""
    require_capability(request.user, Capability.VIEW_HOUSEHOLDS)
    form = SearchForm(request.POST)
    filter_form = HouseholdFilterForm(request.POST, user=request.user)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return redirect(_list_url(filter_form.params(), _search_store(request, text) if text else ""))


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_HOUSEHOLDS)
    filter_form = HouseholdFilterForm(request.POST, user=request.user)
    form = SavedFilterForm(request.POST)
    params = filter_form.params()
    if form.is_valid():
        try:
            services.saved_filter_save(user=request.user, name=form.cleaned_data["name"], params=params)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    else:
        messages.error(request, _("Give the filter a name."))
    return redirect(_list_url(params))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = selectors.saved_filter_get_for_user(user=request.user, pk=pk)
    services.saved_filter_delete(saved_filter=saved)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect("households:list")


@dataclass
class ListExport:
    """What a list export may write: the rows (members loaded), full or masked values, the filters used."""

    rows: list[Household]
    full_values: bool
    filters: dict[str, Any]


def list_export_prepare(request: HttpRequest) -> ListExport | HttpResponse:
    """The shared first half of every export of the filtered list (this xlsx, the roster layout).

    County staff only; full values only when asked for and the role may reveal them; at most
    EXPORT_MAX_HOUSEHOLDS rows, else back to the list with a message.
    """
    require_capability(request.user, Capability.EXPORT_LISTS)
    listed = _filtered(request, request.POST)
    form, token, households = listed.form, listed.token, listed.households
    export_form = ExportForm(request.POST)
    full_values = bool(export_form.is_valid() and export_form.cleaned_data["full_values"])
    if full_values:
        require_capability(request.user, Capability.REVEAL_PERSONAL)
    rows = list(households[: EXPORT_MAX_HOUSEHOLDS + 1])
    if len(rows) > EXPORT_MAX_HOUSEHOLDS:
        messages.error(
            request,
            _("The list has more than %(n)d households. Narrow the filter and export again.")
            % {"n": EXPORT_MAX_HOUSEHOLDS},
        )
        return redirect(_list_url(form.params(), token))
    selectors.household_page_members(rows)
    return ListExport(rows=rows, full_values=full_values, filters=form.params())


@login_required
@require_POST
def household_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx: county staff only, masked unless full values are asked for and allowed."""
    export = list_export_prepare(request)
    if isinstance(export, HttpResponse):
        return export
    rows, full_values = export.rows, export.full_values
    content = exports.household_list_xlsx(
        households=rows, full_values=full_values, today=timezone.localdate(), user=request.user
    )
    services.household_list_export_record(
        actor=request.user, count=len(rows), full_values=full_values, filters=export.filters, request=request
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------------
# One household
# ---------------------------------------------------------------------------------------------------


def _household_for(request: HttpRequest, pk: int, capability: str):
    """The gatekeeper first (outside the area: 404, like a missing household), then the role (403)."""
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, capability)
    return household


def _archive_context(request: HttpRequest, household) -> dict:
    today = timezone.localdate()
    return {
        "household": household,
        "sections": archive.archive_sections(household, user=request.user),
        "members": archive.member_rows(household.members.all(), today=today, user=request.user),
        "today": today,
        "may_edit": request.user.has_capability(Capability.EDIT_HOUSEHOLDS),
        "may_reveal": request.user.has_capability(Capability.REVEAL_PERSONAL),
    }


TIMELINE_FIRST_ENTRIES = 30


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive page (电子帮扶档案). Every view is logged."""
    household = _household_for(request, pk, Capability.VIEW_HOUSEHOLDS)
    services.household_access_record(
        actor=request.user, household=household, action=AccessEvent.Action.VIEW, request=request
    )
    context = _archive_context(request, household)
    context["panels"] = archive.archive_panels(household, user=request.user, today=context["today"])
    timeline = archive.household_timeline(household, user=request.user)
    # Two years of monthly contacts make a long page: the newest entries first, the rest on request.
    show_all = request.GET.get("timeline") == "all"
    context["timeline"] = timeline if show_all else timeline[:TIMELINE_FIRST_ENTRIES]
    context["timeline_hidden"] = 0 if show_all else max(0, len(timeline) - TIMELINE_FIRST_ENTRIES)
    return render(request, "households/detail.html", context)


@login_required
@require_GET
def household_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive as a printable A4 page (static/css/print.css); logged as an export."""
    household = _household_for(request, pk, Capability.VIEW_HOUSEHOLDS)
    services.household_access_record(
        actor=request.user,
        household=household,
        action=AccessEvent.Action.EXPORT,
        request=request,
        detail={"format": "print"},
    )
    context = _archive_context(request, household)
    context["printed_at"] = timezone.localtime()
    context["case_tables"] = archive.case_tables(household, user=request.user, today=context["today"])
    return render(request, "households/print.html", context)


@login_required
@require_GET
def household_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, Capability.VIEW_HOUSEHOLDS)
    services.household_access_record(
        actor=request.user,
        household=household,
        action=AccessEvent.Action.EXPORT,
        request=request,
        detail={"format": "pdf"},
    )
    today = timezone.localdate()
    rows = archive.member_rows(household.members.all(), today=today, user=request.user)
    printed = timezone.localtime()
    content = exports.household_archive_pdf(
        household=household,
        sections=[(s.title, s.rows) for s in archive.archive_sections(household, user=request.user)],
        members_table=archive.members_table(rows),
        tables=[
            (t.title, [t.header, *t.rows], t.empty, t.widths)
            for t in archive.case_tables(household, user=request.user, today=today)
        ],
        title=_("Household archive %(number)s") % {"number": household.number},
        footer=_(
            "Printed by %(user)s on %(at)s. Confidential personal information of a special family: "
            "keep it safe and destroy it after use."
        )
        % {"user": request.user.get_username(), "at": printed.strftime("%Y-%m-%d %H:%M")},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="household-{household.number}.pdf"'
    return response


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Show one full ID number or phone to a permitted role; logged. JSON for the page's script."""
    household = _household_for(request, pk, Capability.VIEW_HOUSEHOLDS)
    member = selectors.member_get_for_user(user=request.user, household=household, pk=member_pk)
    field_name = request.POST.get("field", "")
    if field_name not in REVEALABLE_FIELDS:
        return HttpResponse(status=400)
    value = services.member_value_reveal(
        actor=request.user, household=household, member=member, field_name=field_name, request=request
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"value": value})
    return render(
        request,
        "households/reveal.html",
        {"household": household, "member": member, "field": field_name, "value": value},
    )


def _edit(request: HttpRequest, household=None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = HouseholdForm(data, instance=household, user=request.user)
    formset = member_formset(data=data, household=household, user=request.user)
    identity_conflict = False
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            if household is None:
                household = services.household_create(
                    actor=request.user, data=form.service_data(), members=formset.changes(), request=request
                )
                messages.success(request, _("Household %(number)s registered.") % {"number": household.number})
            else:
                services.household_update(
                    actor=request.user,
                    household=household,
                    data=form.service_data(),
                    members=formset.changes(),
                    request=request,
                )
                messages.success(request, _("Changes saved."))
        except ValidationError as exc:
            apply_service_errors(exc, form=form, formset=formset)
            identity_conflict = isinstance(exc, services.IdentityConflictError)
        else:
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/form.html",
        {
            "form": form,
            "formset": formset,
            "household": household,
            # The neutral answer links to a transfer request, for those who may ask for one.
            "identity_conflict": identity_conflict,
            "may_request_transfer": request.user.has_capability(Capability.TRANSFER_HOUSEHOLDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.EDIT_HOUSEHOLDS)
    return _edit(request)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, Capability.EDIT_HOUSEHOLDS)
    if not household.is_active:
        messages.error(request, _("This household is closed. Reopen it before changing it."))
        return redirect("households:detail", pk=pk)
    if request.method == "GET":  # the form shows the full ID numbers and phones: its read is logged
        services.household_access_record(
            actor=request.user,
            household=household,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": "edit"},
        )
    return _edit(request, household)


@login_required
@require_http_methods(["GET", "POST"])
def household_close(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, Capability.EDIT_HOUSEHOLDS)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_close(
                actor=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                closed_on=form.cleaned_data["closed_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("Household %(number)s closed.") % {"number": household.number})
            return redirect("households:detail", pk=pk)
    return render(request, "households/close.html", {"form": form, "household": household, "closing": True})


@login_required
@require_http_methods(["GET", "POST"])
def household_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, Capability.EDIT_HOUSEHOLDS)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_reopen(actor=request.user, household=household, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_service_errors(exc, form=form)
        else:
            messages.success(request, _("Household %(number)s reopened.") % {"number": household.number})
            return redirect("households:detail", pk=pk)
    return render(request, "households/close.html", {"form": form, "household": household, "closing": False})


@login_required
@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    """What needs fixing in the user's area."""
    require_capability(request.user, Capability.EDIT_HOUSEHOLDS)
    today = timezone.localdate()
    return render(
        request,
        "households/quality.html",
        {"quality": selectors.data_quality_for_user(user=request.user, today=today), "today": today},
    )
