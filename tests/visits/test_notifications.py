"""Inbox messages: who gets them, escalation timing, no duplicates, emergencies, email and SMS delivery."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from accounts.roles import Role
from contacts.models import ServicePerson
from tests.factories import AssignmentFactory, HouseholdFactory, ServicePersonFactory, UserFactory
from tests.visits.conftest import only_rules
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import Notification, OverdueFlag, Visit
from visits.services import notifications_deliver, notifications_refresh, visit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(area, rules):
    return HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))


def inbox(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_escalation_to_the_town_then_the_county_after_the_set_days(household, rules, personas):
    only_rules(rules, "monthly_contact")  # escalation: town after 14 days, county after 30
    overdue_refresh(as_of=date(2025, 11, 6))
    notifications_refresh(as_of=date(2025, 11, 6))
    assert inbox(personas.village_cadre) == ["overdue"]  # no contact assigned: the village's cadre
    assert inbox(personas.town_cadre) == []

    overdue_refresh(as_of=date(2025, 11, 19))
    assert OverdueFlag.objects.get().escalation_level == 0
    overdue_refresh(as_of=date(2025, 11, 20))
    notifications_refresh(as_of=date(2025, 11, 20))
    assert OverdueFlag.objects.get().escalation_level == 1
    assert inbox(personas.town_cadre) == ["escalated_town"]
    assert inbox(personas.other_town_cadre) == []
    assert inbox(personas.county_staff) == []

    overdue_refresh(as_of=date(2025, 12, 5))
    assert OverdueFlag.objects.get().escalation_level == 1
    overdue_refresh(as_of=date(2025, 12, 6))
    notifications_refresh(as_of=date(2025, 12, 6))
    assert inbox(personas.county_staff) == ["escalated_county"]
    assert inbox(personas.other_county_staff) == []


def test_a_flag_found_late_escalates_through_every_level_at_once(household, rules, personas):
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    overdue_refresh(as_of=date(2025, 12, 10))  # the first notifications run after 34 days

    notifications_refresh(as_of=date(2025, 12, 10))

    assert inbox(personas.village_cadre) == ["overdue"]
    assert inbox(personas.town_cadre) == ["escalated_town"]
    assert inbox(personas.county_staff) == ["escalated_county"]


def test_no_duplicate_messages_when_run_again(household, rules, personas):
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    assert notifications_refresh(as_of=date(2025, 11, 6)) == 1
    OverdueFlag.objects.update(notified_level=None)  # as if the first run died before recording it

    assert notifications_refresh(as_of=date(2025, 11, 6)) == 0
    assert Notification.objects.count() == 1


def test_the_responsible_contact_after_a_change_mid_month_gets_the_message(household, rules, area):
    only_rules(rules, "doctor_monthly_home_visit")
    old = UserFactory(role=Role.FAMILY_DOCTOR, region=area.V1a)
    new = UserFactory(role=Role.FAMILY_DOCTOR, region=area.V1a)
    doctor = ServicePerson.RoleType.FAMILY_DOCTOR
    first = ServicePersonFactory(role_type=doctor, region=area.V1a, user=old)
    second = ServicePersonFactory(role_type=doctor, region=area.V1a, user=new)
    AssignmentFactory(household=household, person=first, start_date=date(2024, 1, 1), end_date=date(2025, 10, 15))
    AssignmentFactory(household=household, person=second, start_date=date(2025, 10, 15))
    # The old doctor's October visit still counts for October after the change.
    VisitFactory(household=household, date=date(2025, 10, 3), visitor_role="family_doctor", visitor=first)

    overdue_refresh(as_of=date(2025, 11, 6))
    assert OverdueFlag.objects.count() == 0
    overdue_refresh(as_of=date(2025, 12, 6))
    notifications_refresh(as_of=date(2025, 12, 6))

    assert inbox(new) == ["overdue"]
    assert inbox(old) == []


def test_emergency_notifies_village_town_and_county_at_once(household, personas):
    visit_record(
        user=personas.village_cadre,
        household=household,
        date=date(2025, 11, 6),
        method=Visit.Method.HOME,
        purpose=Visit.Purpose.EMERGENCY,
        needs="住院，需要陪护",
        today=date(2025, 11, 6),
    )

    for user in (personas.village_cadre, personas.town_cadre, personas.county_staff):
        assert inbox(user) == ["emergency"]
    for user in (personas.other_town_cadre, personas.other_county_staff, personas.leader):
        assert inbox(user) == []


def test_delivery_sends_one_email_per_user_once(household, rules, personas):
    only_rules(rules, "monthly_contact", "quarterly_home_visit")
    personas.village_cadre.email = "v1a@example.org"
    personas.village_cadre.save()
    overdue_refresh(as_of=date(2025, 11, 6))
    notifications_refresh(as_of=date(2025, 11, 6))

    assert notifications_deliver() == 2
    assert notifications_deliver() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["v1a@example.org"]
    assert household.number in mail.outbox[0].body
