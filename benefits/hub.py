"""The benefits home page: what a user can do in benefits and insurance, and what waits for them.

One card per part the user's role may use, each with the count that says whether there is work: the annual
review's cases at the user's level, the payout batches waiting for the user's step, the bank accounts to fix,
this year's relief, the open insurance claims. A constant number of queries (one or two per card).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.roles import Capability
from benefits.models import InsuranceClaim, PayoutBatch, Relief, ReviewCase
from benefits.payouts.selectors import batch_list_for_user, payout_followups_for_user
from benefits.review.selectors import cycles_for, days_overdue
from benefits.review.services import user_stage

if TYPE_CHECKING:
    from accounts.models import User

OPEN_CLAIM_STATES = ("reported", "collecting", "submitted", "more_documents")


@dataclass
class Card:
    key: str
    title: str
    text: str
    url: str
    count: int | None = None  # the work waiting, when there is a count to give
    count_label: str = ""
    alert: str = ""  # work past its deadline
    links: list[tuple[str, str]] = field(default_factory=list)


def _batch_states_waiting(user: User) -> tuple[str, ...]:
    """The batch states in which the user has a step to take."""
    if user.has_capability(Capability.MANAGE_PAYOUTS):
        return (PayoutBatch.State.DRAFT, PayoutBatch.State.COUNTY_REVIEW, PayoutBatch.State.GENERATED,
                PayoutBatch.State.RETURNED)  # fmt: skip
    return (PayoutBatch.State.TOWN_REVIEW,)


def hub_cards(user: User, today: date) -> list[Card]:
    cards: list[Card] = []
    if user.has_capability(Capability.VIEW_ENTITLEMENTS):
        cards.append(
            Card(
                "standards",
                _("Assistance standards"),
                _("The national standards and the province's, city's and county's top-ups, by date."),
                reverse("benefits:standards:list"),
            )
        )
    if user.has_capability(Capability.REVIEW_BENEFITS):
        cycle = cycles_for(user).order_by("-year").first()
        count = None
        alert = ""
        stage = user_stage(user)
        if cycle is not None and stage is not None:
            count = ReviewCase.objects.visible_to(user).filter(cycle=cycle, stage=stage).count()
            late = days_overdue(cycle, stage, today)
            if count and late > 0:
                alert = ngettext(
                    "Your level's deadline passed %(days)d day ago.",
                    "Your level's deadline passed %(days)d days ago.",
                    late,
                ) % {"days": late}
        cards.append(
            Card(
                "review",
                _("Annual review"),
                _("New applications, the year's re-checks and leavers, level by level, and the public notice."),
                reverse("benefits:review:home"),
                count=count,
                count_label=_("cases at your level") if count is not None else "",
                alert=alert,
            )
        )
    if user.has_capability(Capability.REVIEW_PAYOUTS):
        waiting = batch_list_for_user(user=user).filter(state__in=_batch_states_waiting(user)).count()
        cards.append(
            Card(
                "payouts",
                _("Payout batches"),
                _("Payout rosters for 一卡通: review, the bank's return, corrections."),
                reverse("benefits:payouts:list"),
                count=waiting,
                count_label=_("batches waiting for your step"),
            )
        )
    if user.has_capability(Capability.EDIT_BANK_ACCOUNTS):
        cards.append(
            Card(
                "followups",
                _("Bank accounts to fix"),
                _("Payments the bank refused: fix the account on the next visit."),
                reverse("benefits:payouts:followups"),
                count=payout_followups_for_user(user=user).count(),
                count_label=_("accounts to fix"),
            )
        )
    if user.has_capability(Capability.RECORD_RELIEF):
        relief = Relief.objects.visible_to(user).filter(given_on__year=today.year).aggregate(n=Count("id"))
        cards.append(
            Card(
                "relief",
                _("Relief and gifts"),
                _("Temporary relief, Red Cross aid, festival condolences, cake and housekeeping cards."),
                reverse("benefits:relief:list"),
                count=relief["n"],
                count_label=_("records this year"),
            )
        )
    if user.has_capability(Capability.REPORT_CLAIMS):
        open_claims = InsuranceClaim.objects.visible_to(user).filter(Q(state__in=OPEN_CLAIM_STATES)).count()
        cards.append(
            Card(
                "insurance",
                _("Insurance"),
                _("The year's group policies, who is insured, and the claims with their documents."),
                reverse("benefits:insurance:home"),
                count=open_claims,
                count_label=_("open claims"),
            )
        )
    if user.has_capability(Capability.VIEW_BENEFIT_REPORTS):
        cards.append(
            Card(
                "reports",
                _("Benefit reports"),
                _("Payout rate by town and month, failures, who joined and left, relief, insurance."),
                reverse("reports:benefits_home"),
                links=[(reverse("benefits:insurance:reports"), _("Insurance reports"))],
            )
        )
    return cards
