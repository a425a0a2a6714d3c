"""Households of the area fixture: one in each of V1a, V1b, V2a (county C) and V3a (county C2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory


@dataclass
class Homes:
    v1a: Household
    v1b: Household
    v2a: Household
    v3a: Household


def couple(household: Household, *, husband_born: date = date(1955, 4, 1), wife_born: date = date(1957, 8, 9)):
    husband = MemberFactory(household=household, role=Member.Role.HUSBAND, birth_date=husband_born, name="张建国")
    wife = MemberFactory(household=household, role=Member.Role.WIFE, birth_date=wife_born, name="李秀英")
    return husband, wife


@pytest.fixture
def homes(area) -> Homes:
    result = Homes(
        v1a=HouseholdFactory(village=area.V1a, number="630101-00001"),
        v1b=HouseholdFactory(village=area.V1b, number="630101-00002", family_type=Household.FamilyType.DISABILITY),
        v2a=HouseholdFactory(village=area.V2a, number="630101-00003"),
        v3a=HouseholdFactory(village=area.V3a, number="630102-00001"),
    )
    for household in (result.v1a, result.v1b, result.v2a, result.v3a):
        couple(household)
    return result


def household_form_data(*, village, members: list[dict[str, Any]], existing: int = 0, **fields: Any) -> dict:
    """POST data of the household form with its member formset (prefix "members")."""
    data = {
        "number": "",
        "village": village.pk,
        "family_type": "death",
        "certificate_number": "",
        "address": "",
        "registered_on": "2024-03-01",
        "living_situation": "couple",
        "difficulties_note": "",
        "visit_preferences": "",
        "do_not_disturb": "",
        "child_name": "",
        "child_sex": "",
        "child_birth_date": "",
        "child_event_date": "",
        "child_disability_grade": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(existing),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    data.update(fields)
    for index, member in enumerate(members):
        defaults = {"alive": "on", "role": "husband", "phone": "", "sex": "", "birth_date": "", "death_date": ""}
        for key, value in {**defaults, **member}.items():
            if value is None or value is False:
                continue
            data[f"members-{index}-{key}"] = value
    return data


def db_state() -> tuple:
    """Everything an outsider's request must leave unchanged."""
    from audit.models import AccessEvent
    from households.models import SavedFilter

    return (
        list(Household.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        list(SavedFilter.objects.order_by("pk").values()),
        AccessEvent.objects.count(),
    )
