"""Payout batches: filling the lines from the engine, the persons left out, the reconciliation with the archive,
the states and who moves them, and the database's own refusals (never paid twice, a correction within what failed,
a failed line corrected once)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from benefits.models import PayoutBatch, PayoutLine, PayoutStep
from benefits.payouts import selectors, services
from benefits.payouts.selectors import months_range
from households.models import Household
from tests.benefits.payouts_setup import FIRST, LAST, MONTHLY, SIX_MONTHS, account_give, batch_make, couple_make

pytestmark = pytest.mark.django_db
State = PayoutBatch.State


@pytest.fixture
def couples(area):
    return {
        "a": couple_make(area.V1a, name="甲"),
        "b": couple_make(area.V1b, name="乙"),
        "c": couple_make(area.V2a, name="丙"),
    }


def test_lines_from_the_confirmed_entitlements_with_the_snapshot(personas, area, couples):
    batch = batch_make(personas.county_staff, area.C)

    lines = list(PayoutLine.objects.filter(batch=batch).order_by("seq"))
    assert len(lines) == 6
    assert [line.seq for line in lines] == [1, 2, 3, 4, 5, 6]
    wife = couples["a"].wife
    line = next(line for line in lines if line.member_id == wife.pk)
    assert line.amount == SIX_MONTHS
    assert line.month_count == 6
    assert selectors.range_months(line.months) == (FIRST, LAST)
    # head of household: the husband; payee, account and bank from the profile; age on the date filled in
    assert (line.head_name, line.head_id_number) == (couples["a"].husband.name, couples["a"].husband.id_number)
    assert line.payee_name == wife.name
    assert line.account_number == wife.benefit_profile.account_number
    assert line.beneficiary_id_number == wife.id_number
    assert line.village_name == area.V1a.name
    assert line.group_name == ""
    assert line.age == batch.filled_on.year - 1960 - ((batch.filled_on.month, batch.filled_on.day) < (5, 20))
    assert line.explanation[0]["from"] == "2025-01"
    assert line.explanation[0]["months"] == 6
    assert line.explanation[0]["amount_per_month"] == str(MONTHLY)
    assert batch.state == State.DRAFT
    assert batch.reconciled_at is None


def test_a_town_or_a_village_narrows_the_batch(personas, area, couples):
    town = batch_make(personas.county_staff, area.C, area=area.T1)
    assert PayoutLine.objects.filter(batch=town).count() == 4
    village = batch_make(personas.county_staff, area.C, area=area.V2a)
    assert set(PayoutLine.objects.filter(batch=village).values_list("member_id", flat=True)) == {
        couples["c"].wife.pk,
        couples["c"].husband.pk,
    }


def test_the_head_of_household_is_the_wife_without_a_husband(personas, area):
    couple = couple_make(area.V1a, name="丁")
    couple.husband.role = "other"
    couple.husband.save()
    batch = batch_make(personas.county_staff, area.C)
    assert set(PayoutLine.objects.filter(batch=batch).values_list("head_name", flat=True)) == {couple.wife.name}


def test_a_person_without_an_account_is_listed_not_dropped(personas, area):
    couple = couple_make(area.V1a, name="戊", with_accounts=False)
    account_give(couple.wife)
    created = services.payout_batch_create(
        actor=personas.county_staff, county=area.C, scheme="death", first_month=FIRST, last_month=LAST
    )
    assert [line.member_id for line in created.plan.lines] == [couple.wife.pk]
    assert [left.member_id for left in created.plan.missing_account] == [couple.husband.pk]
    result = selectors.reconciliation(created.batch)
    assert [f.member_id for f in result.missing_account] == [couple.husband.pk]
    assert not result.missing


def test_months_already_in_a_batch_are_not_added_again(personas, area, couples):
    first = batch_make(personas.county_staff, area.C, area=area.T1)
    created = services.payout_batch_create(
        actor=personas.county_staff, county=area.C, scheme="death", first_month=date(2025, 6, 1),
        last_month=date(2025, 12, 1),
    )  # fmt: skip
    town_1 = [couples[k].wife.pk for k in "ab"] + [couples[k].husband.pk for k in "ab"]
    assert {left.member_id for left in created.plan.already_paid} == set(town_1)
    assert {left.why for left in created.plan.already_paid} == {first.title}
    assert PayoutLine.objects.filter(batch=created.batch).count() == 2  # town 2's couple only


def test_from_the_previous_batch_the_same_persons_recomputed(personas, area, couples):
    previous = batch_make(personas.county_staff, area.C, area=area.V1a)
    couple_make(area.V1a, name="新")  # a new couple of the village is not in the previous batch
    created = services.payout_batch_create(
        actor=personas.county_staff, county=area.C, scheme="death", first_month=date(2025, 7, 1),
        last_month=date(2025, 9, 1), previous=previous,
    )  # fmt: skip
    lines = PayoutLine.objects.filter(batch=created.batch)
    assert set(lines.values_list("member_id", flat=True)) == {couples["a"].wife.pk, couples["a"].husband.pk}
    assert {line.amount for line in lines} == {MONTHLY * 3}
    assert created.batch.area == area.V1a


def test_filling_a_batch_takes_a_constant_number_of_queries(personas, area):
    couple_make(area.V1a, name="一")
    with CaptureQueriesContext(connection) as few:
        batch_make(personas.county_staff, area.C)
    for index in range(6):
        couple_make(area.V1b, name=f"多{index}")
    with CaptureQueriesContext(connection) as many:
        batch_make(personas.county_staff, area.C, first_month=date(2025, 7, 1), last_month=date(2025, 8, 1))
    assert len(many) == len(few)


def test_a_bad_period_or_area_is_refused(personas, area, couples):
    with pytest.raises(ValidationError) as refused:
        batch_make(personas.county_staff, area.C, first_month=date(2025, 6, 1), last_month=date(2025, 1, 1))
    assert "last_month" in refused.value.error_dict
    with pytest.raises(ValidationError):
        batch_make(personas.county_staff, area.C, first_month=date(2024, 1, 1), last_month=date(2025, 6, 1))
    with pytest.raises(ValidationError):
        batch_make(personas.county_staff, area.C, area=area.V3a)
    with pytest.raises(PermissionDenied):
        batch_make(personas.town_cadre, area.C)
    assert not PayoutBatch.objects.exists()


# ------------------------------------------------------------------------------------------------ reconciliation


def test_reconciliation_lists_the_missing_and_the_no_longer_eligible_with_why(personas, area, couples):
    batch = batch_make(personas.county_staff, area.C)
    late = couple_make(area.V1b, name="晚")  # confirmed after the batch was filled
    a, b, c = couples["a"], couples["b"], couples["c"]
    a.husband.alive, a.husband.death_date = False, date(2024, 12, 5)
    a.husband.save()
    b.household.other_child_on = date(2025, 2, 10)
    b.household.save()
    c.household.status, c.household.closed_on, c.household.closed_reason = "closed", date(2024, 12, 1), "moved_away"
    c.household.save()

    with translation.override("en"):
        result = selectors.reconciliation(batch)
    ineligible = {f.member_id: f for f in result.ineligible}
    assert set(ineligible) == {a.husband.pk, c.wife.pk, c.husband.pk}
    assert ineligible[a.husband.pk].reasons == ("died (2024-12-05)",)
    assert "household closed: Moved away (2024-12-01)" in ineligible[c.wife.pk].reasons
    changed = {f.member_id: f for f in result.changed}
    assert set(changed) == {b.wife.pk, b.husband.pk}  # paid through February only
    assert changed[b.wife.pk].due_amount == MONTHLY * 2
    assert changed[b.wife.pk].reasons == ("another child born or adopted (2025-02-10)",)
    assert {f.member_id for f in result.missing} == {late.wife.pk, late.husband.pk}
    assert result.blocking


def test_the_childs_recovery_and_death_are_reasons(personas, area):
    household = couple_make(area.V1a, name="残").household
    household.family_type, household.child_disability_grade = "disability", "2"
    household.child_event_date = date(2010, 1, 1)
    household.save()
    from benefits.models import ReviewCase

    ReviewCase.objects.filter(member__household=household).update(scheme="disability")
    batch = batch_make(personas.county_staff, area.C, scheme="disability")
    assert PayoutLine.objects.filter(batch=batch).count() == 2
    household.child_recovered_on = date(2024, 12, 31)
    household.save()
    with translation.override("en"):
        reasons = selectors.reconciliation(batch).ineligible[0].reasons
    assert "the child recovered (2024-12-31)" in reasons
    household.child_recovered_on = None
    household.family_type, household.child_disability_grade = "death", ""
    household.save()
    with translation.override("en"):
        reasons = selectors.reconciliation(batch).ineligible[0].reasons
    assert "the child died: the family moved to the death branch" in reasons


def test_staff_remove_add_recompute_then_mark_reconciled(personas, area, couples):
    staff = personas.county_staff
    batch = batch_make(staff, area.C)
    a, b = couples["a"], couples["b"]
    late = couple_make(area.V2a, name="晚")
    a.husband.alive, a.husband.death_date = False, date(2024, 12, 5)
    a.husband.save()
    b.household.other_child_on = date(2025, 2, 10)
    b.household.save()
    with pytest.raises(ValidationError, match="no longer eligible"), translation.override("en"):
        services.payout_batch_reconcile(actor=staff, batch=batch)

    gone = PayoutLine.objects.get(batch=batch, member=a.husband)
    assert services.payout_lines_remove(actor=staff, batch=batch, line_ids=[gone.pk]) == 1
    changed = list(PayoutLine.objects.filter(batch=batch, member__household=b.household).values_list("pk", flat=True))
    assert services.payout_lines_recompute(actor=staff, batch=batch, line_ids=changed) == 2
    added = services.payout_lines_add(actor=staff, batch=batch, member_ids=[late.wife.pk, late.husband.pk])
    assert len(added.lines) == 2
    services.payout_batch_reconcile(actor=staff, batch=batch)

    batch.refresh_from_db()
    assert batch.reconciled_at is not None
    lines = PayoutLine.objects.filter(batch=batch).order_by("seq")
    assert list(lines.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert set(lines.filter(member__household=b.household).values_list("amount", flat=True)) == {MONTHLY * 2}
    assert selectors.reconciliation(batch).clean
    # any later change to the lines clears the mark
    services.payout_lines_remove(actor=staff, batch=batch, line_ids=[lines.last().pk])
    batch.refresh_from_db()
    assert batch.reconciled_at is None


# ------------------------------------------------------------------------------------------------ states


def _to_town_review(staff, batch):
    services.payout_batch_reconcile(actor=staff, batch=batch)
    services.payout_batch_submit(actor=staff, batch=batch, opinion="请审核")


def test_submit_refused_while_unreconciled(personas, area, couples):
    batch = batch_make(personas.county_staff, area.C)
    with pytest.raises(ValidationError, match="Reconcile the batch"), translation.override("en"):
        services.payout_batch_submit(actor=personas.county_staff, batch=batch)
    batch.refresh_from_db()
    assert batch.state == State.DRAFT
    assert not PayoutStep.objects.exists()


def test_each_town_confirms_its_lines_then_the_county_generates(personas, area, couples, client_for):
    staff = personas.county_staff
    batch = batch_make(staff, area.C)
    _to_town_review(staff, batch)
    assert set(selectors.batch_towns(batch)) == {area.T1.pk, area.T2.pk}

    with pytest.raises(PermissionDenied):
        services.payout_batch_town_confirm(actor=staff, batch=batch)
    personas.town_cadre.name = "马建华"
    personas.town_cadre.save(update_fields=["name"])
    services.payout_batch_town_confirm(actor=personas.town_cadre, batch=batch, opinion="东关无误")
    batch.refresh_from_db()
    assert batch.state == State.TOWN_REVIEW
    # The batch page names who confirmed a town by name, as its steps do, not by login.
    page = client_for(staff).get(reverse("benefits:payouts:detail", args=[batch.pk])).content.decode()
    confirmed = page.split(f'data-town="{area.T1.pk}"')[1].split("</li>")[0]
    assert "马建华" in confirmed
    assert personas.town_cadre.username not in confirmed
    with pytest.raises(ValidationError):
        services.payout_batch_town_confirm(actor=personas.town_cadre, batch=batch)
    services.payout_batch_town_confirm(actor=personas.other_town_cadre, batch=batch)
    batch.refresh_from_db()
    assert batch.state == State.COUNTY_REVIEW
    with pytest.raises(PermissionDenied):
        services.payout_batch_county_confirm(actor=personas.town_cadre, batch=batch)
    services.payout_batch_county_confirm(actor=staff, batch=batch, opinion="同意发放")
    batch.refresh_from_db()
    assert batch.state == State.GENERATED
    steps = list(PayoutStep.objects.filter(batch=batch).order_by("at", "id"))
    assert [(s.from_state, s.to_state, s.result) for s in steps] == [
        ("draft", "town_review", "submitted"),
        ("town_review", "town_review", "town_confirmed"),
        ("town_review", "town_review", "town_confirmed"),
        ("town_review", "county_review", "all_towns_confirmed"),
        ("county_review", "generated", "payment_generated"),
    ]
    assert steps[1].by == personas.town_cadre
    assert steps[1].area == area.T1
    assert steps[1].opinion == "东关无误"


def test_the_county_confirms_for_a_town_without_a_cadre(personas, area, couples, client_for):
    """A town with no active town cadre would stall the batch: county staff confirm for it, saying why; never for a
    town that has a cadre, never without a reason."""
    staff = personas.county_staff
    personas.other_town_cadre.is_active = False
    personas.other_town_cadre.save()
    batch = batch_make(staff, area.C)
    _to_town_review(staff, batch)
    page = client_for(staff).get(reverse("benefits:payouts:detail", args=[batch.pk])).content.decode()
    assert f'data-confirm-for="{area.T2.pk}"' in page
    assert f'data-confirm-for="{area.T1.pk}"' not in page
    with pytest.raises(PermissionDenied):
        services.payout_batch_town_confirm(actor=staff, batch=batch, town_id=area.T1.pk, opinion="代为确认")
    with pytest.raises(ValidationError, match="Say why"), translation.override("en"):
        services.payout_batch_town_confirm(actor=staff, batch=batch, town_id=area.T2.pk, opinion=" ")
    assert not PayoutStep.objects.filter(batch=batch, result="town_confirmed").exists()
    with pytest.raises(PermissionDenied):
        services.payout_batch_town_confirm(
            actor=personas.town_cadre, batch=batch, town_id=area.T2.pk, opinion="代为确认"
        )
    response = client_for(staff).post(
        reverse("benefits:payouts:step", args=[batch.pk]),
        {"action": "town_confirm", "town": area.T2.pk, "opinion": "清真巷街道暂无计生专干，由县计生协代为确认"},
    )
    assert response.status_code == 302
    step = PayoutStep.objects.get(batch=batch, result="town_confirmed")
    assert (step.by, step.area) == (staff, area.T2)
    services.payout_batch_town_confirm(actor=personas.town_cadre, batch=batch)
    batch.refresh_from_db()
    assert batch.state == State.COUNTY_REVIEW


def test_send_back_needs_a_reason_and_asks_every_town_again(personas, area, couples):
    staff = personas.county_staff
    batch = batch_make(staff, area.C)
    _to_town_review(staff, batch)
    services.payout_batch_town_confirm(actor=personas.town_cadre, batch=batch)
    with pytest.raises(ValidationError):
        services.payout_batch_send_back(actor=personas.other_town_cadre, batch=batch, reason="  ")
    services.payout_batch_send_back(actor=personas.other_town_cadre, batch=batch, reason="清真巷少一户")
    batch.refresh_from_db()
    assert batch.state == State.DRAFT
    assert PayoutStep.objects.filter(batch=batch, result="sent_back", opinion="清真巷少一户").exists()
    services.payout_batch_submit(actor=staff, batch=batch)
    assert selectors.town_confirmations(batch) == {}


def test_a_death_recorded_after_the_town_review_holds_the_county_review(personas, area, couples):
    staff = personas.county_staff
    batch = batch_make(staff, area.C)
    _to_town_review(staff, batch)
    services.payout_batch_town_confirm(actor=personas.town_cadre, batch=batch)
    services.payout_batch_town_confirm(actor=personas.other_town_cadre, batch=batch)
    wife = couples["c"].wife
    wife.alive, wife.death_date = False, date(2024, 11, 2)
    wife.save()

    result = selectors.reconciliation(batch)
    assert [f.member_id for f in result.ineligible] == [wife.pk]
    with pytest.raises(ValidationError, match="no longer eligible"), translation.override("en"):
        services.payout_batch_county_confirm(actor=staff, batch=batch)
    batch.refresh_from_db()
    assert batch.state == State.COUNTY_REVIEW
    services.payout_batch_send_back(actor=staff, batch=batch, reason="丙妻已故")
    services.payout_lines_remove(
        actor=staff, batch=batch, line_ids=[PayoutLine.objects.get(batch=batch, member=wife).pk]
    )
    _to_town_review(staff, batch)


# ------------------------------------------------------------------------------------------------ the database


def _line(batch, member, months, **extra) -> PayoutLine:
    values = {
        "batch": batch,
        "seq": 90,
        "member": member,
        "household": member.household,
        "scheme": "death",
        "months": months,
        "month_count": 1,
        "amount": Decimal("590.00"),
        "head_name": "户主",
        "payee_name": member.name,
        "payee_id_number": member.id_number,
        "account_number": "6228000011112222",
        "bank_name": "农行",
        "village_name": "村",
        "beneficiary_name": member.name,
        "beneficiary_id_number": member.id_number,
    }
    values.update(extra)
    return PayoutLine(**values)


def test_the_database_refuses_a_second_regular_line_for_an_overlapping_month(personas, area, couples):
    batch = batch_make(personas.county_staff, area.C, area=area.V1a)
    other = PayoutBatch.objects.create(county=area.C, scheme="death", period_start=LAST, period_end=LAST, title="x")
    wife = couples["a"].wife
    with pytest.raises(IntegrityError, match="payoutline_no_month_paid_twice"), transaction.atomic():
        _line(other, wife, months_range(LAST, date(2025, 7, 1))).save()
    _line(other, wife, months_range(date(2025, 7, 1), date(2025, 7, 1))).save()  # the next month is fine
    assert PayoutLine.objects.filter(member=wife).count() == 2
    assert batch


def _failed_line(personas, area, couples) -> PayoutLine:
    batch = batch_make(personas.county_staff, area.C, area=area.V1a)
    line = PayoutLine.objects.filter(batch=batch).first()
    PayoutLine.objects.filter(pk=line.pk).update(status="failed", failure_reason="户名不符")
    line.refresh_from_db()
    return line


def _correction_batch(line) -> PayoutBatch:
    return PayoutBatch.objects.create(
        county=line.batch.county, scheme="death", kind="correction", corrects=line.batch, correction_number=1,
        period_start=FIRST, period_end=LAST, title="更正",
    )  # fmt: skip


def test_the_database_refuses_a_correction_above_the_failed_amount(personas, area, couples):
    failed = _failed_line(personas, area, couples)
    correction = _correction_batch(failed)
    member = failed.member
    with pytest.raises(IntegrityError, match="payoutline_correction_within_failed"), transaction.atomic():
        _line(correction, member, failed.months, amount=failed.amount + Decimal("0.01"), corrects=failed,
              is_regular=False).save()  # fmt: skip
    line = _line(correction, member, failed.months, amount=failed.amount, corrects=failed, is_regular=False)
    line.save()
    with pytest.raises(IntegrityError, match="payoutline_correction_within_failed"), transaction.atomic():
        PayoutLine.objects.filter(pk=line.pk).update(amount=failed.amount * 2)


def test_the_database_refuses_a_correction_of_a_line_not_failed(personas, area, couples):
    failed = _failed_line(personas, area, couples)
    paid = PayoutLine.objects.filter(batch=failed.batch).exclude(pk=failed.pk).first()
    correction = _correction_batch(failed)
    with pytest.raises(IntegrityError, match="not failed"), transaction.atomic():
        _line(correction, paid.member, paid.months, amount=paid.amount, corrects=paid, is_regular=False).save()


def test_the_database_refuses_a_second_correction_of_the_same_line(personas, area, couples):
    failed = _failed_line(personas, area, couples)
    correction = _correction_batch(failed)
    _line(correction, failed.member, failed.months, amount=failed.amount, corrects=failed, is_regular=False).save()
    second = PayoutBatch.objects.create(
        county=area.C, scheme="death", kind="correction", corrects=failed.batch, correction_number=2,
        period_start=FIRST, period_end=LAST, title="更正2",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        _line(second, failed.member, failed.months, amount=Decimal("1.00"), corrects=failed, is_regular=False).save()
    assert PayoutLine.objects.filter(corrects=failed).count() == 1


def test_a_household_of_another_county_in_the_batch_is_moved(personas, area):
    couple = couple_make(area.V1a, name="迁")
    batch = batch_make(personas.county_staff, area.C)
    Household.objects.filter(pk=couple.household.pk).update(county=area.C2, village=area.V3a)
    with translation.override("en"):
        result = selectors.reconciliation(batch)
    assert {f.member_id for f in result.ineligible} == {couple.wife.pk, couple.husband.pk}
    assert any(r.startswith("moved to another county") for r in result.ineligible[0].reasons)


def test_town_and_village_cadres_see_who_is_due_money_without_an_account(personas, area, couples, client_for):
    """A person due money without a bank account cannot enter a batch: the cadres who record accounts see them on
    their list of accounts to fix, inside their area only."""
    bare = couple_make(area.V1a, name="丁", with_accounts=False)
    month = timezone.localdate()
    town = selectors.due_without_account(user=personas.town_cadre, month=month)
    assert {r.member_id for r in town} == {bare.wife.pk, bare.husband.pk}
    assert all(r.amount > 0 for r in town)
    assert {r.member_id for r in selectors.due_without_account(user=personas.village_cadre, month=month)} == {
        bare.wife.pk,
        bare.husband.pk,
    }
    assert selectors.due_without_account(user=personas.other_town_cadre, month=month) == []
    page = client_for(personas.town_cadre).get(reverse("benefits:payouts:followups")).content.decode()
    assert f'data-no-account="{bare.wife.pk}"' in page
    assert f'data-no-account="{couples["a"].wife.pk}"' not in page
