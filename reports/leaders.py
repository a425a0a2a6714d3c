"""The leaders' home (issue 17 part 8): what a leader — of a town, a county, a city or a province — and the city
association's staff are assessed on, for their level, with a 12-month trend and their child units side by side.

Every figure is the one of the page it links to, read by the same functions:

* 三个全覆盖 (contacts, green channel, family doctor) and the monthly contact rate: the coverage dashboard
  (reports.selectors.coverage_dashboard; a city's or province's: reports.city), its trend the dashboard's;
* the payout rate: the benefit reports' (reports.benefits.payout_rate_report, this year, persons and money), the
  trend its months over the last twelve;
* insurance: enrolment as the insurance report counts it (benefits.insurance: the persons each product of the year
  covers on the day — its eligibility — and those with a line running that day), claims of the year by the date of
  the event (reported, paid, money paid), the trend the claims reported per month;
* activities: sessions and person-times (attendance rows) of the activities organised in the area that start this
  month, the households of the area never invited to (nor attending) an activity this year — activities'
  invitation_gaps definition; the trend sessions per month;
* reporting completeness of the warm-heart monthly form for last month (reports.statforms.completeness), the trend
  its reporting rate per month.

A reader above the county reads the households of the counties under their node (figures only, reports.city); the
others their own area. The number of queries does not depend on the number of units or households.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from activities.models import Activity, Attendance, Invitation
from benefits.insurance.services import eligibility_sql
from benefits.models import InsuranceClaim, InsuranceProduct
from households.models import Household
from regions.models import Region
from regions.paths import county_path
from regions.selectors import counties_under, figure_paths, figure_paths_q
from reports import benefits
from reports.city import reads_above_county
from reports.models import StatformCount, StatformCountStamp
from reports.selectors import Dashboard, coverage_dashboard, ratio

if TYPE_CHECKING:
    from accounts.models import User

ZERO = Decimal("0.00")
COMPLETENESS_TEMPLATE = "warm_monthly"


def month_starts(as_of: date, n: int = 12) -> list[date]:
    """The first days of the ``n`` months ending with as_of's, oldest first."""
    months: list[date] = []
    year, month = as_of.year, as_of.month
    for _month in range(n):
        months.insert(0, date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


@dataclass
class UnitFigures:
    """One child unit's figures beside the coverage dashboard's (the row's Figures)."""

    eligible: int = 0
    insured: int = 0
    claims: int = 0
    claims_paid: int = 0
    claims_amount: Decimal = ZERO
    sessions: int = 0
    person_times: int = 0
    never_invited: int = 0
    payouts: benefits.PayoutFigures = field(default_factory=benefits.PayoutFigures)

    @property
    def insured_rate(self) -> float | None:
        return ratio(self.insured, self.eligible)


@dataclass
class Unit:
    region: Region | None  # None: the facts of the region itself (own level) or without a village
    label: str
    coverage: Any  # reports.selectors.Figures
    figures: UnitFigures


@dataclass
class LeaderHome:
    region: Region
    as_of: date
    dashboard: Dashboard
    payouts: benefits.PayoutFigures
    total: UnitFigures
    units: list[Unit]
    months: list[date]
    trends: dict[str, list[tuple[str, float | None]]]  # rates 0–1 by month key
    counts: dict[str, list[tuple[str, int]]]  # counts by month key
    open_failures: int = 0  # failed payments not corrected (the benefit reports' failures page)
    completeness: Any | None = None  # reports.statforms.completeness.Completeness of last month
    completeness_period: Any | None = None


def leader_home(*, user: User, as_of: date) -> LeaderHome:
    """The leaders' home of ``user``'s own node (the caller checked VIEW_COVERAGE)."""
    region = user.region
    if region is None:
        raise PermissionDenied(_("Your role does not allow this."))
    dashboard = coverage_dashboard(user=user, region=region, as_of=as_of)
    scope = benefits.Scope(user=user, region=region, year=as_of.year)
    months = month_starts(as_of)
    units: dict[Any, UnitFigures] = defaultdict(UnitFigures)
    total = UnitFigures()
    trends: dict[str, list[tuple[str, float | None]]] = {}
    counts: dict[str, list[tuple[str, int]]] = {}

    payouts, trends["payouts"] = _payouts(scope, units, months)
    _insurance(scope, units, total, as_of=as_of)
    counts["claims"] = _claims(scope, units, total, months=months, as_of=as_of)
    counts["sessions"] = _activities(scope, units, total, months=months, as_of=as_of)
    _never_invited(scope, units, total, year=as_of.year)
    trends["month"] = [(key, met / n if n else None) for key, n, met in dashboard.trend]
    completeness, period, trends["completeness"] = _completeness(region, months)
    trends["cards"], trends["signed"] = _medical_coverage_trends(region, months)

    rows = [
        Unit(region=row.region, label=row.label, coverage=row.figures, figures=units.get(row.key, UnitFigures()))
        for row in dashboard.rows
        if row.region is not None
    ]
    return LeaderHome(
        region=region,
        as_of=as_of,
        dashboard=dashboard,
        payouts=payouts,
        total=total,
        units=rows,
        months=months,
        trends=trends,
        counts=counts,
        open_failures=benefits.failure_report(scope).total.open_lines,
        completeness=completeness,
        completeness_period=period,
    )


COVERAGE_TREND_MEASURES = ("cover.persons", "cover.cards", "cover.willing", "cover.signed")


def _medical_coverage_trends(
    region: Region, months: list[date]
) -> tuple[list[tuple[str, float | None]], list[tuple[str, float | None]]]:
    """The green-channel and family-doctor coverages of each month, as of the month's end, from the statistical
    forms' counts (reports.statforms.snapshots: the same figures as the 三个全覆盖 form of that month). A month
    whose counts are not whole for every county under the region has no figure (None), never a partial one. Two
    queries."""
    keys = [_month_key(month) for month in months]
    counties = counties_under(region=region) if region.is_above_county else []
    if not region.is_above_county:
        county = Region.objects.county_of(region.path)
        counties = [county] if county is not None else []
    stamps: dict[str, int] = defaultdict(int)
    for period_key, measures in StatformCountStamp.objects.filter(county__in=counties, period_key__in=keys).values_list(
        "period_key", "measures"
    ):
        if set(COVERAGE_TREND_MEASURES) <= set(measures):
            stamps[period_key] += 1
    whole = [key for key in keys if counties and stamps[key] == len(counties)]
    sums: dict[tuple[str, str], Decimal] = {
        (row["period_key"], row["measure"]): row["total"]
        for row in StatformCount.objects.filter(
            figure_paths_q(region=region, lookup="region__path"),
            period_key__in=whole,
            measure__in=COVERAGE_TREND_MEASURES,
        )
        .values("period_key", "measure")
        .annotate(total=Sum("value"))
    }

    def rate(key: str, part: str, whole_measure: str) -> float | None:
        if key not in whole:
            return None
        return ratio(int(sums.get((key, part), 0)), int(sums.get((key, whole_measure), 0)))

    cards = [(key, rate(key, "cover.cards", "cover.persons")) for key in keys]
    signed = [(key, rate(key, "cover.signed", "cover.willing")) for key in keys]
    return cards, signed


def _month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _payouts(
    scope: benefits.Scope, units: dict[Any, UnitFigures], months: list[date]
) -> tuple[benefits.PayoutFigures, list[tuple[str, float | None]]]:
    """This year's payout rate (persons) in all and per unit, and the rate per month over the last twelve: the
    benefit report's figures (one query per year the months touch)."""
    report = benefits.payout_rate_report(scope)
    for row in report.rows:
        units[row.key].payouts = row.figures
    by_month = dict(report.months)
    if months[0].year != scope.year:
        earlier = benefits.Scope(user=scope.user, region=scope.region, year=months[0].year)
        by_month.update(dict(benefits.payout_rate_report(earlier).months))
    trend = [(_month_key(m), by_month[m].person_rate if m in by_month else None) for m in months]
    return report.total, trend


def _group_sql(scope: benefits.Scope) -> str:
    """The unit of a household row (``h``, its village ``v``) as SQL: the benefit reports' grouping."""
    return {
        "town": "v.parent_id",
        "county": "h.county_id",
        "city": "(SELECT c.parent_id FROM regions_region c WHERE c.id = h.county_id)",
    }.get(scope.child_level, "h.village_id")


def _counties(scope: benefits.Scope) -> list[Region]:
    if scope.region.is_above_county:
        return counties_under(region=scope.region)
    county = Region.objects.county_of(scope.region.path)
    return [county] if county else []


def _insurance(scope: benefits.Scope, units: dict[Any, UnitFigures], total: UnitFigures, *, as_of: date) -> None:
    """Persons each product of the year covers on the day (its start if later, its end if earlier) and those
    enrolled that day, in the area, per unit — benefits.insurance.selectors.enrolment_rates' definition, every
    product in one statement (UNION ALL)."""
    products = list(InsuranceProduct.objects.filter(county__in=_counties(scope), year=as_of.year))
    if not products:
        return
    parts, params = [], {}
    if reads_above_county(scope.user):
        area = "TRUE"
    else:
        area = "(v.path LIKE %(area)s OR (h.village_id IS NULL AND c.path LIKE %(area)s))"
        params["area"] = scope.region.path.replace("%", r"\%").replace("_", r"\_") + "%"
    for i, product in enumerate(products):
        day = min(max(as_of, product.starts_on), product.ends_on)
        where, own = eligibility_sql(product, day)
        own.update(product=product.pk, day=day)
        where = _suffixed(where, i)
        params.update({f"{key}_{i}": value for key, value in own.items()})
        parts.append(
            f"""
            SELECT {_group_sql(scope)} AS grp, count(*) AS eligible,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM benefits_insuredline l WHERE l.member_id = m.id AND l.product_id = %(product_{i})s
                          AND l.starts_on <= %(day_{i})s AND l.ends_on >= %(day_{i})s)) AS enrolled
              FROM households_member m
              JOIN households_household h ON h.id = m.household_id
              JOIN regions_region c ON c.id = h.county_id
              LEFT JOIN regions_region v ON v.id = h.village_id
             WHERE {where} AND {area}
             GROUP BY 1"""
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for grp, eligible, enrolled in cursor.fetchall():
            units[grp].eligible += eligible
            units[grp].insured += enrolled
            total.eligible += eligible
            total.insured += enrolled


def _suffixed(sql: str, i: int) -> str:
    """The named parameters of ``sql`` renamed ``name_i`` (one product's clause among others in one statement)."""
    return re.sub(r"%\((\w+)\)s", rf"%(\1_{i})s", sql)


def _claims(
    scope: benefits.Scope, units: dict[Any, UnitFigures], total: UnitFigures, *, months: list[date], as_of: date
) -> list[tuple[str, int]]:
    """Claims of the year by the date of the event: reported, paid and the money paid, in all and per unit (the
    insurance report's claims by month); and the claims reported per month over the last twelve (one query)."""
    paid = Q(state=InsuranceClaim.State.PAID)
    rows = (
        scope.households(InsuranceClaim.objects.all(), "household__")
        .filter(event_date__gte=min(months[0], date(as_of.year, 1, 1)), event_date__lte=as_of)
        .annotate(grp=F(benefits._group_lookup(scope, "household__")), month=TruncMonth("event_date"))
        .values("grp", "month")
        .annotate(reported=Count("pk"), paid=Count("pk", filter=paid), amount=Sum("paid_amount", filter=paid))
        .order_by()
    )
    per_month: dict[date, int] = defaultdict(int)
    for row in rows:
        month = row["month"]
        per_month[month] += row["reported"]
        if month.year == as_of.year:
            for figures in (units[row["grp"]], total):
                figures.claims += row["reported"]
                figures.claims_paid += row["paid"]
                figures.claims_amount += row["amount"] or ZERO
    return [(_month_key(m), per_month.get(m, 0)) for m in months]


def _activity_unit(scope: benefits.Scope) -> Any:
    """The unit an activity's figures go to, by its organiser's path: the child unit whose subtree holds it, None
    for the region's own level (an activity the region itself organised)."""
    children = list(Region.objects.filter(parent=scope.region).values_list("pk", "path", "level"))
    by_county_path: dict[str, int] = {}
    if scope.region.level == Region.Level.PROVINCE:
        for county in counties_under(region=scope.region):
            by_county_path[county.path] = county.parent_id  # type: ignore[assignment]

    def unit_of(path: str) -> int | None:
        for pk, child_path, _level in children:
            if path.startswith(child_path):
                return pk
        return by_county_path.get(county_path(path))

    return unit_of


def _activities(
    scope: benefits.Scope, units: dict[Any, UnitFigures], total: UnitFigures, *, months: list[date], as_of: date
) -> list[tuple[str, int]]:
    """Sessions and person-times (attendance rows) of the activities organised in the area that start this month, in
    all and per unit; sessions per month over the last twelve (one query)."""
    if reads_above_county(scope.user):
        paths = figure_paths(region=scope.region)
        area = Q(pk__in=[])
        for path in paths:
            area |= Q(organiser__path__startswith=path)
        activities = Activity.objects.filter(area)
    else:
        activities = Activity.objects.visible_to(scope.user).filter(organiser__path__startswith=scope.region.path)
    attendance = Attendance.objects.filter(activity=OuterRef("pk")).order_by().values("activity")
    rows = (
        activities.filter(starts_on__gte=months[0], starts_on__lte=as_of)
        .annotate(times=_count_of(attendance))
        .values_list("organiser__path", "starts_on", "times")
    )
    unit_of = _activity_unit(scope)
    per_month: dict[str, int] = defaultdict(int)
    this_month = _month_key(as_of)
    for path, starts_on, times in rows:
        key = _month_key(starts_on)
        per_month[key] += 1
        if key == this_month:
            for figures in (units[unit_of(path)], total):
                figures.sessions += 1
                figures.person_times += times or 0
    return [(_month_key(m), per_month.get(_month_key(m), 0)) for m in months]


def _count_of(rows: Any) -> Any:
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def _never_invited(scope: benefits.Scope, units: dict[Any, UnitFigures], total: UnitFigures, *, year: int) -> None:
    """Active households of the area never invited to (nor attending) an activity starting this year, per unit —
    activities.selectors.invitation_gaps' definition (one query)."""
    invited = Invitation.objects.filter(household=OuterRef("pk"), activity__starts_on__year=year)
    attended = Attendance.objects.filter(household=OuterRef("pk"), activity__starts_on__year=year)
    rows = (
        scope.households(Household.objects.all(), "")
        .filter(status=Household.Status.ACTIVE)
        .exclude(Exists(invited))
        .exclude(Exists(attended))
        .annotate(grp=F(benefits._group_lookup(scope, "")))
        .values("grp")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        units[row["grp"]].never_invited += row["n"]
        total.never_invited += row["n"]


def _completeness(region: Region, months: list[date]) -> tuple[Any, Any, list[tuple[str, float | None]]]:
    """The warm-heart monthly form's completeness for last month, and its reporting rate for each of the twelve
    months before this one (three queries a month)."""
    from reports.statforms.completeness import completeness_summary
    from reports.statforms.spec import Period

    trend: list[tuple[str, float | None]] = []
    latest = None
    previous = [*months[:-1]]
    first = months[0]
    previous.insert(0, date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1))
    for month in previous:
        period = Period.month(month.year, month.month)
        summary = completeness_summary(region=region, template_code=COMPLETENESS_TEMPLATE, period=period)
        trend.append((_month_key(month), summary.reporting_rate))
        latest = (summary, period)
    return (latest[0], latest[1], trend) if latest else (None, None, trend)
