"""The visit form never fails silently (docs/SECURITY.md §Bad input): each bad value answers 200 with its message
next to its field and in the summary at the top, in the user's language, and nothing is saved."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from core.forms import MAX_LENGTH_MESSAGE
from tests.factories import HouseholdFactory, ServicePersonFactory
from visits.models import FollowUp, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(area, rules):
    return HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 15), number="V1A-1")


def _django_message(field: forms.Field, value) -> str:
    try:
        field.clean(value)
    except ValidationError as exc:
        return exc.messages[0]
    raise AssertionError("the value is valid")


# (what is posted over the valid form, the field, the message in the active language)
CASES = {
    "a 201-character follow-up": (
        {"follow_up_action": "跟" * 201, "follow_up_due": "2030-01-01"},
        "follow_up_action",
        lambda: str(MAX_LENGTH_MESSAGE) % {"limit_value": 200, "show_value": 201},
    ),
    "a NUL character in a text": (
        {"mood": "心情\x00平稳"},
        "mood",
        lambda: _django_message(forms.CharField(), "a\x00b"),
    ),
    "a date before registration": (
        {"date": "2019-06-01"},
        "date",
        lambda: gettext("The date is before the household was registered."),
    ),
    "a date before 1900": (
        {"date": "1000-01-01"},
        "date",
        lambda: gettext("The date %(date)s is before 1900-01-01.") % {"date": "1000-01-01"},
    ),
    "a follow-up due in year 0001": (
        {"follow_up_action": "再访", "follow_up_due": "0001-01-01"},
        "follow_up_due",
        lambda: gettext("The date %(date)s is before 1900-01-01.") % {"date": "0001-01-01"},
    ),
}


def _summary(page: str) -> str:
    match = re.search(r'<div class="errors error-summary"[^>]*data-error-summary>(.*?)</div>', page, re.S)
    assert match, "no error summary at the top of the form"
    return match.group(1)


def _state() -> tuple:
    return (list(Visit.objects.values_list("pk", flat=True)), FollowUp.objects.count())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_value_is_named_next_to_its_field_and_at_the_top(client_for, personas, household, language, case):
    extra, field, expected = CASES[case]
    client = client_for(personas.village_cadre)
    client.post(reverse("set_language"), {"language": language})
    before = _state()

    response = client.post(
        reverse("visits:log", args=[household.pk]),
        {"date": timezone.localdate().isoformat(), "method": "phone", "purpose": "routine", **extra},
    )

    assert response.status_code == 200
    with translation.override(language):
        message = escape(expected())
    page = response.content.decode()
    assert escape(response.context["form"].errors[field][0]) == message
    assert f'<p class="error">{message}</p>' in page  # next to the field
    assert message in _summary(page)  # and at the top
    assert _state() == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_another_countys_visitor_is_refused_with_a_message(client_for, personas, area, household, language):
    outsider = ServicePersonFactory(region=area.V3a, role_type="family_doctor")
    client = client_for(personas.village_cadre)
    client.post(reverse("set_language"), {"language": language})
    before = _state()

    response = client.post(
        reverse("visits:log", args=[household.pk]),
        {"date": timezone.localdate().isoformat(), "method": "phone", "purpose": "routine", "visitor": outsider.pk},
    )

    assert response.status_code == 200
    with translation.override(language):
        message = escape(_django_message(forms.ModelChoiceField(queryset=Visit.objects.none()), outsider.pk))
    page = response.content.decode()
    assert f'<p class="error">{message}</p>' in page
    assert message in _summary(page)
    assert outsider.name not in page
    assert _state() == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_visit_before_2000_is_a_plain_message_not_a_constraint(client_for, personas, area, rules, language):
    old = HouseholdFactory(village=area.V1a, registered_on=date(1995, 3, 1), number="V1A-OLD")
    client = client_for(personas.village_cadre)
    client.post(reverse("set_language"), {"language": language})
    before = _state()

    response = client.post(
        reverse("visits:log", args=[old.pk]), {"date": "1998-05-01", "method": "home", "purpose": "routine"}
    )

    assert response.status_code == 200
    with translation.override(language):
        message = escape(gettext("Visits before 2000-01-01 cannot be logged."))
    page = response.content.decode()
    assert f'<p class="error">{message}</p>' in page, response.context["form"].errors
    assert "visit_date_plausible" not in page
    assert _state() == before


def test_a_refused_follow_up_due_date_is_the_only_complaint_about_it(client_for, personas, household):
    """A due date out of range says so; it is not also reported as missing (found in a browser walk)."""
    client = client_for(personas.village_cadre)
    data = {
        "date": "2025-06-01",
        "method": "home",
        "purpose": "routine",
        "follow_up_action": "再访",
        "follow_up_due": "1000-01-01",
    }
    response = client.post(reverse("visits:log", args=[household.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["follow_up_due"]
    assert len(errors) == 1
    assert "1900" in errors[0]
