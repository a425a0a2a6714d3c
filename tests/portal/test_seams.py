"""The set of plug-ins, in one place: which app extends the household archive, and who listens to which hook.

A new app that plugs in (benefits, medical) adds its line here, so a reader sees every seam and its users.
"""

from datetime import date

import pytest
from django.urls import reverse

from accounts.hooks import account_changed, second_factor_event
from audit.receivers import account_changed_record, second_factor_record
from contacts.receivers import person_name_follow_login
from households.extensions import ChangeReason, archive_extensions, household_changed
from medical.services import discharge_loop_after_refresh
from portal.tasks import nightly_pipeline_run
from reports.models import CoverageSnapshot
from reports.services import coverage_snapshot_after_flags
from tests.factories import HouseholdFactory
from visits.hooks import flags_refreshed
from visits.models import OverdueFlag

pytestmark = pytest.mark.django_db


def test_the_archive_extensions_are_contacts_then_visits():
    assert [(e.key, type(e).__module__) for e in archive_extensions()] == [
        ("contacts", "contacts.extension"),
        ("visits", "visits.extension"),
        ("medical", "medical.extension"),
        ("mental_health", "medical.mental.extension"),
        ("benefits", "benefits.extension"),
        ("insurance", "benefits.insurance.extension"),
        ("activities", "activities.extension"),
    ]


def test_each_hook_has_its_listeners():
    assert account_changed.listeners == (account_changed_record, person_name_follow_login)
    assert second_factor_event.listeners == (second_factor_record,)
    # medical: a doctor's follow-up visit opens the discharge loop's next step (the contact's visit).
    assert set(flags_refreshed.listeners) == {coverage_snapshot_after_flags, discharge_loop_after_refresh}


def test_an_archive_page_shows_the_extensions_cards_by_role(client_for, personas, area):
    household = HouseholdFactory(village=area.V1a)
    html = client_for(personas.village_cadre).get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-section="contacts"' in html
    assert 'data-section="visits"' in html


def test_household_changed_reaches_the_overdue_engine(area, django_capture_on_commit_callbacks):
    household = HouseholdFactory(village=area.V1a, registered_on=date(2020, 1, 1))
    assert not OverdueFlag.objects.filter(household=household).exists()
    with django_capture_on_commit_callbacks(execute=True):
        household_changed(household_ids=[household.pk], reason=ChangeReason.EDITED)
    # The engine ran for the household (eager Celery in tests) on today's date: a household registered in 2020
    # with no visit is overdue for the monthly contact.
    assert OverdueFlag.objects.open().filter(household=household, rule__code="monthly_contact").exists()


def test_the_nightly_pipeline_runs_engine_notifications_and_snapshots_in_order(area):
    household = HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1))
    result = nightly_pipeline_run(as_of=date(2025, 11, 6))
    assert set(result["seconds"]) == {"medical", "engine", "notifications", "snapshots", "statforms"}
    # Before the engine: the discharge loop's next steps and the urgent follow-up's next periods
    # (tests/medical/test_mental_cadence.py runs it twice past the first year).
    assert next(iter(result["seconds"])) == "medical"
    assert set(result["medical"]) == {"discharges_advanced", "urgent_extended", "villages"}
    assert OverdueFlag.objects.open().filter(household=household).exists()
    assert result["snapshots"] > 0
    assert CoverageSnapshot.objects.filter(village=area.V1a).exists()
    # Twice is the same data (each step recomputes from the source rows).
    flags = sorted(OverdueFlag.objects.values_list("household_id", "rule_id", "opened_on", "closed_on"))
    snapshots = sorted(CoverageSnapshot.objects.values_list("village_id", "rule_id", "period_key", "households", "met"))
    nightly_pipeline_run(as_of=date(2025, 11, 6))
    assert sorted(OverdueFlag.objects.values_list("household_id", "rule_id", "opened_on", "closed_on")) == flags
    assert (
        sorted(CoverageSnapshot.objects.values_list("village_id", "rule_id", "period_key", "households", "met"))
        == snapshots
    )
