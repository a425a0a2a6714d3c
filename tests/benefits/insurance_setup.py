"""Shared set-up of the insurance tests: the held-out products with real numbers (docs/BENEFITS.md §Insurance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from benefits.models import InsuranceProduct
from regions.models import Region

# 乌海: 100 yuan, 100 a day, at most 90 days a stay and 180 in all, a 30-day waiting period, grade 2 and above.
WUHAI: dict[str, Any] = {
    "name": "住院护理保险",
    "insurer": "人保财险乌海分公司",
    "premium": Decimal("100"),
    "daily_allowance": Decimal("100"),
    "max_days_per_stay": 90,
    "max_days_total": 180,
    "waiting_days": 30,
    "hospital_grade_floor": "2",
}
# seed 002: members 49+, 160 yuan, 200 a day up to 30 days, major diseases 20,000.
NURSING: dict[str, Any] = {
    "name": "住院护理险",
    "insurer": "中国人寿",
    "premium": Decimal("160"),
    "age_from": 49,
    "daily_allowance": Decimal("200"),
    "max_days_per_year": 30,
    "major_disease_sum": Decimal("20000"),
    "major_disease_count": 30,
    "death_sum": Decimal("20000"),
}
# Qinghai: 380 a share, 150 a day up to 60 days, ICU 300 a day.
ESCORT: dict[str, Any] = {
    "name": "住院陪护险",
    "insurer": "太平洋保险",
    "premium": Decimal("380"),
    "daily_allowance": Decimal("150"),
    "icu_daily_allowance": Decimal("300"),
    "max_days_per_year": 60,
}
# seed 000: comprehensive accident insurance, 450 yuan a person.
ACCIDENT: dict[str, Any] = {
    "name": "综合意外险",
    "insurer": "平安保险",
    "premium": Decimal("450"),
    "accidental_death_sum": Decimal("50000"),
    "disability_sum": Decimal("30000"),
}


def product(county: Region, year: int, terms: dict[str, Any], **extra: Any) -> InsuranceProduct:
    data = {**terms, **extra}
    made = InsuranceProduct.objects.create(
        county=county,
        year=year,
        starts_on=data.pop("starts_on", date(year, 1, 1)),
        ends_on=data.pop("ends_on", date(year, 12, 31)),
        **data,
    )
    made.series = made.series or made.pk
    made.save(update_fields=["series"])
    return made
