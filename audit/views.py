from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability
from accounts.scope import require_capability
from audit.describe import access_rows
from audit.forms import AuditFilterForm
from audit.selectors import (
    access_event_list_for_user,
    change_event_get_for_user,
    change_event_list_for_user,
    change_rows,
)
from audit.services import change_value_reveal


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@login_required
def access_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, Capability.READ_AUDIT)
    form, data = _filters(request)
    events = access_event_list_for_user(
        user=request.user,
        action=data.get("action", ""),
        username=data.get("username", ""),
        since=data.get("since"),
        until=data.get("until"),
    ).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = access_rows(page.object_list, reader=request.user)
    return render(request, "audit/access_list.html", {"form": form, "page": page, "rows": rows, "tab": "access"})


@login_required
def change_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, Capability.READ_AUDIT)
    form, data = _filters(request)
    del form.fields["action"]
    events = change_event_list_for_user(
        user=request.user,
        username=data.get("username", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = change_rows(page.object_list, reader=request.user)
    return render(
        request,
        "audit/change_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "tab": "changes",
            "may_reveal": request.user.has_capability(Capability.REVEAL_PERSONAL),
        },
    )


@login_required
@require_POST
def change_reveal(request: AuthenticatedRequest) -> HttpResponse:
    """Show one masked personal value of the change log to a role that may reveal it; logged. JSON for the
    page's script (the archive's reveal pattern). The change is named in the body, never in the URL."""
    require_capability(request.user, Capability.READ_AUDIT)
    event = change_event_get_for_user(user=request.user, slug=request.POST.get("change", ""))
    if event is None:
        raise Http404
    try:
        before, after = change_value_reveal(
            actor=request.user, event=event, field_name=request.POST.get("field", ""), request=request
        )
    except ValidationError:
        return HttpResponse(status=400)
    value = " → ".join(v or "—" for v in (before, after)) if event.pgh_label == "update" else (after or "—")
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"value": value})
    return render(request, "audit/reveal.html", {"value": value})
