"""The benefits home page: a card per part the role may use, each count the work waiting in the user's area."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CARDS = {
    "county_staff": {"standards", "review", "payouts", "followups", "relief", "insurance", "reports"},
    "town_cadre": {"standards", "review", "payouts", "followups", "relief", "insurance", "reports"},
    "village_cadre": {"standards", "review", "followups", "relief", "insurance", "reports"},
    "leader": {"reports"},
}


@pytest.mark.parametrize("persona", list(CARDS))
def test_each_role_sees_its_cards(personas, client_for, persona):
    response = client_for(getattr(personas, persona)).get(reverse("benefits:home"))
    assert response.status_code == 200
    keys = {card.key for card in response.context["cards"]}
    assert keys == CARDS[persona]
    for card in response.context["cards"]:
        assert client_for(getattr(personas, persona)).get(card.url).status_code == 200, card.key


@pytest.mark.parametrize("role", [Role.FAMILY_DOCTOR, Role.MEMBER, Role.ADMIN])
def test_roles_without_benefits_get_403(area, client_for, role):
    user = UserFactory(role=role, region=area.V1a if role != Role.ADMIN else area.C)
    assert client_for(user).get(reverse("benefits:home")).status_code == 403


def test_the_page_in_both_languages_and_a_constant_number_of_queries(personas, client_for):
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as queries:
        english = client.get(reverse("benefits:home")).content.decode()
    assert "Payout batches" in english
    assert len(queries.captured_queries) <= 16
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        chinese = client.get(reverse("benefits:home")).content.decode()
    assert "Payout batches" not in chinese


def test_cases_past_the_levels_deadline_are_flagged(area, personas, client_for):
    from datetime import date

    from benefits.models import ReviewCase, ReviewCycle
    from households.models import Member
    from tests.factories import HouseholdFactory, MemberFactory

    cycle = ReviewCycle.objects.create(county=area.C, year=2026, applications_by=date(2026, 1, 15),
                                       village_by=date(2026, 2, 15), town_by=date(2026, 3, 15),
                                       county_by=date(2026, 3, 31))  # fmt: skip
    wife = MemberFactory(household=HouseholdFactory(village=area.V1a), role=Member.Role.WIFE)
    ReviewCase.objects.create(cycle=cycle, member=wife, kind="new", scheme="death")
    client = client_for(personas.village_cadre)
    client.cookies["django_language"] = "en"
    [card] = [c for c in client.get(reverse("benefits:home")).context["cards"] if c.key == "review"]
    assert card.count == 1
    assert "deadline passed" in card.alert
    [card] = [c for c in client_for(personas.town_cadre).get(reverse("benefits:home")).context["cards"]
              if c.key == "review"]  # fmt: skip
    assert (card.count, card.alert) == (0, "")
