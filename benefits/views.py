"""The benefits home page (benefits.hub)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from benefits.hub import hub_cards


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cards = hub_cards(request.user, timezone.localdate())
    if not cards:
        raise PermissionDenied
    return render(request, "benefits/home.html", {"cards": cards})
