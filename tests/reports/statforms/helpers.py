"""Shared set-up of the lifecycle tests: activities (the simplest counted facts: a session per activity organised by
a node) and a city above the fixture's county."""

from __future__ import annotations

from datetime import date

from activities.models import Activity
from regions.models import Region
from tests.factories import RegionFactory

NOV = date(2026, 11, 10)


def activities(organiser: Region, n: int, *, on: date = NOV) -> None:
    Activity.objects.bulk_create(
        Activity(kind=Activity.Kind.LECTURE, title=f"讲座{i}", starts_on=on, ends_on=on, organiser=organiser)
        for i in range(n)
    )


def city_over(*counties: Region) -> Region:
    city = RegionFactory.city("630100", "西宁市")
    for county in counties:
        county.parent = city
        county.save(update_fields=["parent"])
    return city
