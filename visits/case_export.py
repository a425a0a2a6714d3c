"""The household's visits in the case export (through visits.extension)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from households.archive import CaseTable
from households.models import Household
from visits.selectors import household_visit_status, visit_list_for_household
from visits.timeline import visit_notes

if TYPE_CHECKING:
    from accounts.models import User

CASE_VISIT_DAYS = 365  # the case export lists the visits of the last year …
CASE_VISIT_LIMIT = 60  # … at most this many


def visits_case_tables(household: Household, today: date, *, user: User | None) -> list[CaseTable]:
    """Where the household stands (open flags, follow-ups) and its visits of the last year (six queries); the
    visits' notes as ``user`` may see them."""
    status = household_visit_status(household=household, on=today)
    flags = [
        [
            flag.summary,
            flag.opened_on.isoformat(),
            flag.get_escalation_level_display() if flag.escalation_level else "",
        ]
        for flag in status.overdue + status.reminders
    ]
    follow_ups = [
        [f.action, f.due_on.isoformat(), (f.owner.get_full_name() or f.owner.username) if f.owner else ""]
        for f in status.follow_ups
    ]
    since = today - timedelta(days=CASE_VISIT_DAYS)
    visits = [
        v for v in visit_list_for_household(household=household, limit=CASE_VISIT_LIMIT) if since <= v.date <= today
    ]
    visit_rows = [
        [
            v.date.isoformat(),
            v.get_method_display(),
            v.get_purpose_display(),
            v.visitor_name,
            "\n".join(f"{label}: {text}" for label, text in visit_notes(v, user=user)),
        ]
        for v in visits
    ]
    return [
        CaseTable(
            key="flags",
            title=_("Open overdue flags and reminders"),
            header=[_("Rule"), _("Opened on"), _("Escalated to")],
            rows=flags,
            empty=_("None: every rule is kept."),
            widths=[6, 2, 2],
        ),
        CaseTable(
            key="follow_ups",
            title=_("Open follow-up actions"),
            header=[_("Follow-up action"), _("Due"), _("Owner")],
            rows=follow_ups,
            empty=_("None."),
            widths=[6, 2, 2],
        ),
        CaseTable(
            key="visits",
            title=_("Visits of the last 12 months"),
            header=[_("Date"), _("Method"), _("Purpose"), _("Visitor"), _("What was found and done")],
            rows=visit_rows,
            empty=_("No visit logged in the last 12 months."),
            widths=[2, 2, 2, 2, 7],
        ),
    ]
