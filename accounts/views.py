from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm, PasswordResetByManagerForm, PortalPasswordChangeForm, UserForm
from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.roles import Capability, Role
from accounts.scope import require_capability
from accounts.selectors import (
    region_tree_for_user,
    user_get_for_manager,
    user_list_for_manager,
)
from accounts.services import user_create, user_reset_password, user_set_active, user_update
from regions.selectors import region_ancestors, region_get_for_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm

    def get_success_url(self) -> str:
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _manager(request: AuthenticatedRequest) -> User:
    require_capability(request.user, Capability.MANAGE_USERS)
    return request.user


@login_required
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    manager = _manager(request)
    search = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    users = user_list_for_manager(manager=manager, search=search, role=role)
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": search, "role": role, "roles": Role.choices})


@login_required
def user_create_view(request: AuthenticatedRequest) -> HttpResponse:
    manager = _manager(request)
    form = UserForm(request.POST or None, manager=manager)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                manager=manager,
                **{k: data[k] for k in ("username", "password", "role", "region", "name", "email", "phone")},
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def _add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it names one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def user_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    user = user_get_for_manager(manager=manager, pk=pk)
    form = UserForm(request.POST or None, instance=user, manager=manager)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "email", "phone", "role", "region")}
        # The form has already copied its values onto `user`: the service gets a fresh copy to compare.
        try:
            user_update(manager=manager, user=user_get_for_manager(manager=manager, pk=pk), data=data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:user_edit", pk=pk)
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "creating": False,
            "subject": user,
            "reset_form": PasswordResetByManagerForm(),
        },
    )


@login_required
@require_POST
def user_toggle_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    user = user_get_for_manager(manager=manager, pk=pk)
    try:
        user_set_active(manager=manager, user=user, active=not user.is_active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("User activated.") if user.is_active else _("User deactivated."))
    return redirect("accounts:user_edit", pk=pk)


@login_required
@require_POST
def user_password_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    user = user_get_for_manager(manager=manager, pk=pk)
    form = PasswordResetByManagerForm(request.POST)
    if form.is_valid():
        try:
            user_reset_password(manager=manager, user=user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Password reset. The user must change it at the next login."))
    return redirect("accounts:user_edit", pk=pk)


# ---- the administrative tree of the user's area -----------------------------------------------------


@login_required
def region_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_REGIONS)
    return render(request, "regions/region_list.html", {"regions": region_tree_for_user(user=request.user)})


@login_required
def region_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
