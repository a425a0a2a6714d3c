"""The keys of the history context: who, in which area, through which service and why, on every row that
pghistory's triggers write.

Every writer spells them through here. Above the foundation, use ``audit.history.history_context``, which
takes the acting user and derives the name and the area from it; regions and accounts, which sit below
audit, call ``history_keys`` directly from their commands and services.

pghistory groups everything written inside the outermost context under one context row whose metadata is
the last one set (``pghistory.context``), so a nested context adds what it knows and never blanks what an
outer one said (a key without a value is left out): a service called inside a request keeps the request's user
and area and adds its name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pghistory

USERNAME = "username"  # the user who made the change ("" when a command did)
COMMAND = "command"  # the management command that made it ("" in a request or a job)
REGION_PATH = "region_path"  # the area: the user's scope, or the county a command or job works on
SERVICE = "service"  # the service function that wrote, e.g. "household_update", "roster_import"
REASON = "reason"  # why, when the user said so (a correction, a deletion, a reopening)
KEYS = (USERNAME, COMMAND, REGION_PATH, SERVICE, REASON)


def history_metadata(
    *, service: str = "", username: str = "", command: str = "", region_path: str = "", reason: str = "", **extra: Any
) -> dict[str, Any]:
    """The context's metadata: the keys that have a value (a key left out reads as blank)."""
    metadata = {
        USERNAME: username,
        COMMAND: command,
        REGION_PATH: region_path,
        SERVICE: service,
        REASON: reason,
        **extra,
    }
    return {key: value for key, value in metadata.items() if value not in ("", None)}


@contextmanager
def history_keys(
    *, service: str = "", username: str = "", command: str = "", region_path: str = "", reason: str = "", **extra: Any
) -> Iterator[None]:
    """Put the keys on the history rows written inside the block (joining an outer context if there is one)."""
    metadata = history_metadata(
        service=service, username=username, command=command, region_path=region_path, reason=reason, **extra
    )
    with pghistory.context() as current:
        current.metadata.update(metadata)  # what pghistory sends with every later statement of the block
        yield


@dataclass(frozen=True)
class HistoryContext:
    """The keys of one history row's context, read back (a row written without a context reads as blanks)."""

    username: str = ""
    command: str = ""
    region_path: str = ""
    service: str = ""
    reason: str = ""

    @property
    def who(self) -> str:
        """The user's name, or the command's when a command made the change."""
        return self.username or self.command

    @classmethod
    def of(cls, metadata: Mapping[str, Any] | None) -> HistoryContext:
        metadata = metadata or {}
        return cls(**{key: str(metadata.get(key) or "") for key in KEYS})
