"""Diseases on the archive (issue 16 part 9): the household page's medical card, its timeline, the print page and the
PDF (the case export) show the diagnosed diseases with their treatment class and next follow-up to the health
tier's readers only (county staff, the family doctor); cadres, volunteers, leaders and the administrator see
nothing of them. The archive extension reads them once for the card, the timeline and the case tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from medical.disease import services
from medical.extension import MedicalArchive
from medical.models import Diagnosis
from tests.factories import UserFactory
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

CHRONIC_NAME = "原发性高血压二级"  # the diagnoses' own names: health content in every language
MAJOR_NAME = "左眼白内障术后"
FOLLOW_UP_NOTE = "血压 150/96，加服药物"


@pytest.fixture
def diseases(family, personas):
    today = timezone.localdate()
    chronic = services.diagnosis_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        disease=Diagnosis.Disease.HYPERTENSION,
        disease_name=CHRONIC_NAME,
        diagnosed_on=today - timedelta(days=200),
        treatment_class=Diagnosis.TreatmentClass.CHRONIC,
        today=today,
    )
    services.follow_up_record(
        actor=personas.county_staff,
        diagnosis=chronic,
        followed_on=today - timedelta(days=20),
        method="home",
        result="unstable",
        by_person=family.doctor,
        result_note=FOLLOW_UP_NOTE,
        next_due=today + timedelta(days=40),
        today=today,
    )
    major = services.diagnosis_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        disease=Diagnosis.Disease.CATARACT,
        disease_name=MAJOR_NAME,
        diagnosed_on=today - timedelta(days=300),
        treatment_class=Diagnosis.TreatmentClass.CENTRALISED,
        today=today,
    )
    services.diagnosis_update(
        actor=personas.county_staff,
        diagnosis=major,
        treatment_class=Diagnosis.TreatmentClass.CENTRALISED,
        status=Diagnosis.Status.CURED,
        follow_up_days=major.follow_up_days,
        closed_on=today - timedelta(days=30),
        today=today,
    )
    chronic.refresh_from_db()
    return {"chronic": chronic, "major": major, "next_due": today + timedelta(days=40)}


@pytest.fixture
def users(personas, family, area):
    return {
        "county_staff": personas.county_staff,
        "doctor": family.doctor_user,
        "town_cadre": personas.town_cadre,
        "village_cadre": personas.village_cadre,
        "volunteer": UserFactory(username="v1a_volunteer", role=Role.MEMBER, region=area.V1a),
        "leader": personas.leader,
        "admin": personas.admin,
    }


READERS = {"county_staff", "doctor"}
ROLES = ["county_staff", "doctor", "town_cadre", "village_cadre", "volunteer", "leader", "admin"]


def _class_label(value: str) -> str:
    with translation.override("zh-hans"):
        return str(Diagnosis.TreatmentClass(value).label)


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("role", ROLES)
def test_the_household_page_print_and_pdf_by_tier(diseases, family, users, client_for, role):
    client = client_for(users[role])
    hh = family.household.pk
    detail = client.get(reverse("households:detail", args=[hh]))
    printed = client.get(reverse("households:print", args=[hh]))
    pdf = client.get(reverse("households:pdf", args=[hh]))
    texts = {"detail": detail.content.decode(), "print": printed.content.decode()}
    if pdf.status_code == 200:
        texts["pdf"] = pdf_text(pdf.content)
    if role not in READERS:
        for where, text in texts.items():
            for secret in (CHRONIC_NAME, MAJOR_NAME, FOLLOW_UP_NOTE, _class_label("chronic")):
                assert _flat(secret) not in _flat(text), (role, where)
            assert "data-diseases" not in text
            assert 'data-diagnosis="' not in text
        return
    assert detail.status_code == printed.status_code == pdf.status_code == 200
    next_due = f"{diseases['next_due']:%Y-%m-%d}"
    # The card: the open diagnosis with its class and next follow-up; the cured one counted, not listed.
    card = texts["detail"].split('data-section="medical"', 1)[1].split("</section>", 1)[0]
    assert CHRONIC_NAME in card
    assert 'data-class="chronic"' in card
    assert next_due in card
    assert MAJOR_NAME not in card
    assert 'data-action="diseases"' in card
    # The timeline: both diagnoses, the follow-up and the closing.
    timeline = texts["detail"].split('data-section="medical"', 1)[1]
    assert MAJOR_NAME in timeline
    with translation.override("zh-hans"):
        for title in ("Disease diagnosed", "Disease follow-up", "Disease closed"):
            assert translation.gettext(title) in texts["detail"], title
    # The case export, print and PDF alike: every diagnosis with its class, status and next follow-up.
    for where in ("print", "pdf"):
        text = _flat(texts[where])  # the PDF's table cells wrap long values over lines
        assert CHRONIC_NAME in text, where
        assert MAJOR_NAME in text, where
        assert _flat(_class_label("chronic")) in text, where
        assert next_due in text, where
    assert FOLLOW_UP_NOTE not in texts["print"]  # the follow-up's notes stay on the disease page


def test_the_case_table_per_tier(diseases, family, users):
    extension = MedicalArchive()
    today = timezone.localdate()
    for role in ROLES:
        tables = {t.key: t for t in extension.case_tables(household=family.household, user=users[role], today=today)}
        if role in READERS:
            rows = tables["medical_diseases"].rows
            assert [r[2].endswith(CHRONIC_NAME) for r in rows] == [True, False]  # the open one first
            assert rows[0][5] == f"{diseases['next_due']:%Y-%m-%d}"
            assert rows[1][5] == "—"  # no follow-up for a closed, centralised one
        else:
            assert "medical_diseases" not in tables
            assert all(CHRONIC_NAME not in str(t.rows) for t in tables.values())
        assert extension.timeline(household=family.household, user=users[role]) == [] or role in READERS


def test_the_file_is_read_once_for_card_timeline_and_case_tables(diseases, family, personas):
    from households.models import Household

    extension = MedicalArchive()
    today = timezone.localdate()
    household = Household.objects.select_related("county").prefetch_related("members").get(pk=family.household.pk)
    with CaptureQueriesContext(connection) as first:
        extension.panel(household=household, user=personas.county_staff, today=today)
    with CaptureQueriesContext(connection) as again:
        extension.timeline(household=household, user=personas.county_staff)
        extension.case_tables(household=household, user=personas.county_staff, today=today)
    assert len(first) == 8
    assert len(again) == 0


def test_the_files_status_and_agreement_are_the_selectors(family, personas, area):
    """The card works out the status and the doctor's agreement from the rows it reads: the same answers as
    household_status and doctor_agreement, whatever the county counts as a card."""
    from datetime import date

    from medical import selectors
    from medical import services as medical_services
    from medical.models import Contract, MedicalSettings

    on = date(2025, 6, 1)

    def same() -> None:
        file = selectors.household_medical_file(household=family.household, on=on)
        status = selectors.household_status(household=family.household, on=on)
        agreement = selectors.doctor_agreement(household=family.household, on=on)
        assert (file.status.has_doctor, file.status.cards, file.status.members) == (
            status.has_doctor,
            status.cards,
            status.members,
        )
        assert [p.pk for p in file.agreement.contract_doctors] == [p.pk for p in agreement.contract_doctors]
        assert [p.pk for p in file.agreement.post_doctors] == [p.pk for p in agreement.post_doctors]

    same()
    settings = MedicalSettings.objects.create(county=area.C, contact_card_counts=False, certificate_counts=False)
    same()
    card = medical_services.green_card_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        kind="love",
        number="L-1",
        issued_on=date(2025, 1, 1),
        today=on,
    )
    same()
    medical_services.green_card_withdraw(actor=personas.county_staff, card=card, withdrawn_on=on, today=on)
    same()
    settings.certificate_counts = True
    settings.save()
    same()
    medical_services.contract_sign(
        actor=personas.county_staff,
        household=family.household,
        doctor=family.doctor,
        starts_on=date(2025, 3, 1),
        packages=[Contract.Package.BASIC],
        today=on,
    )
    same()
    assert selectors.household_medical_file(household=family.household, on=on).status.has_doctor
