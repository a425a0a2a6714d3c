"""The contacts app's part of the household's file (households.extensions): its card on the household page and
its table in the case export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.roles import Capability
from contacts.case_export import contacts_case_tables
from contacts.selectors import household_contacts_panel
from contacts.services import assignments_end_for_households
from households.extensions import ArchiveExtension, ChangeReason, Panel

if TYPE_CHECKING:
    from accounts.models import User
    from households.archive import CaseTable
    from households.models import Household


class ContactsArchive(ArchiveExtension):
    key = "contacts"
    order = 10

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not user.has_capability(Capability.VIEW_CONTACTS):
            return None
        contacts = household_contacts_panel(household=household, on=today)
        return Panel("contacts/_household_panel.html", {"contacts": contacts})

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        if not user.has_capability(Capability.VIEW_CONTACTS):
            return []
        return contacts_case_tables(household, today)

    def household_changed(self, *, household_ids: Sequence[int], reason: ChangeReason) -> None:
        """A household transferred to another county leaves its contacts here: their open terms end today."""
        if reason == ChangeReason.TRANSFERRED:
            assignments_end_for_households(household_ids=list(household_ids), end_date=timezone.localdate())
