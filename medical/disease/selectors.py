"""Reads of disease and treatment: gatekeepers (outside the area: 404), a household's diseases with their
follow-ups and costs, the chronic follow-ups due in the user's area, and the counts by treatment class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Sum

from households.models import Household
from medical.models import Diagnosis, DiseaseFollowUp, TreatmentCost
from regions.scope import get_visible_or_404

if TYPE_CHECKING:
    from accounts.models import User


def diagnosis_get_for_user(*, user: User, pk: int) -> Diagnosis:
    return get_visible_or_404(
        Diagnosis.objects.select_related(
            "household", "household__village", "household__county", "member", "institution"
        ),
        user,
        pk=pk,
    )


def household_diagnoses(*, household: Household) -> list[Diagnosis]:
    """The household's diagnoses (open first), each with its follow-ups and costs: three queries."""
    return list(
        Diagnosis.objects.filter(household=household)
        .select_related("member", "institution")
        .prefetch_related(
            Prefetch("follow_ups", DiseaseFollowUp.objects.select_related("by_person").order_by("-followed_on", "-id")),
            Prefetch("costs", TreatmentCost.objects.select_related("institution").order_by("-incurred_on", "-id")),
        )
        .order_by("closed_on", "-diagnosed_on", "-id")
    )


@dataclass(frozen=True)
class CostTotals:
    total: Decimal
    reimbursed: Decimal

    @property
    def self_paid(self) -> Decimal:
        return self.total - self.reimbursed


def cost_totals(costs: list[TreatmentCost]) -> CostTotals:
    return CostTotals(
        total=sum((c.total for c in costs), Decimal(0)), reimbursed=sum((c.reimbursed for c in costs), Decimal(0))
    )


def follow_ups_due(*, user: User, on: date, within_days: int = 30) -> list[Diagnosis]:
    """Open diagnoses under contracted chronic management in the user's area whose next follow-up is due within
    ``within_days`` (the overdue ones first, by due date)."""
    return list(
        Diagnosis.objects.visible_to(user)
        .filter(
            treatment_class=Diagnosis.TreatmentClass.CHRONIC,
            closed_on__isnull=True,
            next_due__isnull=False,
            next_due__lte=on + timedelta(days=within_days),
            household__status=Household.Status.ACTIVE,
        )
        .select_related("household", "household__village", "member")
        .order_by("next_due", "household__number", "id")
    )


@dataclass
class ClassCount:
    treatment_class: str
    label: str
    persons: int
    open: int


def class_counts(*, user: User) -> list[ClassCount]:
    """Per treatment class of the "three batches": persons with an open diagnosis and open diagnoses. Counts only
    (one query)."""
    rows = {
        row["treatment_class"]: row
        for row in Diagnosis.objects.visible_to(user)
        .filter(closed_on__isnull=True)
        .values("treatment_class")
        .annotate(persons=Count("member", distinct=True), open=Count("id"))
        .order_by()
    }
    return [
        ClassCount(
            treatment_class=value,
            label=str(label),
            persons=rows.get(value, {}).get("persons", 0),
            open=rows.get(value, {}).get("open", 0),
        )
        for value, label in Diagnosis.TreatmentClass.choices
    ]


def cost_year_totals(*, user: User, year: int) -> dict[str, Decimal]:
    """The year's treatment costs in the user's area: total and each source of reimbursement (one query)."""
    fields = ("total", *TreatmentCost.REIMBURSED_FIELDS)
    sums = (
        TreatmentCost.objects.visible_to(user)
        .filter(incurred_on__year=year)
        .aggregate(**{name: Sum(name) for name in fields})
    )
    result = {name: sums[name] or Decimal(0) for name in fields}
    result["self_paid"] = result["total"] - sum((result[n] for n in TreatmentCost.REIMBURSED_FIELDS), Decimal(0))
    return result
