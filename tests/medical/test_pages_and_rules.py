"""Bad input refused with a clear message and nothing written (English and Chinese), contracts (overlap refused,
renewals due, signed but not served, the doctor against the four-on-one post), health checks due per village,
institutions (phones, the rules file by its first bytes) and the stays insurance claims read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from medical import selectors, services
from medical.models import ChannelUse, Contract, HealthCheck, Institution
from tests.factories import MemberFactory, ServicePersonFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_discharge_before_the_admission_is_refused_in_english_and_chinese(family, personas, client_for):
    url = reverse("medical:use_add", args=[family.household.pk])
    data = {
        "member": family.husband.pk,
        "institution": family.institution.pk,
        "used_on": "2025-03-01",
        "kind": "inpatient",
        "admitted_on": "2025-03-05",
        "discharged_on": "2025-03-02",
    }
    english = _english(client_for(personas.county_staff)).post(url, data)
    assert english.status_code == 400
    assert "The discharge is before the admission." in english.content.decode()
    chinese = client_for(personas.county_staff).post(url, data)
    assert chinese.status_code == 400
    # The page in the default language (the message's Chinese is in the report's list for locale/).
    assert 'lang="zh-hans"' in chinese.content.decode()
    assert not ChannelUse.objects.exists()


def test_a_check_in_the_future_is_refused(family, personas, client_for):
    tomorrow = timezone.localdate() + timedelta(days=1)
    url = reverse("medical:check_add", args=[family.household.pk])
    data = {"member": family.husband.pk, "checked_on": tomorrow.isoformat(), "items": ["blood"]}
    response = _english(client_for(personas.county_staff)).post(url, data)
    assert response.status_code == 400
    assert "future" in response.content.decode()
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services.health_check_record(
            actor=personas.county_staff,
            household=family.household,
            member=family.husband,
            checked_on=tomorrow,
            items=["blood"],
            today=timezone.localdate(),
        )
    assert "The date is in the future." in exc.value.messages
    assert not HealthCheck.objects.exists()


def _sign(family, personas, **kw) -> Contract:
    fields = {"doctor": family.doctor, "starts_on": date(2025, 1, 1), "packages": ["basic"], **kw}
    return services.contract_sign(
        actor=personas.county_staff, household=family.household, today=date(2025, 6, 1), **fields
    )


def test_overlapping_contracts_are_refused(family, personas, client_for):
    first = _sign(family, personas, member=family.husband)
    assert first.ends_on == date(2025, 12, 31)  # one year by default
    _sign(family, personas, member=family.wife)  # another member: fine
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _sign(family, personas, member=family.husband, starts_on=date(2025, 6, 1))
    assert "already has a contract" in exc.value.messages[0]
    with pytest.raises(ValidationError):  # a household contract covers every member
        _sign(family, personas, starts_on=date(2025, 12, 1))
    response = _english(client_for(personas.county_staff)).post(
        reverse("medical:contract_add", args=[family.household.pk]),
        {"member": family.husband.pk, "doctor": family.doctor.pk, "starts_on": "2025-03-01", "packages": ["basic"]},
    )
    assert response.status_code == 400
    assert "already has a contract" in response.content.decode()
    assert Contract.objects.count() == 2
    _sign(family, personas, member=family.husband, starts_on=date(2026, 1, 1))  # the next year: fine


def test_the_database_refuses_an_overlap_the_service_did_not_see(family, personas):
    from django.db import IntegrityError, transaction

    _sign(family, personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            household=family.household,
            member=family.wife,
            doctor=family.doctor,
            starts_on=date(2025, 5, 1),
            ends_on=date(2026, 4, 30),
            packages=["basic"],
        )


def test_renewals_unserved_and_the_doctor_mismatch(family, personas, area):
    contract = _sign(family, personas, starts_on=date(2024, 7, 1))  # ends 2025-06-30
    on = date(2025, 6, 5)
    assert [c.pk for c in selectors.renewals_due(user=personas.county_staff, on=on)] == [contract.pk]
    assert selectors.renewals_due(user=personas.county_staff, on=date(2025, 5, 30)) == []  # 31 days ahead
    assert selectors.renewals_due(user=personas.other_county_staff, on=on) == []

    # No doctor's contact in the last 90 days: a gap; a doctor's call on 2025-03-10 (87 days before) closes it.
    assert [r.contract.pk for r in selectors.signed_not_served(user=personas.county_staff, on=on)] == [contract.pk]
    Visit.objects.create(
        household=family.household, date=date(2025, 3, 7), method="phone", visitor_role="family_doctor"
    )
    assert selectors.signed_not_served(user=personas.county_staff, on=on)[0].last_contact == date(2025, 3, 7)
    Visit.objects.create(
        household=family.household, date=date(2025, 3, 10), method="phone", visitor_role="family_doctor"
    )
    assert selectors.signed_not_served(user=personas.county_staff, on=on) == []

    renewed = services.contract_renew(actor=personas.county_staff, contract=contract, today=on)
    assert (renewed.starts_on, renewed.ends_on) == (date(2025, 7, 1), date(2026, 6, 30))
    assert selectors.renewals_due(user=personas.county_staff, on=on) == []

    assert selectors.doctor_agreement(household=family.household, on=on).agrees
    other = ServicePersonFactory(name="赵医生", role_type="family_doctor", region=area.V1a)
    contract.doctor = other
    contract.save()
    agreement = selectors.doctor_agreement(household=family.household, on=on)
    assert agreement.mismatch


def test_a_contract_ends_with_a_reason(family, personas):
    contract = _sign(family, personas)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.contract_end(
            actor=personas.county_staff, contract=contract, ended_on=date(2025, 3, 1), reason="", today=date(2025, 6, 1)
        )
    assert "Say why the contract ended." in exc.value.messages
    services.contract_end(
        actor=personas.county_staff,
        contract=contract,
        ended_on=date(2025, 3, 1),
        reason="moved",
        today=date(2025, 6, 1),
    )
    contract.refresh_from_db()
    assert (contract.status, contract.ended_on) == ("ended", date(2025, 3, 1))


def test_checks_due_per_village_with_the_countys_age(family, personas, area):
    # Husband born 1958 (66 in 2024), wife 1966 (58): only the husband is due in 2024 at 60.
    MemberFactory(household=family.household, role="grandchild", birth_date=date(2010, 1, 1))
    rows = selectors.checks_due_by_village(user=personas.county_staff, year=2024)
    assert [(r.village, r.due, r.done) for r in rows] == [(area.V1a, 1, 0)]
    services.health_check_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        checked_on=date(2024, 5, 2),
        items=["blood", "ecg"],
        today=date(2024, 6, 1),
    )
    rows = selectors.checks_due_by_village(user=personas.county_staff, year=2024)
    assert [(r.due, r.done, r.not_done) for r in rows] == [(1, 1, 0)]
    assert selectors.checks_not_done_in_village(user=personas.county_staff, year=2025, village=area.V1a) == [
        family.husband
    ]


def test_institutions_phones_and_rules_file(area, personas, client_for):
    client = _english(client_for(personas.county_staff))
    url = reverse("medical:institution_create")
    data = {
        "name": "城东区人民医院",
        "level": "county",
        "grade": "2",
        "region": area.C.pk,
        "responsible_name": "李主任",
        "responsible_phone": "12345",
        "services": ["registration", "emergency"],
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "11-digit mobile" in response.content.decode()
    data["responsible_phone"] = "138 0013 8000"
    fake = SimpleUploadedFile("rules.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {**data, "rules_upload": fake})
    assert response.status_code == 400
    assert "is not a PDF, JPEG or PNG scan" in response.content.decode()
    assert not Institution.objects.exists()
    pdf = SimpleUploadedFile("细则.pdf", b"%PDF-1.4 the rules", content_type="application/octet-stream")
    response = client.post(url, {**data, "rules_upload": pdf})
    assert response.status_code == 302
    institution = Institution.objects.get()
    assert institution.responsible_phone == "13800138000"
    assert institution.rules_file.name.endswith(".pdf")
    assert "细则" not in institution.rules_file.name
    assert Institution.objects.working().filter(pk=institution.pk).exists()
    assert client_for(personas.town_cadre).post(url, data).status_code == 403


def test_stays_for_member_give_the_institution_and_its_grade(family, personas):
    services.channel_use_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        institution=family.institution,
        used_on=date(2025, 2, 1),
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on=date(2025, 2, 1),
        discharged_on=date(2025, 2, 9),
        today=date(2025, 2, 10),
    )
    services.channel_use_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        institution=family.institution,
        used_on=date(2025, 2, 20),
        kind=ChannelUse.Kind.OUTPATIENT,
        today=date(2025, 2, 20),
    )
    stays = selectors.stays_for_member(family.wife.pk)
    assert [(s.admitted_on, s.discharged_on, s.institution_name, s.institution_grade) for s in stays] == [
        (date(2025, 2, 1), date(2025, 2, 9), "东关街道社区卫生服务中心", "2")
    ]


def test_a_card_holder_by_the_countys_setting(family, personas, area):
    from medical.models import MedicalSettings

    on = date(2025, 6, 1)
    # The contact card counts by default (the household has contacts): both living members hold one.
    assert selectors.household_status(household=family.household, on=on).cards == 2
    MedicalSettings.objects.create(county=area.C, contact_card_counts=False, certificate_counts=False)
    assert selectors.household_status(household=family.household, on=on).cards == 0
    services.green_card_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        kind="love",
        number="L-1",
        issued_on=date(2025, 1, 1),
        today=on,
    )
    status = selectors.household_status(household=family.household, on=on)
    assert (status.cards, status.members, status.has_doctor) == (1, 2, False)


@pytest.mark.parametrize(
    "name", ["medical:home", "medical:institutions", "medical:renewals", "medical:unserved", "medical:checks"]
)
def test_the_work_pages_render_for_the_doctor(family, client_for, name):
    services.contract_sign(
        actor=family.doctor_user,
        household=family.household,
        doctor=family.doctor,
        starts_on=timezone.localdate() - timedelta(days=200),
        packages=["basic"],
        today=timezone.localdate(),
    )
    response = _english(client_for(family.doctor_user)).get(reverse(name))
    assert response.status_code == 200
    if name == "medical:unserved":
        assert family.household.number in response.content.decode()


def test_the_settings_and_forms_render(family, personas, client_for):
    client = client_for(personas.county_staff)
    assert client.get(reverse("medical:settings")).status_code == 200
    response = client.post(reverse("medical:settings"), {"handover_days": 0, "doctor_visit_days": 7})
    assert response.status_code == 400
    for name in ("card_add", "use_add", "contract_add", "check_add"):
        assert client.get(reverse(f"medical:{name}", args=[family.household.pk])).status_code == 200
    assert client.get(reverse("medical:institution_create")).status_code == 200
    assert client_for(personas.village_cadre).get(reverse("medical:renewals")).status_code == 403
