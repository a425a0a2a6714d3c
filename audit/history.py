"""The one history context: every row pghistory's triggers write says who, in which area, through which
service and why.

``history_context`` is what requests (``audit.middleware``), services, Celery jobs and commands wrap their
writes in. The keys are spelled once, in ``core.history``; ``event_context`` reads them back from an event row
for the audit change log and the archive's timeline.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from core.history import HistoryContext, history_keys, history_metadata
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User

__all__ = ["HistoryContext", "event_context", "history_context", "history_context_metadata"]


def history_context_metadata(
    *,
    actor: User | None = None,
    command: str = "",
    service: str = "",
    reason: str = "",
    region_path: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata ``history_context`` puts on the rows: the actor's name and id, and the area — the actor's
    scope unless ``region_path`` names another (the county a command or a job works on)."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    if region_path is None:
        region_path = user_scope_path(actor) or ""
    extra.setdefault("user", actor.pk if actor is not None else None)  # pghistory's own key, which its admin reads
    return history_metadata(
        username=actor.get_username() if actor is not None else "",
        command=command,
        region_path=region_path,
        service=service,
        reason=reason,
        **extra,
    )


def history_context(
    *,
    actor: User | None = None,
    command: str = "",
    service: str,
    reason: str = "",
    region_path: str | None = None,
    **extra: Any,
) -> AbstractContextManager[None]:
    """Wrap writes so that their history rows carry who (``actor``, or ``command``), the area, the service and
    the reason. Inside an outer context (a request, a command) it adds what it knows and keeps the rest."""
    return history_keys(
        **history_context_metadata(
            actor=actor, command=command, service=service, reason=reason, region_path=region_path, **extra
        )
    )


def event_context(event: Any) -> HistoryContext:
    """The context keys of an event row: a tracked model's event (``pgh_context`` is the Context row) or a row
    of pghistory's aggregate ``Events`` (``pgh_context`` is the metadata itself)."""
    context = event.pgh_context if getattr(event, "pgh_context_id", None) else None
    if context is None:
        return HistoryContext()
    return HistoryContext.of(context if isinstance(context, dict) else context.metadata)
