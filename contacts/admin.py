from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from accounts.scope import user_scope_path
from contacts.models import Assignment, ContactScheme, ServicePerson
from contacts.resources import ServicePersonResource
from contacts.selectors import county_path_of


@admin.register(ServicePerson)
class ServicePersonAdmin(ImportExportModelAdmin):
    """Import/export through the scoped resource; every list is the administrator's area."""

    resource_classes = [ServicePersonResource]
    list_display = ["name", "role_type", "region", "unit", "phone", "active"]
    list_filter = ["role_type", "active"]
    search_fields = ["name", "unit", "phone"]
    raw_id_fields = ["region", "user"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**kwargs, "user": request.user}

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # people with a history are made inactive, never deleted


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read only: assignments change through the portal's services, which keep the history."""

    list_display = ["household", "slot", "person", "start_date", "end_date", "substitute_for"]
    list_filter = ["slot"]
    list_select_related = ["household", "person"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactScheme)
class ContactSchemeAdmin(admin.ModelAdmin):
    list_display = ["county", "kind", "volunteers_required"]

    def get_queryset(self, request):
        path = user_scope_path(request.user)
        qs = super().get_queryset(request)
        return qs.none() if path is None else qs.filter(county__path=county_path_of(path))
