"""The coverage dashboard (三个全覆盖, the first part: contacts and visits) for one region of the user's area.

Figures per child region (towns of a county, villages of a town) or per household (a village):

* households on the roster, and the share with every required contact assigned (contacts' selectors);
* the monthly contact rate and the quarterly home-visit rate of the latest due month and quarter, the latest
  festival's visit coverage in households and persons, the 12-month trend (the same definitions as the
  engine: visits.periods);
* open flags by rule and by age.

The figures of a county or a town come from the snapshots of reports.services (per village, rewritten every
night after the engine and, for a village, after each visit there), so the page reads a few hundred rows
whatever the number of households; a village's household list is read live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Q, Value, When

from core.db import pk_among
from households.models import Household
from regions.models import Region
from regions.paths import county_path, is_within
from regions.scope import get_visible_or_404, user_scope_path
from reports.models import ContactSnapshot, CoverageSnapshot, FlagSnapshot
from visits import periods
from visits.models import OverdueFlag, Rule, RuleSet
from visits.selectors import last_visit_dates

if TYPE_CHECKING:
    from accounts.models import User

AGE_BUCKETS = ((0, 13), (14, 29), (30, None))  # days open; 14 and 30 are the default escalation days


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    households: int = 0
    contacts_covered: int = 0
    month_households: int = 0
    month_met: int = 0
    quarter_households: int = 0
    quarter_met: int = 0
    festival_households: int = 0
    festival_met: int = 0
    festival_persons: int = 0
    festival_persons_met: int = 0
    open_flags: int = 0
    # 三个全覆盖, medical (issue 16 part 8): designated institutions of the area and those with a working green
    # channel; living members and card holders; willing households, signed, signed but not served; health checks.
    institutions: int = 0
    institutions_working: int = 0
    persons: int = 0
    card_holders: int = 0
    willing: int = 0
    signed: int = 0
    unserved: int = 0
    checks_due: int = 0
    checks_done: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add_festival(self, other: Figures) -> None:
        self.festival_households += other.festival_households
        self.festival_met += other.festival_met
        self.festival_persons += other.festival_persons
        self.festival_persons_met += other.festival_persons_met

    def add_period(self, kind: str, households: int, met: int, persons: int, persons_met: int) -> None:
        """One snapshot row of a due period ("month", "quarter" or "festival"; persons count for a festival)."""
        if kind == "month":
            self.month_households += households
            self.month_met += met
        elif kind == "quarter":
            self.quarter_households += households
            self.quarter_met += met
        elif kind == "festival":
            self.festival_households += households
            self.festival_met += met
            self.festival_persons += persons
            self.festival_persons_met += persons_met

    @property
    def contacts_share(self) -> float | None:
        return ratio(self.contacts_covered, self.households)

    @property
    def month_rate(self) -> float | None:
        return ratio(self.month_met, self.month_households)

    @property
    def quarter_rate(self) -> float | None:
        return ratio(self.quarter_met, self.quarter_households)

    @property
    def festival_rate(self) -> float | None:
        return ratio(self.festival_met, self.festival_households)

    @property
    def festival_persons_rate(self) -> float | None:
        return ratio(self.festival_persons_met, self.festival_persons)

    @property
    def institutions_share(self) -> float | None:
        return ratio(self.institutions_working, self.institutions)

    @property
    def cards_share(self) -> float | None:
        return ratio(self.card_holders, self.persons)

    @property
    def signed_share(self) -> float | None:
        return ratio(self.signed, self.willing)

    @property
    def checks_share(self) -> float | None:
        return ratio(self.checks_done, self.checks_due)


@dataclass
class Row:
    key: Any  # region id, or household id at village level
    label: str
    figures: Figures
    region: Region | None = None
    household: Household | None = None
    flag_names: list[str] = field(default_factory=list)
    last_visit: date | None = None
    contacts_complete: bool | None = None
    refused_doctor: bool = False  # a household row: its latest contract ended as refused (not a willing household)
    url: str = ""  # the household's archive, for a reader who may open it (set by the view)


@dataclass
class FlagAges:
    rule: Rule
    buckets: list[int]

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass
class Dashboard:
    region: Region
    as_of: date
    child_level: str  # "town", "village" or "household"
    rows: list[Row]
    total: Figures
    month: periods.Period | None
    quarter: periods.Period | None
    festival_rule: Rule | None
    festival: periods.Period | None
    flags_by_rule: list[FlagAges]
    trend: list[tuple[str, int, int]]  # (month key, households, met)
    ancestors: list[Region]
    computed_on: date | None = None  # the day of the snapshots the area figures come from
    # When the figures were counted: the oldest snapshot read (a county's or a town's page), None when every figure
    # is counted live (a village's page). Each page says so ("as of …" or "live").
    fresh_at: datetime | None = None
    # The ancestors as the breadcrumb shows them: (region, whether the reader may open its dashboard) — a town
    # or village user reads the county's and the town's names but has no page above their own area.
    crumbs: list[tuple[Region, bool]] = field(default_factory=list)
    # Whether the child regions' rows open their own dashboards (not for a reader above the county on a county).
    drill: bool = True


def dashboard_region_for_user(*, user: User, pk: int | None) -> Region:
    """The region the dashboard shows: one of the user's area (404 outside), by default the user's own. A reader
    above the county (city, province) opens the figures of their counties only (reports.city)."""
    from reports.city import figures_region_get, reads_above_county

    if reads_above_county(user):
        return figures_region_get(user=user, pk=pk)
    if pk is None:
        if user_scope_path(user) is None or user.region is None:
            return get_visible_or_404(Region.objects.none(), user, pk=0)
        return user.region
    return get_visible_or_404(Region.objects.all(), user, pk=pk)


def _county_of(region: Region) -> Region | None:
    return Region.objects.county_of(region.path)


@dataclass
class _DuePeriods:
    """The periods the dashboard reports, with the county's rule for each: the latest due month and quarter
    (the engine's definitions, visits.periods) and the festival whose window started last."""

    month_rule: Rule | None
    month: periods.Period | None
    quarter_rule: Rule | None
    quarter: periods.Period | None
    festival_rule: Rule | None
    festival: periods.Period | None

    @classmethod
    def of(cls, rules: dict[str, Rule], *, as_of: date) -> _DuePeriods:
        month_rule, quarter_rule = rules.get("monthly_contact"), rules.get("quarterly_home_visit")
        festival_rule, festival = _latest_festival(rules, as_of=as_of)
        return cls(
            month_rule=month_rule,
            month=_last_due(month_rule, period="month", as_of=as_of),
            quarter_rule=quarter_rule,
            quarter=_last_due(quarter_rule, period="quarter", as_of=as_of),
            festival_rule=festival_rule,
            festival=festival,
        )

    def periods(self) -> list[tuple[str, Rule, periods.Period]]:
        """("month" | "quarter" | "festival", rule, period) of the due periods the county has rules for."""
        return [
            (kind, rule, period)
            for kind, rule, period in (
                ("month", self.month_rule, self.month),
                ("quarter", self.quarter_rule, self.quarter),
                ("festival", self.festival_rule, self.festival),
            )
            if rule is not None and period is not None
        ]

    def trend_includes(self, rule_id: int, start: date) -> bool:
        """Whether a snapshot row of the rule and period start belongs to the monthly contact trend."""
        return bool(self.month_rule and rule_id == self.month_rule.pk and self.month and start <= self.month.start)

    def kinds(self) -> dict[tuple[int, str], str]:
        """(rule id, period key) → "month", "quarter" or "festival": the snapshot rows of the due periods."""
        kinds = {}
        for kind, rule, period in (
            ("month", self.month_rule, self.month),
            ("quarter", self.quarter_rule, self.quarter),
            ("festival", self.festival_rule, self.festival),
        ):
            if rule and period:
                kinds[(rule.pk, period.key)] = kind
        return kinds


def _last_due(rule: Rule | None, *, period: str, as_of: date) -> periods.Period | None:
    return periods.last_due_period(period=period, as_of=as_of, grace_days=rule.grace_days) if rule else None


def _county_rules(region: Region) -> dict[str, Rule]:
    """The rules of the region's county by code (none when the county has no rule set)."""
    county = _county_of(region)
    rule_set = RuleSet.objects.filter(county=county).first() if county else None
    return {r.code: r for r in Rule.objects.filter(rule_set=rule_set)} if rule_set else {}


def coverage_dashboard(*, user: User, region: Region, as_of: date) -> Dashboard:
    """The dashboard of `region` (already checked to be in the user's area)."""
    if region.is_above_county:
        from reports.city import figures_dashboard

        return figures_dashboard(user=user, region=region, as_of=as_of)
    rules = _county_rules(region)
    due = _DuePeriods.of(rules, as_of=as_of)

    child_level = {"county": "town", "town": "village"}.get(region.level, "household")
    villages = dict(
        Region.objects.filter(path__startswith=region.path, level=Region.Level.VILLAGE).values_list("pk", "parent_id")
    )

    def group_of(village_id: int | None) -> int | None:
        if child_level == "town":
            return villages.get(village_id) if village_id is not None else None
        return village_id

    groups: dict[Any, Figures] = defaultdict(Figures)
    per_household = child_level == "household"
    computed_on: date | None = None
    fresh_at: datetime | None = None
    if per_household:
        # A village: every figure counted live, per household, with the definitions of the snapshots.
        trend = _add_coverage_snapshots(
            groups, group_of, village_ids=list(villages), rules=rules, due=due, per_household=True, as_of=as_of
        )
        rows, total = _household_rows(region, list(villages), rules=rules, due=due, as_of=as_of)
        _add_medical_live(rows, total, region=region, as_of=as_of)
        flags_by_rule = _live_flag_ages(household_ids=[row.key for row in rows], rules=rules, as_of=as_of)
    else:
        stamps: list[tuple[date, datetime | None]] = []
        stamps += _add_contact_snapshots(groups, group_of, village_ids=list(villages), as_of=as_of)
        trend = _add_coverage_snapshots(
            groups, group_of, village_ids=list(villages), rules=rules, due=due, per_household=False, as_of=as_of
        )
        flags_by_rule = _add_flag_snapshots(groups, group_of, village_ids=list(villages), rules=rules)
        stamps += _add_medical_snapshots(groups, group_of, village_ids=list(villages))
        stamps += _snapshot_stamps(list(villages))
        rows, total = _child_region_rows(region, groups)
        if stamps:
            computed_on = min(on for on, _ in stamps)
            times = [at for _, at in stamps if at is not None]
            fresh_at = min(times) if times else None
    _add_institutions(rows, total, region=region)
    ancestors = Region.objects.ancestors_of(region)
    scope = user_scope_path(user) or ""
    crumbs = [(ancestor, is_within(ancestor.path, scope)) for ancestor in ancestors]
    drill = child_level != "household"
    if not scope:
        # A reader above the county on one of their counties' pages: the city (and province) above it, and the
        # towns' figures without a way further down (reports.city: figures only).
        from reports.city import crumbs_above_county

        crumbs, drill = crumbs_above_county(user=user, region=region) + crumbs, False
    return Dashboard(
        region=region,
        as_of=as_of,
        child_level=child_level,
        rows=rows,
        total=total,
        month=due.month,
        quarter=due.quarter,
        festival_rule=due.festival_rule,
        festival=due.festival,
        flags_by_rule=flags_by_rule,
        trend=trend,
        ancestors=ancestors,
        computed_on=computed_on,
        fresh_at=fresh_at,
        crumbs=crumbs,
        drill=drill,
    )


GroupOf = Callable[[int | None], int | None]


def _add_contact_snapshots(
    groups: dict[Any, Figures], group_of: GroupOf, *, village_ids: list[int], as_of: date
) -> list[tuple[date, datetime | None]]:
    """Households and contact coverage per village into the groups: the snapshot (nightly, and for a village
    after each visit there), except for the villages whose assignments changed since, counted live with the same
    definition (contacts' contact_figures_by_village) — a change of contacts shows at once on every page.
    Returns the snapshots' (day, time)."""
    from contacts.selectors import contact_figures_by_village, contact_scheme_for_path, villages_with_assignment_changes

    stored: dict[int, tuple[int, int]] = {}
    stamps: list[tuple[date, datetime | None]] = []
    upto: int | None = None
    for village_id, n, covered, on, at, events_upto in ContactSnapshot.objects.filter(
        village_id__in=village_ids
    ).values_list("village_id", "households", "covered", "computed_on", "computed_at", "events_upto"):
        stored[village_id] = (n, covered)
        stamps.append((on, at))
        upto = events_upto if upto is None else min(upto, events_upto)
    if upto is not None:
        changed = villages_with_assignment_changes(after=upto) & set(village_ids)
        by_county: dict[str, list[int]] = defaultdict(list)  # each county counts with its own scheme
        for village_id, path in Region.objects.filter(pk__in=list(changed)).values_list("pk", "path"):
            by_county[county_path(path)].append(village_id)
        for path, ids in by_county.items():
            scheme = contact_scheme_for_path(path=path)
            live = contact_figures_by_village(
                households=Household.objects.filter(village_id__in=ids), on=as_of, scheme=scheme
            )
            for village_id in ids:
                stored[village_id] = live.get(village_id, (0, 0))
    for village_id, (n, covered) in stored.items():
        groups[group_of(village_id)].households += n
        groups[group_of(village_id)].contacts_covered += covered
    return stamps


def _snapshot_stamps(village_ids: list[int]) -> list[tuple[date, datetime | None]]:
    """The (day, time) of the visit and flag snapshots of the villages: one row per distinct stamp."""
    stamps: list[tuple[date, datetime | None]] = []
    for model in (CoverageSnapshot, FlagSnapshot):
        stamps += model.objects.filter(village_id__in=village_ids).values_list("computed_on", "computed_at").distinct()
    return stamps


def _add_coverage_snapshots(
    groups: dict[Any, Figures],
    group_of: GroupOf,
    *,
    village_ids: list[int],
    rules: dict[str, Rule],
    due: _DuePeriods | Any,  # or reports.city.MergedDue: the due periods of several counties
    per_household: bool,
    as_of: date,
) -> list[tuple[str, int, int]]:
    """The due periods' coverage snapshots (per village) summed into the groups; returns the 12-month trend of
    the monthly contact rule. Per household (a village) only the festival is summed: the month and quarter come
    per household."""
    kinds = due.kinds()
    trend_rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    snapshots = CoverageSnapshot.objects.filter(village_id__in=village_ids, rule__in=list(rules.values()))
    trend_from = as_of - timedelta(days=400)
    for village_id, rule_id, key, start, n, met, persons, persons_met in snapshots.filter(
        period_start__gte=trend_from
    ).values_list("village_id", "rule_id", "period_key", "period_start", "households", "met", "persons", "persons_met"):
        kind = kinds.get((rule_id, key))
        if kind is not None and (not per_household or kind == "festival"):
            groups[group_of(village_id)].add_period(kind, n, met, persons, persons_met)
        if due.trend_includes(rule_id, start):
            trend_rows[key][0] += n
            trend_rows[key][1] += met
    return [(key, n, met) for key, (n, met) in sorted(trend_rows.items())][-12:]


def _add_flag_snapshots(
    groups: dict[Any, Figures] | None, group_of: GroupOf, *, village_ids: list[int], rules: dict[str, Rule]
) -> list[FlagAges]:
    """Open flags by rule and age (the snapshot written with the engine's runs), and by group into `groups`
    (None: per household, counted live)."""
    by_rule: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for village_id, rule_id, bucket, n in FlagSnapshot.objects.filter(village_id__in=village_ids).values_list(
        "village_id", "rule_id", "age", "flags"
    ):
        by_rule[rule_id][bucket] += n
        if groups is not None:
            groups[group_of(village_id)].open_flags += n
    return [FlagAges(rule=r, buckets=by_rule[r.pk]) for r in rules.values() if r.pk in by_rule]


def _child_region_rows(region: Region, groups: dict[Any, Figures]) -> tuple[list[Row], Figures]:
    """One row per child region (towns of a county, villages of a town) and their total."""
    rows: list[Row] = []
    total = Figures()
    for child in Region.objects.filter(parent=region).order_by("code"):
        figures = groups.get(child.pk, Figures())
        rows.append(Row(key=child.pk, label=child.name, figures=figures, region=child))
        total.add(figures)
    return rows, total


def _household_rows(
    region: Region, village_ids: list[int], *, rules: dict[str, Rule], due: _DuePeriods, as_of: date
) -> tuple[list[Row], Figures]:
    """One row per household of a village, read live, and their total: the households on the roster on as_of and
    those closed since that still count in a due period (the snapshots' definitions, so that the total is the
    village's row on its town's page)."""
    from contacts.selectors import contact_scheme_for_path, households_active_on, households_with_contact_status

    scheme = contact_scheme_for_path(path=region.path)
    periods_due = due.periods()
    households = Household.objects.filter(village_id__in=village_ids)
    listed = Q(pk__in=households_active_on(households, on=as_of).values("pk"))
    for _kind, _rule, p in periods_due:
        listed |= Q(registered_on__lte=p.start, closed_on__gt=p.end)
    household_rows = list(
        households_with_contact_status(households=households.filter(listed), on=as_of, scheme=scheme)
        .annotate(**_period_annotations(periods_due, as_of=as_of))
        .order_by("number", "id")
    )
    household_ids = [h.pk for h in household_rows]
    last_visits = last_visit_dates(household_ids=household_ids, on=as_of)
    open_by_household = _open_flag_names(household_ids, rules)
    rows: list[Row] = []
    total = Figures()
    for h in household_rows:
        on_roster = h.registered_on <= as_of and (h.status == Household.Status.ACTIVE or (h.closed_on or as_of) > as_of)
        figures = Figures(
            households=int(on_roster),
            contacts_covered=int(on_roster and h.contacts_complete),
            open_flags=len(open_by_household.get(h.pk, [])),
        )
        for kind, _rule, _p in periods_due:
            applies, met = getattr(h, f"{kind}_applies"), getattr(h, f"{kind}_met")
            persons = getattr(h, "persons_alive", 0) or 0
            figures.add_period(kind, int(applies), int(applies and met), persons * applies, persons * (applies and met))
        rows.append(
            Row(
                key=h.pk,
                label=h.number,
                figures=figures,
                household=h,
                flag_names=open_by_household.get(h.pk, []),
                last_visit=last_visits.get(h.pk),
                contacts_complete=on_roster and h.contacts_complete,
            )
        )
        total.add(figures)
    return rows, total


def _period_annotations(periods_due: list[tuple[str, Rule, periods.Period]], *, as_of: date) -> dict[str, Any]:
    """Per household and due period ("month", "quarter", "festival"): whether the rule applied to it (registered
    by the period's start, on the roster at its end) and whether it was met (a visit of the rule's methods from the
    start to the end + grace days, never after as_of) — the coverage snapshots' definitions (reports.services
    SNAPSHOT_SQL); and the living members (a festival's persons)."""
    from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from households.models import Member
    from visits.models import Visit

    alive = Member.objects.filter(household=OuterRef("pk"), alive=True).order_by().values("household")
    persons = Subquery(alive.annotate(n=Count("id")).values("n"), output_field=IntegerField())
    annotations: dict[str, Any] = {"persons_alive": Coalesce(persons, Value(0))}
    for kind, rule, p in periods_due:
        applies = Q(registered_on__lte=p.start) & (Q(status=Household.Status.ACTIVE) | Q(closed_on__gt=p.end))
        annotations[f"{kind}_applies"] = Case(
            When(applies, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        annotations[f"{kind}_met"] = Exists(
            Visit.objects.filter(
                household=OuterRef("pk"),
                date__gte=p.start,
                date__lte=min(p.end + timedelta(days=rule.grace_days), as_of),
                method__in=rule.methods,
            )
        )
    return annotations


def _live_flag_ages(*, household_ids: list[int], rules: dict[str, Rule], as_of: date) -> list[FlagAges]:
    """Open overdue flags of the households by rule and age, counted live (the flag snapshot's buckets)."""
    overdue = {r.pk: r for r in rules.values() if r.mode == Rule.Mode.OVERDUE}
    by_rule: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for rule_id, opened_on in (
        OverdueFlag.objects.open()
        .filter(pk_among(household_ids, field="household_id"), rule_id__in=list(overdue))
        .values_list("rule_id", "opened_on")
    ):
        age = (as_of - opened_on).days
        by_rule[rule_id][0 if age < 14 else 1 if age < 30 else 2] += 1
    return [FlagAges(rule=r, buckets=by_rule[r.pk]) for r in rules.values() if r.pk in by_rule]


def _open_flag_names(household_ids: list[int], rules: dict[str, Rule]) -> dict[int, list[str]]:
    """The names of the rules each household has an open overdue flag for."""
    # The county's overdue rules are known: no join to the rules (the planner, expecting one rule, read the
    # village's flags once per rule), the households' ids as one array literal.
    overdue_rules = {r.pk: r.name for r in rules.values() if r.mode == Rule.Mode.OVERDUE}
    open_by_household: dict[int, list[str]] = defaultdict(list)
    for household_id, rule_id in (
        OverdueFlag.objects.open()
        .filter(pk_among(household_ids, field="household_id"), rule_id__in=list(overdue_rules))
        .values_list("household_id", "rule_id")
    ):
        open_by_household[household_id].append(overdue_rules[rule_id])
    return open_by_household


def _latest_festival(rules: dict[str, Rule], *, as_of: date) -> tuple[Rule | None, periods.Period | None]:
    """The festival whose window started last (on or before as_of)."""
    best: tuple[Rule | None, periods.Period | None] = (None, None)
    for code in ("spring_festival", "mid_autumn"):
        rule = rules.get(code)
        if rule is None or not rule.active:
            continue
        day_of = periods.FESTIVAL_DATES[rule.period]
        for year in (as_of.year, as_of.year - 1):
            w = periods.window(str(year), day_of(year), before=rule.window_before_days, after=rule.window_after_days)
            if w.start <= as_of:
                if best[1] is None or w.start > best[1].start:
                    best = (rule, w)
                break
    return best


# ------------------------------------------------------------------------------------------- medical coverage


def _add_medical_snapshots(
    groups: dict[Any, Figures], group_of: GroupOf, *, village_ids: list[int]
) -> list[tuple[date, datetime | None]]:
    """The medical coverages per village (reports.models.MedicalSnapshot, the nightly medical step's) summed into
    the groups; returns the snapshots' (day, time)."""
    from reports.models import MedicalSnapshot

    stamps: list[tuple[date, datetime | None]] = []
    for row in MedicalSnapshot.objects.filter(village_id__in=village_ids).values_list(
        "village_id",
        "persons",
        "card_holders",
        "willing",
        "signed",
        "unserved",
        "checks_due",
        "checks_done",
        "computed_on",
        "computed_at",
    ):
        village_id, persons, cards, willing, signed, unserved, due, done, on, at = row
        figures = groups[group_of(village_id)]
        figures.persons += persons
        figures.card_holders += cards
        figures.willing += willing
        figures.signed += signed
        figures.unserved += unserved
        figures.checks_due += due
        figures.checks_done += done
        stamps.append((on, at))
    return list(set(stamps))


def _add_institutions(rows: list[Row], total: Figures, *, region: Region) -> None:
    """Designated institutions located in the region (and in each child region's row), and those with a working
    green channel (medical's Institution.objects.working()): two queries, counted live (a county has tens)."""
    from medical.models import Institution

    located = Institution.objects.filter(region__path__startswith=region.path)
    working = set(located.working().values_list("pk", flat=True))
    children = [(row.region.path, row.figures) for row in rows if row.region is not None]
    total.institutions = total.institutions_working = 0
    for pk, path in located.values_list("pk", "region__path"):
        total.institutions += 1
        total.institutions_working += pk in working
        for child_path, figures in children:
            if path.startswith(child_path):
                figures.institutions += 1
                figures.institutions_working += pk in working


def _add_medical_live(rows: list[Row], total: Figures, *, region: Region, as_of: date) -> None:
    """A village's households, counted live with the snapshot's definitions (reports.services
    MEDICAL_SNAPSHOT_SQL): per household its living members and card holders, whether it is willing, signed, not
    served, and its members due a check this year and checked. Two queries."""
    from django.db.models import BooleanField, Count, Exists, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from households.models import Member
    from medical.models import Contract, HealthCheck
    from medical.selectors import DOCTOR_CONTACT_METHODS, current_contracts, green_card_holders_q
    from medical.services import settings_for
    from visits.models import Visit

    county = _county_of(region)
    if county is None:
        return
    conf = settings_for(county)
    by_pk = {row.key: row for row in rows if row.figures.households}
    born_by = date(as_of.year - conf.check_age, 12, 31)
    checked = HealthCheck.objects.filter(
        member_id=OuterRef("pk"), checked_on__gte=date(as_of.year, 1, 1), checked_on__lte=date(as_of.year, 12, 31)
    )
    members = (
        Member.objects.filter(pk_among(list(by_pk), field="household_id"), alive=True)
        .values("household_id")
        .annotate(
            persons=Count("id"),
            cards=Count("id", filter=green_card_holders_q(on=as_of, settings=conf)),
            due=Count("id", filter=Q(birth_date__lte=born_by)),
            done=Count("id", filter=Q(birth_date__lte=born_by) & Q(Exists(checked))),
        )
        .order_by()
    )
    since = as_of - timedelta(days=conf.unserved_days)
    doctor_contact = Visit.objects.filter(
        household_id=OuterRef("household_id"),
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        method__in=DOCTOR_CONTACT_METHODS,
        date__gt=since,
        date__lte=as_of,
    )
    running = current_contracts(on=as_of).filter(household_id=OuterRef("pk"))
    not_served = running.filter(starts_on__lte=since).exclude(Exists(doctor_contact))
    latest = (
        Contract.objects.filter(household_id=OuterRef("pk"), starts_on__lte=as_of)
        .annotate(last=Coalesce("ended_on", "ends_on"))
        .order_by("-last", "-id")
    )
    refused = Q(latest_status=Contract.Status.ENDED, latest_reason__in=["refused", "resident"]) & ~Q(signed=True)
    households = (
        Household.objects.filter(pk_among(list(by_pk)))
        .annotate(
            signed=Exists(running),
            not_served=Exists(not_served),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_reason=Subquery(latest.values("end_reason")[:1]),
        )
        .annotate(refused=Case(When(refused, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .values_list("pk", "signed", "not_served", "refused")
    )
    for household_id, signed, unserved, is_refused in households:
        figures = by_pk[household_id].figures
        by_pk[household_id].refused_doctor = is_refused
        figures.willing, figures.signed, figures.unserved = int(not is_refused), int(signed), int(unserved)
    for row in members:
        figures = by_pk[row["household_id"]].figures
        figures.persons, figures.card_holders = row["persons"], row["cards"]
        figures.checks_due, figures.checks_done = row["due"], row["done"]
    for name in ("persons", "card_holders", "willing", "signed", "unserved", "checks_due", "checks_done"):
        setattr(total, name, sum(getattr(row.figures, name) for row in rows))
