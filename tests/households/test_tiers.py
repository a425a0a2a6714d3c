"""Health and mental-health data by tier (accounts.sensitivity) on the archive, its print page, its PDF, its
timeline, the edit form, the list filter and the xlsx export: county staff and the family doctor read them; town
and village cadres and volunteers see "(restricted)", never the value (issue 12, finding 4)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.roles import Role
from households.exports import household_list_xlsx
from households.models import Household, Member
from households.selectors import household_page_members
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.households.test_archive import _edit_data
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

NEEDS = "NEEDNOTE7"
HEALTH = "MEMBERHEALTH7"
CHRONIC = "CHRONIC7"


def mental_label() -> str:
    with translation.override("zh-hans"):
        return str(Household.Difficulty.MENTAL_HEALTH.label)


@pytest.fixture
def family(area) -> Household:
    household = HouseholdFactory(
        village=area.V1a,
        number="630101-00042",
        difficulties=[Household.Difficulty.FINANCE, Household.Difficulty.MENTAL_HEALTH],
        difficulties_note=NEEDS,
    )
    MemberFactory(household=household, role=Member.Role.HUSBAND, health_notes=HEALTH, chronic_diseases=CHRONIC)
    MemberFactory(household=household, role=Member.Role.WIFE, phone="13800000014")
    return household


@pytest.fixture
def readers(personas, area) -> dict[str, object]:
    return {
        "county staff": personas.county_staff,
        "family doctor": UserFactory(username="doctor", role=Role.FAMILY_DOCTOR, region=area.V1a),
        "town cadre": personas.town_cadre,
        "village cadre": personas.village_cadre,
        "volunteer": UserFactory(username="volunteer", role=Role.MEMBER, region=area.V1a),
    }


MAY_SEE = {"county staff", "family doctor"}


def _pages(client, household) -> dict[str, str]:
    pk = household.pk
    pages = {
        name: client.get(reverse(f"households:{name}", args=[pk])).content.decode() for name in ("detail", "print")
    }
    pages["pdf"] = pdf_text(client.get(reverse("households:pdf", args=[pk])).content)
    return pages


@pytest.mark.parametrize("reader", ["county staff", "family doctor", "town cadre", "village cadre", "volunteer"])
def test_health_and_mental_health_reach_medical_roles_and_county_staff_only(client_for, readers, family, reader):
    pages = _pages(client_for(readers[reader]), family)
    with translation.override("zh-hans"):
        restricted = "（无权查看）"
    for page, text in pages.items():
        where = f"{reader} on {page}"
        if page == "pdf":
            text = text.replace("\n", "")
        if reader in MAY_SEE:
            assert NEEDS in text, where
            assert HEALTH in text, where
            assert CHRONIC in text, where
            assert mental_label() in text, where
        else:
            assert NEEDS not in text, where
            assert HEALTH not in text, where
            assert CHRONIC not in text, where
            assert mental_label() not in text, where
            assert restricted in text, where
        assert "13800000014" not in text, where  # personal: masked for everyone
        assert "138****0014" in text, where


def test_the_timeline_restricts_a_health_change_for_a_cadre(client_for, personas, family):
    member = family.members.get(role=Member.Role.HUSBAND)
    Member.objects.filter(pk=member.pk).update(health_notes="NEWHEALTH7")
    cadre = client_for(personas.village_cadre).get(reverse("households:detail", args=[family.pk])).content.decode()
    staff = client_for(personas.county_staff).get(reverse("households:detail", args=[family.pk])).content.decode()
    timeline = cadre.split('data-section="timeline"', 1)[1]
    assert "NEWHEALTH7" not in timeline
    assert HEALTH not in timeline
    assert "（无权查看）" in timeline
    assert "NEWHEALTH7" in staff.split('data-section="timeline"', 1)[1]


def test_the_edit_form_leaves_out_and_keeps_what_a_cadre_may_not_see(client_for, personas, area, family):
    client = client_for(personas.village_cadre)
    form = client.get(reverse("households:edit", args=[family.pk])).content.decode()
    assert NEEDS not in form
    assert HEALTH not in form
    assert CHRONIC not in form
    assert 'value="mental_health"' not in form

    data = _edit_data(family, area, address="新地址 1 号", difficulties=["housing"])
    data["difficulties_note"] = ""  # a forged field the form does not have: ignored
    response = client.post(reverse("households:edit", args=[family.pk]), data)

    assert response.status_code == 302, response.context and response.context["formset"].errors
    family.refresh_from_db()
    assert family.address == "新地址 1 号"
    assert family.difficulties_note == NEEDS
    assert sorted(family.difficulties) == ["housing", "mental_health"]
    husband = family.members.get(role=Member.Role.HUSBAND)
    assert (husband.health_notes, husband.chronic_diseases) == (HEALTH, CHRONIC)


def test_county_staff_edit_the_health_fields(client_for, personas, area, family):
    client = client_for(personas.county_staff)
    form = client.get(reverse("households:edit", args=[family.pk])).content.decode()
    assert NEEDS in form
    assert HEALTH in form
    data = _edit_data(family, area, difficulties=["finance"], difficulties_note="新的需求")
    response = client.post(reverse("households:edit", args=[family.pk]), data)
    assert response.status_code == 302
    family.refresh_from_db()
    assert (family.difficulties, family.difficulties_note) == (["finance"], "新的需求")


def test_a_cadre_cannot_filter_the_list_by_the_mental_health_difficulty(client_for, personas, area, family):
    HouseholdFactory(village=area.V1a, number="630101-00043")
    url = reverse("households:list") + "?difficulty=mental_health"
    cadre = client_for(personas.village_cadre).get(url)
    staff = client_for(personas.county_staff).get(url)
    assert 'value="mental_health"' not in cadre.content.decode()
    assert {r.household.number for r in cadre.context["rows"]} == {"630101-00042", "630101-00043"}  # no filter
    assert {r.household.number for r in staff.context["rows"]} == {"630101-00042"}


def test_the_xlsx_export_writes_the_difficulties_the_reader_may_see(personas, family):
    rows = list(Household.objects.filter(pk=family.pk))
    household_page_members(rows)

    def cells(user) -> str:
        content = household_list_xlsx(households=rows, full_values=False, today=timezone.localdate(), user=user)
        sheet = load_workbook(io.BytesIO(content)).active
        return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)

    with translation.override("zh-hans"):
        assert mental_label() in cells(personas.county_staff)
        assert mental_label() not in cells(personas.village_cadre)
        assert mental_label() not in cells(None)


def test_the_roster_layout_export_needs_the_health_tiers(client_for, personas, area, family):
    """Only county staff export lists, and they may see every tier: the file they get carries the notes."""
    response = client_for(personas.county_staff).post(reverse("households:roster:export"), {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_new_household_form_lets_a_cadre_write_health_notes(client_for, personas, area):
    from tests.households.conftest import household_form_data

    data = household_form_data(
        village=area.V1a,
        members=[{"name": "王五", "role": "husband", "health_notes": "高血压", "birth_date": "1956-01-01", "sex": "M"}],
        difficulties_note="需要陪伴",
        difficulties=["mental_health"],
    )
    response = client_for(personas.village_cadre).post(reverse("households:create"), data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    household = Household.objects.get(number__startswith="630101-")
    assert (household.difficulties, household.difficulties_note) == (["mental_health"], "需要陪伴")
    assert household.members.get().health_notes == "高血压"
