"""Reads of mental health: through the area scope (an assessment outside the reader's area is 404) — the tier is the
views' and services' (medical.mental.services.may_read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medical.models import MentalAssessment
from regions.scope import get_visible_or_404

if TYPE_CHECKING:
    from accounts.models import User
    from households.models import Household


def assessment_get_for_user(*, user: User, pk: int) -> MentalAssessment:
    return get_visible_or_404(MentalAssessment.objects.select_related("household", "member", "assessor"), user, pk=pk)


def household_assessments(*, household: Household) -> list[MentalAssessment]:
    """The household's assessments, newest first, with their member (one query)."""
    return list(
        MentalAssessment.objects.filter(household=household).select_related("member").order_by("-assessed_on", "-id")
    )


def latest_by_member(assessments: list[MentalAssessment]) -> list[MentalAssessment]:
    """Each member's latest assessment (the list given newest first)."""
    seen: set[int] = set()
    latest = []
    for a in assessments:
        if a.member_id not in seen:
            seen.add(a.member_id)
            latest.append(a)
    return latest
