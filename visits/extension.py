"""The visits app's part of the household's file (households.extensions): its card on the household page, the
visits in the timeline and the case export, and the overdue engine's answer to a changed household."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, F, Max
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from accounts.roles import Capability
from households.extensions import ArchiveExtension, ChangeReason, ListColumn, Panel
from visits import services
from visits.case_export import visits_case_tables
from visits.models import OverdueFlag, Rule, Visit
from visits.selectors import household_visit_status
from visits.timeline import visit_timeline

if TYPE_CHECKING:
    from accounts.models import User
    from households.archive import CaseTable, TimelineEntry
    from households.models import Household


def _reads_visits(user: User) -> bool:
    return user.has_capability(Capability.LOG_VISITS) or user.has_capability(Capability.VIEW_HOUSEHOLDS)


def _last_contacts(households: Sequence[Household], today: date) -> dict[int, str]:
    """The day of each household's last contact (one query for the page); none logged: no value ("—")."""
    rows = (
        Visit.objects.filter(household_id__in=[h.pk for h in households], date__lte=today)
        .values("household_id")
        .annotate(last=Max("date"))
        .order_by()
    )
    return {row["household_id"]: row["last"].isoformat() for row in rows}


def _open_overdue(households: Sequence[Household], today: date) -> dict[int, str]:
    """How many overdue flags each household has open (one query for the page; reminders are not counted)."""
    rows = (
        OverdueFlag.objects.open()
        .filter(household_id__in=[h.pk for h in households], rule__mode=Rule.Mode.OVERDUE)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["household_id"]: row["n"] for row in rows}
    return {h.pk: str(counts.get(h.pk, 0)) for h in households}


# The list sorted by them: the values the engine keeps in each household's worklist place (HouseholdUrgency, one
# row per household joined by its key), so a sorted page is an indexed join, not a subquery per household. The
# last contact there is the last inside the window the engine reads (older or never: none, sorted first); the page
# shows the true last day (``_last_contacts``). A household without a place (closed: the worklist left it; not
# reached by the engine yet) sorts as "none" too, and counts no open flags. (A COALESCE with the household's own
# last visit made the order exact but the sorted pages 2-3 times slower: 338-679 ms at 200,000 households.)
LAST_CONTACT = F("urgency__last_contact")
OPEN_OVERDUE = Coalesce(F("urgency__open_overdue"), 0)


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

    def list_columns(self, *, user: User) -> list[ListColumn]:
        """The household list's last contact (oldest first: never contacted, then the longest ago) and open
        overdue flags (most first)."""
        if not _reads_visits(user):
            return []
        return [
            ListColumn("last_contact", gettext_lazy("Last contact"), LAST_CONTACT, _last_contacts),
            ListColumn("open_flags", gettext_lazy("Open flags"), OPEN_OVERDUE, _open_overdue, descending_first=True),
        ]

    def household_changed(self, *, household_ids: Sequence[int], reason: ChangeReason) -> None:
        """The engine re-evaluates the changed households without waiting for the night: a new household takes its
        place in the worklists, a closed one leaves them, a death or a change of self-care changes which rules
        apply. A roster import changes many at once: the engine runs over the county, set-based."""
        if reason == ChangeReason.IMPORTED:
            services.overdue_refresh_all_queue()
            return
        for household_id in household_ids:
            services.household_refresh_on_commit(household_id)
