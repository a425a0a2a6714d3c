from django.contrib import admin
from import_export.admin import ExportMixin

from regions.admin_scope import AreaScopedModelAdmin
from regions.models import Region
from regions.resources import RegionResource


@admin.register(Region)
class RegionAdmin(ExportMixin, AreaScopedModelAdmin):
    """Regions are loaded with `manage.py load_regions` (checked whole, all or nothing); the admin exports
    them and shows them, scoped to the administrator's area."""

    resource_classes = [RegionResource]
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "level", "parent", "path"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
