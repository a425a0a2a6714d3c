"""Sensitive data by tier, in one place (accounts.sensitivity): the registry names real fields, and the one decision
"may this user see this tier" answers per role as docs/SECURITY.md §Roles says."""

from __future__ import annotations

import pytest
from django.apps import apps

from accounts.roles import Role
from accounts.sensitivity import (
    FIELD_TIERS,
    MASKS,
    RESTRICTED,
    VALUE_TIERS,
    Tier,
    may_see,
    restricted_fields,
    shown,
    visible_values,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_declared_field_and_value_exists():
    """A typo in the registry would leave a field unprotected: each key names a real field, each value a choice."""
    for key in [*FIELD_TIERS, *MASKS, *VALUE_TIERS]:
        label, name = key.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(name)  # raises when missing
    for key, values in VALUE_TIERS.items():
        label, name = key.rsplit(".", 1)
        field = apps.get_model(label)._meta.get_field(name)
        choices = {value for value, _label in field.base_field.choices}
        assert set(values) <= choices, key


def test_the_issue_fields_are_in_their_tiers():
    assert FIELD_TIERS["households.Member.id_number"] == Tier.PERSONAL
    assert FIELD_TIERS["households.Member.phone"] == Tier.PERSONAL
    assert FIELD_TIERS["households.Member.health_notes"] == Tier.HEALTH
    assert FIELD_TIERS["households.Household.difficulties_note"] == Tier.HEALTH
    assert FIELD_TIERS["visits.Visit.health"] == Tier.HEALTH
    assert FIELD_TIERS["visits.Visit.mood"] == Tier.MENTAL_HEALTH
    assert VALUE_TIERS["households.Household.difficulties"]["mental_health"] == Tier.MENTAL_HEALTH


# Who may see each tier in full, by role (personal: on an explicit, logged reveal).
EXPECTED = {
    Role.COUNTY_STAFF: {Tier.PERSONAL, Tier.BANK, Tier.HEALTH, Tier.MENTAL_HEALTH},
    Role.FAMILY_DOCTOR: {Tier.PERSONAL, Tier.HEALTH, Tier.MENTAL_HEALTH},
    Role.TOWN_CADRE: {Tier.PERSONAL},
    Role.VILLAGE_CADRE: {Tier.PERSONAL},
    Role.MEMBER: set(),
    Role.LEADER: set(),
    Role.ADMIN: set(),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_who_may_see_each_tier(area, role):
    region = {Role.TOWN_CADRE: area.T1, Role.VILLAGE_CADRE: area.V1a, Role.FAMILY_DOCTOR: area.V1a}.get(role, area.C)
    if role == Role.MEMBER:
        region = area.V1a
    user = UserFactory(role=role, region=region)
    assert {tier for tier in Tier if may_see(user, tier)} == EXPECTED[role]
    assert may_see(user, None)


def test_nobody_without_an_area_or_inactive_sees_a_tier(personas):
    for user in (personas.no_area, personas.deactivated, None):
        assert not any(may_see(user, tier) for tier in Tier)


def test_shown_masks_personal_and_restricts_health(personas):
    staff, cadre = personas.county_staff, personas.village_cadre
    assert shown(cadre, "households.Member", "phone", "13800000014") == "138****0014"
    assert shown(staff, "households.Member", "phone", "13800000014") == "138****0014"  # masked until revealed
    assert shown(staff, "households.Member", "phone", "13800000014", revealed=True) == "13800000014"
    assert shown(personas.leader, "households.Member", "phone", "13800000014", revealed=True) == "138****0014"
    assert shown(staff, "visits.Visit", "mood", "低落") == "低落"
    assert shown(cadre, "visits.Visit", "mood", "低落") == RESTRICTED
    assert shown(cadre, "visits.Visit", "mood", "") == RESTRICTED  # empty or not: no hint
    assert shown(cadre, "visits.Visit", "needs", "送药") == "送药"  # not sensitive
    assert restricted_fields(cadre, "visits.Visit") == {"health", "mood"}
    assert restricted_fields(staff, "visits.Visit") == set()
    values = ["finance", "mental_health", "housing"]
    assert visible_values(cadre, "households.Household", "difficulties", values) == ["finance", "housing"]
    assert visible_values(staff, "households.Household", "difficulties", values) == values
