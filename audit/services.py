"""Writing access events. Row changes need no call: pghistory's triggers record them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from audit.models import AccessEvent
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_event_record(
    *,
    actor: User | None,
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
    user = actor if getattr(actor, "is_authenticated", False) else None
    if region_path is None:
        region_path = user_scope_path(actor) or ""
    return AccessEvent.objects.create(
        actor=user,
        actor_username=user.get_username() if user is not None else actor_username[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:200],
        region_path=region_path,
        ip_address=_client_ip(request),
        detail=detail or {},
    )
