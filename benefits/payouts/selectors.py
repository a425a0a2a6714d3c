"""Reads of the payouts: batches and lines inside the reader's area, what the engine says is due, the plan of a
batch's lines and its reconciliation with the archive (the rules: benefits.payouts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User as UserModel
from accounts.roles import Role
from benefits.engine import run
from benefits.models import BenefitProfile, PayoutBatch, PayoutLine, PayoutStep, ReviewCase, Scheme
from households.models import Household, HouseholdTransfer, Member
from regions.models import Region
from regions.paths import are_related
from regions.scope import get_visible_or_404, user_scope_path

if TYPE_CHECKING:
    from accounts.models import User

ZERO = Decimal("0.00")


# ------------------------------------------------------------------------------------------------ months


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first`` to ``last`` (both included)."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    return months


def months_range(first: date, last: date) -> DateRange:
    """A line's months as stored: [the first of the first month, the first of the last month]."""
    return DateRange(first, last, "[]")


def range_months(value: DateRange) -> tuple[date, date]:
    """The first and last month of a stored range (PostgreSQL gives it back as [first, last + 1 day))."""
    lower, upper = value.lower, value.upper
    if not value.upper_inc:
        upper = date.fromordinal(upper.toordinal() - 1)
    return lower, upper.replace(day=1)


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


# ------------------------------------------------------------------------------------------------ batches


def batch_list_for_user(*, user: User) -> QuerySet[PayoutBatch]:
    """The batches the user may open: the county's for county staff; for a town cadre those with a line in the
    town (or narrowed to it)."""
    batches = PayoutBatch.objects.visible_to(user).select_related("county", "area", "corrects")
    path = user_scope_path(user)
    if path is None:
        return batches.none()
    if path.count("/") > 1:  # below the county: only the batches that touch the user's area
        lines = PayoutLine.objects.visible_to(user).filter(batch=OuterRef("pk"))
        batches = batches.filter(Exists(lines) | Q(area__path__startswith=path))
    return batches.order_by("-created_at", "-id")


def batch_get_for_user(*, user: User, pk: int) -> PayoutBatch:
    """The gatekeeper of one batch: 404 outside the county, and below the county for a batch with no line in
    the user's area (a town cadre of another town sees nothing of it)."""
    batch = get_visible_or_404(PayoutBatch.objects.select_related("county", "area", "corrects"), user, pk=pk)
    path = user_scope_path(user) or ""
    if path.count("/") > 1:
        touches = batch.area is not None and are_related(batch.area.path, path)
        if not touches and not PayoutLine.objects.visible_to(user).filter(batch=batch).exists():
            raise Http404(_("Not found."))
    return batch


def lines_for_user(*, user: User, batch: PayoutBatch) -> QuerySet[PayoutLine]:
    """The batch's lines the user may see (a town cadre: the town's), in roster order."""
    return PayoutLine.objects.visible_to(user).filter(batch=batch).order_by("seq")


@dataclass(frozen=True)
class LineTotals:
    count: int
    amount: Decimal
    paid: int
    paid_amount: Decimal
    failed: int
    failed_amount: Decimal
    planned: int


def line_totals(lines: QuerySet[PayoutLine]) -> LineTotals:
    """Counts and sums by status, one query."""
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for status, count, total in (
        lines.order_by().values("status").annotate(n=Count("id"), s=Sum("amount")).values_list("status", "n", "s")
    ):
        counts[status] += count
        sums[status] += total or ZERO
    return LineTotals(
        count=sum(counts.values()),
        amount=sum(sums.values(), ZERO),
        paid=counts[PayoutLine.Status.PAID],
        paid_amount=sums[PayoutLine.Status.PAID],
        failed=counts[PayoutLine.Status.FAILED],
        failed_amount=sums[PayoutLine.Status.FAILED],
        planned=counts[PayoutLine.Status.PLANNED],
    )


def batch_towns(batch: PayoutBatch) -> dict[int, Region]:
    """The towns that have lines in the batch (their cadres do the town review), one query."""
    town_ids = (
        PayoutLine.objects.filter(batch=batch, household__village__isnull=False)
        .values_list("household__village__parent_id", flat=True)
        .distinct()
    )
    return {town.pk: town for town in Region.objects.filter(pk__in=town_ids).order_by("path")}


def towns_without_cadre(town_ids: Iterable[int]) -> set[int]:
    """Of these towns, those with no active town cadre: nobody there can do the town review, so the county does it
    for them (benefits.payouts.services.payout_batch_town_confirm). One query."""
    ids = set(town_ids)
    staffed = set(
        UserModel.objects.filter(region_id__in=ids, role=Role.TOWN_CADRE, is_active=True).values_list(
            "region_id", flat=True
        )
    )
    return ids - staffed


def last_submitted_at(batch: PayoutBatch) -> Any:
    step = (
        PayoutStep.objects.filter(batch=batch, to_state=PayoutBatch.State.TOWN_REVIEW)
        .exclude(from_state=PayoutBatch.State.TOWN_REVIEW)
        .order_by("-at", "-id")
        .first()
    )
    return step.at if step else None


def town_confirmations(batch: PayoutBatch) -> dict[int, PayoutStep]:
    """Town id → its confirmation since the batch was last submitted."""
    since = last_submitted_at(batch)
    if since is None or batch.state != PayoutBatch.State.TOWN_REVIEW:
        return {}
    steps = PayoutStep.objects.filter(
        batch=batch, result=STEP_TOWN_CONFIRMED, area__isnull=False, at__gte=since
    ).select_related("by")
    return {step.area_id: step for step in steps if step.area_id is not None}


STEP_TOWN_CONFIRMED = "town_confirmed"


def steps_of(batch: PayoutBatch) -> QuerySet[PayoutStep]:
    return PayoutStep.objects.filter(batch=batch).select_related("by", "area").order_by("at", "id")


# ------------------------------------------------------------------------------------------------ what is due


@dataclass
class Due:
    """What the engine says a person is due for a scheme over some months (confirmed months only)."""

    member_id: int
    household_id: int
    months: list[date] = field(default_factory=list)
    amount: Decimal = ZERO
    groups: list[dict[str, Any]] = field(default_factory=list)  # the explanation kept on the line
    unconfirmed_months: list[date] = field(default_factory=list)


def _parts_json(parts: Any) -> list[dict[str, Any]]:
    return [
        {
            "level": str(part.level),
            "amount": str(part.amount),
            "standard_id": part.standard_id,
            "document": part.document,
        }
        for part in parts
    ]


def due_by_member(
    *,
    county: Region,
    scheme: str,
    months: list[date],
    area: Region | None = None,
    member_ids: Any = None,
) -> dict[int, Due]:
    """Member id → what the engine's confirmed entitlements of ``scheme`` come to over ``months`` (set-based:
    the engine's constant queries). Months with an unconfirmed entitlement are kept apart (not payable)."""
    from benefits.engine import entitlements

    found = entitlements(county, months, area=area, member_ids=member_ids)
    result: dict[int, Due] = {}
    for item in sorted((e for e in found if e.scheme == scheme), key=lambda e: (e.member_id, e.month)):
        due = result.get(item.member_id)
        if due is None:
            due = result[item.member_id] = Due(member_id=item.member_id, household_id=item.household_id)
        if not item.confirmed:
            due.unconfirmed_months.append(item.month)
            continue
        due.months.append(item.month)
        due.amount += item.amount
        parts = _parts_json(item.parts)
        last = due.groups[-1] if due.groups else None
        if (
            last is not None
            and last["amount_per_month"] == str(item.amount)
            and last["parts"] == parts
            and last["to"] == month_label(month_add(item.month, -1))
        ):
            last["to"] = month_label(item.month)
            last["months"] += 1
        else:
            due.groups.append(
                {
                    "from": month_label(item.month),
                    "to": month_label(item.month),
                    "months": 1,
                    "amount_per_month": str(item.amount),
                    "parts": parts,
                    "facts": item.facts,
                }
            )
    return result


def paid_elsewhere(
    *, scheme: str, first: date, last: date, member_ids: list[int], exclude_batch: PayoutBatch | None = None
) -> dict[int, str]:
    """Member id → the title of a batch whose regular line already holds one of the months (one query)."""
    lines = PayoutLine.objects.filter(
        is_regular=True, scheme=scheme, member_id__in=member_ids, months__overlap=months_range(first, last)
    )
    if exclude_batch is not None:
        lines = lines.exclude(batch=exclude_batch)
    return dict(lines.values_list("member_id", "batch__title"))


# ------------------------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Left:
    """A person the plan could not put on the batch, and why."""

    member_id: int
    name: str
    household_number: str
    village: str
    amount: Decimal
    why: str


@dataclass
class Plan:
    lines: list[PayoutLine]
    missing_account: list[Left]
    already_paid: list[Left]


def _head_names(household_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Household id → (name, ID number) of its head: the husband, else the wife; a living one first."""
    heads: dict[int, tuple[str, str]] = {}
    rows = (
        Member.objects.filter(household_id__in=household_ids, role__in=[Member.Role.HUSBAND, Member.Role.WIFE])
        .order_by("household_id", "-alive", "role", "id")  # "husband" sorts before "wife"
        .values_list("household_id", "name", "id_number")
    )
    for household_id, name, id_number in rows:
        heads.setdefault(household_id, (name, id_number or ""))
    return heads


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def payout_plan(
    *,
    batch: PayoutBatch,
    due: dict[int, Due],
    start_seq: int = 1,
) -> Plan:
    """The unsaved lines for ``due`` (member → Due) on ``batch``, in roster order (town, village, household,
    person), with the persons left out: no account, or months already paid in another batch. A constant number
    of queries."""
    member_ids = [m for m, d in due.items() if d.months]
    if not member_ids:
        return Plan(lines=[], missing_account=[], already_paid=[])
    elsewhere = paid_elsewhere(
        scheme=batch.scheme, first=batch.period_start, last=batch.period_end, member_ids=member_ids, exclude_batch=None
    )
    members = list(
        Member.objects.filter(pk__in=member_ids)
        .select_related("household", "household__village", "household__village__parent")
        .order_by("household__village__path", "household__number", "role", "id")
    )
    profiles = {p.member_id: p for p in BenefitProfile.objects.filter(member_id__in=member_ids)}
    heads = _head_names(list({m.household_id for m in members}))
    plan = Plan(lines=[], missing_account=[], already_paid=[])
    seq = start_seq
    for member in members:
        item = due[member.pk]
        household = member.household
        village = household.village.name if household.village is not None else ""
        if member.pk in elsewhere:
            plan.already_paid.append(
                Left(member.pk, member.name, household.number, village, item.amount, elsewhere[member.pk])
            )
            continue
        profile = profiles.get(member.pk)
        if profile is None or not profile.has_account:
            plan.missing_account.append(Left(member.pk, member.name, household.number, village, item.amount, ""))
            continue
        head_name, head_id = heads.get(household.pk, (member.name, member.id_number or ""))
        plan.lines.append(
            PayoutLine(
                batch=batch,
                seq=seq,
                member=member,
                household=household,
                scheme=batch.scheme,
                months=months_range(item.months[0], item.months[-1]),
                month_count=len(item.months),
                amount=item.amount,
                explanation=item.groups,
                head_name=head_name,
                head_id_number=head_id,
                payee_name=profile.payee_name,
                payee_id_number=profile.payee_id_number,
                payee_relationship=profile.payee_relationship,
                account_number=profile.account_number,
                bank_name=profile.bank_name,
                village_name=village,
                group_name="",
                beneficiary_name=member.name,
                beneficiary_id_number=member.id_number or "",
                phone=member.phone,
                address=household.address,
                age=_age(member.birth_date, batch.filled_on),
            )
        )
        seq += 1
    return plan


# ------------------------------------------------------------------------------------------------ reconciliation


@dataclass(frozen=True)
class Finding:
    """One disagreement between the batch and the engine or the archive."""

    member_id: int
    name: str
    household_number: str
    village: str
    line_id: int | None  # None: not in the batch
    seq: int | None
    batch_amount: Decimal | None
    due_amount: Decimal
    reasons: tuple[str, ...]


@dataclass
class Reconciliation:
    ineligible: list[Finding]  # in the batch, nothing due now
    changed: list[Finding]  # in the batch, another amount due now
    missing: list[Finding]  # due, not in the batch, may be added
    missing_account: list[Finding]  # due, not in the batch, no bank account: cannot enter
    already_paid: list[Finding]  # due, but the months are in another batch already

    @property
    def blocking(self) -> bool:
        """A line no longer eligible holds the batch back (submit and county review are refused)."""
        return bool(self.ineligible)

    @property
    def clean(self) -> bool:
        return not (self.ineligible or self.changed or self.missing or self.missing_account)


def archive_reasons(*, member_ids: list[int], batch: PayoutBatch) -> dict[int, list[str]]:
    """Member id → the archive's events that end or change the entitlement, in words (constant queries)."""
    reasons: dict[int, list[str]] = defaultdict(list)
    members = Member.objects.filter(pk__in=member_ids).select_related("household", "household__county")
    household_ids = set()
    for member in members:
        household = member.household
        household_ids.add(household.pk)
        if not member.alive or member.death_date:
            when = member.death_date.isoformat() if member.death_date else _("date unknown")
            reasons[member.pk].append(_("died (%(date)s)") % {"date": when})
        if household.other_child_on:
            reasons[member.pk].append(
                _("another child born or adopted (%(date)s)") % {"date": household.other_child_on.isoformat()}
            )
        if household.status == Household.Status.CLOSED:
            reasons[member.pk].append(
                _("household closed: %(reason)s (%(date)s)")
                % {
                    "reason": household.get_closed_reason_display(),
                    "date": household.closed_on.isoformat() if household.closed_on else "—",
                }
            )
        if household.county_id != batch.county_id:
            reasons[member.pk].append(_("moved to another county (%(county)s)") % {"county": household.county.name})
        if household.child_recovered_on:
            reasons[member.pk].append(
                _("the child recovered (%(date)s)") % {"date": household.child_recovered_on.isoformat()}
            )
        if batch.scheme == Scheme.DISABILITY and household.family_type == Household.FamilyType.DEATH:
            reasons[member.pk].append(_("the child died: the family moved to the death branch"))
    transfers = HouseholdTransfer.objects.filter(
        household_id__in=household_ids, status=HouseholdTransfer.Status.ACCEPTED
    ).select_related("to_county")
    moved = {t.household_id: t for t in transfers}
    refused = set(
        ReviewCase.objects.filter(
            member_id__in=member_ids,
            scheme=batch.scheme,
            outcome=ReviewCase.Outcome.REFUSED,
            cycle__year__lte=batch.period_end.year,
        ).values_list("member_id", flat=True)
    )
    for member in members:
        transfer = moved.get(member.household_id)
        if transfer is not None and member.household.county_id == batch.county_id:
            reasons[member.pk].append(
                _("transferred to %(county)s (%(date)s)")
                % {"county": transfer.to_county.name, "date": f"{transfer.decided_at:%Y-%m-%d}"}
            )
        if member.pk in refused:
            reasons[member.pk].append(_("refused by the annual review"))
    return reasons


def _batch_due(batch: PayoutBatch, lines: list[PayoutLine]) -> dict[int, Due]:
    """What the engine says is due now for the batch's months: its area's persons and the batch's own."""
    months = months_between(batch.period_start, batch.period_end)
    if batch.kind == PayoutBatch.Kind.CORRECTION:
        return due_by_member(
            county=batch.county, scheme=batch.scheme, months=months, member_ids=[line.member_id for line in lines]
        )
    due = due_by_member(county=batch.county, scheme=batch.scheme, months=months, area=batch.area)
    # Persons of the batch who have left the area (or the county) are asked for by id.
    absent = [line.member_id for line in lines if line.member_id not in due]
    if absent:
        due.update(due_by_member(county=batch.county, scheme=batch.scheme, months=months, member_ids=absent))
    return due


def _owed(batch: PayoutBatch, line: PayoutLine, item: Due | None) -> Decimal:
    """What is due now for the line: a regular line, the batch's months; a correction, its failed line's months."""
    if item is None:
        return ZERO
    if batch.kind == PayoutBatch.Kind.REGULAR:
        return item.amount
    first, last = range_months(line.months)
    return sum((amount for month, amount in _month_amounts(item) if first <= month <= last), ZERO)


def _line_findings(batch: PayoutBatch, lines: list[PayoutLine], due: dict[int, Due], result: Reconciliation) -> None:
    suspects = []
    for line in lines:
        owed = _owed(batch, line, due.get(line.member_id))
        # A correction re-pays a failed amount: only less due now is a finding.
        if owed != line.amount and (batch.kind == PayoutBatch.Kind.REGULAR or owed < line.amount):
            suspects.append((line, owed))
    reasons = archive_reasons(member_ids=[line.member_id for line, _owed in suspects], batch=batch)
    for line, owed in suspects:
        why = list(reasons.get(line.member_id, []))
        item = due.get(line.member_id)
        if item is not None and item.unconfirmed_months:
            why.append(_("not confirmed by the annual review"))
        if not why:
            why.append(_("the engine computes another amount now (see the explanation)"))
        finding = Finding(
            member_id=line.member_id,
            name=line.beneficiary_name,
            household_number=line.household.number,
            village=line.village_name,
            line_id=line.pk,
            seq=line.seq,
            batch_amount=line.amount,
            due_amount=owed,
            reasons=tuple(why),
        )
        (result.ineligible if owed == ZERO else result.changed).append(finding)


def _missing_findings(batch: PayoutBatch, due: dict[int, Due], result: Reconciliation) -> None:
    plan = payout_plan(batch=batch, due=due)
    for line in plan.lines:
        result.missing.append(
            _missing(line.member_id, line.beneficiary_name, line.household.number, line.village_name, line.amount)
        )
    for left in plan.missing_account:
        result.missing_account.append(
            _missing(left.member_id, left.name, left.household_number, left.village, left.amount)
        )
    for left in plan.already_paid:
        result.already_paid.append(
            Finding(
                left.member_id,
                left.name,
                left.household_number,
                left.village,
                None,
                None,
                None,
                left.amount,
                (left.why,),
            )
        )


def reconciliation(batch: PayoutBatch) -> Reconciliation:
    """The batch held against the engine (its months) and the archive's events (benefits.payouts). Constant
    queries: the engine's, the lines, the archive's events, the plan of the missing."""
    lines = list(
        PayoutLine.objects.filter(batch=batch).select_related("household", "household__village").order_by("seq")
    )
    due = _batch_due(batch, lines)
    result = Reconciliation(ineligible=[], changed=[], missing=[], missing_account=[], already_paid=[])
    _line_findings(batch, lines, due, result)
    if batch.kind == PayoutBatch.Kind.REGULAR:
        in_batch = {line.member_id for line in lines}
        candidates = {m: d for m, d in due.items() if m not in in_batch and d.months}
        if candidates:
            _missing_findings(batch, candidates, result)
    return result


def _missing(member_id: int, name: str, number: str, village: str, amount: Decimal) -> Finding:
    return Finding(member_id, name, number, village, None, None, None, amount, ())


def _month_amounts(item: Due) -> list[tuple[date, Decimal]]:
    """Each confirmed month of a Due with its amount (from its explanation's groups)."""
    out: list[tuple[date, Decimal]] = []
    for group in item.groups:
        year, month = (int(p) for p in group["from"].split("-"))
        first = date(year, month, 1)
        for index in range(group["months"]):
            out.append((month_add(first, index), Decimal(group["amount_per_month"])))
    return out


# ------------------------------------------------------------------------------------------------ follow-ups


def payout_followups_for_user(*, user: User) -> QuerySet[PayoutLine]:
    """The failed lines of the user's area whose account is still the one the bank refused and that no correction
    has re-paid: the bank accounts to fix on the next visit."""
    profiles = BenefitProfile.objects.filter(
        member_id=OuterRef("member_id"),
        account_number=OuterRef("account_number"),
        bank_name=OuterRef("bank_name"),
        payee_name=OuterRef("payee_name"),
    )
    return (
        PayoutLine.objects.visible_to(user)
        .filter(status=PayoutLine.Status.FAILED, correction__isnull=True)
        .filter(Exists(profiles))
        .select_related("batch", "household")
        .order_by("village_name", "household__number", "seq")
    )


@dataclass(frozen=True)
class DueWithoutAccount:
    member_id: int
    name: str
    household_id: int
    number: str
    village: str
    amount: Decimal


def due_without_account(*, user: User, month: date) -> list[DueWithoutAccount]:
    """The persons of a town's or a village's area due money in ``month`` (the engine, for that area) who have no
    complete bank account: they cannot enter a payout batch until the cadre records one. County staff see the same
    persons in each batch's reconciliation (a county-wide engine run is not made on a page load)."""
    region = getattr(user, "region", None)
    path = user_scope_path(user)
    if region is None or path is None or region.level not in (Region.Level.TOWN, Region.Level.VILLAGE):
        return []
    county = Region.objects.county_of(path)
    if county is None:
        return []
    due: dict[int, Decimal] = defaultdict(Decimal)
    for line in run(county, [month.replace(day=1)], area=region).lines:
        due[line.member_id] += line.amount
    if not due:
        return []
    complete = {p.member_id for p in BenefitProfile.objects.filter(member_id__in=due) if p.has_account}
    members = (
        Member.objects.filter(pk__in=[m for m in due if m not in complete])
        .select_related("household", "household__village")
        .order_by("household__village__path", "household__number", "id")
    )
    return [
        DueWithoutAccount(
            m.pk,
            m.name,
            m.household_id,
            m.household.number,
            m.household.village.name if m.household.village is not None else "",
            due[m.pk],
        )
        for m in members
    ]
