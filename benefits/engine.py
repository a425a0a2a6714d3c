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
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from benefits.models import BenefitSettings, Level, Scheme, Standard
from benefits.policy import settings_for
from households.models import Household
from regions.models import Region

EARLIEST_WOMAN_BIRTH = date(1933, 1, 1)
SPECIAL_SCHEMES = frozenset({Scheme.DEATH, Scheme.DISABILITY, Scheme.COMPLICATION})
LEVEL_ORDER = [Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY]
NEVER = 10**9  # a month index later than any


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


@dataclass
class Entitlement:
    member_id: int
    household_id: int
    name: str
    id_number: str | None
    scheme: str
    month: date
    amount: Decimal
    parts: list[Part]
    facts: dict[str, Any]
    confirmed: bool


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


PROBLEM_TEXTS = {
    "no_birth_date": "The qualifying birth date is not recorded.",
    "no_child_event_date": "The date of the child's death or disability is not recorded.",
    "no_disability_grade": "The child's disability grade is not recorded.",
    "no_standard": "No standard in force matches (is the residence, urban or rural, recorded?).",
}


_FACTS_SQL = """
SELECT m.id, m.household_id, m.name, m.id_number, m.sex, m.role, m.birth_date, m.death_date, m.self_care,
       h.family_type, h.closed_on, h.residence, h.child_event_date, h.child_disability_grade,
       h.child_recovered_on, h.other_child_on,
       w.id AS wife_id, w.birth_date AS wife_birth, w.death_date AS wife_death,
       p.reward_qualified, p.complication_grade, p.complication_since,
       r.confirmed_years, s.stop_programmes, s.stop_dates, t.moved_in_on
  FROM households_member m
  JOIN households_household h ON h.id = m.household_id
  LEFT JOIN regions_region v ON v.id = h.village_id
  LEFT JOIN LATERAL (
        SELECT w.id, w.birth_date, w.death_date FROM households_member w
         WHERE w.household_id = h.id AND w.role = 'wife' ORDER BY w.id LIMIT 1) w ON true
  LEFT JOIN benefits_benefitprofile p ON p.member_id = m.id
  LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT c.year) AS confirmed_years
          FROM benefits_reviewcase rc JOIN benefits_reviewcycle c ON c.id = rc.cycle_id
         WHERE rc.member_id = m.id AND rc.outcome = 'confirmed' AND rc.kind <> 'leaver') r ON true
  LEFT JOIN LATERAL (
        -- per programme (special assistance's two branches are one), the latest decision, when it stops the money
        SELECT array_agg(d.programme) AS stop_programmes, array_agg(d.decided_on) AS stop_dates
          FROM (SELECT DISTINCT ON (programme) programme, rc.decided_on,
                       rc.outcome = 'refused' OR rc.kind = 'leaver' AS stops
                  FROM benefits_reviewcase rc,
                       LATERAL (SELECT CASE WHEN rc.scheme IN ('death', 'disability') THEN 'special'
                                            ELSE rc.scheme END AS programme) p
                 WHERE rc.member_id = m.id AND rc.stage = 'done'
                 ORDER BY programme, rc.decided_on DESC, rc.id DESC) d
         WHERE d.stops) s ON true
  LEFT JOIN LATERAL (
        SELECT max(tr.decided_at)::date AS moved_in_on FROM households_householdtransfer tr
         WHERE tr.household_id = h.id AND tr.to_county_id = h.county_id AND tr.status = 'accepted') t ON true
 WHERE h.county_id = %(county)s AND m.role IN ('husband', 'wife')
   AND (%(area)s::text IS NULL OR v.path LIKE %(area)s::text || '%%')
   AND (%(members)s::bigint[] IS NULL OR m.id = ANY(%(members)s::bigint[]))
 ORDER BY m.household_id, m.id
"""


class _Standards:
    """The county's standards in memory, with a cache per lookup key."""

    def __init__(self, standards: Iterable[Standard]) -> None:
        self.by_scheme: dict[str, list[Standard]] = {}
        for standard in standards:
            self.by_scheme.setdefault(standard.scheme, []).append(standard)
        self.age_banded = {s for s, rows in self.by_scheme.items() if any(r.age_from or r.age_to for r in rows)}
        self._cache: dict[tuple, tuple[Part, ...] | None] = {}

    def parts(
        self, scheme: str, month: date, *, residence: str, grade: str, self_care: str, age: int | None
    ) -> tuple[Part, ...] | None:
        """The parts for these facts, or None when a level has standards in force but none matches."""
        key = (scheme, month, residence, grade, self_care, age if scheme in self.age_banded else None)
        if key not in self._cache:
            self._cache[key] = self._lookup(*key)
        return self._cache[key]

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


def run(
    county: Region,
    months: Collection[date],
    *,
    area: Region | None = None,
    member_ids: Collection[int] | None = None,
) -> Run:
    """Every person's entitlement in ``county`` for each of ``months`` (firsts of months), and the problems."""
    months = sorted({m.replace(day=1) for m in months})
    policy = settings_for(county.code)
    standards = _Standards(Standard.objects.for_county(county.code))
    with connection.cursor() as cursor:
        cursor.execute(
            _FACTS_SQL,
            {
                "county": county.pk,
                "area": area.path if area is not None and area.pk != county.pk else None,
                "members": list(member_ids) if member_ids is not None else None,
            },
        )
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    result = Run(lines=[], problems=[])
    for row in rows:
        _person(row, months, policy, standards, result)
    return result


def entitlements(
    county: Region,
    months: Collection[date],
    *,
    area: Region | None = None,
    member_ids: Collection[int] | None = None,
) -> list[Entitlement]:
    """The lines of :func:`run` (amount > 0), one per person, scheme and month."""
    return run(county, months, area=area, member_ids=member_ids).lines


def _qualifying(row: dict[str, Any], policy: BenefitSettings) -> tuple[date | None, str]:
    """The qualifying birthday and whose it is ("wife", "own")."""
    years = policy.qualifying_age
    if row["role"] == "wife":
        return (birthday(row["birth_date"], years) if row["birth_date"] else None), "own"
    wife_birth = row["wife_birth"]
    if row["wife_id"] is not None and wife_birth is not None:
        wife_day = birthday(wife_birth, years)
        if row["wife_death"] is None or row["wife_death"] >= wife_day:
            return wife_day, "wife"
    elif row["wife_id"] is not None:
        return None, "wife"
    return (birthday(row["birth_date"], years) if row["birth_date"] else None), "own"


def _stop_index(row: dict[str, Any], policy: BenefitSettings) -> tuple[int, list[tuple[str, date]]]:
    """The first month paid no more (a month index), and the events that set it."""
    events: list[tuple[str, date]] = []
    stops = [NEVER]
    for key in ("other_child_on", "closed_on"):
        if row[key] is not None:
            events.append((key, row[key]))
            stops.append(month_index(row[key]) + 1)
    if row["death_date"] is not None:
        events.append(("death_date", row["death_date"]))
        died = row["death_date"]
        through_year = policy.death_pays_through == BenefitSettings.DeathPaysThrough.YEAR_END
        stops.append(month_index(date(died.year, 12, 1)) + 1 if through_year else month_index(died) + 1)
    return min(stops), events


def _special(row: dict[str, Any], policy: BenefitSettings, problems: list[str]) -> tuple[str, int, int, str, dict]:
    """The special-assistance branch: (scheme, first month, first month no more, grade, facts) or scheme "" ."""
    facts: dict[str, Any] = {}
    event_offset = 0 if policy.child_event_start == BenefitSettings.ChildEventStart.SAME_MONTH else 1
    if row["family_type"] not in ("death", "disability"):
        return "", NEVER, NEVER, "", facts
    woman_birth = (
        row["wife_birth"] if row["wife_id"] is not None else (row["birth_date"] if row["sex"] == "F" else None)
    )
    if woman_birth is not None and woman_birth < EARLIEST_WOMAN_BIRTH:
        facts["woman_born_before_1933"] = str(woman_birth)
        return "", NEVER, NEVER, "", facts
    qualifying, whose = _qualifying(row, policy)
    if qualifying is None:
        problems.append("no_birth_date")
        return "", NEVER, NEVER, "", facts
    facts.update(qualifying_birthday=str(qualifying), qualifying_whose=whose, qualifying_age=policy.qualifying_age)
    if row["child_event_date"] is None:
        problems.append("no_child_event_date")
        return "", NEVER, NEVER, "", facts
    start = max(month_index(qualifying) + 1, month_index(row["child_event_date"]) + event_offset)
    facts["child_event_date"] = str(row["child_event_date"])
    end = NEVER
    grade = ""
    if row["family_type"] == "death":
        scheme = Scheme.DEATH
    else:
        scheme = Scheme.DISABILITY
        grade = row["child_disability_grade"] or ""
        if not grade:
            problems.append("no_disability_grade")
            return "", NEVER, NEVER, "", facts
        if grade not in ("1", "2", "3"):
            facts["disability_grade_not_covered"] = grade
            return "", NEVER, NEVER, "", facts
        facts["disability_grade"] = grade
        if row["child_recovered_on"] is not None:
            facts["child_recovered_on"] = str(row["child_recovered_on"])
            end = month_index(row["child_recovered_on"]) + 1
    return scheme, start, end, grade, facts


def _person(
    row: dict[str, Any], months: list[date], policy: BenefitSettings, standards: _Standards, result: Run
) -> None:
    problems: list[str] = []
    stop, events = _stop_index(row, policy)
    # The annual review's stops, per programme: its latest decision refused the person or confirmed them leaving.
    review_stops = {
        programme: month_index(day) + 1
        for programme, day in zip(row["stop_programmes"] or (), row["stop_dates"] or (), strict=True)
    }
    events += [
        (f"review_stopped_{programme}", day)
        for programme, day in zip(row["stop_programmes"] or (), row["stop_dates"] or (), strict=True)
    ]
    moved_in = month_index(row["moved_in_on"]) + 1 if row["moved_in_on"] else 0
    base_facts: dict[str, Any] = {"residence": row["residence"] or ""}
    base_facts.update({key: str(day) for key, day in events})
    if row["moved_in_on"]:
        base_facts["moved_in_on"] = str(row["moved_in_on"])
    scheme, start, end, grade, special_facts = _special(row, policy, problems)
    windows: list[tuple[str, int, int, str, dict]] = []
    if scheme:
        windows.append(
            (scheme, max(start, moved_in), min(end, stop, review_stops.get("special", NEVER)), grade, special_facts)
        )
    if row["complication_grade"] and row["complication_since"]:
        facts = {"complication_grade": row["complication_grade"], "complication_since": str(row["complication_since"])}
        windows.append(
            (
                Scheme.COMPLICATION,
                max(month_index(row["complication_since"]) + 1, moved_in),
                min(stop, review_stops.get(Scheme.COMPLICATION, NEVER)),
                row["complication_grade"],
                facts,
            )
        )
    reward_start = NEVER
    if row["reward_qualified"] and row["residence"] == "rural" and row["birth_date"]:
        reward_day = birthday(row["birth_date"], policy.reward_age)
        reward_start = max(month_index(reward_day) + 1, moved_in)
        facts = {"reward_birthday": str(reward_day), "reward_age": policy.reward_age}
        windows.append((Scheme.REWARD, reward_start, min(stop, review_stops.get(Scheme.REWARD, NEVER)), "", facts))
    person = {
        "member_id": row["id"],
        "household_id": row["household_id"],
        "name": row["name"],
        "id_number": row["id_number"],
    }
    for reason in problems:
        result.problems.append(Problem(**person, scheme=None, month=None, reason=reason))
    confirmed_years = set(row["confirmed_years"] or ())
    for month in months:
        index = month_index(month)
        due: list[Entitlement] = []
        for window_scheme, first, last, window_grade, facts in windows:
            if not (first <= index < last):
                continue
            age = age_on(row["birth_date"], month) if row["birth_date"] else None
            parts = standards.parts(
                window_scheme,
                month,
                residence=row["residence"] or "",
                grade=window_grade,
                self_care=row["self_care"] or "",
                age=age,
            )
            if parts is None:
                result.problems.append(Problem(**person, scheme=window_scheme, month=month, reason="no_standard"))
                continue
            if not parts:
                continue
            due.append(
                Entitlement(
                    **person,
                    scheme=window_scheme,
                    month=month,
                    amount=sum((p.amount for p in parts), Decimal("0")),
                    parts=list(parts),
                    facts={**base_facts, **facts, "first_month": str(month_of(first)), "age": age},
                    confirmed=month.year in confirmed_years,
                )
            )
        result.lines.extend(_combine(due, policy))


def _combine(due: list[Entitlement], policy: BenefitSettings) -> list[Entitlement]:
    """The 60 rule: reward assistance beside special assistance — the higher of the two, or both."""
    reward = [e for e in due if e.scheme == Scheme.REWARD]
    special = [e for e in due if e.scheme != Scheme.REWARD]
    if not reward or not special or policy.reward_overlap == BenefitSettings.RewardOverlap.BOTH:
        return due
    best_special = max(special, key=lambda e: e.amount)
    if reward[0].amount > best_special.amount:
        reward[0].facts["higher_than"] = {"scheme": best_special.scheme, "amount": str(best_special.amount)}
        return [e for e in due if e.scheme == Scheme.REWARD or e is not best_special]
    best_special.facts["higher_than"] = {"scheme": Scheme.REWARD, "amount": str(reward[0].amount)}
    return [e for e in due if e.scheme != Scheme.REWARD]


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
