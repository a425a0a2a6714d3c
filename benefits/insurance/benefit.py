"""The benefit a product gives for a claim's facts — pure, no database: ``benefit_compute``.

The rules (docs/BENEFITS.md §Insurance; the 乌海 product: 100 a day, at most 90 days a stay and 180 in all, a
30-day waiting period, hospitals of grade 2 and above):

* a hospital stay counts its nights (discharge day minus admission day; a same-day stay counts one day), each day
  only while the person is covered (from the line's first to its last day);
* nothing for a stay admitted before the cover starts or after it ends, inside the waiting period (the first
  ``waiting_days`` days of cover; not for an accident, and not when the person's cover of the product line's
  previous year ran on without a gap), or at a hospital below the product's grade floor (ungraded: below);
* the days paid are the covered days within the per-stay cap and what the person's earlier stays left of the
  policy-year cap and of the cap "in all" (over the product line, every renewal); intensive-care days are paid at
  the ICU rate first, the rest at the daily rate;
* lump sums: death (accidental death when it was an accident, else the death sum), an accident that left a
  disability, one of the major diseases; each when the event day is covered and, but for an accident, not inside
  the waiting period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

ZERO = Decimal("0.00")


class Terms(Protocol):
    """What a product pays (benefits.models.InsuranceProduct has these attributes)."""

    daily_allowance: Decimal | None
    icu_daily_allowance: Decimal | None
    max_days_per_stay: int | None
    max_days_per_year: int | None
    max_days_total: int | None
    death_sum: Decimal | None
    accidental_death_sum: Decimal | None
    disability_sum: Decimal | None
    major_disease_sum: Decimal | None
    waiting_days: int
    hospital_grade_floor: str


@dataclass(frozen=True)
class Cover:
    """The person's cover under the product: first and last day covered; whether the waiting period applies."""

    starts_on: date
    ends_on: date
    waiting: bool = True


@dataclass(frozen=True)
class Event:
    kind: str  # InsuranceClaim.Kind value
    event_date: date
    accidental: bool = False
    disability: bool = False
    admitted_on: date | None = None
    discharged_on: date | None = None
    icu_days: int = 0
    hospital_grade: str = ""


@dataclass
class Benefit:
    amount: Decimal = ZERO
    days: int = 0  # hospital days paid for (they count against the year's and the overall caps)
    flags: list[str] = field(default_factory=list)  # InsuranceClaim.Flag values
    detail: dict[str, Any] = field(default_factory=dict)


def stay_days(admitted_on: date, discharged_on: date) -> int:
    """The days of a stay: its nights; a stay that ends the day it began counts one day."""
    return max((discharged_on - admitted_on).days, 1)


def _remaining(cap: int | None, used: int) -> int | None:
    return None if cap is None else max(cap - used, 0)


def _hospital(terms: Terms, cover: Cover, event: Event, used_year: int, used_total: int, benefit: Benefit) -> None:
    if not terms.daily_allowance or event.admitted_on is None:
        benefit.flags.append("no_benefit")
        return
    if event.discharged_on is None:
        benefit.detail["open_stay"] = True  # still in hospital: the days are counted at the discharge
        return
    days = stay_days(event.admitted_on, event.discharged_on)
    last_day = event.admitted_on + timedelta(days=days - 1)
    covered = (min(last_day, cover.ends_on) - event.admitted_on).days + 1
    caps = [
        covered,
        terms.max_days_per_stay,
        _remaining(terms.max_days_per_year, used_year),
        _remaining(terms.max_days_total, used_total),
    ]
    paid = max(min(c for c in caps if c is not None), 0)
    icu_rate = terms.icu_daily_allowance or terms.daily_allowance
    icu = min(event.icu_days, paid)
    benefit.days = paid
    benefit.amount = (icu_rate * icu + terms.daily_allowance * (paid - icu)).quantize(ZERO)
    benefit.detail.update(
        {
            "stay_days": days,
            "covered_days": covered,
            "paid_days": paid,
            "icu_days": icu,
            "daily": str(terms.daily_allowance),
            "icu_daily": str(icu_rate),
            "used_year": used_year,
            "used_total": used_total,
        }
    )


def _lump_sum(terms: Terms, event: Event) -> Decimal | None:
    if event.kind == "death":
        return (terms.accidental_death_sum or terms.death_sum) if event.accidental else terms.death_sum
    if event.kind == "accident":
        return terms.disability_sum if event.disability else None
    if event.kind == "major_disease":
        return terms.major_disease_sum
    return None


def benefit_compute(
    *, terms: Terms, cover: Cover | None, event: Event, used_year: int = 0, used_total: int = 0
) -> Benefit:
    """The benefit for one claim, given the days the person's earlier stays used of the year's and the overall
    caps. Outside the cover the amount is nil and ``flags`` say why."""
    benefit = Benefit()
    if cover is None:
        benefit.flags.append("not_enrolled")
        return benefit
    first_day = event.admitted_on if event.kind == "hospital" and event.admitted_on else event.event_date
    if first_day < cover.starts_on:
        benefit.flags.append("before_start")
    elif first_day > cover.ends_on:
        benefit.flags.append("after_end")
    elif (
        cover.waiting
        and terms.waiting_days
        and not event.accidental
        and first_day < cover.starts_on + timedelta(days=terms.waiting_days)
    ):
        benefit.flags.append("waiting")
    if event.kind == "hospital" and (
        terms.hospital_grade_floor and (event.hospital_grade or "0") < terms.hospital_grade_floor
    ):
        benefit.flags.append("grade")
    if benefit.flags:
        return benefit
    if event.kind == "hospital":
        _hospital(terms, cover, event, used_year, used_total, benefit)
        return benefit
    amount = _lump_sum(terms, event)
    if not amount:
        benefit.flags.append("no_benefit")
        return benefit
    benefit.amount = amount.quantize(ZERO)
    benefit.detail["lump_sum"] = str(benefit.amount)
    return benefit
