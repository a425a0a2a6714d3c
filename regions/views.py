from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.roles import Capability
from accounts.scope import require_capability
from regions.selectors import region_ancestors, region_get_for_user, region_tree_for_user


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_REGIONS)
    return render(request, "regions/region_list.html", {"regions": region_tree_for_user(user=request.user)})


@login_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_REGIONS)
    region = region_get_for_user(user=request.user, pk=pk)
    children = region_tree_for_user(user=request.user).filter(parent=region)
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "ancestors": region_ancestors(region=region),
            "children": children,
        },
    )
