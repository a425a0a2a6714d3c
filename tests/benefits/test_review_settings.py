"""benefits.policy.settings_for: the county's own row, else its province's, else the defaults."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benefits.models import BenefitSettings
from benefits.policy import review_deadlines, settings_for

pytestmark = pytest.mark.django_db


def test_defaults_when_no_row():
    s = settings_for("630101")
    assert s.pk is None
    assert (s.applications_by, s.village_by, s.town_by, s.county_by, s.notice_days) == (
        "01-15",
        "02-15",
        "03-15",
        "03-31",
        10,
    )
    assert s.qualifying_age == 49
    assert s.reward_age == 60
    assert s.death_pays_through == BenefitSettings.DeathPaysThrough.MONTH


def test_province_row_then_county_row_wins():
    BenefitSettings.objects.create(area_code="63", area_name="青海省", village_by="02-20", notice_days=7)
    assert settings_for("630101").village_by == "02-20"
    assert settings_for("630101").notice_days == 7
    assert settings_for("410101").village_by == "02-15"  # another province: defaults
    BenefitSettings.objects.create(area_code="630101", village_by="02-10")
    assert settings_for("630101").village_by == "02-10"
    assert settings_for("630101").notice_days == 10  # the county's row is whole: its own default
    assert settings_for("630102").village_by == "02-20"  # a sibling county keeps the province's


def test_one_query():
    with CaptureQueriesContext(connection) as ctx:
        settings_for("630101")
    assert len(ctx.captured_queries) == 1


def test_review_deadlines_of_a_year():
    BenefitSettings.objects.create(area_code="630101", applications_by="02-29")
    d = review_deadlines("630101", 2025)
    assert d.applications_by == date(2025, 2, 28)
    assert (d.village_by, d.town_by, d.county_by) == (date(2025, 2, 15), date(2025, 3, 15), date(2025, 3, 31))
    assert review_deadlines("630101", 2024).applications_by == date(2024, 2, 29)
