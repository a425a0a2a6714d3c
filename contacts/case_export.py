"""The household's contacts in the case export (through contacts.extension)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from contacts.selectors import household_contacts_panel
from households.archive import CaseTable
from households.models import Household


def contacts_case_tables(household: Household, today: date) -> list[CaseTable]:
    """The four-on-one contacts serving on `today`, vacant slots included (two queries)."""
    panel = household_contacts_panel(household=household, on=today)
    rows = []
    for slot in panel.slots:
        for holder in slot.holders:
            rows.append([slot.label, holder.person.name, holder.person.phone, holder.start_date.isoformat()])
            rows.extend(
                [slot.label, f"{sub.person.name} ({_('substitute')})", sub.person.phone, sub.start_date.isoformat()]
                for sub in holder.current_substitutes
            )
        if slot.vacant:
            rows.append([slot.label, _("Vacant"), "", ""])
    return [
        CaseTable(
            key="contacts",
            title=_("Contacts") + f" ({panel.scheme.get_kind_display()})",
            header=[_("Role"), _("Name"), _("Phone"), _("Since")],
            rows=rows,
            empty=_("No contact is assigned."),
        )
    ]
