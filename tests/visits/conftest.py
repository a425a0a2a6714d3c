"""Shared fixtures of the visits tests: a county with the default rules."""

from __future__ import annotations

import pytest

from tests.conftest import Area
from visits.models import Rule, RuleSet
from visits.services import ruleset_create_default


@pytest.fixture
def rules(area: Area) -> RuleSet:
    return ruleset_create_default(county=area.C)


def only_rules(rule_set: RuleSet, *codes: str) -> dict[str, Rule]:
    """Keep the named rules active and switch the others off; returns the kept ones by code."""
    Rule.objects.filter(rule_set=rule_set).exclude(code__in=codes).update(active=False)
    return {r.code: r for r in Rule.objects.filter(rule_set=rule_set, code__in=codes)}
