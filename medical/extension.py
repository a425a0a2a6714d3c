"""The medical app's part of the household's file (households.extensions): its card on the household page, its
timeline entries and its tables in the case export — each showing only what the reader's tier allows.

Cadres and volunteers (VIEW_MEDICAL_STATUS without the health tier) see that the household has a family doctor and
how many members hold a green-channel card, never a stay, a check, a finding or a disease; medical roles and county
staff (the health tier, accounts.sensitivity) see the content: contracts, stays, checks and the diagnosed diseases
with their treatment class and next follow-up (issue 16 part 9).

The content is read once per request (``_file``: kept on the household object the archive page passes to the card,
the timeline and the case tables, as benefits.extension does with the relief): eight queries whatever the household.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import Capability
from accounts.sensitivity import Tier, may_see
from households.archive import CaseTable, Change, TimelineEntry
from households.extensions import ArchiveExtension, Panel
from medical import selectors
from medical.models import Diagnosis

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household


def _content(user: User) -> bool:
    return user.has_capability(Capability.VIEW_MEDICAL_STATUS) and may_see(user, Tier.HEALTH)


_FILE = "_medical_file"


def _file(household: Household, on: date) -> selectors.MedicalFile:
    """The household's medical file with its diseases, read once for the card, the timeline and the case tables."""
    cached: tuple[date, selectors.MedicalFile] | None = household.__dict__.get(_FILE)
    if cached is None or cached[0] != on:
        cached = (on, selectors.household_medical_file(household=household, on=on, diagnoses=True))
        household.__dict__[_FILE] = cached
    return cached[1]


def _next_due(d: Diagnosis) -> str:
    """The next follow-up of a diagnosis under contracted chronic management ("—" for the others)."""
    return f"{d.next_due:%Y-%m-%d}" if d.is_chronic_managed and d.next_due else "—"


def _entry(day: date, kind: str, title: str, username: str, changes: list[Change]) -> TimelineEntry:
    return TimelineEntry(
        at=timezone.make_aware(datetime.combine(day, time(12))),
        kind=kind,
        action=kind,
        title=title,
        username=username,
        changes=changes,
        date_only=True,
    )


class MedicalArchive(ArchiveExtension):
    key = "medical"
    order = 30

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not user.has_capability(Capability.VIEW_MEDICAL_STATUS):
            return None
        if not _content(user):
            return Panel(
                "medical/_household_panel.html",
                {"status": selectors.household_status(household=household, on=today), "content": False},
            )
        file = _file(household, today)
        return Panel(
            "medical/_household_panel.html",
            {
                "status": file.status,
                "content": True,
                "file": file,
                "contracts": [c for c in file.contracts if c.is_current(on=today)],
                "stays": [u for u in file.uses if u.is_stay][:3],
                "last_check": file.checks[0] if file.checks else None,
                "diagnoses": [d for d in file.diagnoses if d.is_open],
                "closed_diagnoses": sum(1 for d in file.diagnoses if not d.is_open),
            },
        )

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        if not _content(user):
            return []
        file = _file(household, timezone.localdate())
        entries = []
        for c in file.contracts:
            who = c.member.name if c.member else _("The whole household")
            entries.append(
                _entry(
                    c.starts_on,
                    "contract",
                    _("Family-doctor contract signed"),
                    "",
                    [Change(field=_("Family doctor"), before="", after=c.doctor.name), Change(_("Covers"), "", who)],
                )
            )
            if c.ended_on:
                entries.append(
                    _entry(
                        c.ended_on,
                        "contract",
                        _("Family-doctor contract ended"),
                        "",
                        [Change(field=_("Reason"), before="", after=str(c.get_end_reason_display()))],
                    )
                )
        for u in file.uses:
            changes = [
                Change(field=_("Member"), before="", after=u.member.name),
                Change(field=_("Institution"), before="", after=u.institution.name),
            ]
            if u.is_stay:
                stay = f"{u.admitted_on:%Y-%m-%d} – {u.discharged_on:%Y-%m-%d}" if u.discharged_on else ""
                changes.append(Change(field=_("Stay"), before="", after=stay or _("in hospital")))
            entries.append(_entry(u.used_on, "green_channel", str(u.get_kind_display()), "", changes))
        for check in file.checks:
            entries.append(
                _entry(
                    check.checked_on,
                    "health_check",
                    _("Health check"),
                    "",
                    [
                        Change(field=_("Member"), before="", after=check.member.name),
                        Change(field=_("Abnormal findings"), before="", after=check.abnormal_findings or "—"),
                    ],
                )
            )
        for d in file.diagnoses:
            entries.append(
                _entry(
                    d.diagnosed_on,
                    "diagnosis",
                    _("Disease diagnosed"),
                    "",
                    [
                        Change(field=_("Member"), before="", after=d.member.name),
                        Change(field=_("Disease"), before="", after=d.label),
                        Change(field=_("Treatment class"), before="", after=str(d.get_treatment_class_display())),
                    ],
                )
            )
            if d.closed_on:
                entries.append(
                    _entry(
                        d.closed_on,
                        "diagnosis",
                        _("Disease closed"),
                        "",
                        [
                            Change(field=_("Member"), before="", after=d.member.name),
                            Change(field=_("Disease"), before="", after=d.label),
                            Change(field=_("Status"), before="", after=str(d.get_status_display())),
                        ],
                    )
                )
            for f in file.follow_ups.get(d.pk, []):
                by = f.by_person.name if f.by_person else f.by_name
                entries.append(
                    _entry(
                        f.followed_on,
                        "disease_follow_up",
                        _("Disease follow-up"),
                        "",
                        [
                            Change(field=_("Member"), before="", after=d.member.name),
                            Change(field=_("Disease"), before="", after=d.label),
                            Change(field=_("Result"), before="", after=str(f.get_result_display())),
                            Change(field=pgettext("follow-up", "By"), before="", after=by or "—"),
                            Change(
                                field=_("Next follow-up due"),
                                before="",
                                after=f"{f.next_due:%Y-%m-%d}" if f.next_due else "—",
                            ),
                        ],
                    )
                )
        return entries

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        if not user.has_capability(Capability.VIEW_MEDICAL_STATUS):
            return []
        if not _content(user):
            status = selectors.household_status(household=household, on=today)
            return [
                CaseTable(
                    key="medical_status",
                    title=_("Medical care"),
                    header=[_("Family doctor"), _("Green-channel card")],
                    rows=[
                        [
                            _("signed") if status.has_doctor else _("not signed"),
                            _("%(n)d of %(total)d living members hold one")
                            % {"n": status.cards, "total": status.members},
                        ]
                    ],
                )
            ]
        file = _file(household, today)
        return [
            CaseTable(
                key="medical_contracts",
                title=_("Family-doctor contracts"),
                header=[_("Covers"), _("Family doctor"), _("Term"), _("Status")],
                rows=[
                    [
                        c.member.name if c.member else _("The whole household"),
                        f"{c.doctor.name} {c.doctor.phone}".strip(),
                        f"{c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d}",
                        str(c.get_status_display()),
                    ]
                    for c in file.contracts
                ],
                empty=_("No contract."),
            ),
            CaseTable(
                key="medical_uses",
                title=_("Uses of the green channel"),
                header=[_("Date"), _("Member"), _("Institution"), _("Kind"), _("Stay")],
                rows=[
                    [
                        f"{u.used_on:%Y-%m-%d}",
                        u.member.name,
                        u.institution.name,
                        str(u.get_kind_display()),
                        (f"{u.admitted_on:%Y-%m-%d} – {u.discharged_on:%Y-%m-%d}" if u.discharged_on else "")
                        if u.is_stay
                        else "",
                    ]
                    for u in file.uses
                ],
                empty=_("No use recorded."),
            ),
            CaseTable(
                key="medical_checks",
                title=_("Health checks"),
                header=[_("Date"), _("Member"), _("Items"), _("Abnormal findings"), _("Follow-up advised")],
                rows=[
                    [
                        f"{c.checked_on:%Y-%m-%d}",
                        c.member.name,
                        ", ".join(c.item_labels),
                        c.abnormal_findings,
                        c.follow_up,
                    ]
                    for c in file.checks
                ],
                empty=_("No check recorded."),
            ),
            CaseTable(
                key="medical_diseases",
                title=_("Diagnosed diseases"),
                header=[
                    _("Diagnosed on"),
                    _("Member"),
                    _("Disease"),
                    _("Treatment class"),
                    _("Status"),
                    _("Next follow-up due"),
                ],
                rows=[
                    [
                        f"{d.diagnosed_on:%Y-%m-%d}",
                        d.member.name,
                        d.label,
                        str(d.get_treatment_class_display()),
                        str(d.get_status_display()) + (f" {d.closed_on:%Y-%m-%d}" if d.closed_on else ""),
                        _next_due(d),
                    ]
                    for d in file.diagnoses
                ],
                empty=_("No diagnosed disease recorded."),
                widths=[2, 2, 3, 4, 2, 2],
            ),
        ]
