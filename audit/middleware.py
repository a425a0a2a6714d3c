"""Attach who did it, and in which area, to every row change pghistory records during a request."""

from typing import Any

from pghistory.middleware import HistoryMiddleware

from accounts.scope import user_scope_path


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request) -> dict[str, Any]:
        context = super().get_context(request)
        user = getattr(request, "user", None)
        context["username"] = user.get_username() if getattr(user, "is_authenticated", False) else ""
        # The audit page of an area shows the changes made by the users of that area.
        context["region_path"] = user_scope_path(user) or ""
        return context
