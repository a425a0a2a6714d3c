"""Writing access events. Row changes need no call: pghistory's triggers record them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.scope import user_scope_path
from audit.models import AccessEvent


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_event_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    target_label: str = "",
    region_path: str | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AccessEvent:
    """Record one access event.

    ``region_path`` is the area of what was touched (so the audit page of that area shows it); it
    defaults to the actor's own area.
    """
    is_user = getattr(actor, "is_authenticated", False)
    if region_path is None:
        region_path = user_scope_path(actor) or ""
    return AccessEvent.objects.create(
        actor=actor if is_user else None,
        actor_username=actor.get_username() if is_user else actor_username[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:200],
        region_path=region_path,
        ip_address=_client_ip(request),
        detail=detail or {},
    )
