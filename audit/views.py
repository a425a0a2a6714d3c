from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedRequest
from accounts.roles import Capability
from accounts.scope import require_capability
from audit.forms import AuditFilterForm
from audit.selectors import access_event_list_for_user, change_event_list_for_user, change_rows


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
    return render(request, "audit/access_list.html", {"form": form, "page": page, "tab": "access"})


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
    rows = change_rows(page.object_list)
    return render(request, "audit/change_list.html", {"form": form, "page": page, "rows": rows, "tab": "changes"})
