"""Who sees what of the medical pages: outside the area (or the county, for institutions) every id-taking page
answers 404 on GET and POST and nothing changes; inside, a role without the capability gets 403; cadres and
volunteers see that a household has a doctor and a card, never the content (the health tier); county staff and the
family doctor see the content. Each read of a family's medical file is logged."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.roles import Role
from audit.models import AccessEvent
from medical import services
from medical.extension import MedicalArchive
from medical.models import ChannelUse, Contract, GreenCard, HealthCheck
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# (URL name, the object it takes, data of a POST)
ID_URLS = [
    ("medical:institution", "institution", {}),
    ("medical:institution_edit", "institution", {"name": "x"}),
    ("medical:institution_rules", "institution", {}),
    ("medical:household", "household", {}),
    ("medical:card_add", "household", {"kind": "love", "issued_on": "2025-01-01"}),
    ("medical:use_add", "household", {"kind": "outpatient", "used_on": "2025-01-01"}),
    ("medical:contract_add", "household", {"starts_on": "2025-01-01", "packages": ["basic"]}),
    ("medical:check_add", "household", {"checked_on": "2025-01-01", "items": ["blood"]}),
    ("medical:card_withdraw", "card", {"withdrawn_on": "2025-02-01"}),
    ("medical:use_discharge", "stay", {"discharged_on": "2025-01-05"}),
    ("medical:contract_end", "contract", {"ended_on": "2025-02-01", "end_reason": "moved"}),
    ("medical:contract_renew", "contract", {}),
    ("medical:checks_village", "village", {}),
]
MATRIX_URLS = {name for name, _obj, _data in ID_URLS}


@pytest.fixture
def objects(family, personas, area):
    today = date(2025, 1, 10)
    family.institution.rules_file.save("rules.pdf", ContentFile(b"%PDF-1.4 rules"), save=True)
    card = services.green_card_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        kind=GreenCard.Kind.LOVE,
        number="A1",
        issued_on=date(2024, 5, 1),
        today=today,
    )
    stay = services.channel_use_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        institution=family.institution,
        used_on=date(2025, 1, 2),
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on=date(2025, 1, 2),
        today=today,
    )
    contract = services.contract_sign(
        actor=personas.county_staff,
        household=family.household,
        doctor=family.doctor,
        starts_on=date(2024, 3, 1),
        packages=[Contract.Package.BASIC],
        today=today,
    )
    services.health_check_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.husband,
        checked_on=date(2024, 9, 1),
        items=[HealthCheck.Item.BLOOD],
        abnormal_findings="血压偏高 160/95",
        follow_up="每周测血压",
        today=today,
    )
    return {
        "institution": family.institution,
        "household": family.household,
        "card": card,
        "stay": stay,
        "contract": contract,
        "village": area.V1a,
    }


def _panel_html(household, user) -> str:
    """The archive's medical card as the household page renders it (households/templatetags: archive_panel)."""
    panel = MedicalArchive().panel(household=household, user=user, today=date(2025, 1, 10))
    return render_to_string(panel.template, {**panel.context, "household": household, "today": date(2025, 1, 10)})


def _case_text(household, user) -> str:
    tables = MedicalArchive().case_tables(household=household, user=user, today=date(2025, 1, 10))
    return " ".join(" ".join(row) for t in tables for row in t.rows)


def _state():
    return (
        GreenCard.objects.filter(withdrawn_on__isnull=False).count(),
        ChannelUse.objects.filter(discharged_on__isnull=False).count(),
        list(Contract.objects.values_list("status", "ends_on")),
        HealthCheck.objects.count(),
    )


@pytest.mark.parametrize(("name", "obj", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("actor", ["other_county_staff", "no_area"])
def test_outside_404_and_nothing_changes(objects, personas, client_for, name, obj, data, method, actor):
    url = reverse(name, args=[objects[obj].pk])
    before = _state()
    client = client_for(getattr(personas, actor))
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code in (404, 405)
    if response.status_code == 405:
        other = client.post(url, data) if method == "get" else client.get(url)
        assert other.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "obj", "data"), [u for u in ID_URLS if u[1] not in ("institution", "village")])
def test_another_towns_cadre_gets_404_on_the_familys_pages(objects, personas, client_for, name, obj, data):
    url = reverse(name, args=[objects[obj].pk])
    client = client_for(personas.other_town_cadre)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data).status_code in (404, 405)


def test_a_cadre_of_the_county_reads_its_institutions_but_not_edits(objects, personas, client_for):
    client = client_for(personas.other_town_cadre)
    assert client.get(reverse("medical:institution", args=[objects["institution"].pk])).status_code == 200
    assert client.get(reverse("medical:institution_edit", args=[objects["institution"].pk])).status_code == 403
    assert client.get(reverse("medical:institution_create")).status_code == 403


@pytest.mark.parametrize("actor", ["village_cadre", "town_cadre"])
def test_a_cadre_sees_the_status_never_the_content(objects, personas, client_for, actor):
    client = client_for(getattr(personas, actor))
    household = objects["household"]
    html = client.get(reverse("medical:household", args=[household.pk])).content.decode()
    assert 'data-status="doctor"' in html
    assert "血压偏高" not in html
    assert objects["institution"].name not in html  # not even where the stay was
    user = getattr(personas, actor)
    archive = _panel_html(household, user)
    assert 'data-section="medical"' in archive
    assert 'data-status="cards"' in archive
    assert "血压偏高" not in archive
    assert "血压偏高" not in _case_text(household, user)
    assert MedicalArchive().timeline(household=household, user=user) == []
    # Recording is the medical roles'.
    assert client.get(reverse("medical:check_add", args=[household.pk])).status_code == 403
    assert client.post(reverse("medical:contract_renew", args=[objects["contract"].pk])).status_code == 403


def test_a_volunteer_sees_the_status_only(objects, area, client_for):
    volunteer = UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a)
    html = client_for(volunteer).get(reverse("medical:household", args=[objects["household"].pk])).content.decode()
    assert 'data-status="doctor"' in html
    assert "血压偏高" not in html


def test_a_leader_has_no_family_medical_page(objects, personas, client_for):
    client = client_for(personas.leader)
    assert client.get(reverse("medical:household", args=[objects["household"].pk])).status_code == 403


@pytest.mark.parametrize("who", ["county_staff", "doctor"])
def test_medical_roles_see_the_content_and_the_read_is_logged(objects, personas, family, client_for, who):
    user = personas.county_staff if who == "county_staff" else family.doctor_user
    client = client_for(user)
    household = objects["household"]
    html = client.get(reverse("medical:household", args=[household.pk])).content.decode()
    assert "血压偏高 160/95" in html
    assert objects["institution"].name in html
    assert AccessEvent.objects.filter(actor=user, target_label=household.number, detail__page="medical").exists()
    assert "血压偏高 160/95" in _panel_html(household, user)
    assert "血压偏高 160/95" in _case_text(household, user)
    assert any(
        "血压偏高 160/95" in c.after
        for e in MedicalArchive().timeline(household=household, user=user)
        for c in e.changes
    )


def test_the_rules_file_is_served_to_readers_and_logged(objects, personas, client_for):
    institution = objects["institution"]
    response = client_for(personas.village_cadre).get(reverse("medical:institution_rules", args=[institution.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AccessEvent.objects.filter(
        actor=personas.village_cadre, target_label=institution.name, detail__page="institution_rules"
    ).exists()
    assert (
        client_for(personas.leader).get(reverse("medical:institution_rules", args=[institution.pk])).status_code == 403
    )
