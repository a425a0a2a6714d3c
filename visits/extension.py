"""The visits app's part of the household's file (households.extensions): its card on the household page, the
visits in the timeline and the case export, and the overdue engine's answer to a changed household."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from accounts.roles import Capability
from households.extensions import ArchiveExtension, ChangeReason, Panel
from visits import services
from visits.case_export import visits_case_tables
from visits.selectors import household_visit_status
from visits.timeline import visit_timeline

if TYPE_CHECKING:
    from accounts.models import User
    from households.archive import CaseTable, TimelineEntry
    from households.models import Household


def _reads_visits(user: User) -> bool:
    return user.has_capability(Capability.LOG_VISITS) or user.has_capability(Capability.VIEW_HOUSEHOLDS)


class VisitsArchive(ArchiveExtension):
    key = "visits"
    order = 20

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not _reads_visits(user):
            return None
        status = household_visit_status(household=household, on=today)
        return Panel(
            "visits/_household_panel.html",
            {"status": status, "may_log": user.has_capability(Capability.LOG_VISITS)},
        )

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        return visit_timeline(household, user=user) if _reads_visits(user) else []

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        return visits_case_tables(household, today, user=user) if _reads_visits(user) else []

    def household_changed(self, *, household_ids: Sequence[int], reason: ChangeReason) -> None:
        """The engine re-evaluates the changed households without waiting for the night: a new household takes its
        place in the worklists, a closed one leaves them, a death or a change of self-care changes which rules
        apply. A roster import changes many at once: the engine runs over the county, set-based."""
        if reason == ChangeReason.IMPORTED:
            services.overdue_refresh_all_queue()
            return
        for household_id in household_ids:
            services.household_refresh_on_commit(household_id)
