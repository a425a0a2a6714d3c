"""Reads of the annual review: the cycles a user sees, the workbench of a level (counts per stage and village,
the overdue ones computed at read time), one case, the public notice of a village."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from benefits.engine import entitlements
from benefits.models import ReviewCase, ReviewCycle, ReviewProof, ReviewStep, Scheme
from benefits.review.services import user_stage
from regions.models import Region
from regions.scope import get_visible_or_404

if TYPE_CHECKING:
    from accounts.models import User

Stage = ReviewCase.Stage
OPEN_STAGES = (Stage.VILLAGE, Stage.TOWN, Stage.COUNTY)

# What the public notice calls a scheme: never the cause (the child's death or disability, an operation's harm).
NOTICE_SCHEME_LABELS: dict[str, Any] = {
    Scheme.DEATH: _("Special assistance for family-planning families"),
    Scheme.DISABILITY: _("Special assistance for family-planning families"),
    Scheme.COMPLICATION: _("Special assistance for family-planning families"),
    Scheme.REWARD: _("Reward assistance for rural family-planning families"),
}


def cycles_for(user: User) -> QuerySet[ReviewCycle]:
    return ReviewCycle.objects.visible_to(user).select_related("county")


def cycle_get(user: User, pk: int) -> ReviewCycle:
    return get_visible_or_404(ReviewCycle.objects.select_related("county"), user, pk=pk)


def stage_deadline(cycle: ReviewCycle, stage: str) -> date | None:
    deadlines: dict[str, date] = {
        Stage.VILLAGE: cycle.village_by,
        Stage.TOWN: cycle.town_by,
        Stage.COUNTY: cycle.county_by,
    }
    return deadlines.get(stage)


def days_overdue(cycle: ReviewCycle, stage: str, today: date) -> int:
    """How many days a case at ``stage`` is past that level's deadline (0 when not overdue)."""
    deadline = stage_deadline(cycle, stage)
    return max(0, (today - deadline).days) if deadline else 0


@dataclass
class VillageCounts:
    village_id: int | None
    name: str
    town: str
    by_stage: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return sum(self.by_stage.get(s, 0) for s in OPEN_STAGES)


@dataclass
class Workbench:
    cycle: ReviewCycle
    stage: str | None  # the user's own stage (None: a role that only reads)
    by_stage: dict[str, int]
    by_outcome: dict[str, int]
    villages: list[VillageCounts]
    overdue: int
    overdue_by_stage: dict[str, int]


def cycle_cases(user: User, cycle: ReviewCycle) -> QuerySet[ReviewCase]:
    return ReviewCase.objects.visible_to(user).filter(cycle=cycle)


def workbench(user: User, cycle: ReviewCycle, today: date) -> Workbench:
    """The counts of a level's workbench (two grouped queries): per stage, per village and stage, decided per
    outcome; a case is overdue when it is still at a level whose deadline has passed (so every open case of that
    stage is), computed here at read time."""
    cases = cycle_cases(user, cycle)
    by_stage: dict[str, int] = defaultdict(int)
    by_outcome: dict[str, int] = defaultdict(int)
    villages: dict[int | None, VillageCounts] = {}
    rows = (
        cases.values(
            "stage",
            "outcome",
            "member__household__village_id",
            "member__household__village__name",
            "member__household__village__parent__name",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_stage[row["stage"]] += row["n"]
        if row["stage"] == Stage.DONE:
            by_outcome[row["outcome"]] += row["n"]
        vid = row["member__household__village_id"]
        v = villages.setdefault(
            vid,
            VillageCounts(
                village_id=vid,
                name=row["member__household__village__name"] or "",
                town=row["member__household__village__parent__name"] or "",
            ),
        )
        v.by_stage[row["stage"]] = v.by_stage.get(row["stage"], 0) + row["n"]
    overdue_by_stage: dict[str, int] = {s: by_stage.get(s, 0) for s in OPEN_STAGES if days_overdue(cycle, s, today) > 0}
    return Workbench(
        cycle=cycle,
        stage=user_stage(user),
        by_stage=dict(by_stage),
        by_outcome=dict(by_outcome),
        villages=sorted(villages.values(), key=lambda v: (v.town, v.name)),
        overdue=sum(overdue_by_stage.values()),
        overdue_by_stage=overdue_by_stage,
    )


def case_list(
    user: User, cycle: ReviewCycle, *, stage: str, village_id: int | None = None, kind: str = ""
) -> QuerySet[ReviewCase]:
    """The cases of the user's area at one stage (names, household numbers and places; never an ID number)."""
    qs = (
        cycle_cases(user, cycle)
        .filter(stage=stage)
        .select_related("member__household__village__parent")
        .annotate(proof_count=Count("proofs"))
        .order_by("member__household__village__path", "member__household__number", "member_id", "scheme")
    )
    if village_id:
        qs = qs.filter(member__household__village_id=village_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def case_get(user: User, pk: int) -> ReviewCase:
    return get_visible_or_404(
        ReviewCase.objects.select_related("cycle__county", "member__household__village__parent").prefetch_related(
            Prefetch("steps", queryset=ReviewStep.objects.select_related("by").order_by("at", "id")),
            Prefetch("proofs", queryset=ReviewProof.objects.order_by("uploaded_at", "id")),
        ),
        user,
        pk=pk,
    )


def proof_get(user: User, pk: int) -> ReviewProof:
    """A proof of a case the user sees (its household in the user's area), or 404."""
    visible = ReviewProof.objects.filter(case__in=ReviewCase.objects.visible_to(user))
    try:
        return visible.select_related("case__member__household__village").get(pk=pk)
    except ReviewProof.DoesNotExist as exc:
        raise Http404(_("Not found.")) from exc


# ---------------------------------------------------------------------------------------------- the public notice


def notice_month(cycle: ReviewCycle) -> date:
    """The month whose amount the notice shows: the first month after the county's approval deadline (the first
    month paid on the year's decision; April with the default 31 March)."""
    by = cycle.county_by
    return date(by.year + (by.month // 12), by.month % 12 + 1, 1)


@dataclass
class NoticeRow:
    name: str
    village: str
    scheme_label: str
    amount: Decimal | None


@dataclass
class Notice:
    cycle: ReviewCycle
    village: Region
    month: date
    rows: list[NoticeRow]
    pending: int  # cases of the village still under review (not on the notice yet)
    notice_to: date | None


def notice_village_get(user: User, pk: int) -> Region:
    return get_visible_or_404(Region.objects.filter(level=Region.Level.VILLAGE), user, pk=pk)


def notice(cycle: ReviewCycle, village: Region) -> Notice:
    """The public notice (公示) of a village: every person the county confirmed in the cycle (new and re-checked,
    not leavers), with name, village, the neutral scheme label and the monthly amount the engine computes for
    ``notice_month`` (the person's lines of that month added; none when the engine finds nothing due then). Never
    an ID number, never the cause."""
    cases = list(
        ReviewCase.objects.filter(
            cycle=cycle,
            member__household__village=village,
            outcome=ReviewCase.Outcome.CONFIRMED,
            kind__in=[ReviewCase.Kind.NEW, ReviewCase.Kind.RECHECK],
        )
        .select_related("member")
        .order_by("member__household__number", "member_id", "scheme")
    )
    pending = ReviewCase.objects.filter(cycle=cycle, member__household__village=village).exclude(stage=Stage.DONE)
    month = notice_month(cycle)
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    member_ids = {c.member_id for c in cases}
    if member_ids:
        for line in entitlements(cycle.county, [month], member_ids=member_ids):
            amounts[line.member_id] += line.amount
    rows: list[NoticeRow] = []
    seen: set[int] = set()
    for case in cases:
        if case.member_id in seen:  # one line per person, whatever the number of schemes
            continue
        seen.add(case.member_id)
        rows.append(
            NoticeRow(
                name=case.member.name,
                village=village.name,
                scheme_label=str(NOTICE_SCHEME_LABELS[case.scheme]),
                amount=amounts.get(case.member_id),
            )
        )
    notice_to = cycle.notice_from + timedelta(days=cycle.notice_days - 1) if cycle.notice_from else None
    return Notice(cycle=cycle, village=village, month=month, rows=rows, pending=pending.count(), notice_to=notice_to)
