"""The contacts app's part of the household's file (households.extensions): its card on the household page and
its table in the case export."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from accounts.roles import Capability
from contacts.case_export import contacts_case_tables
from contacts.selectors import household_contacts_panel
from households.extensions import ArchiveExtension, Panel

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
