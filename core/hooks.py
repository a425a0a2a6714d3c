"""Hooks: how a lower app lets a higher one act, without importing it (docs/ARCHITECTURE.md "Seams").

The lower app declares a :class:`Hook` typed by the listeners' signature (a ``Protocol``) and calls
``hook.send(…)``; a higher app registers a listener in its ``AppConfig.ready()``, the way Django's own apps plug
into the admin. Listeners run in the caller's transaction, in the order the apps are installed; an exception
propagates (a failing listener fails the act it listens to, so nothing is half done).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

F = TypeVar("F", bound=Callable[..., object])


class Hook(Generic[F]):
    """A named list of listeners with one call signature ``F``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[F] = []

    def register(self, listener: F) -> F:
        """Add ``listener`` (once: ``ready()`` may run more than once in tests)."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    @property
    def listeners(self) -> tuple[F, ...]:
        return tuple(self._listeners)

    @property
    def send(self) -> F:
        """Call every listener with the same arguments."""
        return cast(F, self._send)

    def _send(self, *args: Any, **kwargs: Any) -> None:
        for listener in self._listeners:
            listener(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._listeners)} listener(s)>"
