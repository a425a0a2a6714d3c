from django.contrib import admin

from contacts.models import Assignment, ContactScheme, ServicePerson
from regions.admin_scope import AreaScopedModelAdmin
from regions.models import Region


@admin.register(ServicePerson)
class ServicePersonAdmin(AreaScopedModelAdmin):
    """Every list is the administrator's area. Import and export are the portal's (contacts:person_import and
    contacts:person_export), where the role rules apply and an export is logged."""

    list_display = ["name", "role_type", "region", "unit", "phone", "active"]
    list_filter = ["role_type", "active"]
    search_fields = ["name", "unit", "phone"]
    autocomplete_fields = ["region", "user"]  # choices (and the chosen one's label) come from the scoped admins

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # people with a history are made inactive, never deleted


@admin.register(Assignment)
class AssignmentAdmin(AreaScopedModelAdmin):
    """Read only: assignments change through the portal's services, which keep the history."""

    list_display = ["household", "slot", "person", "start_date", "end_date", "substitute_for"]
    list_filter = ["slot"]
    list_select_related = ["household", "person"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactScheme)
class ContactSchemeAdmin(AreaScopedModelAdmin):
    list_display = ["county", "kind", "volunteers_required"]

    def scoped_queryset(self, request, queryset):
        return queryset.filter(county__in=Region.objects.visible_to(request.user))
