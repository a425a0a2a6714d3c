"""seed_demo's city (issue 17 part 6): 城中区 under 西宁市 and 青海省, two more districts with households, contacts
and visits, the city's logins whose home shows the three districts side by side; the same on a second run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from contacts.models import Assignment
from demo.services import demo_seed
from households.models import Household
from regions.models import Region
from regions.selectors import counties_under
from visits.models import Visit

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 12, 7)


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    call_command("load_regions", str(REGIONS))
    return demo_seed(seed=3, households=30)


def _counts() -> dict[str, dict[str, int]]:
    return {
        code: {
            "households": Household.objects.filter(county__code=code).count(),
            "assignments": Assignment.objects.filter(household__county__code=code).count(),
            "visits": Visit.objects.filter(household__county__code=code).count(),
        }
        for code in ("630103", "630104", "630105")
    }


def test_the_demo_city_has_three_districts_with_work_and_its_logins(seeded):
    city = Region.objects.get(code="630100")
    assert city.parent.code == "630000"
    assert [c.code for c in counties_under(region=city)] == ["630103", "630104", "630105"]
    assert Region.objects.get(code="630103").path == "630103/"
    counts = _counts()
    for code in ("630104", "630105"):
        assert counts[code]["households"] > 0, code
        assert counts[code]["assignments"] > 0, code
        assert counts[code]["visits"] > 0, code
    logins = {login.username: login for login in seeded}
    assert {"city", "cityleader"} <= set(logins)
    assert {u.username: u.region_id for u in User.objects.filter(username__in=["city", "cityleader"])} == {
        "city": city.pk,
        "cityleader": city.pk,
    }
    # The demo logins of the county stand for people of the county only.
    assert not Assignment.objects.filter(person__user__username="town1").exclude(household__county__code="630103")

    demo_seed(seed=3, households=30)
    assert _counts() == counts


@pytest.mark.parametrize("username", ["city", "cityleader"])
def test_the_city_logins_read_the_three_districts_side_by_side(seeded, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    html = client.get("/").content.decode()
    for name in ("城中区", "城西区", "城北区"):
        assert f'data-unit="{name}"' in html
