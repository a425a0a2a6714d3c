"""Writing access events. Row changes need no call: pghistory's triggers record them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.scope import authorize
from accounts.sensitivity import MASKED_TIERS, TIER_CAPABILITIES, field_tier
from audit.models import AccessEvent
from core.history import REGION_PATH
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from pghistory.models import Events

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


def change_value_reveal(
    *, actor: User, event: Events, field_name: str, request: HttpRequest | None = None
) -> tuple[str | None, str | None]:
    """Show one personal value of a row change on the audit page — before and after the change (None where there
    was none): the reveal capability inside the change's area, an explicit act and a logged event, as on the
    archive."""
    context = event.pgh_context if isinstance(event.pgh_context, dict) else {}
    region_path = str(context.get(REGION_PATH) or "")
    model = apps.get_model(event.pgh_obj_model)
    tier = field_tier(model, field_name)
    if tier not in MASKED_TIERS:
        raise ValidationError(_("This value cannot be revealed."))
    authorize(actor, TIER_CAPABILITIES[tier], within=region_path)
    column = model._meta.get_field(field_name).column
    after = (event.pgh_data or {}).get(column)
    before = ((event.pgh_diff or {}).get(column) or [None])[0] if event.pgh_label == "update" else None
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        target_label=f"{model._meta.verbose_name} #{event.pgh_obj_id}",
        region_path=region_path,
        request=request,
        detail={"change": event.pgh_slug, "field": field_name},
    )
    return (None if before is None else str(before)), (None if after is None else str(after))
