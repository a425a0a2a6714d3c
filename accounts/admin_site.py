"""The Django admin of the portal: only the system administrator, inside their area (docs/SECURITY.md "Access").

``PortalAdminConfig`` replaces ``django.contrib.admin`` in INSTALLED_APPS so that ``admin.site`` is a
:class:`PortalAdminSite`. The site opens for an active system administrator (role ``admin``, ``is_staff``) with an
area, and for nobody else, whatever their ``is_staff`` says: the roles of ``accounts.roles`` decide who works
where, the admin included. Signing in and changing one's password go through the portal's own pages (its lockout
and password rules); every model admin is scoped by ``accounts.admin_scope.AreaScopedAdmin``.

This module is imported while the app registry loads: it imports no models.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

ADMIN_SITE_ROLE = "admin"  # accounts.roles.Role.ADMIN (not imported: this module loads before the models)


class PortalAdminSite(AdminSite):
    site_header = _("Special Family Care Portal · administration")
    site_title = _("Portal administration")

    def has_permission(self, request: HttpRequest) -> bool:
        """The system administrator with an area, whose session gave its second factor when the deployment
        requires one (accounts.second_factor; the middleware sends every page there first, the admin checks too)."""
        from accounts.second_factor import second_factor_pending

        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and getattr(user, "role", None) == ADMIN_SITE_ROLE
            and getattr(user, "region_id", None) is not None
            and not second_factor_pending(request)
        )

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """One way in: the portal's login page (its lockout and password rules apply to the admin too). A user
        signed in without the administrator's role is refused here (sending them to the portal's login would
        send them straight back)."""
        from django.contrib.auth.views import redirect_to_login

        from accounts.second_factor import second_factor_pending

        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            if second_factor_pending(request):
                return HttpResponseRedirect(reverse("accounts:otp_verify"))
            raise PermissionDenied(_("Your role does not allow this."))
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("accounts:login"))

    # Django's returns a TemplateResponse (so says its stub); any response serves the URL.
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        """The portal's page, which keeps the password's date and ends the user's other sessions."""
        return HttpResponseRedirect(reverse("accounts:password_change"))

    def get_urls(self) -> list:
        """Django's URLs, with the "view on site" shortcut limited to objects the model's admin shows."""
        urls = super().get_urls()
        shortcut = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [shortcut if getattr(p, "name", None) == "view_on_site" else p for p in urls]

    def view_on_site(self, request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
        """Django's shortcut reads any object of any model by id; here only through the model's scoped admin."""
        from django.contrib.contenttypes.models import ContentType
        from django.contrib.contenttypes.views import shortcut

        content_type = ContentType.objects.filter(pk=content_type_id).first() if content_type_id.isdigit() else None
        model = content_type.model_class() if content_type else None
        model_admin = self._registry.get(model) if model else None
        if model_admin is None or model_admin.get_object(request, object_id) is None:
            raise Http404(_("Not found."))
        return shortcut(request, content_type_id, object_id)


class PortalAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()  # every app's admin module has registered its models
        from django.apps import apps
        from django.contrib import admin
        from django.contrib.auth.models import Group

        # The portal's roles decide what a user may do; Django's groups and permissions are not used.
        if admin.site.is_registered(Group):
            admin.site.unregister(Group)
        # django-otp's device admins list every user's devices and secrets, across areas: a lost device is reset
        # with `manage.py reset_second_factor` (accounts.second_factor), never in the admin.
        for label in ("otp_totp", "otp_static"):
            for model in apps.get_app_config(label).get_models():
                if admin.site.is_registered(model):
                    admin.site.unregister(model)
