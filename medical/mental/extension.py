"""Mental health's part of the household's file (households.extensions): a card on the household page, timeline
entries and — for county staff only — a table in the case export and its print and PDF.

Only the tier's readers (the family doctor, county staff: accounts.sensitivity may_see MENTAL_HEALTH) get anything:
for every other role this extension shows nothing at all, not even that an assessment exists. The case export (and
the print page and PDF, which are built from the same tables) leaves mental health out below the county (issue 16:
"never in … exports below the county"): a family doctor reads the assessments on their pages, each read logged.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.sensitivity import Tier, may_see
from households.archive import CaseTable, Change, TimelineEntry
from households.extensions import ArchiveExtension, Panel
from medical.mental import selectors, services
from medical.models import MentalAssessment
from regions.models import Region
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household


_ASSESSMENTS = "_mental_assessments"


def _assessments(household: Household) -> list[MentalAssessment]:
    """The household's assessments, newest first: one query shared by the card and the timeline (kept on the
    household object the archive page passes to both)."""
    cached: list[MentalAssessment] | None = household.__dict__.get(_ASSESSMENTS)
    if cached is None:
        cached = selectors.household_assessments(household=household)
        household.__dict__[_ASSESSMENTS] = cached
    return cached


def _reads(user: User) -> bool:
    return may_see(user, Tier.MENTAL_HEALTH)


def _county_level(user: User) -> bool:
    """The user works at a county node (county staff of the county), not below it."""
    region = getattr(user, "region", None)
    return user_scope_path(user) is not None and region is not None and region.level == Region.Level.COUNTY


class MentalArchive(ArchiveExtension):
    key = "mental_health"
    order = 31

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not _reads(user):
            return None
        latest = selectors.latest_by_member(_assessments(household))
        return Panel(
            "medical/mental/_household_panel.html",
            {
                "latest": latest,
                # The same state as services.household_state, from the rows already read.
                "state": services.state_of(
                    {"urgent": a.urgent, "assessed_on": a.assessed_on, "risk_level": a.risk_level} for a in latest
                ),
                "may_record": services.may_record(user) and household.is_active,
            },
        )

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        if not _reads(user):
            return []
        return [
            TimelineEntry(
                at=timezone.make_aware(datetime.combine(a.assessed_on, time(12))),
                kind="assessment",
                action="assessment",
                title=_("Assessment"),
                username="",
                changes=[
                    Change(field=_("Member"), before="", after=a.member.name),
                    Change(
                        field=_("Result"), before="", after=f"{a.get_instrument_display()} {a.score} {a.band_label}"
                    ),
                    Change(field=_("Risk level"), before="", after=str(a.get_risk_level_display())),
                ],
                date_only=True,
            )
            for a in _assessments(household)
        ]

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        if not (_reads(user) and _county_level(user)):
            return []
        return [
            CaseTable(
                key="mental_assessments",
                title=_("Assessments"),
                header=[
                    _("Date"),
                    _("Member"),
                    _("Instrument"),
                    _("Score"),
                    _("Band"),
                    _("Risk level"),
                    pgettext("risk", "Action"),
                ],
                rows=[
                    [
                        f"{a.assessed_on:%Y-%m-%d}",
                        a.member.name,
                        str(a.get_instrument_display()),
                        str(a.score),
                        a.band_label,
                        str(a.get_risk_level_display()),
                        a.action,
                    ]
                    for a in _assessments(household)
                ],
                empty=_("No assessment recorded."),
            )
        ]
