"""The archive-extension seam: how the apps above households add to a household's file (docs/ARCHITECTURE.md).

Each app registers one :class:`ArchiveExtension` in its ``AppConfig.ready()``. The household page, its print page
and PDF, the timeline and the household list's sortable columns (``list_columns``: a household's last contact, its
open flags) loop over the registered extensions; no app is named in households' code or templates.
An extension decides what a given user may see of its part (the page has already checked that the household is
in the user's area and that the user may read the archive). Its ``household_changed`` hears every change the
households app makes, so a higher app's own records follow (the overdue engine re-evaluates the household).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User
    from households.archive import CaseTable, TimelineEntry
    from households.models import Household


class ChangeReason(StrEnum):
    """Why households changed, as ``household_changed`` hears it."""

    REGISTERED = "registered"
    EDITED = "edited"
    CLOSED = "closed"
    REOPENED = "reopened"
    IMPORTED = "imported"  # a roster import: many households at once
    TRANSFERRED = "transferred"  # 迁移: moved to another county (its contacts there end; the new county assigns)


@dataclass(frozen=True)
class Panel:
    """A card on the household page: a template and its context (``household`` and ``today`` are added)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListColumn:
    """A sortable column an app adds to the household list (its last contact, its open flags …).

    ``order`` is an expression on Household that the list sorts by (``F("urgency__next_due")``, a Subquery):
    ascending puts households without a value first, descending last; households of equal value follow in
    number order. ``values`` gives the cells of one page, ``{household id: text}`` in the reader's language, in a
    constant number of queries (one page: 25 households)."""

    key: str  # the sort key of the URL: lower-case letters and underscores, unique among the list's sorts
    label: str
    order: Any
    values: Callable[[Sequence[Household], date], dict[int, str]]
    descending_first: bool = False  # the heading's first click sorts descending (open flags: the most first)


class ArchiveExtension:
    """One app's part of the household's file. Subclass, set ``key`` and ``order``, override what the app adds."""

    key: str = ""
    order: int = 100  # panels, timeline and case tables follow this order

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        """The card on the household page for ``user``, or None when the user sees none."""
        return None

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        """The app's entries in the household's timeline (a constant number of queries)."""
        return []

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        """The app's tables in the case export (print page and PDF), values already masked for ``user``."""
        return []

    def list_columns(self, *, user: User) -> list[ListColumn]:
        """The app's sortable columns in the household list as ``user`` may see them."""
        return []

    def household_changed(self, *, household_ids: Sequence[int], reason: ChangeReason) -> None:
        """Households changed (inside the caller's transaction): bring the app's own records up to date."""


_EXTENSIONS: dict[str, ArchiveExtension] = {}


def archive_extension_register(extension: ArchiveExtension) -> ArchiveExtension:
    """Register (or, ``ready()`` running again, replace) an app's extension under its key."""
    if not extension.key:
        raise ValueError("an archive extension needs a key")
    _EXTENSIONS[extension.key] = extension
    return extension


def archive_extensions() -> list[ArchiveExtension]:
    """The registered extensions, in their order."""
    return sorted(_EXTENSIONS.values(), key=lambda e: (e.order, e.key))


def list_columns(*, user: User) -> list[ListColumn]:
    """The household list's columns from every extension, for ``user``, in the extensions' order."""
    return [column for extension in archive_extensions() for column in extension.list_columns(user=user)]


def household_changed(*, household_ids: Sequence[int], reason: ChangeReason) -> None:
    """Tell every extension that these households changed (the households app calls this after its writes)."""
    if not household_ids:
        return
    for extension in archive_extensions():
        extension.household_changed(household_ids=household_ids, reason=reason)
