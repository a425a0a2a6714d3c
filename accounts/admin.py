from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The Django admin is for the system administrator; it is area-scoped like every other page."""

    list_display = ["username", "last_name", "first_name", "role", "region", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("role", "region", "phone", "password_changed_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
