"""The amount engine: who is due what, for a county and a list of months, and why (docs/BENEFITS.md §Entitlement).

Set-based: one query reads every parent's facts in the county (the person, the spouse, the household's child and
events, the benefit profile, the annual review's decisions, a transfer in), one the standards, one the settings —
three queries whatever the number of persons; the rules are then applied to the rows in one pass, the standards
looked up in memory (a lookup is cached per distinct key: scheme, residence, grade, self-care, age band, month).

The rules, each with the setting that changes it (benefits.policy.settings_for; defaults in BenefitSettings):

* **Qualifying birthday**: the woman's 49th (``qualifying_age``); for a father without a wife in the file, or
  whose wife died before her 49th, his own 49th (a single parent's). Entitled from the month after it. A couple
  whose woman was born before 1933-01-01 is not eligible.
* **Branch**: a deceased child → the death branch; a disabled child of grade 1–3 → the disability branch, ending
  the month the child recovered (nothing from the next month). Either starts the month after the child's death
  or disability (``child_event_start``: or that month). A surgery complication (the profile's grade) → its own
  scheme from the month after the date recorded. When the child of a disabled family dies, the staff record the
  death on the household (family type and date): the family is in the death branch from the next month.
* **Stops** (nothing from the next month): another child born or adopted; the household closed (moved away,
  found not eligible …); the annual review refused the person or confirmed them as a leaver — per programme
  (special assistance's death and disability branches are one programme; a complication and reward assistance
  each another), the latest decision of the programme wins (the same day: the later entered); a death is paid
  through the month of death (``death_pays_through``: or the year's end).
  A household transferred into the county is paid here from the month after the transfer.
* **Reward assistance (奖扶)**: a rural parent whose profile says they qualify, from the month after their
  60th birthday (``reward_age``). Where both are due, the higher of the two is paid (``reward_overlap``: or
  both, two lines).
* **Amount**: per level (national, province, city, county) the most specific standard in force on the month's
  first day whose bands match (residence, disability grade, self-care, age on the month's first day); the parts
  are added. A person the rules make eligible for whom a level's standards exist but none matches (a residence
  not recorded where urban and rural differ) is reported as a problem, not paid a guess.
* **Confirmed**: the person's case in that year's annual review was confirmed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from benefits.models import BenefitSettings, Level, Scheme, Standard
from benefits.policy import settings_for
from households.models import Household
from regions.models import Region

EARLIEST_WOMAN_BIRTH = date(1933, 1, 1)
SPECIAL_SCHEMES = frozenset({Scheme.DEATH, Scheme.DISABILITY, Scheme.COMPLICATION})
LEVEL_ORDER = [Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY]
NEVER = 10**9  # a month index later than any
FEW_PERSONS = 1000  # a run for at most this many persons sorts their households only: no larger work_mem


def month_index(day: date) -> int:
    """Months since year 0: comparisons of months are comparisons of integers."""
    return day.year * 12 + day.month - 1


def month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def birthday(born: date, years: int) -> date:
    """The ``years``-th birthday (29 February → 28 February in a common year)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Part:
    level: str
    amount: Decimal
    standard_id: int
    document: str

    def as_json(self) -> dict[str, Any]:
        return {"part": self.level, "amount": str(self.amount), "standard": self.standard_id, "document": self.document}


class Entitlement:
    """One person's due for one scheme and month. ``facts`` (what the explanation names) is built when read."""

    __slots__ = ("_facts", "_loader", "_row", "amount", "confirmed", "higher_than", "month", "parts", "scheme")

    def __init__(
        self,
        row: tuple,
        loader: _FactsLoader,
        *,
        scheme: str,
        month: date,
        amount: Decimal,
        parts: tuple[Part, ...],
        confirmed: bool,
    ) -> None:
        self._row = row
        self._loader = loader
        self.scheme = scheme
        self.month = month
        self.amount = amount
        self.parts = parts
        self.confirmed = confirmed
        self._facts: dict[str, Any] | None = None
        self.higher_than: dict[str, str] | None = None  # the 60 rule: the other scheme's amount, not paid

    @property
    def member_id(self) -> int:
        return self._row[_ID]

    @property
    def household_id(self) -> int:
        return self._row[_HOUSEHOLD]

    @property
    def name(self) -> str:
        return self._row[_NAME]

    @property
    def id_number(self) -> str:
        return self._row[_ID_NUMBER]

    @property
    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            self._facts = self._loader.facts(self._row[_ID], self.scheme, self.month)
            if self.higher_than:
                self._facts["higher_than"] = self.higher_than
        return self._facts

    def __repr__(self) -> str:
        return f"Entitlement({self.name}, {self.scheme}, {self.month:%Y-%m}, {self.amount})"


@dataclass
class Problem:
    member_id: int
    household_id: int
    name: str
    id_number: str | None
    scheme: str | None
    month: date | None
    reason: str  # a key of PROBLEM_TEXTS
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    lines: list[Entitlement]
    problems: list[Problem]


# Marked for translation; shown with gettext() where a reader sees them (the archive's benefits card).
PROBLEM_TEXTS = {
    "no_birth_date": gettext_noop("The qualifying birth date is not recorded."),
    "no_child_event_date": gettext_noop("The date of the child's death or disability is not recorded."),
    "no_disability_grade": gettext_noop("The child's disability grade is not recorded."),
    "no_standard": gettext_noop("No standard in force matches (is the residence, urban or rural, recorded?)."),
}


def _mi(expr: str) -> str:
    """SQL: the month index of a date (months since year 0), as ``month_index`` computes it."""
    return f"(date_part('year', {expr})::int * 12 + date_part('month', {expr})::int - 1)"


# One statement: every parent's facts and, per programme, the months paid as [first, last + 1) month indexes
# (NEVER: open). The rules are the module docstring's; the oracle test holds them against an independent reading.
_CTES = f"""
WITH parents AS (
    -- every parent of the county (the area's), with the household's wife beside each (the first by id)
    SELECT m.id, m.household_id, m.name, m.id_number, m.sex, m.role, m.birth_date, m.death_date, m.self_care,
           h.family_type, h.closed_on, h.residence, h.child_event_date, h.child_disability_grade,
           h.child_recovered_on, h.other_child_on,
           (array_agg(m.id) FILTER (WHERE m.role = 'wife') OVER household)[1] AS wife_id,
           (array_agg(m.birth_date) FILTER (WHERE m.role = 'wife') OVER household)[1] AS wife_birth,
           (array_agg(m.death_date) FILTER (WHERE m.role = 'wife') OVER household)[1] AS wife_death
      FROM households_member m
      JOIN households_household h ON h.id = m.household_id
      LEFT JOIN regions_region v ON v.id = h.village_id
     WHERE h.county_id = %(county)s AND m.role IN ('husband', 'wife')
       AND (%(area)s::text IS NULL OR v.path LIKE %(area)s::text || '%%')
       AND (%(members)s::bigint[] IS NULL OR m.household_id IN (
                SELECT household_id FROM households_member WHERE id = ANY(%(members)s::bigint[])))
    WINDOW household AS (PARTITION BY m.household_id ORDER BY m.id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), persons AS (
    SELECT * FROM parents WHERE %(members)s::bigint[] IS NULL OR id = ANY(%(members)s::bigint[])
), decisions AS (
    SELECT rc.id, rc.member_id, rc.decided_on, rc.outcome, rc.kind, c.year,
           CASE WHEN rc.scheme IN ('death', 'disability') THEN 'special' ELSE rc.scheme END AS programme
      FROM benefits_reviewcase rc JOIN benefits_reviewcycle c ON c.id = rc.cycle_id
     WHERE c.county_id = %(county)s AND rc.stage = 'done'
), confirmed AS (
    SELECT member_id, array_agg(DISTINCT year) AS years FROM decisions
     WHERE outcome = 'confirmed' AND kind <> 'leaver' GROUP BY member_id
), latest AS (
    -- per programme (special assistance's two branches are one), the latest decision; the same day, the later entered
    SELECT DISTINCT ON (member_id, programme) member_id, programme, decided_on,
           outcome = 'refused' OR kind = 'leaver' AS stops
      FROM decisions ORDER BY member_id, programme, decided_on DESC, id DESC
), review_stops AS (
    SELECT member_id,
           max(decided_on) FILTER (WHERE programme = 'special') AS special_on,
           max(decided_on) FILTER (WHERE programme = 'complication') AS complication_on,
           max(decided_on) FILTER (WHERE programme = 'reward') AS reward_on
      FROM latest WHERE stops GROUP BY member_id
), moves AS (
    SELECT household_id, max(decided_at)::date AS moved_in_on FROM households_householdtransfer
     WHERE to_county_id = %(county)s AND status = 'accepted' GROUP BY household_id
), facts AS (
    SELECT p.*,
           coalesce(pr.reward_qualified, false) AS reward_qualified,
           coalesce(pr.complication_grade, '') AS complication_grade,
           pr.complication_since, cf.years AS confirmed_years, mv.moved_in_on,
           rs.special_on, rs.complication_on, rs.reward_on,
           CASE WHEN p.wife_id IS NOT NULL THEN p.wife_birth WHEN p.sex = 'F' THEN p.birth_date END AS woman_birth,
           -- the qualifying birthday's month (a birthday is in its birth month, 29 February included), whose it is
           CASE WHEN p.role <> 'wife' AND p.wife_id IS NOT NULL
                     AND (p.wife_birth IS NULL OR p.wife_death IS NULL
                          OR p.wife_death >= (p.wife_birth + make_interval(years => %(qualifying_age)s))::date)
                THEN 'wife' ELSE 'own' END AS qualifying_whose,
           {_mi("p.birth_date")} AS own_birth_month,
           {_mi("p.wife_birth")} AS wife_birth_month,
           coalesce({_mi("mv.moved_in_on")} + 1, 0) AS moved_in,
           least(coalesce({_mi("p.other_child_on")} + 1, {NEVER}), coalesce({_mi("p.closed_on")} + 1, {NEVER}),
                 CASE WHEN p.death_date IS NULL THEN {NEVER}
                      WHEN %(death_year_end)s THEN date_part('year', p.death_date)::int * 12 + 12
                      ELSE {_mi("p.death_date")} + 1 END) AS stop
      FROM persons p
      LEFT JOIN benefits_benefitprofile pr ON pr.member_id = p.id
      LEFT JOIN confirmed cf ON cf.member_id = p.id
      LEFT JOIN review_stops rs ON rs.member_id = p.id
      LEFT JOIN moves mv ON mv.household_id = p.household_id
), qualified AS (
    SELECT f.*,
           CASE WHEN f.qualifying_whose = 'wife' THEN f.wife_birth_month ELSE f.own_birth_month END
               + 12 * %(qualifying_age)s AS qualifying_month
      FROM facts f
), windows AS (
    SELECT f.*,
           f.family_type IN ('death', 'disability') AND NOT coalesce(f.woman_birth < DATE '1933-01-01', false)
               AS special_family,
           greatest(f.qualifying_month + 1, {_mi("f.child_event_date")} + %(event_offset)s, f.moved_in)
               AS special_start,
           least(f.stop, coalesce({_mi("f.special_on")} + 1, {NEVER}),
                 CASE WHEN f.family_type = 'disability' THEN coalesce({_mi("f.child_recovered_on")} + 1, {NEVER})
                      ELSE {NEVER} END) AS special_end
      FROM qualified f
)
"""

# The months each person is paid, per programme, and any problem; only persons with a line in the months asked.
_COMPUTE_SQL = (
    _CTES
    + f"""
SELECT * FROM (
SELECT id, household_id, name, id_number, birth_date, self_care, residence, confirmed_years,
       CASE WHEN special_family AND qualifying_month IS NOT NULL AND child_event_date IS NOT NULL
                 AND (family_type = 'death' OR child_disability_grade IN ('1', '2', '3'))
            THEN family_type ELSE '' END AS special_scheme,
       CASE WHEN NOT special_family THEN NULL
            WHEN qualifying_month IS NULL THEN 'no_birth_date'
            WHEN child_event_date IS NULL THEN 'no_child_event_date'
            WHEN family_type = 'disability' AND child_disability_grade = '' THEN 'no_disability_grade' END
           AS problem,
       CASE WHEN family_type = 'disability' THEN child_disability_grade ELSE '' END AS special_grade,
       special_start, special_end,
       CASE WHEN complication_grade <> '' AND complication_since IS NOT NULL
            THEN greatest({_mi("complication_since")} + 1, moved_in) ELSE {NEVER} END AS complication_start,
       least(stop, coalesce({_mi("complication_on")} + 1, {NEVER})) AS complication_end,
       complication_grade,
       CASE WHEN reward_qualified AND residence = 'rural' AND birth_date IS NOT NULL
            THEN greatest(own_birth_month + 12 * %(reward_age)s + 1, moved_in) ELSE {NEVER} END AS reward_start,
       least(stop, coalesce({_mi("reward_on")} + 1, {NEVER})) AS reward_end
  FROM windows
) person
 WHERE problem IS NOT NULL
    OR (special_scheme <> '' AND special_start <= %(last_month)s AND special_end > %(first_month)s)
    OR (complication_start <= %(last_month)s AND complication_end > %(first_month)s)
    OR (reward_start <= %(last_month)s AND reward_end > %(first_month)s)
"""
)

# The facts the explanation names, read when a line's facts are first asked for (the command's --json, a batch).
_FACTS_SQL = (
    _CTES
    + f"""
SELECT id, CASE WHEN qualifying_whose = 'wife' THEN wife_birth ELSE birth_date END AS qualifying_born,
       qualifying_whose, child_event_date, child_recovered_on, complication_since, death_date, other_child_on,
       closed_on, moved_in_on, special_on, complication_on, reward_on, birth_date, residence,
       CASE WHEN family_type = 'disability' THEN child_disability_grade ELSE '' END AS special_grade,
       complication_grade, special_start,
       greatest({_mi("complication_since")} + 1, moved_in) AS complication_start,
       greatest(own_birth_month + 12 * %(reward_age)s + 1, moved_in) AS reward_start
  FROM windows
"""
)


# The columns of a row of _COMPUTE_SQL and of _FACTS_SQL, by name → position.
(
    _ID, _HOUSEHOLD, _NAME, _ID_NUMBER, _BIRTH, _SELF_CARE, _RESIDENCE, _CONFIRMED, _SPECIAL, _PROBLEM,
    _SPECIAL_GRADE, _SPECIAL_START, _SPECIAL_END, _COMPLICATION_START, _COMPLICATION_END, _COMPLICATION_GRADE,
    _REWARD_START, _REWARD_END,
) = range(18)  # fmt: skip
(
    _F_ID, _F_QUALIFYING_BORN, _F_QUALIFYING_WHOSE, _F_CHILD_EVENT, _F_RECOVERED, _F_COMPLICATION_SINCE, _F_DEATH,
    _F_OTHER_CHILD, _F_CLOSED, _F_MOVED_IN, _F_SPECIAL_STOP, _F_COMPLICATION_STOP, _F_REWARD_STOP, _F_BIRTH,
    _F_RESIDENCE, _F_SPECIAL_GRADE, _F_COMPLICATION_GRADE, _F_SPECIAL_START, _F_COMPLICATION_START, _F_REWARD_START,
) = range(20)  # fmt: skip


class _Standards:
    """The county's standards in memory, with a cache per lookup key."""

    def __init__(self, standards: Iterable[Standard]) -> None:
        self.by_scheme: dict[str, list[Standard]] = {}
        for standard in standards:
            self.by_scheme.setdefault(standard.scheme, []).append(standard)
        self.age_banded = {
            s for s, rows in self.by_scheme.items() if any(r.age_from is not None or r.age_to is not None for r in rows)
        }
        self._cache: dict[tuple, tuple[tuple[Part, ...], Decimal] | None] = {}

    def parts(self, key: tuple) -> tuple[tuple[Part, ...], Decimal] | None:
        """The parts and their sum for ``key`` = (scheme, month, residence, grade, self-care, age or None), or None
        when a level has standards in force but none matches. Cached: a county has few distinct keys."""
        try:
            return self._cache[key]
        except KeyError:
            parts = self._lookup(*key)
            entry = None if parts is None else (parts, sum((p.amount for p in parts), Decimal(0)))
            self._cache[key] = entry
            return entry

    def _lookup(
        self, scheme: str, month: date, residence: str, grade: str, self_care: str, age: int | None
    ) -> tuple[Part, ...] | None:
        in_force = [
            s
            for s in self.by_scheme.get(scheme, ())
            if s.effective_from <= month and (s.effective_to is None or s.effective_to >= month)
        ]
        parts = []
        for level in LEVEL_ORDER:
            at_level = [s for s in in_force if s.level == level]
            if not at_level:
                continue
            matching = [
                s
                for s in at_level
                if s.residence in ("", residence)
                and s.disability_grade in ("", grade)
                and s.self_care in ("", self_care)
                and (
                    age is None or ((s.age_from is None or age >= s.age_from) and (s.age_to is None or age <= s.age_to))
                )
            ]
            if not matching:
                if level == Level.NATIONAL:
                    return None
                continue  # a local top-up for other bands (another grade, another age) does not concern this person
            best = max(matching, key=lambda s: (_specificity(s), s.monthly_amount, -s.id))
            parts.append(Part(level=level, amount=best.monthly_amount, standard_id=best.id, document=best.document))
        return tuple(parts)


def _specificity(standard: Standard) -> int:
    return sum(
        bool(v)
        for v in (
            standard.residence,
            standard.disability_grade,
            standard.self_care,
            standard.age_from is not None,
            standard.age_to is not None,
        )
    )


class _FactsLoader:
    """The facts of a run's persons, read in one query the first time a line's facts are asked for."""

    def __init__(self, params: dict[str, Any], policy: BenefitSettings) -> None:
        self.params = params
        self.policy = policy
        self.member_ids: set[int] = set()
        self._rows: dict[int, tuple] | None = None

    def facts(self, member_id: int, scheme: str, month: date) -> dict[str, Any]:
        if self._rows is None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
                # A few persons (a household, a batch of a village): by id; many: the run's whole area is cheaper.
                members = sorted(self.member_ids) if len(self.member_ids) <= 5000 else self.params["members"]
                cursor.execute(_FACTS_SQL, {**self.params, "members": members})
                self._rows = {row[_F_ID]: row for row in cursor.fetchall()}
        return _facts(self._rows[member_id], scheme, month, self.policy)


def run(
    county: Region,
    months: Collection[date],
    *,
    area: Region | None = None,
    member_ids: Collection[int] | None = None,
) -> Run:
    """Every person's entitlement in ``county`` for each of ``months`` (firsts of months), and the problems.

    Three queries (the settings, the standards, the persons); a fourth reads the facts the explanation names when
    a line's ``facts`` is first read."""
    months = sorted({m.replace(day=1) for m in months})
    if not months:
        return Run(lines=[], problems=[])
    policy = settings_for(county.code)
    standards = _Standards(Standard.objects.for_county(county.code))
    params = {
        "county": county.pk,
        "area": area.path if area is not None and area.pk != county.pk else None,
        "members": list(member_ids) if member_ids is not None else None,
        "qualifying_age": policy.qualifying_age,
        "reward_age": policy.reward_age,
        "event_offset": 0 if policy.child_event_start == BenefitSettings.ChildEventStart.SAME_MONTH else 1,
        "death_year_end": policy.death_pays_through == BenefitSettings.DeathPaysThrough.YEAR_END,
        "first_month": month_index(months[0]),
        "last_month": month_index(months[-1]),
    }
    if member_ids is not None and len(member_ids) <= FEW_PERSONS:
        # A few persons (a household's parents on the archive's card): a small sort, one statement.
        with connection.cursor() as cursor:
            cursor.execute(_COMPUTE_SQL, params)
            rows = cursor.fetchall()
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            # The window over the county's parents sorts 200,000 rows: in memory, not in temporary files.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(_COMPUTE_SQL, params)
            rows = cursor.fetchall()
    rows.sort(key=itemgetter(_HOUSEHOLD, _ID))  # the lines in household order, whatever the plan
    both = policy.reward_overlap == BenefitSettings.RewardOverlap.BOTH
    indexed = [(month, month_index(month)) for month in months]
    loader = _FactsLoader(params, policy)
    result = Run(lines=[], problems=[])
    for row in rows:
        if row[_PROBLEM]:
            result.problems.append(_problem(row, None, None, row[_PROBLEM]))
        windows = _windows(row)
        if windows:
            _person_lines(row, windows, indexed, standards, loader, both=both, result=result)
    loader.member_ids = {line.member_id for line in result.lines}
    return result


def _windows(row: tuple) -> list[tuple[str, int, int, str]]:
    """The person's programmes as (scheme, first month, first month no more, grade)."""
    windows = []
    if row[_SPECIAL]:
        windows.append((row[_SPECIAL], row[_SPECIAL_START], row[_SPECIAL_END], row[_SPECIAL_GRADE]))
    if row[_COMPLICATION_START] < NEVER:
        windows.append(
            (Scheme.COMPLICATION, row[_COMPLICATION_START], row[_COMPLICATION_END], row[_COMPLICATION_GRADE])
        )
    if row[_REWARD_START] < NEVER:
        windows.append((Scheme.REWARD, row[_REWARD_START], row[_REWARD_END], ""))
    return windows


def _person_lines(
    row: tuple,
    windows: list[tuple[str, int, int, str]],
    indexed: list[tuple[date, int]],
    standards: _Standards,
    loader: _FactsLoader,
    *,
    both: bool,
    result: Run,
) -> None:
    """One person's lines for the months, the 60 rule applied."""
    confirmed_years = row[_CONFIRMED] or ()
    born = row[_BIRTH]
    residence, self_care = row[_RESIDENCE], row[_SELF_CARE]
    age_banded = standards.age_banded
    lines = result.lines
    for month, index in indexed:
        due = []
        for scheme, first, last, grade in windows:
            if not first <= index < last:
                continue
            age = age_on(born, month) if born is not None and scheme in age_banded else None
            found = standards.parts((scheme, month, residence, grade, self_care, age))
            if found is None:
                result.problems.append(_problem(row, scheme, month, "no_standard"))
            elif found[0]:
                due.append(Entitlement(row, loader, scheme=scheme, month=month, amount=found[1], parts=found[0],
                                       confirmed=month.year in confirmed_years))  # fmt: skip
        if len(due) > 1 and not both:
            due = _higher_of_two(due)
        lines.extend(due)


def entitlements(
    county: Region,
    months: Collection[date],
    *,
    area: Region | None = None,
    member_ids: Collection[int] | None = None,
) -> list[Entitlement]:
    """The lines of :func:`run` (amount > 0), one per person, scheme and month."""
    return run(county, months, area=area, member_ids=member_ids).lines


def _problem(row: tuple, scheme: str | None, month: date | None, reason: str) -> Problem:
    return Problem(
        member_id=row[_ID], household_id=row[_HOUSEHOLD], name=row[_NAME], id_number=row[_ID_NUMBER],
        scheme=scheme, month=month, reason=reason,
    )  # fmt: skip


def _higher_of_two(due: list[Entitlement]) -> list[Entitlement]:
    """The 60 rule's default: reward assistance beside special assistance — only the higher of the two is paid."""
    reward = [e for e in due if e.scheme == Scheme.REWARD]
    special = [e for e in due if e.scheme != Scheme.REWARD]
    if not reward or not special:
        return due
    best_special = max(special, key=lambda e: e.amount)
    if reward[0].amount > best_special.amount:
        reward[0].higher_than = {"scheme": best_special.scheme, "amount": str(best_special.amount)}
        return [e for e in due if e is not best_special]
    best_special.higher_than = {"scheme": Scheme.REWARD, "amount": str(reward[0].amount)}
    return [e for e in due if e.scheme != Scheme.REWARD]


def _facts(row: tuple, scheme: str, month: date, policy: BenefitSettings) -> dict[str, Any]:
    """The facts a line's explanation names, from the person's facts row."""
    facts: dict[str, Any] = {"residence": row[_F_RESIDENCE] or ""}
    if scheme in (Scheme.DEATH, Scheme.DISABILITY):
        first = row[_F_SPECIAL_START]
        facts.update(
            qualifying_birthday=str(birthday(row[_F_QUALIFYING_BORN], policy.qualifying_age)),
            qualifying_whose=row[_F_QUALIFYING_WHOSE],
            qualifying_age=policy.qualifying_age,
            child_event_date=str(row[_F_CHILD_EVENT]),
        )
        if scheme == Scheme.DISABILITY:
            facts["disability_grade"] = row[_F_SPECIAL_GRADE]
            if row[_F_RECOVERED]:
                facts["child_recovered_on"] = str(row[_F_RECOVERED])
    elif scheme == Scheme.COMPLICATION:
        first = row[_F_COMPLICATION_START]
        facts.update(complication_grade=row[_F_COMPLICATION_GRADE], complication_since=str(row[_F_COMPLICATION_SINCE]))
    else:
        first = row[_F_REWARD_START]
        facts.update(reward_birthday=str(birthday(row[_F_BIRTH], policy.reward_age)), reward_age=policy.reward_age)
    facts["first_month"] = str(month_of(first))
    for key, position in (("death_date", _F_DEATH), ("other_child_on", _F_OTHER_CHILD), ("closed_on", _F_CLOSED),
                          ("moved_in_on", _F_MOVED_IN)):  # fmt: skip
        if row[position]:
            facts[key] = str(row[position])
    stops: dict[str, int] = {Scheme.COMPLICATION: _F_COMPLICATION_STOP, Scheme.REWARD: _F_REWARD_STOP}
    stop = stops.get(scheme, _F_SPECIAL_STOP)
    if row[stop]:
        facts["review_stopped_on"] = str(row[stop])
    if row[_F_BIRTH]:
        facts["age"] = age_on(row[_F_BIRTH], month)
    return facts


# ------------------------------------------------------------------------------------------------ explanation


def explain_text(entitlement: Entitlement) -> list[str]:
    """The explanation in the reader's language: the facts used, then each part with its standard."""
    facts = entitlement.facts
    lines: list[str] = []
    if "qualifying_birthday" in facts:
        if facts.get("qualifying_whose") == "wife":
            lines.append(
                _("The wife's birthday at %(age)s: %(day)s; entitled from %(month)s.")
                % {
                    "age": facts["qualifying_age"],
                    "day": facts["qualifying_birthday"],
                    "month": facts["first_month"][:7],
                }
            )
        else:
            lines.append(
                _("Own birthday at %(age)s: %(day)s; entitled from %(month)s.")
                % {
                    "age": facts["qualifying_age"],
                    "day": facts["qualifying_birthday"],
                    "month": facts["first_month"][:7],
                }
            )
    if "child_event_date" in facts:
        lines.append(_("The child's death or disability: %(day)s.") % {"day": facts["child_event_date"]})
    if "disability_grade" in facts:
        lines.append(_("Disability grade %(grade)s.") % {"grade": facts["disability_grade"]})
    if "complication_grade" in facts:
        lines.append(
            _("Surgery complication grade %(grade)s since %(day)s.")
            % {"grade": facts["complication_grade"], "day": facts["complication_since"]}
        )
    if "reward_birthday" in facts:
        lines.append(
            _("Reward assistance from the month after the birthday at %(age)s (%(day)s).")
            % {"age": facts["reward_age"], "day": facts["reward_birthday"]}
        )
    if "higher_than" in facts:
        lines.append(
            _("The higher of two: %(other)s would be %(amount)s yuan.")
            % {"other": Scheme(facts["higher_than"]["scheme"]).label, "amount": facts["higher_than"]["amount"]}
        )
    if facts.get("residence"):
        lines.append(_("Residence: %(residence)s.") % {"residence": Household.Residence(facts["residence"]).label})
    for part in entitlement.parts:
        lines.append(
            _("%(level)s: %(amount)s yuan (%(document)s).")
            % {"level": Level(part.level).label, "amount": part.amount, "document": part.document}
        )
    return lines


def as_json(entitlement: Entitlement) -> dict[str, Any]:
    """One line of ``manage.py entitlements --json``."""
    return {
        "id_number": entitlement.id_number,
        "name": entitlement.name,
        "scheme": entitlement.scheme,
        "month": entitlement.month.strftime("%Y-%m"),
        "amount": str(entitlement.amount),
        "confirmed": entitlement.confirmed,
        "explanation": [part.as_json() for part in entitlement.parts],
        "facts": entitlement.facts,
    }
