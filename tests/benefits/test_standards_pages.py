"""The standards page and the settings page: read by everyone who sees entitlements, written by county staff of
the county; a top-up of another county is 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import BenefitSettings, Standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def top_up(area):
    return Standard.objects.create(
        scheme="death",
        level="county",
        area_code="630101",
        area_name="城东区",
        amount=Decimal("50"),
        effective_from=date(2099, 1, 1),
        document="城东区文件",
    )


def _post(**kw):
    data = {
        "scheme": "death",
        "level": "county",
        "area_code": "630101",
        "area_name": "城东区",
        "residence": "",
        "disability_grade": "",
        "age_from": "",
        "age_to": "",
        "self_care": "",
        "amount": "50",
        "period": "month",
        "effective_from": "2099-01-01",
        "effective_to": "",
        "document": "城东区文件",
        "note": "",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize("role", ["county_staff", "town_cadre", "village_cadre"])
def test_everyone_who_sees_entitlements_reads_the_standards(top_up, personas, client_for, role):
    html = client_for(getattr(personas, role)).get(reverse("benefits:standards:list")).content.decode()
    assert "590.00" in html  # national, read-only
    assert f'data-standard="{top_up.pk}"' in html
    assert (reverse("benefits:standards:edit", args=[top_up.pk]) in html) == (role == "county_staff")


def test_leader_and_other_county_do_not_see_this_countys_top_up(top_up, personas, client_for):
    assert client_for(personas.leader).get(reverse("benefits:standards:list")).status_code == 403
    html = client_for(personas.other_county_staff).get(reverse("benefits:standards:list")).content.decode()
    assert f'data-standard="{top_up.pk}"' not in html


def test_county_staff_add_a_top_up_and_an_overlap_is_refused_in_english(personas, client_for):
    client = client_for(personas.county_staff)
    assert client.post(reverse("benefits:standards:create"), _post()).status_code == 302
    first = Standard.objects.get(area_code="630101")
    client.cookies["django_language"] = "en"
    response = client.post(reverse("benefits:standards:create"), _post(residence="rural", amount="70"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "It overlaps another standard" in html
    assert f"(#{first.pk})" in html
    assert Standard.objects.filter(area_code="630101").count() == 1
    response = client.post(reverse("benefits:standards:create"), _post(effective_from="2099-02-02", residence="urban"))
    assert "A standard starts on the first day of a month." in response.content.decode()


def test_town_cadre_cannot_write(top_up, personas, client_for):
    client = client_for(personas.town_cadre)
    assert client.post(reverse("benefits:standards:create"), _post(residence="urban")).status_code == 403
    assert client.post(reverse("benefits:standards:delete", args=[top_up.pk])).status_code == 403
    assert client.get(reverse("benefits:standards:settings")).status_code == 403
    assert Standard.objects.filter(pk=top_up.pk).exists()


def test_end_with_a_new_amount_from_the_next_month(top_up, personas, client_for):
    response = client_for(personas.county_staff).post(
        reverse("benefits:standards:end", args=[top_up.pk]),
        {"effective_to": "2099-06-30", "new_amount": "80", "new_document": "城东区新文件"},
    )
    assert response.status_code == 302
    top_up.refresh_from_db()
    assert top_up.effective_to == date(2099, 6, 30)
    successor = Standard.objects.get(area_code="630101", effective_from=date(2099, 7, 1))
    assert successor.amount == Decimal("80")
    assert successor.document == "城东区新文件"


def test_settings_page_creates_the_countys_row_on_first_save(personas, client_for):
    client = client_for(personas.county_staff)
    assert client.get(reverse("benefits:standards:settings")).status_code == 200
    assert not BenefitSettings.objects.filter(area_code="630101").exists()
    data = {
        "death_pays_through": "year_end",
        "reward_overlap": "both",
        "child_event_start": "same_month",
        "qualifying_age": "49",
        "reward_age": "60",
        "applications_by": "01-15",
        "village_by": "02-15",
        "town_by": "03-15",
        "county_by": "03-31",
        "notice_days": "10",
    }
    assert client.post(reverse("benefits:standards:settings"), data).status_code == 302
    row = BenefitSettings.objects.get(area_code="630101")
    assert row.reward_overlap == "both"
    client.cookies["django_language"] = "en"
    response = client.post(reverse("benefits:standards:settings"), {**data, "town_by": "02-30"})
    assert "Enter a month and day as MM-DD, such as 03-31." in response.content.decode()


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
ID_URLS = [
    ("benefits:standards:edit", _post(amount="1")),
    ("benefits:standards:end", {"effective_to": "2099-01-31"}),
    ("benefits:standards:delete", {}),
]
MATRIX_URLS = {name for name, _data in ID_URLS}


@pytest.mark.parametrize(("name", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_countys_staff_get_404_and_nothing_changes(top_up, personas, client_for, name, data, method):
    client = client_for(personas.other_county_staff)
    url = reverse(name, args=[top_up.pk])
    before = list(Standard.objects.values())
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert list(Standard.objects.values()) == before


@pytest.mark.parametrize("name", [name for name, _data in ID_URLS])
def test_a_national_standard_is_404_on_the_write_pages(personas, client_for, name):
    national = Standard.objects.filter(level="national").first()
    assert client_for(personas.county_staff).get(reverse(name, args=[national.pk])).status_code == 404
