"""The audit records in the Django admin: read only, and only the administrator's area.

django-axes' own admin is switched off (``AXES_ENABLE_ADMIN = False``): its login records are registered here,
each visible only when its username is a user of the administrator's area (a record of an unknown username
belongs to no area, so nobody sees it here). The login logs are audit records, never changed or deleted; a
lockout (an access attempt) may be deleted to unlock a user of the area.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from accounts.models import User
from audit.models import AccessEvent
from regions.admin_scope import AreaScopedAdmin, AreaScopedModelAdmin


@admin.register(AccessEvent)
class AccessEventAdmin(AreaScopedModelAdmin):
    """Read-only: audit rows are never changed or deleted from the application."""

    list_display = ["at", "actor_username", "action", "target_type", "target_label", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_username", "target_label"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _LoginRecordsInTheArea(AreaScopedAdmin):
    def scoped_queryset(self, request, queryset):
        return queryset.filter(username__in=User.objects.visible_to(request.user).values("username"))

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessAttempt)
class ScopedAccessAttemptAdmin(_LoginRecordsInTheArea, AccessAttemptAdmin):
    actions: list[str] = []  # axes' "clean up expired attempts" acts on every area's records


@admin.register(AccessLog)
class ScopedAccessLogAdmin(_LoginRecordsInTheArea, AccessLogAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessFailureLog)
class ScopedAccessFailureLogAdmin(_LoginRecordsInTheArea, AccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False
