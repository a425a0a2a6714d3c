"""seed_demo's benefits and insurance: every model filled, the same on a second run, the payout rate of a county
that pays nearly everyone, and each role with work waiting (issues 14 and 15, "Demo data")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from benefits.models import InsuranceClaim, PayoutBatch, PayoutLine, ReviewCase, ReviewCycle
from benefits.payouts.selectors import payout_followups_for_user
from demo.services import demo_seed
from regions.models import Region
from reports.benefits import Scope, payout_rate_report
from visits.models import Notification

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 12, 7)


@pytest.fixture
def county(monkeypatch) -> Region:
    # Every service and the demo read today's date through timezone.localdate: the demo of a fixed December day.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    call_command("load_regions", str(REGIONS))
    demo_seed(seed=5, households=80)
    return Region.objects.get(code="630103")


def benefit_models() -> list:
    return [
        model for model in apps.get_app_config("benefits").get_models() if not issubclass(model, pghistory.models.Event)
    ]


def snapshot() -> dict[str, list]:
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in benefit_models()} | {
        "lines": sorted(PayoutLine.objects.values_list("pk", "status", "failure_reason", "amount", "account_number")),
        "cases": sorted(ReviewCase.objects.values_list("pk", "stage", "outcome", "decided_on")),
        "notifications": sorted(Notification.objects.values_list("pk", flat=True)),
    }


def test_every_benefits_and_insurance_model_has_rows_and_a_second_run_changes_nothing(county):
    empty = [model.__name__ for model in benefit_models() if not model.objects.exists()]
    assert empty == []
    first = snapshot()

    demo_seed(seed=5, households=80)

    assert snapshot() == first


def test_the_year_is_paid_nearly_whole_and_the_open_failures_wait_in_the_demo_village(county):
    leader = User.objects.get(username="leader")
    for year in (TODAY.year - 1, TODAY.year):
        total = payout_rate_report(Scope(user=leader, region=county, year=year)).total
        assert total.amount_planned > 0
        assert Decimal("0.95") <= total.amount_paid / total.amount_planned <= 1
        assert 0.95 <= total.persons_paid / total.persons_planned <= 1
    # Failed lines: most paid again by a correction (更正发放), the rest the village's "bank accounts to fix".
    failed = PayoutLine.objects.filter(status="failed")
    assert failed.filter(correction__isnull=False).count() > failed.filter(correction__isnull=True).count()
    assert PayoutBatch.objects.filter(kind="correction", state="closed").exists()
    village1 = User.objects.get(username="village1")
    assert payout_followups_for_user(user=village1).count() >= 2
    assert Notification.objects.filter(user=village1, kind=Notification.Kind.BANK_ACCOUNT, read_at=None).exists()


def test_each_role_has_a_step_to_take_in_december(county):
    # This year's July–December batches wait at the county's and the towns' review (town1 and town2 not yet).
    waiting = dict(
        PayoutBatch.objects.filter(period_start=date(TODAY.year, 7, 1), kind="regular").values_list("scheme", "state")
    )
    assert waiting == {"death": "county_review", "disability": "town_review"}
    # Last year's and this year's reviews decided (one refused, leavers, one sent back then confirmed); next
    # year's open with cases and new applications at the village's review.
    for year in (TODAY.year - 1, TODAY.year):
        cases = ReviewCase.objects.filter(cycle__year=year)
        assert not cases.exclude(stage="done").exists()
        assert cases.filter(outcome="refused").count() == 1
        assert cases.filter(steps__action="return").exists()
    upcoming = ReviewCycle.objects.get(year=TODAY.year + 1).cases
    assert upcoming.filter(stage="village", kind="new", proofs__isnull=False).exists()
    assert upcoming.filter(member__household__village__users__username="village1").exists()
    states = set(InsuranceClaim.objects.values_list("state", flat=True))
    assert states == set(InsuranceClaim.State.values)
    assert Notification.objects.filter(kind=Notification.Kind.INSURANCE_DOCUMENTS).exists()
