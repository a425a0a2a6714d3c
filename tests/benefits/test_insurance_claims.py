"""Claims through the pages: the cycle (report → collect → documents → submit → more documents → paid; another
rejected), flags outside the cover, the follow-up to the village contact, a paid amount above the maximum, bad
scans; the reports against counts made with raw SQL; the archive's card and case export; the alerts; English."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEvent
from benefits.insurance import selectors, services
from benefits.models import ClaimStep, InsuranceClaim
from tests.benefits.insurance_setup import WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory
from visits.models import Notification, Visit

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def place(area, personas):
    wuhai = product(area.C, 2025, WUHAI)
    household = HouseholdFactory(village=area.V1a, number="630101-00088")
    member = MemberFactory(household=household, name="孙大海")
    services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 1))
    return {"product": wuhai, "household": household, "member": member}


def _stay(place, admitted=date(2025, 4, 1), nights=12, reported=None, **extra):
    return {
        "member": place["member"].pk,
        "product": place["product"].pk,
        "kind": "hospital",
        "event_date": admitted.isoformat(),
        "admitted_on": admitted.isoformat(),
        "discharged_on": (admitted + timedelta(days=nights)).isoformat(),
        "icu_days": "0",
        "hospital_name": "乌海市人民医院",
        "hospital_grade": "3",
        "reported_by_kind": "cadre",
        "reporter_name": "",
        "reported_at": (reported or datetime.combine(admitted + timedelta(days=1), datetime.min.time())).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        **extra,
    }


def _upload(client, document, content=PDF, name="scan.pdf"):
    return client.post(
        reverse("benefits:insurance:document_receive", args=[document.pk]),
        {"file": SimpleUploadedFile(name, content), "received_on": ""},
    )


def test_the_claim_cycle_to_paid(client_for, personas, place):
    cadre = client_for(personas.village_cadre)
    response = cadre.post(reverse("benefits:insurance:claim_report", args=[place["household"].pk]), _stay(place))
    claim = InsuranceClaim.objects.get()
    assert response.status_code == 302
    assert claim.flags == []
    assert claim.benefit_max == Decimal("1200.00")  # 12 days × 100
    assert claim.documents.count() == 8  # 4 for every claim + 4 for a hospital stay
    # Collecting: the village contact (the village's cadre) is told what is missing.
    assert cadre.post(reverse("benefits:insurance:claim_action", args=[claim.pk, "collect"])).status_code == 302
    note = Notification.objects.get(kind="insurance_docs")
    assert note.user == personas.village_cadre
    assert "孙大海" in note.message
    assert note.params["link"] == reverse("benefits:insurance:claim", args=[claim.pk])  # the inbox links the claim
    # Each reader reads the documents' names in their own language, whatever the writer's.
    assert "身份证" in note.text
    with translation.override("en"):
        assert "ID card copy" in note.text
        assert "、" not in note.text
    # A file that is not a scan is refused; nothing is written.
    first = claim.documents.first()
    assert _upload(cadre, first, EXE, "scan.pdf").status_code == 400
    first.refresh_from_db()
    assert first.received_on is None
    # Submitting with documents missing is refused, with the list.
    staff = client_for(personas.county_staff)
    staff.cookies["django_language"] = "en"
    refused = staff.post(reverse("benefits:insurance:claim_action", args=[claim.pk, "submit"]))
    assert refused.status_code == 400
    assert "Documents still missing" in refused.content.decode()
    for document in claim.documents.all():
        assert _upload(cadre, document).status_code == 302
    # every document in: the message that asked for them is done, the inbox stays true
    assert Notification.objects.get(kind="insurance_docs").read_at is not None
    assert staff.post(reverse("benefits:insurance:claim_action", args=[claim.pk, "submit"])).status_code == 302
    staff.post(
        reverse("benefits:insurance:claim_action", args=[claim.pk, "ask"]),
        {"kinds": ["cost_list"], "note": "费用清单不清晰"},
    )
    claim.refresh_from_db()
    assert claim.state == "more_documents"
    assert Notification.objects.filter(kind="insurance_docs").count() == 2
    assert Notification.objects.filter(kind="insurance_docs", read_at__isnull=True).count() == 1
    _upload(cadre, claim.documents.get(kind="cost_list"))
    assert not Notification.objects.filter(kind="insurance_docs", read_at__isnull=True).exists()
    staff.post(reverse("benefits:insurance:claim_action", args=[claim.pk, "submit"]))
    # More than the product gives needs a reason.
    today = timezone.localdate().isoformat()
    over = staff.post(
        reverse("benefits:insurance:claim_action", args=[claim.pk, "pay"]), {"amount": "1500", "paid_on": today}
    )
    assert over.status_code == 400
    assert "confirm with a reason" in over.content.decode()
    claim.refresh_from_db()
    assert claim.state == "submitted"
    staff.post(
        reverse("benefits:insurance:claim_action", args=[claim.pk, "pay"]),
        {"amount": "1500", "paid_on": today, "over_maximum_reason": "保险公司按合同附加条款赔付"},
    )
    claim.refresh_from_db()
    assert (claim.state, claim.paid_amount, claim.overpaid_reason) == (
        "paid",
        Decimal("1500"),
        "保险公司按合同附加条款赔付",
    )
    assert list(ClaimStep.objects.filter(claim=claim).values_list("to_state", flat=True)) == [
        "reported",
        "collecting",
        "submitted",
        "more_documents",
        "submitted",
        "paid",
    ]
    html = staff.get(reverse("benefits:insurance:claim", args=[claim.pk])).content.decode()
    assert "1200.00" in html
    assert "1500" in html
    assert AccessEvent.objects.filter(target_id=str(claim.pk), detail__insurance_claim=claim.pk).exists()


def test_a_claim_rejected_with_its_reason(client_for, personas, place):
    claim = services.claim_report(actor=personas.county_staff, member=place["member"], data=_data(place))
    for document in claim.documents.all():
        services.claim_document_receive(actor=personas.county_staff, document=document)
    services.claim_submit(actor=personas.county_staff, claim=claim)
    client = client_for(personas.county_staff)
    client.post(reverse("benefits:insurance:claim_action", args=[claim.pk, "reject"]), {"reason": "grade", "note": ""})
    claim.refresh_from_db()
    assert (claim.state, claim.rejection_reason) == ("rejected", "grade")
    assert selectors.rejection_reasons(user=personas.leader, year=2025)[0][1] == 1


def _data(place, **extra):
    return {
        "product": place["product"],
        "kind": "hospital",
        "event_date": date(2025, 4, 1),
        "admitted_on": date(2025, 4, 1),
        "discharged_on": date(2025, 4, 5),
        "hospital_name": "医院",
        "hospital_grade": "2",
        "reported_by_kind": "family",
        "reported_at": datetime(2025, 4, 2, 9, 0, tzinfo=TZ),
        **extra,
    }


def test_claims_outside_the_cover_are_accepted_and_flagged(personas, place, area):
    staff = personas.county_staff
    waiting = services.claim_report(
        actor=staff,
        member=place["member"],
        data=_data(
            place,
            event_date=date(2025, 1, 10),
            admitted_on=date(2025, 1, 10),
            discharged_on=date(2025, 1, 12),
            reported_at=datetime(2025, 1, 20, tzinfo=TZ),
        ),
    )
    assert set(waiting.flags) == {"waiting", "late"}
    assert waiting.benefit_max == 0
    stranger = MemberFactory(household=place["household"], role="wife", name="李芳")
    not_enrolled = services.claim_report(actor=staff, member=stranger, data=_data(place))
    assert not_enrolled.flags == ["not_enrolled"]
    low = services.claim_report(actor=staff, member=place["member"], data=_data(place, hospital_grade="1"))
    assert low.flags == ["grade"]
    with translation.override("en"), pytest.raises(Exception, match="The discharge is before the admission"):
        services.claim_report(actor=staff, member=place["member"], data=_data(place, discharged_on=date(2025, 3, 1)))
    assert InsuranceClaim.objects.count() == 3


def test_the_monthly_figures_match_a_count_in_sql(personas, place, area):
    staff = personas.county_staff
    other = MemberFactory(household=HouseholdFactory(village=area.V2a))
    services.enrolment_run(actor=staff, product=place["product"], as_of=date(2024, 12, 2))
    for i, (member, month) in enumerate([(place["member"], 3), (place["member"], 5), (other, 5), (other, 8)]):
        c = services.claim_report(
            actor=staff,
            member=member,
            data=_data(
                place,
                event_date=date(2025, month, 2 + i),
                admitted_on=date(2025, month, 2 + i),
                discharged_on=date(2025, month, 6 + i),
                reported_at=datetime(2025, month, 3 + i, tzinfo=TZ),
            ),
        )
        if i % 2 == 0:
            for d in c.documents.all():
                services.claim_document_receive(actor=staff, document=d)
            services.claim_submit(actor=staff, claim=c)
            services.claim_pay(actor=staff, claim=c, amount=Decimal("400"), paid_on=date(2025, month, 20))
    figures = {
        (r.month.month, r.town): (r.reported, r.paid, r.amount)
        for r in selectors.claims_by_month_and_town(user=personas.leader, year=2025)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT extract(month from c.event_date)::int, t.name, count(*),
                      count(*) FILTER (WHERE c.state = 'paid'), COALESCE(sum(c.paid_amount), 0)
                 FROM benefits_insuranceclaim c JOIN households_household h ON h.id = c.household_id
                 JOIN regions_region v ON v.id = h.village_id JOIN regions_region t ON t.id = v.parent_id
                WHERE extract(year from c.event_date) = 2025 GROUP BY 1, 2"""
        )
        expected = {(m, t): (n, p, Decimal(a)) for m, t, n, p, a in cursor.fetchall()}
    assert figures == expected
    assert sum(v[1] for v in figures.values()) == 2
    # The town cadre of T1 sees T1's only.
    assert {
        t
        for _m, t in (
            (r.month, r.town) for r in selectors.claims_by_month_and_town(user=personas.town_cadre, year=2025)
        )
    } == {"东关街道"}


def test_reports_page_and_rates(client_for, personas, place):
    client = client_for(personas.leader)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("benefits:insurance:reports") + "?year=2025").content.decode()
    assert "Enrolled ÷ eligible by town" in html
    rates = selectors.enrolment_rates(user=personas.leader, year=2025, on=date(2025, 6, 1))
    assert [(r.town, r.eligible, r.enrolled) for r in rates] == [("东关街道", 1, 1)]
    assert client_for(personas.village_cadre).get(reverse("benefits:insurance:reports")).status_code == 200
    assert client_for(personas.admin).get(reverse("benefits:insurance:reports")).status_code == 403


def test_archive_card_case_export_and_alerts(client_for, personas, place, area):
    services.claim_report(actor=personas.county_staff, member=place["member"], data=_data(place))
    html = (
        client_for(personas.village_cadre)
        .get(reverse("households:detail", args=[place["household"].pk]))
        .content.decode()
    )
    assert 'data-section="insurance"' in html
    print_html = (
        client_for(personas.county_staff)
        .get(reverse("households:print", args=[place["household"].pk]))
        .content.decode()
    )
    assert "孙大海" in print_html
    assert "400.00" in print_html  # the claim in the case export: 4 days × 100
    # A hospital visit 20 days ago with no claim of the household; someone new not enrolled.
    today = timezone.localdate()
    fresh = product(area.C, today.year, WUHAI, name="今年")
    household = HouseholdFactory(village=area.V1b, number="630101-00099")
    MemberFactory(household=household)
    services.enrolment_run(actor=personas.county_staff, product=fresh, as_of=date(today.year, 1, 1))
    Visit.objects.create(
        household=household,
        date=today - timedelta(days=20),
        method="home",
        purpose="hospital",
        visitor_role="village_cadre",
        visitor_name="陈静",
    )
    MemberFactory(household=HouseholdFactory(village=area.V1b, number="630101-00100"))
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("benefits:insurance:alerts")).content.decode()
    assert "630101-00099" in page
    assert f'data-product="{fresh.pk}" data-count="1"' in page
    assert client_for(personas.town_cadre).get(reverse("benefits:insurance:alerts")).status_code == 403
