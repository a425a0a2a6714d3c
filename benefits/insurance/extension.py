"""Insurance's part of the household's file (households.extensions): each person's cover this year and the
claims, on the household page and in the case export; a closed or transferred household's lines end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from benefits.insurance.selectors import household_cover
from benefits.insurance.services import enrolment_end_for_households
from households.extensions import ArchiveExtension, ChangeReason, Panel

if TYPE_CHECKING:
    from accounts.models import User
    from households.archive import CaseTable
    from households.models import Household


def _reads(user: User) -> bool:
    return user.has_capability(Capability.REPORT_CLAIMS) or user.has_capability(Capability.MANAGE_INSURANCE)


class InsuranceArchive(ArchiveExtension):
    key = "insurance"
    order = 45

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not _reads(user):
            return None
        cover = household_cover(household=household, today=today)
        return Panel(
            "benefits/insurance/_household_panel.html",
            {
                "cover": cover,
                "may_report": user.has_capability(Capability.REPORT_CLAIMS),
            },
        )

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        from households.archive import CaseTable

        if not _reads(user):
            return []
        cover = household_cover(household=household, today=today)
        return [
            CaseTable(
                key="insurance_cover",
                title=_("Insurance cover %(year)d") % {"year": today.year},
                header=[_("Name"), _("Insurance product"), _("Insurer"), _("Cover from"), _("Last day covered")],
                rows=[
                    [
                        line.member.name,
                        line.product.name,
                        line.product.insurer,
                        line.starts_on.isoformat(),
                        line.ends_on.isoformat(),
                    ]
                    for line in cover.lines
                ],
                empty=_("Nobody insured this year."),
            ),
            CaseTable(
                key="insurance_claims",
                title=_("Insurance claims"),
                header=[_("Name"), _("Event"), _("Date"), _("State"), _("Benefit (yuan)"), _("Paid (yuan)")],
                rows=[
                    [
                        claim.member.name,
                        str(claim.get_kind_display()),
                        claim.event_date.isoformat(),
                        str(claim.get_state_display()),
                        str(claim.benefit_max),
                        str(claim.paid_amount) if claim.paid_amount is not None else "—",
                    ]
                    for claim in cover.claims
                ],
                empty=_("No claims."),
            ),
        ]

    def household_changed(self, *, household_ids: Sequence[int], reason: ChangeReason) -> None:
        """A household closed or moved to another county: its members' running lines end (the date closed, the
        day of the transfer); a reopened one runs on again (the enrolment's own rules, for these households'
        products)."""
        if reason in (ChangeReason.CLOSED, ChangeReason.TRANSFERRED, ChangeReason.REOPENED):
            enrolment_end_for_households(household_ids=list(household_ids), as_of=timezone.localdate())
