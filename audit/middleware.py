"""Attach who did it, and in which area, to every row change pghistory records during a request."""

from typing import Any

from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware

from audit.history import history_context_metadata


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware (which also follows a login that sets ``request.user`` during the request), with
    the keys of ``audit.history``: the services the view calls add their name and reason."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
        # The audit page of an area shows the changes made by the users of that area.
        return history_context_metadata(actor=actor, url=request.path)
