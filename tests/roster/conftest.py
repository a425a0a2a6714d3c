"""Fixtures and helpers of the roster tests: the sample county, its people, and workbook helpers."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from accounts.models import User
from accounts.roles import Role
from regions.models import Region
from regions.services import regions_load_csv
from tests.factories import RegionFactory, UserFactory

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_NAMES = ("roster_persons_clean", "roster_persons_errors", "roster_couples")
TODAY = date(2025, 6, 1)


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / f"{name}.xlsx").read_bytes()


def expected(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))


@dataclass
class SampleCounty:
    county: Region
    town: Region  # 礼让街街道: the clean persons sample lives here
    other_town: Region  # 人民街街道
    staff: User
    town_cadre: User  # cadre of other_town
    outsider: User  # staff of another county


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever the default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def sample_county(db) -> SampleCounty:
    regions_load_csv(text=(SAMPLES / "regions_sample.csv").read_text(encoding="utf-8-sig"))
    county = Region.objects.get(code="630103")
    town = Region.objects.get(name="礼让街街道")
    other_town = Region.objects.get(name="人民街街道")
    elsewhere = RegionFactory.county("630199", "别的县")
    return SampleCounty(
        county=county,
        town=town,
        other_town=other_town,
        staff=UserFactory(username="r_staff", role=Role.COUNTY_STAFF, region=county),
        town_cadre=UserFactory(username="r_cadre", role=Role.TOWN_CADRE, region=other_town),
        outsider=UserFactory(username="r_outsider", role=Role.COUNTY_STAFF, region=elsewhere),
    )


def edit_workbook(data: bytes, edits: dict[tuple[int, int], Any], sheet: str | None = None) -> bytes:
    """A copy of a workbook with some cells changed: {(row, column): value}, 1-based like Excel."""
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    for (row, column), value in edits.items():
        worksheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_workbook(rows: list[list[Any]], title: str = "花名册") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = title
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outcome(errors: list[dict[str, Any]]) -> list[list[Any]]:
    return sorted([e["sheet"], e["row"], e["field"]] for e in errors)
