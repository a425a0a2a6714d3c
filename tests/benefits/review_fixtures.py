"""Shared makers of the annual review's tests: a special family in V1a whose parents the engine finds entitled."""

from __future__ import annotations

from datetime import date

from benefits.models import ReviewCase, ReviewCycle
from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory


def family(village, *, number: str, husband: str = "王建国", wife: str = "李秀英") -> tuple[Member, Member]:
    """A household whose only child died in 2010, the wife born in 1962 (49 in 2011): both parents entitled."""
    household = HouseholdFactory(
        village=village,
        number=number,
        family_type=Household.FamilyType.DEATH,
        child_event_date=date(2010, 5, 3),
        residence=Household.Residence.RURAL,
    )
    h = MemberFactory(household=household, name=husband, role=Member.Role.HUSBAND, birth_date=date(1960, 2, 1))
    w = MemberFactory(household=household, name=wife, role=Member.Role.WIFE, birth_date=date(1962, 3, 1))
    return h, w


def cycle(county, year: int, **dates) -> ReviewCycle:
    values = {
        "applications_by": date(year, 1, 15),
        "village_by": date(year, 2, 15),
        "town_by": date(year, 3, 15),
        "county_by": date(year, 3, 31),
    }
    values.update(dates)
    return ReviewCycle.objects.create(county=county, year=year, **values)


def case(cycle_, member, *, kind=ReviewCase.Kind.RECHECK, stage=ReviewCase.Stage.VILLAGE, **kw) -> ReviewCase:
    return ReviewCase.objects.create(cycle=cycle_, member=member, scheme="death", kind=kind, stage=stage, **kw)
