"""Issue 13 B7, one numbering per county: a bare household number (00001, 1) — a roster's own numbering — is the
county's number of that sequence (630101-00001), whether a form, a roster or the data already stored gives it.
(The roster import: tests/roster/test_unseen_rosters.py, expect_stored; a person sheet numbered 00001 … and a couple
sheet whose households the county numbers, test_a_person_layout_sheet_and_a_couple_layout_sheet_in_one_workbook.)"""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse

from households import services
from households.models import Household
from tests.factories import HouseholdFactory, MemberFactory
from tests.households.conftest import household_form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("00001", "630101-00001"),
        ("1", "630101-00001"),
        (" 42 ", "630101-00042"),
        ("12345", "630101-12345"),
        ("123456", "123456"),  # longer: another numbering (a village's code …), left as written
        ("630101-00007", "630101-00007"),
        ("A-7", "A-7"),
        ("0001-02", "0001-02"),
        ("１２", "１２"),  # full-width digits are not the scheme's (the form's and the roster's text is NFKC'd first)
    ],
)
def test_a_bare_number_is_the_countys_number(area, written, stored):
    assert services.household_number_in_scheme(county=area.C, number=written) == stored


def test_sequence_of_a_scheme_number(area):
    assert services.household_number_sequence(county=area.C, number="630101-00042") == 42
    assert services.household_number_sequence(county=area.C, number="630102-00042") is None
    assert services.household_number_sequence(county=area.C, number="00042") is None


def test_a_number_typed_in_the_form_is_put_in_the_scheme(client_for, personas, area):
    client = client_for(personas.town_cadre)
    data = household_form_data(village=area.V1a, members=[{"name": "王德明"}], number="17")
    assert client.post(reverse("households:create"), data).status_code == 302
    assert Household.objects.get().number == "630101-00017"
    # The county's next number follows it.
    data = household_form_data(village=area.V1a, members=[{"name": "李秀英"}])
    assert client.post(reverse("households:create"), data).status_code == 302
    assert set(Household.objects.values_list("number", flat=True)) == {"630101-00017", "630101-00018"}


def test_a_stored_bare_number_stays_until_it_is_changed(personas, area):
    household = HouseholdFactory(village=area.V1a, county=area.C, number="00005")
    kept = [services.MemberChange(index=0, pk=MemberFactory(household=household).pk)]
    services.household_update(actor=personas.county_staff, household=household, data={"address": "新村"}, members=kept)
    household.refresh_from_db()
    assert (household.number, household.address) == ("00005", "新村")
    services.household_update(actor=personas.county_staff, household=household, data={"number": "6"}, members=kept)
    household.refresh_from_db()
    assert household.number == "630101-00006"


def test_the_migration_puts_stored_bare_numbers_in_the_scheme(area):
    forwards = import_module("households.migrations.0009_household_numbers_in_county_scheme").forwards
    made = {
        "plain": HouseholdFactory(village=area.V1a, county=area.C, number="00001"),
        "short": HouseholdFactory(village=area.V1a, county=area.C, number="9"),
        "twice_a": HouseholdFactory(village=area.V1b, county=area.C, number="2"),
        "twice_b": HouseholdFactory(village=area.V1b, county=area.C, number="00002"),
        "taken": HouseholdFactory(village=area.V2a, county=area.C, number="00003"),
        "taker": HouseholdFactory(village=area.V2a, county=area.C, number="630101-00003"),
        "other": HouseholdFactory(village=area.V1a, county=area.C, number="A-7"),
        "long": HouseholdFactory(village=area.V1a, county=area.C, number="6301010010001"),
        "other_county": HouseholdFactory(village=area.V3a, county=area.C2, number="00001"),
    }
    forwards(None, SimpleNamespace(connection=connection))
    stored = {key: Household.objects.get(pk=h.pk).number for key, h in made.items()}
    assert stored == {
        "plain": "630101-00001",
        "short": "630101-00009",
        "twice_a": "2",  # 2 and 00002 are one sequence: a person chooses
        "twice_b": "00002",
        "taken": "00003",  # the portal gave 630101-00003 to another household
        "taker": "630101-00003",
        "other": "A-7",
        "long": "6301010010001",
        "other_county": "630102-00001",
    }
    # Run again: nothing more to do.
    forwards(None, SimpleNamespace(connection=connection))
    assert {key: Household.objects.get(pk=h.pk).number for key, h in made.items()} == stored
