"""The benefits app's part of the household's file (households.extensions): its card on the household page — each
parent's entitlement this month with its explanation, the bank account masked, the last payout lines, the relief —
its timeline entries (relief; payout lines paid or failed) and its tables in the case export.

Everything is for users who see entitlements (VIEW_ENTITLEMENTS); a bank account is masked for all of them, and
only county staff get the (logged) reveal. The card reads a constant number of queries whatever the household.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import Capability
from accounts.sensitivity import mask
from benefits.engine import PROBLEM_TEXTS, Entitlement, explain_text, run
from benefits.models import BenefitProfile, PayoutLine, Relief, Scheme
from benefits.profiles.services import PARENT_ROLES
from households.archive import CaseTable, Change, TimelineEntry
from households.extensions import ArchiveExtension, Panel

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household, Member

# The payout lines the card shows per person, the newest first; the relief rows it shows.
PANEL_PAYOUT_LINES = 3
PANEL_RELIEF = 5
TIMELINE_PAYOUT_LINES = 50


@dataclass
class ParentBenefits:
    member: Member
    # Each entitlement with its scheme's name and the explanation lines.
    entitlements: list[tuple[Entitlement, str, list[str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    profile: BenefitProfile | None = None
    account_masked: str = ""
    payee_id_masked: str = ""
    payout_lines: list[PayoutLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e, _label, _lines in self.entitlements), Decimal("0"))


def _parents(household: Household) -> list[Member]:
    return [m for m in household.members.all() if m.role in PARENT_ROLES]


def household_benefits(household: Household, *, today: date) -> list[ParentBenefits]:
    """Each parent's entitlement this month (the engine: three queries), profile (one) and last payout lines
    (one): the same five queries for any household, with or without parents."""
    parents = _parents(household)
    ids = [m.pk for m in parents]
    rows = {m.pk: ParentBenefits(member=m) for m in parents}
    result = run(household.county, [today.replace(day=1)], member_ids=ids)
    for line in result.lines:
        if line.member_id in rows:
            rows[line.member_id].entitlements.append((line, str(Scheme(line.scheme).label), explain_text(line)))
    for problem in result.problems:
        if problem.member_id in rows:
            rows[problem.member_id].problems.append(_(PROBLEM_TEXTS.get(problem.reason, problem.reason)))
    for profile in BenefitProfile.objects.filter(member__household=household):
        row = rows.get(profile.member_id)
        if row is None:
            continue
        row.profile = profile
        row.account_masked = mask(BenefitProfile, "account_number", profile.account_number)
        row.payee_id_masked = mask(BenefitProfile, "payee_id_number", profile.payee_id_number)
    lines = PayoutLine.objects.filter(household=household).select_related("batch")
    limit = PANEL_PAYOUT_LINES * max(len(ids), 1) * 2
    for payout in lines.order_by("-batch__period_start", "-batch_id", "-id")[:limit]:
        row = rows.get(payout.member_id)
        if row is not None and len(row.payout_lines) < PANEL_PAYOUT_LINES:
            row.payout_lines.append(payout)
    return list(rows.values())


def months_text(line: PayoutLine) -> str:
    """ "2025-01 – 2025-06" (or one month) of a line's months."""
    months = line.months
    first = months.lower
    last = months.upper if months.upper_inc else date.fromordinal(months.upper.toordinal() - 1)
    first_text, last_text = first.strftime("%Y-%m"), last.strftime("%Y-%m")
    return first_text if first_text == last_text else f"{first_text} – {last_text}"


_RELIEFS = "_benefits_reliefs"


def _reliefs(household: Household) -> list[Relief]:
    """The household's relief, the newest first: one query shared by the card and the timeline (kept on the
    household object the archive page passes to both)."""
    cached: list[Relief] | None = household.__dict__.get(_RELIEFS)
    if cached is None:
        cached = list(household.reliefs.select_related("member", "recorded_by").order_by("-given_on", "-id"))
        household.__dict__[_RELIEFS] = cached
    return cached


def _reads(user: User) -> bool:
    return user.has_capability(Capability.VIEW_ENTITLEMENTS)


class BenefitsArchive(ArchiveExtension):
    key = "benefits"
    order = 40

    def panel(self, *, household: Household, user: User, today: date) -> Panel | None:
        if not _reads(user):
            return None
        reliefs = _reliefs(household)
        return Panel(
            "benefits/_household_panel.html",
            {
                "parents": household_benefits(household, today=today),
                "month": today.replace(day=1),
                "reliefs": reliefs[:PANEL_RELIEF],
                "more_relief": len(reliefs) > PANEL_RELIEF,
                "may_edit_bank": user.has_capability(Capability.EDIT_BANK_ACCOUNTS),
                "may_reveal_bank": user.has_capability(Capability.REVEAL_BANK_ACCOUNT),
                "may_record_relief": user.has_capability(Capability.RECORD_RELIEF),
            },
        )

    def timeline(self, *, household: Household, user: User) -> list[TimelineEntry]:
        if not _reads(user):
            return []
        entries = []
        for relief in _reliefs(household):
            changes = [Change(field=_("Source"), before="", after=relief.source)]
            if relief.amount is not None:
                changes.insert(0, Change(field=_("Amount (yuan)"), before="", after=str(relief.amount)))
            if relief.member is not None:
                changes.append(Change(field=_("Person"), before="", after=relief.member.name))
            changes.append(Change(field=_("Approved by"), before="", after=relief.approved_by))
            entries.append(
                TimelineEntry(
                    at=timezone.make_aware(datetime.combine(relief.given_on, time(12))),
                    kind="relief",
                    action=relief.kind,
                    title=relief.get_kind_display(),
                    username=relief.recorded_by.username if relief.recorded_by is not None else "",
                    changes=changes,
                    date_only=True,
                )
            )
        lines = (
            PayoutLine.objects.filter(
                household=household,
                status__in=[PayoutLine.Status.PAID, PayoutLine.Status.FAILED],
                returned_at__isnull=False,
            )
            .select_related("batch", "member")
            .order_by("-returned_at", "-id")[:TIMELINE_PAYOUT_LINES]
        )
        for line in lines:
            if line.returned_at is None:  # not returned: excluded by the query already
                continue
            changes = [
                Change(field=_("Batch"), before="", after=line.batch.title),
                Change(field=_("Months"), before="", after=months_text(line)),
                Change(field=_("Amount (yuan)"), before="", after=str(line.amount)),
            ]
            if line.status == PayoutLine.Status.FAILED:
                changes.append(Change(field=_("Failure reason"), before="", after=line.failure_reason or "—"))
            entries.append(
                TimelineEntry(
                    at=line.returned_at,
                    kind="payout",
                    action=line.status,
                    title=(
                        _("Paid: %(scheme)s, %(name)s")
                        if line.status == PayoutLine.Status.PAID
                        else _("Payment failed: %(scheme)s, %(name)s")
                    )
                    % {"scheme": Scheme(line.scheme).label, "name": line.member.name},
                    changes=changes,
                )
            )
        return entries

    def case_tables(self, *, household: Household, user: User, today: date) -> list[CaseTable]:
        if not _reads(user):
            return []
        rows = []
        for parent in household_benefits(household, today=today):
            account = (
                f"{parent.profile.bank_name} {parent.account_masked}".strip()
                if parent.profile is not None and parent.profile.account_number
                else "—"
            )
            payee = parent.profile.payee_name if parent.profile is not None and parent.profile.payee_name else "—"
            if parent.entitlements:
                for entitlement, label, _lines in parent.entitlements:
                    rows.append([parent.member.name, label, str(entitlement.amount), payee, account])
            else:
                rows.append([parent.member.name, _("None this month"), "—", payee, account])
        relief_rows = [
            [
                relief.given_on.isoformat(),
                relief.get_kind_display(),
                relief.member.name if relief.member is not None else _("The whole household"),
                str(relief.amount) if relief.amount is not None else "—",
                relief.source,
                relief.approved_by,
            ]
            for relief in _reliefs(household)
        ]
        return [
            CaseTable(
                key="benefits",
                title=_("Special assistance in %(month)s") % {"month": today.strftime("%Y-%m")},
                header=[_("Person"), pgettext("benefits", "Scheme"), _("Amount (yuan)"), _("Payee"), _("Bank account")],
                rows=rows,
                empty=_("No parent in the household."),
                widths=[2, 4, 2, 2, 4],
            ),
            CaseTable(
                key="relief",
                title=_("Relief and gifts"),
                header=[_("Date"), _("Kind"), _("Person"), _("Amount (yuan)"), _("Source"), _("Approved by")],
                rows=relief_rows,
                empty=_("No relief recorded."),
                widths=[2, 3, 2, 2, 3, 2],
            ),
        ]
