"""The benefit reports (issue 14 part 7) for one region of the reader's area and a year: the payout rate by area
and month, the failures by reason, the recipients who joined and left, and relief by kind.

Definitions (each page says them in its footnote):

* **Planned**: the regular lines of the batches that reached "payment generated" or later (generated, returned,
  closed) whose months fall in the year. A line's money is shared evenly over its months (to the fen, the
  remainder on its first month), so a line for several months counts in each of them.
* **Paid**: a planned line the bank paid, or a failed line whose correction line (更正发放, at any depth: a
  correction that failed may be corrected again) was paid; the money paid is what the paying line paid.
* **Persons**: each person counted once per area and period; a person is paid when every planned line of theirs
  in the period is paid (so a failed line later paid by its correction counts as paid).
* **Failures**: the planned lines the bank returned failed, by their reason; *corrected* when a correction paid
  them, *open* otherwise (no correction yet, a correction not yet returned, or one that failed too).
* **Joined / left**: the year's annual review (ReviewCycle.year): a new application confirmed joined; a leaver
  confirmed left with its reason; a current recipient (a re-check or a leaver) refused at the review left as
  "refused at the review"; a new application refused never joined and is counted apart. Persons, once per area.
* **Relief**: the relief given in the year (given_on), by kind: records, households, amount.

The area is the household's village now. Every figure is read for the reader's area (``visible_to``) and the
region shown, with a constant number of queries; the home page's card reads the same functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from benefits.models import PayoutBatch, PayoutLine, Relief, ReviewCase
from households.models import household_scope_q
from regions.models import Region
from regions.paths import is_within
from regions.scope import ScopedQuerySet, user_scope_path
from regions.selectors import counties_under
from reports.city import crumbs_above_county, reads_above_county

if TYPE_CHECKING:
    from accounts.models import User

ZERO = Decimal("0.00")
# The states a batch has once its roster went to the bank: its lines are planned from then on.
PLANNED_STATES = (PayoutBatch.State.GENERATED, PayoutBatch.State.RETURNED, PayoutBatch.State.CLOSED)
REFUSED_AT_REVIEW = "refused"  # the leaving reason of a current recipient refused at the annual review


def ratio(part: Any, whole: Any) -> float | None:
    return float(part) / float(whole) if whole else None


def pct_text(part: Any, whole: Any) -> str:
    """A rate as the pages print it, to a tenth of a percent and rounded down: 100.0% only when all is paid."""
    if not whole:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), rounding=ROUND_DOWN)}%"


@dataclass
class PayoutFigures:
    persons_planned: int = 0
    persons_paid: int = 0
    amount_planned: Decimal = ZERO
    amount_paid: Decimal = ZERO

    @property
    def person_rate(self) -> float | None:
        return ratio(self.persons_paid, self.persons_planned)

    @property
    def money_rate(self) -> float | None:
        return ratio(self.amount_paid, self.amount_planned)

    @property
    def person_pct(self) -> str:
        return pct_text(self.persons_paid, self.persons_planned)

    @property
    def money_pct(self) -> str:
        return pct_text(self.amount_paid, self.amount_planned)


@dataclass
class AreaRow:
    key: int | None  # the child region's id; None: households without a village (seen at county level only)
    label: str
    region: Region | None
    figures: Any


@dataclass
class Scope:
    """What a report reads: the region (inside the reader's area), the year, the scheme ("" = all)."""

    user: User
    region: Region
    year: int
    scheme: str = ""

    @property
    def child_level(self) -> str:
        return {"province": "city", "city": "county", "county": "town", "town": "village"}.get(
            self.region.level, "village"
        )

    @property
    def drill(self) -> bool:
        """Whether the child areas' rows open their own report: not a county's towns for a reader above the county
        (figures only down to the county, reports.city)."""
        return not (reads_above_county(self.user) and self.region.level == Region.Level.COUNTY)

    def households(self, rows: ScopedQuerySet[Any], prefix: str) -> QuerySet[Any]:
        """``rows`` (of households, reached through ``prefix``) inside the region that the reader may count: their
        area's (visible_to); for a reader above the county, the households of the counties under the region (the
        region already checked to be one of their figures, reports.city.figures_region_get)."""
        if reads_above_county(self.user):
            counties = counties_under(region=self.region)
            return rows.filter(**{f"{prefix}county_id__in": [c.pk for c in counties]})
        return rows.visible_to(self.user).filter(household_scope_q(self.region.path, prefix=prefix))

    @property
    def year_range(self) -> DateRange:
        return DateRange(date(self.year, 1, 1), date(self.year + 1, 1, 1), "[)")

    def crumbs(self) -> list[tuple[Region, bool]]:
        """The region's ancestors, each with whether the reader may open its report (inside their area)."""
        scope = user_scope_path(self.user) or ""
        ancestors = [(a, is_within(a.path, scope)) for a in Region.objects.ancestors_of(self.region)]
        return crumbs_above_county(user=self.user, region=self.region) + ancestors


def _group_lookup(scope: Scope, prefix: str) -> str:
    """The lookup of a row's area on the report: the town (a county's report) or the village."""
    return {
        "town": f"{prefix}village__parent_id",
        "county": f"{prefix}county_id",
        "city": f"{prefix}county__parent_id",
    }.get(scope.child_level, f"{prefix}village_id")


def _area_rows(scope: Scope, groups: dict[int | None, Any], make: type) -> list[AreaRow]:
    """One row per child region (towns of a county, villages of a town; a village: itself), and a row for the
    households without a village when there are any."""
    if scope.region.level == Region.Level.VILLAGE:
        children = [scope.region]
    else:
        children = list(Region.objects.filter(parent=scope.region).order_by("code"))
    rows = [AreaRow(key=c.pk, label=c.name, region=c, figures=groups.get(c.pk, make())) for c in children]
    if None in groups:
        rows.append(AreaRow(key=None, label=_("Without a village"), region=None, figures=groups[None]))
    return rows


# ------------------------------------------------------------------------------------------------ payout rate


def _planned_lines(scope: Scope) -> QuerySet[PayoutLine]:
    """The planned regular lines of the scope (the roots of the correction chains)."""
    lines = scope.households(PayoutLine.objects.all(), "household__").filter(
        is_regular=True, batch__state__in=PLANNED_STATES, months__overlap=scope.year_range
    )
    if scope.scheme:
        lines = lines.filter(scheme=scope.scheme)
    return lines


# Per planned line and month of the year: the person, the area, whether the line was paid in the end (down its
# correction chain), and its planned and paid money for the month (the amount shared evenly over the line's
# months, the remainder in fen on the first month). {roots} is the planned lines' query (the reader's area
# applied by the ORM), {group} the area column; the year's bounds are the two parameters at the end.
PAYOUT_MONTHS_SQL = """
WITH RECURSIVE roots AS (
    SELECT l.id, l.member_id, l.amount, l.months, l.status, l.failure_reason, {group} AS grp
    FROM benefits_payoutline l
    JOIN households_household h ON h.id = l.household_id
    LEFT JOIN regions_region v ON v.id = h.village_id
    WHERE l.id IN ({roots})
), chain AS (
    SELECT r.id AS root_id, r.id AS line_id, r.status, r.amount FROM roots r
    UNION ALL
    SELECT c.root_id, n.id, n.status, n.amount
    FROM chain c JOIN benefits_payoutline n ON n.corrects_id = c.line_id
    WHERE c.status = 'failed'
), settled AS (
    SELECT root_id, bool_or(status = 'paid') AS paid,
           coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0) AS paid_amount
    FROM chain GROUP BY root_id
), months AS (
    SELECT r.id, r.member_id, r.grp, r.status, r.failure_reason, s.paid, r.amount, s.paid_amount,
           m.month::date AS month, m.n, count(*) OVER (PARTITION BY r.id) AS k
    FROM roots r
    JOIN settled s ON s.root_id = r.id
    CROSS JOIN LATERAL generate_series(
        lower(r.months)::timestamp, (upper(r.months) - 1)::timestamp, interval '1 month'
    ) WITH ORDINALITY AS m(month, n)
), shares AS (
    SELECT id, member_id, grp, status, failure_reason, paid, month,
           floor(amount * 100 / k) / 100
             + CASE WHEN n = 1 THEN amount - k * (floor(amount * 100 / k) / 100) ELSE 0 END AS planned,
           floor(paid_amount * 100 / k) / 100
             + CASE WHEN n = 1 THEN paid_amount - k * (floor(paid_amount * 100 / k) / 100) ELSE 0 END AS paid_share
    FROM months
)
"""

PAYOUT_RATE_SQL = (
    PAYOUT_MONTHS_SQL
    + """
SELECT grp, month, GROUPING(grp) AS all_areas, GROUPING(month) AS all_months,
       count(DISTINCT member_id) AS persons,
       count(DISTINCT member_id) FILTER (WHERE NOT paid) AS persons_unpaid,
       sum(planned) AS planned, sum(paid_share) AS paid
FROM shares
WHERE month >= %s AND month < %s
GROUP BY GROUPING SETS ((grp, month), (grp), (month), ())
"""
)

FAILURES_SQL = (
    PAYOUT_MONTHS_SQL
    + """
SELECT failure_reason, paid, count(DISTINCT id) AS lines, count(DISTINCT member_id) AS persons, sum(planned) AS amount
FROM shares
WHERE status = 'failed' AND month >= %s AND month < %s
GROUP BY failure_reason, paid
"""
)


def _run(sql: str, scope: Scope) -> list[tuple]:
    """Run a payout query over the scope's planned lines: their query (built by the ORM, the reader's area
    applied) is inlined with its parameters, then the year's bounds."""
    roots_sql, roots_params = _planned_lines(scope).values("id").query.sql_with_params()
    group = {
        "town": "v.parent_id",
        "county": "h.county_id",
        "city": "(SELECT c.parent_id FROM regions_region c WHERE c.id = h.county_id)",
    }.get(scope.child_level, "h.village_id")
    text = sql.format(roots=roots_sql, group=group)
    with connection.cursor() as cursor:
        cursor.execute(text, [*roots_params, date(scope.year, 1, 1), date(scope.year + 1, 1, 1)])
        return cursor.fetchall()


@dataclass
class PayoutReport:
    scope: Scope
    rows: list[AreaRow]
    months: list[tuple[date, PayoutFigures]]
    total: PayoutFigures
    by_area_month: dict[tuple[int | None, date], PayoutFigures] = field(default_factory=dict)


def _figures(persons: int, unpaid: int, planned: Decimal | None, paid: Decimal | None) -> PayoutFigures:
    return PayoutFigures(
        persons_planned=persons,
        persons_paid=persons - unpaid,
        amount_planned=(planned or ZERO).quantize(ZERO),
        amount_paid=(paid or ZERO).quantize(ZERO),
    )


def payout_rate_report(scope: Scope) -> PayoutReport:
    """Paid ÷ planned, persons and money, per child area and per month of the year, and in all (one query)."""
    by_area: dict[int | None, PayoutFigures] = {}
    by_month: dict[date, PayoutFigures] = {}
    by_area_month: dict[tuple[int | None, date], PayoutFigures] = {}
    total = PayoutFigures()
    for grp, month, all_areas, all_months, persons, unpaid, planned, paid in _run(PAYOUT_RATE_SQL, scope):
        figures = _figures(persons, unpaid, planned, paid)
        if all_areas and all_months:
            total = figures
        elif all_areas:
            by_month[month] = figures
        elif all_months:
            by_area[grp] = figures
        else:
            by_area_month[(grp, month)] = figures
    months = [(date(scope.year, m, 1), by_month.get(date(scope.year, m, 1), PayoutFigures())) for m in range(1, 13)]
    return PayoutReport(
        scope=scope,
        rows=_area_rows(scope, by_area, PayoutFigures),
        months=months,
        total=total,
        by_area_month=by_area_month,
    )


# --------------------------------------------------------------------------------------------------- failures


@dataclass
class FailureFigures:
    lines: int = 0
    amount: Decimal = ZERO
    open_lines: int = 0
    open_amount: Decimal = ZERO
    corrected_lines: int = 0
    corrected_amount: Decimal = ZERO

    def add(self, *, corrected: bool, lines: int, amount: Decimal) -> None:
        self.lines += lines
        self.amount += amount
        if corrected:
            self.corrected_lines += lines
            self.corrected_amount += amount
        else:
            self.open_lines += lines
            self.open_amount += amount


@dataclass
class FailureReport:
    scope: Scope
    reasons: list[tuple[str, FailureFigures]]
    total: FailureFigures


def failure_report(scope: Scope) -> FailureReport:
    """The failed planned lines by reason: count and amount (their money in the year), open and corrected."""
    by_reason: dict[str, FailureFigures] = defaultdict(FailureFigures)
    total = FailureFigures()
    for reason, paid, lines, _persons, amount in _run(FAILURES_SQL, scope):
        money = (amount or ZERO).quantize(ZERO)
        by_reason[(reason or "").strip()].add(corrected=paid, lines=lines, amount=money)
        total.add(corrected=paid, lines=lines, amount=money)
    reasons = sorted(by_reason.items(), key=lambda item: (-item[1].lines, item[0]))
    return FailureReport(scope=scope, reasons=reasons, total=total)


# -------------------------------------------------------------------------------------------- joined and left

LEAVE_COLUMNS: tuple[str, ...] = (*ReviewCase.LeaveReason.values, REFUSED_AT_REVIEW)


@dataclass
class RecipientFigures:
    joined: int = 0
    left: int = 0
    refused_applications: int = 0
    left_by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAVE_COLUMNS, 0))

    @property
    def reasons(self) -> list[int]:
        return [self.left_by_reason[key] for key in LEAVE_COLUMNS]


@dataclass
class RecipientReport:
    scope: Scope
    rows: list[AreaRow]
    total: RecipientFigures


def _recipient_figures(cases: Iterable[tuple[int, str, str, str]]) -> RecipientFigures:
    """(member, kind, outcome, leave reason) of decided cases → persons joined, left (by reason), refused."""
    joined: set[int] = set()
    left: set[int] = set()
    refused: set[int] = set()
    by_reason: dict[str, set[int]] = defaultdict(set)
    for member_id, kind, outcome, leave_reason in cases:
        if kind == ReviewCase.Kind.NEW:
            (joined if outcome == ReviewCase.Outcome.CONFIRMED else refused).add(member_id)
        elif outcome == ReviewCase.Outcome.REFUSED:
            left.add(member_id)
            by_reason[REFUSED_AT_REVIEW].add(member_id)
        elif kind == ReviewCase.Kind.LEAVER:
            left.add(member_id)
            by_reason[leave_reason or ReviewCase.LeaveReason.OTHER].add(member_id)
    figures = RecipientFigures(joined=len(joined), left=len(left), refused_applications=len(refused))
    for key in LEAVE_COLUMNS:
        figures.left_by_reason[key] = len(by_reason.get(key, ()))
    return figures


def recipient_report(scope: Scope) -> RecipientReport:
    """Persons who joined and left in the year's annual review, why, per child area (one query)."""
    cases = (
        scope.households(ReviewCase.objects.all(), "member__household__")
        .filter(cycle__year=scope.year, stage=ReviewCase.Stage.DONE)
        .exclude(kind=ReviewCase.Kind.RECHECK, outcome=ReviewCase.Outcome.CONFIRMED)
    )
    if scope.scheme:
        cases = cases.filter(scheme=scope.scheme)
    rows = list(
        cases.annotate(grp=F(_group_lookup(scope, "member__household__"))).values_list(
            "grp", "member_id", "kind", "outcome", "leave_reason"
        )
    )
    per_area: dict[int | None, list[tuple[int, str, str, str]]] = defaultdict(list)
    for grp, *case in rows:
        per_area[grp].append(tuple(case))
    groups = {grp: _recipient_figures(items) for grp, items in per_area.items()}
    total = _recipient_figures(tuple(case) for _grp, *case in rows)
    return RecipientReport(scope=scope, rows=_area_rows(scope, groups, RecipientFigures), total=total)


# ------------------------------------------------------------------------------------------------------ relief


@dataclass
class ReliefFigures:
    records: int = 0
    households: int = 0
    amount: Decimal = ZERO


@dataclass
class ReliefArea:
    row: AreaRow
    kinds: list[tuple[str, str, ReliefFigures]]  # (kind, label, figures) of the kinds given there
    total: ReliefFigures


@dataclass
class ReliefReport:
    scope: Scope
    kinds: list[tuple[str, str, ReliefFigures]]  # every kind, in the choices' order
    areas: list[ReliefArea]
    total: ReliefFigures


def _relief_figures(items: list[tuple[int, Decimal | None]]) -> ReliefFigures:
    return ReliefFigures(
        records=len(items),
        households=len({household_id for household_id, _ in items}),
        amount=sum((amount or ZERO for _, amount in items), ZERO),
    )


def relief_report(scope: Scope) -> ReliefReport:
    """Relief given in the year by kind — records, households, amount — in all and per child area (one query)."""
    rows = list(
        scope.households(Relief.objects.all(), "household__")
        .filter(given_on__year=scope.year)
        .annotate(grp=F(_group_lookup(scope, "household__")))
        .values_list("grp", "kind", "household_id", "amount")
    )
    labels = dict(Relief.Kind.choices)
    by_kind: dict[str, list[tuple[int, Decimal | None]]] = defaultdict(list)
    by_area: dict[int | None, list[tuple[str, int, Decimal | None]]] = defaultdict(list)
    for grp, kind, household_id, amount in rows:
        by_kind[kind].append((household_id, amount))
        by_area[grp].append((kind, household_id, amount))
    kinds = [(kind, str(labels[kind]), _relief_figures(by_kind.get(kind, []))) for kind in Relief.Kind.values]
    groups = {}
    for grp, items in by_area.items():
        per_kind: dict[str, list[tuple[int, Decimal | None]]] = defaultdict(list)
        for kind, household_id, amount in items:
            per_kind[kind].append((household_id, amount))
        groups[grp] = (per_kind, _relief_figures([(h, a) for _k, h, a in items]))
    areas = []
    for row in _area_rows(scope, {g: v[1] for g, v in groups.items()}, ReliefFigures):
        per_kind = groups.get(row.key, ({}, None))[0]
        areas.append(
            ReliefArea(
                row=row,
                kinds=[(k, str(labels[k]), _relief_figures(per_kind[k])) for k in Relief.Kind.values if k in per_kind],
                total=row.figures,
            )
        )
    total = _relief_figures([(h, a) for _g, _k, h, a in rows])
    return ReliefReport(scope=scope, kinds=kinds, areas=areas, total=total)


# ------------------------------------------------------------------------------------------- the home page card


@dataclass
class BenefitCard:
    year: int
    payouts: PayoutFigures
    open_failures: int
    open_amount: Decimal


def benefit_card(*, user: User, year: int) -> BenefitCard | None:
    """The home page's benefits card: the year's payout rate and open failures of the user's area — the report
    pages' own figures (the same functions, all schemes)."""
    if user.region is None or user_scope_path(user) is None:
        return None
    scope = Scope(user=user, region=user.region, year=year)
    failures = failure_report(scope).total
    return BenefitCard(
        year=year,
        payouts=payout_rate_report(scope).total,
        open_failures=failures.open_lines,
        open_amount=failures.open_amount,
    )
