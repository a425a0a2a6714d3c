"""Users in the Django admin: the administrator's area only, and the portal's rules for every change.

An account is created (``accounts:user_create`` or ``manage.py create_user``), reset and deactivated in the
portal, where the rules and the audit log apply; the admin lists and shows the users of the area and changes
names, contact details, role and area through ``accounts.services.user_update`` — the same checks as the portal's
page (roles the administrator may assign, areas inside their own, never one's own role or area). Whether someone
may use the admin at all is decided by the role (accounts/admin_site.py), not edited here.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import ASSIGNABLE_ROLES, Role
from accounts.services import user_update
from core.forms import PortalFormMixin
from regions.admin_scope import AreaScopedAdmin

# What a manager may change on a user (accounts.services.user_update); everything else is read only here.
EDITABLE_FIELDS = ("name", "email", "phone", "role", "region")


class UserAdminForm(PortalFormMixin, ModelForm):
    manager: User  # the administrator; set on the form class that UserAdmin.get_form builds for each request

    class Meta:
        model = User
        fields = EDITABLE_FIELDS

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.instance.pk == self.manager.pk and {"role", "region"} & set(self.changed_data):
            raise ValidationError(_("You cannot change your own role or area."))
        return cleaned


@admin.register(User)
class UserAdmin(AreaScopedAdmin, DjangoUserAdmin):
    form = UserAdminForm
    list_display = ["username", "name", "role", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name", "email"]  # not Django's first_name/last_name, which the portal leaves empty
    fieldsets = (
        (None, {"fields": ("username",)}),
        (gettext_lazy("Personal info"), {"fields": ("name", "email", "phone")}),
        (gettext_lazy("Portal"), {"fields": ("role", "region", "is_active", "password_changed_at")}),
        (gettext_lazy("Administration"), {"fields": ("is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    readonly_fields = [
        "username",
        "is_active",
        "password_changed_at",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    filter_horizontal = ()

    def get_urls(self) -> list:
        # Not Django's password page: a manager resets a password in the portal (accounts:user_password_reset),
        # which is logged and makes the user choose their own at the next login.
        return admin.ModelAdmin.get_urls(self)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # No changelist filter on the session token either (Django's UserAdmin refuses the password).
        return not lookup.startswith("session_token") and super().lookup_allowed(lookup, value, request)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += ["role", "region"]  # nobody changes their own role or area
        return fields

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        # A subclass of self.form (UserAdminForm), made for this request; the admin opens for signed-in staff only.
        form = cast(type[UserAdminForm], super().get_form(request, obj, change=change, **kwargs))
        form.manager = cast(User, request.user)
        return form

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            allowed = ASSIGNABLE_ROLES.get(getattr(request.user, "role", ""), frozenset())
            kwargs["choices"] = [("", "---------"), *((v, label) for v, label in Role.choices if v in allowed)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
        if data:
            # The row as stored, so that the service compares the new role and area with the old ones.
            user_update(manager=cast(User, request.user), user=User.objects.get(pk=obj.pk), data=data)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created in the portal or by manage.py create_user, with a role, an area and a password

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # deactivated in the portal, never deleted: the history and the audit log name them
