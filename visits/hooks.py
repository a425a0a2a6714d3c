"""What the visits app announces to the apps above it (core.hooks; the reports app listens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from core.hooks import Hook


class FlagsRefreshed(Protocol):
    """The overdue engine re-evaluated ``household_ids`` (None: every household) as of ``as_of`` outside the nightly
    pipeline — after a visit, a household's change or a roster import — so figures built on the flags may follow."""

    def __call__(self, *, as_of: date, household_ids: Sequence[int] | None) -> None: ...


flags_refreshed: Hook[FlagsRefreshed] = Hook("visits.flags_refreshed")
