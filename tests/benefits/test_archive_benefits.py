"""The benefits card of the household page, its timeline entries and case tables, and the household's new fields
(residence, the child's recovery, another child) on the form and the page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from benefits.extension import BenefitsArchive
from benefits.models import BenefitProfile, PayoutBatch, PayoutLine, Relief
from households.models import Household
from households.validation import household_events_check
from tests.benefits.review_fixtures import family
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _line(batch, seq, member, *, status="planned", reason="", start=date(2024, 1, 1)):
    return PayoutLine.objects.create(
        batch=batch,
        seq=seq,
        member=member,
        household=member.household,
        scheme="death",
        months=DateRange(start, start.replace(month=6), "[]"),
        month_count=6,
        amount=Decimal("3540"),
        explanation=[],
        head_name=member.name,
        payee_name=member.name,
        payee_id_number=member.id_number,
        account_number="6217000000000001",
        bank_name="农业银行",
        village_name="东关社区",
        beneficiary_name=member.name,
        beneficiary_id_number=member.id_number,
        status=status,
        failure_reason=reason,
        returned_at=timezone.now() if status != "planned" else None,
    )


def _batch(area, title, start):
    return PayoutBatch.objects.create(
        county=area.C, scheme="death", period_start=start, period_end=start.replace(month=6), title=title
    )


def _relief(household, n):
    for i in range(n):
        Relief.objects.create(
            household=household,
            kind="festival",
            given_on=date(2024, 1, 1) + timedelta(days=i),
            source="区计生协",
            approved_by="王",
            amount=Decimal("200"),
        )


def test_panel_shows_entitlement_explanation_account_lines_and_relief(area, personas, client_for):
    husband, wife = family(area.V1a, number="630101-00051")
    BenefitProfile.objects.create(
        member=wife,
        payee_name="李秀英",
        payee_id_number=wife.id_number,
        account_number="6228480012345678",
        bank_name="农行",
    )
    _line(_batch(area, "2024年上半年特扶", date(2024, 1, 1)), 1, wife, status="failed", reason="账户已冻结")
    _relief(wife.household, 1)
    client = client_for(personas.town_cadre)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("households:detail", args=[wife.household_id])).content.decode()
    assert 'data-section="benefits"' in html
    assert 'data-entitlement="death"' in html
    assert "590.00" in html  # the national standard from 2022-07
    assert "The wife&#x27;s birthday at 49" in html or "The wife's birthday at 49" in html
    assert "*" * 12 + "5678" in html
    assert "账户已冻结" in html
    assert "2024年上半年特扶" in html
    assert reverse("benefits:profiles:edit", args=[wife.pk]) in html
    assert reverse("benefits:relief:create", args=[wife.household_id]) in html
    assert husband.name in html


def test_no_panel_without_view_entitlements(area, personas, client_for):
    from accounts.roles import Role
    from tests.factories import UserFactory

    _h, wife = family(area.V1a, number="630101-00052")
    doctor = UserFactory(role=Role.FAMILY_DOCTOR, region=area.V1a)
    html = client_for(doctor).get(reverse("households:detail", args=[wife.household_id])).content.decode()
    assert 'data-section="benefits"' not in html


def _panel_queries(household, user) -> int:
    household = Household.objects.select_related("county", "village").prefetch_related("members").get(pk=household.pk)
    list(household.members.all())
    extension = BenefitsArchive()
    with CaptureQueriesContext(connection) as queries:
        extension.panel(household=household, user=user, today=date(2025, 3, 10))
    return len(queries)


def test_panel_reads_a_constant_number_of_queries(area, personas):
    _h, small = family(area.V1a, number="630101-00053")
    _h2, big = family(area.V1a, number="630101-00054")
    _relief(small.household, 1)
    _relief(big.household, 9)
    BenefitProfile.objects.create(member=big, payee_name="李", payee_id_number=big.id_number)
    for i, year in enumerate((2021, 2022, 2023, 2024)):
        batch = _batch(area, f"{year}", date(year, 1, 1))
        _line(batch, i + 1, big, status="paid", start=date(year, 1, 1))
        _line(batch, i + 10, _h2, status="paid", start=date(year, 1, 1))
    assert _panel_queries(small.household, personas.county_staff) == _panel_queries(
        big.household, personas.county_staff
    )


def test_timeline_has_relief_and_returned_lines(area, personas):
    _h, wife = family(area.V1a, number="630101-00055")
    _relief(wife.household, 2)
    batch = _batch(area, "2024年上半年", date(2024, 1, 1))
    _line(batch, 1, wife, status="paid")
    _line(batch, 2, _h, status="failed", reason="户名与账号不符")
    _line(_batch(area, "2025年上半年", date(2025, 1, 1)), 1, wife, status="planned", start=date(2025, 1, 1))
    with translation.override("en"):
        entries = BenefitsArchive().timeline(household=wife.household, user=personas.village_cadre)
    kinds = sorted((e.kind, e.action) for e in entries)
    assert kinds == [("payout", "failed"), ("payout", "paid"), ("relief", "festival"), ("relief", "festival")]
    failed = next(e for e in entries if e.action == "failed")
    assert any(c.after == "户名与账号不符" for c in failed.changes)
    assert BenefitsArchive().timeline(household=wife.household, user=personas.leader) == []


def test_case_tables_mask_the_account(area, personas, client_for):
    _h, wife = family(area.V1a, number="630101-00056")
    BenefitProfile.objects.create(
        member=wife,
        payee_name="李秀英",
        payee_id_number=wife.id_number,
        account_number="6228480012345678",
        bank_name="农行",
    )
    _relief(wife.household, 1)
    tables = BenefitsArchive().case_tables(household=wife.household, user=personas.county_staff, today=date(2025, 3, 1))
    assert [t.key for t in tables] == ["benefits", "relief"]
    flat = str(tables[0].rows)
    assert "6228480012345678" not in flat
    assert "5678" in flat
    assert len(tables[1].rows) == 1
    pdf = client_for(personas.county_staff).get(reverse("households:pdf", args=[wife.household_id]))
    assert pdf.status_code == 200


# ---- the household's new fields ------------------------------------------------------------------------


def test_recovery_rules():
    today = date(2025, 6, 1)
    with translation.override("en"):
        errors = household_events_check(
            family_type="death",
            child_event_date=date(2010, 1, 1),
            child_recovered_on=date(2026, 1, 1),
            other_child_on=date(2026, 1, 1),
            today=today,
        )
        messages = {k: [m for e in v for m in e.messages] for k, v in errors.items()}
    assert "A recovery applies only to a disability family." in messages["child_recovered_on"]
    assert any("in the future" in m for m in messages["child_recovered_on"])
    assert any("in the future" in m for m in messages["other_child_on"])
    with translation.override("en"):
        errors = household_events_check(
            family_type="disability",
            child_event_date=date(2010, 1, 1),
            child_recovered_on=date(2009, 1, 1),
            other_child_on=None,
            today=today,
        )
        assert [m for e in errors["child_recovered_on"] for m in e.messages] == [
            "The date the child recovered is before the date of disability."
        ]
    assert (
        household_events_check(
            family_type="disability",
            child_event_date=date(2010, 1, 1),
            child_recovered_on=date(2015, 1, 1),
            other_child_on=date(2016, 1, 1),
            today=today,
        )
        == {}
    )


def _form_data(household, **fields):
    from tests.households.conftest import household_form_data

    members = [
        {"name": m.name, "id_number": m.id_number, "role": m.role, "phone": m.phone, "alive": "on"}
        for m in household.members.order_by("id")
    ]
    data = household_form_data(
        village=household.village,
        members=members,
        existing=len(members),
        number=household.number,
        family_type=household.family_type,
        registered_on="2020-01-15",
        child_event_date="2010-05-03",
        **fields,
    )
    for i, m in enumerate(household.members.order_by("id")):
        data[f"members-{i}-id"] = str(m.pk)
    return data


def test_household_form_saves_the_new_fields(area, personas, client_for):
    household = HouseholdFactory(
        village=area.V1a,
        number="630101-00057",
        family_type="disability",
        child_event_date=date(2010, 5, 3),
        child_disability_grade="2",
    )
    MemberFactory(household=household, role="husband")
    client = client_for(personas.village_cadre)
    response = client.post(
        reverse("households:edit", args=[household.pk]),
        _form_data(
            household, residence="rural", child_recovered_on="2020-03-01", other_child_on="", child_disability_grade="2"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    household.refresh_from_db()
    assert household.residence == "rural"
    assert household.child_recovered_on == date(2020, 3, 1)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Date the child recovered" in html
    assert "2020-03-01" in html


def test_household_form_refuses_a_recovery_of_a_death_family_in_english(area, personas, client_for):
    household = HouseholdFactory(
        village=area.V1a, number="630101-00058", family_type="death", child_event_date=date(2010, 5, 3)
    )
    MemberFactory(household=household, role="husband")
    client = client_for(personas.village_cadre)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("households:edit", args=[household.pk]),
        _form_data(household, child_recovered_on="2020-03-01"),
    )
    assert response.status_code == 200
    assert "A recovery applies only to a disability family." in response.content.decode()
    household.refresh_from_db()
    assert household.child_recovered_on is None
