"""The mental-health matrix: every role × every mental-health page, the household page, its print page and PDF (the
case export), and the audit change page — the content only for the family doctor and county staff (the case export:
county staff only); every read logged; outside the area 404 on GET and POST and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AccessEvent
from medical.mental import services
from medical.models import MentalAssessment
from tests.factories import UserFactory
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

SECRET = "每周随访并转介心理咨询"  # the assessment's action: mental-health content


@pytest.fixture
def assessment(family, personas):
    return services.assessment_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        instrument="phq9",
        answers=[2, 2, 2, 2, 2, 2, 2, 2, 0],
        assessed_on=date(2025, 3, 3),
        consent=True,
        risk_level="high",
        action=SECRET,
        today=date(2025, 3, 3),
    )


@pytest.fixture
def users(personas, family, area):
    return {
        "county_staff": personas.county_staff,
        "doctor": family.doctor_user,
        "town_cadre": personas.town_cadre,
        "village_cadre": personas.village_cadre,
        "volunteer": UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a),
        "leader": personas.leader,
        "admin": personas.admin,
    }


READERS = {"county_staff", "doctor"}
ROLES = ["county_staff", "doctor", "town_cadre", "village_cadre", "volunteer", "leader", "admin"]


def _pages(assessment):
    hh = assessment.household_id
    return {
        "medical:mental:household": reverse("medical:mental:household", args=[hh]),
        "medical:mental:assessment": reverse("medical:mental:assessment", args=[assessment.pk]),
        "medical:mental:assessment_add": reverse("medical:mental:assessment_add", args=[hh, "phq9"]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_mental_pages_for_each_role(assessment, users, client_for, role):
    client = client_for(users[role])
    for name, url in _pages(assessment).items():
        response = client.get(url)
        if role in READERS:
            assert response.status_code == 200, (name, role)
        else:
            assert response.status_code in (403, 404), (name, role)
            assert SECRET not in response.content.decode()
    if role in READERS:
        html = client.get(_pages(assessment)["medical:mental:assessment"]).content.decode()
        assert SECRET in html
        assert 'data-band="moderately_severe"' in html  # 16: the portal's band


@pytest.mark.parametrize("role", ROLES)
def test_the_household_page_print_and_pdf(assessment, users, client_for, role):
    client = client_for(users[role])
    hh = assessment.household_id
    detail = client.get(reverse("households:detail", args=[hh]))
    printed = client.get(reverse("households:print", args=[hh]))
    pdf = client.get(reverse("households:pdf", args=[hh]))
    texts = [r.content.decode() for r in (detail, printed) if r.status_code == 200]
    if pdf.status_code == 200:
        texts.append(pdf_text(pdf.content))
    if role not in READERS:
        for text in texts:
            assert SECRET not in text
            assert 'data-section="mental_health"' not in text
            assert "PHQ-9" not in text
        return
    assert 'data-section="mental_health"' in texts[0]  # the card on the household page
    case_export = " ".join(texts[1:])
    if role == "county_staff":
        assert SECRET in case_export
    else:  # below the county: never in the export (print, PDF)
        assert SECRET not in case_export


@pytest.mark.parametrize("role", ["county_staff", "admin"])
def test_the_audit_change_page(assessment, users, client_for, role):
    html = client_for(users[role]).get(reverse("audit:change_list")).content.decode()
    if role == "county_staff":
        assert SECRET in html
    else:
        assert SECRET not in html
        assert "moderately_severe" not in html


def test_lists_and_contact_card_show_nothing(assessment, users, client_for):
    client = client_for(users["county_staff"])
    for url in (
        reverse("households:list"),
        reverse("visits:my_households"),
        reverse("contacts:card", args=[assessment.household_id]),
        reverse("visits:supervision"),
    ):
        html = client.get(url).content.decode()
        assert SECRET not in html
        assert "PHQ" not in html
        assert "moderately" not in html


@pytest.mark.parametrize("who", ["county_staff", "doctor"])
def test_every_read_is_logged(assessment, users, client_for, who):
    user = users[who]
    client = client_for(user)
    for url in _pages(assessment).values():
        before = AccessEvent.objects.filter(actor=user).count()
        assert client.get(url).status_code == 200
        events = AccessEvent.objects.filter(actor=user).order_by("-id")[: AccessEvent.objects.count() - before]
        assert any(e.target_label == assessment.household.number for e in events), url
        for e in events:
            assert "phq" not in str(e.detail).lower()


def test_the_doctor_records_an_assessment_through_the_page(family, users, client_for):
    client = client_for(users["doctor"])
    url = reverse("medical:mental:assessment_add", args=[family.household.pk, "gad7"])
    data = {"member": family.husband.pk, "assessed_on": "2025-03-03", "consent": "on", "risk_level": "low"}
    data |= {f"item_{i}": "1" for i in range(1, 8)}
    data["action"] = "三个月后复评"
    response = client.post(url, data)
    assert response.status_code == 302
    row = MentalAssessment.objects.get()
    assert (row.total, row.band, row.assessor) == (7, "mild", users["doctor"])


# The id-taking URLs of mental health (tests/accounts/test_url_inventory.py).
ID_URLS = [
    ("medical:mental:household", "household", {}),
    ("medical:mental:assessment", "assessment", {}),
    ("medical:mental:assessment_add", "household", {"consent": "on", "risk_level": "low", "action": "x"}),
]
MATRIX_URLS = {name for name, _obj, _data in ID_URLS}


def _url(name, obj, assessment):
    if obj == "assessment":
        return reverse(name, args=[assessment.pk])
    args = [assessment.household_id] + (["phq9"] if name.endswith("assessment_add") else [])
    return reverse(name, args=args)


@pytest.mark.parametrize(("name", "obj", "data"), ID_URLS)
@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre", "no_area"])
def test_outside_404_and_nothing_changes(assessment, personas, client_for, name, obj, data, actor):
    url = _url(name, obj, assessment)
    before = list(MentalAssessment.objects.values())
    events = AccessEvent.objects.count()
    client = client_for(getattr(personas, actor))
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data).status_code in (404, 405)
    assert list(MentalAssessment.objects.values()) == before
    assert not AccessEvent.objects.filter(pk__gt=events, detail__page="assessment").exists()


def test_cadence_page_county_staff_only(personas, client_for):
    assert client_for(personas.county_staff).get(reverse("medical:mental:cadence")).status_code == 200
    assert client_for(personas.town_cadre).get(reverse("medical:mental:cadence")).status_code == 403
    response = client_for(personas.county_staff).post(reverse("medical:mental:cadence"), {"years": "2"})
    assert response.status_code == 302
