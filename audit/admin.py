from django.contrib import admin

from audit.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are never changed or deleted from the application."""

    list_display = ["at", "actor_username", "action", "target_type", "target_label", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_username", "target_label"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
