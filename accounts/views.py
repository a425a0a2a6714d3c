from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm, PasswordResetByManagerForm, PortalPasswordChangeForm, UserForm
from accounts.roles import Capability, Role
from accounts.scope import require_capability
from accounts.selectors import user_get_for_manager, user_list_for_manager
from accounts.services import user_create, user_reset_password, user_set_active, user_update
from regions.selectors import region_summary_for_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page: what a user of this role needs first, inside their area."""
    user = request.user
    context = {
        "summary": region_summary_for_user(user=user),
        "is_manager": user.has_capability(Capability.MANAGE_USERS),
        "is_leader": user.role == Role.LEADER,
    }
    if user.has_capability(Capability.VIEW_HOUSEHOLDS):
        from households.selectors import household_area_summary

        context["households"] = household_area_summary(user=user)
    if user.has_capability(Capability.LOG_VISITS):
        from visits.selectors import my_work_summary

        context["my_work"] = my_work_summary(user=user, on=timezone.localdate())
    if user.has_capability(Capability.READ_AUDIT):
        from audit.selectors import access_event_list_for_user

        context["recent_events"] = access_event_list_for_user(user=user)[:8]
    return render(request, "accounts/dashboard.html", context)


def _manager(request: HttpRequest):
    require_capability(request.user, Capability.MANAGE_USERS)
    return request.user


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    search = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    users = user_list_for_manager(manager=manager, search=search, role=role)
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": search, "role": role, "roles": Role.choices})


@login_required
def user_create_view(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = UserForm(request.POST or None, manager=manager)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                manager=manager,
                **{
                    k: data[k]
                    for k in ("username", "password", "role", "region", "first_name", "last_name", "email", "phone")
                },
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
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    user = user_get_for_manager(manager=manager, pk=pk)
    form = UserForm(request.POST or None, instance=user, manager=manager)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("first_name", "last_name", "email", "phone", "role", "region")}
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
def user_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
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
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
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
