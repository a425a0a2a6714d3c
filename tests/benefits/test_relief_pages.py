"""Relief and gifts: recorded, edited and deleted inside the area (RECORD_RELIEF), amount required for money and
optional for goods; the household's list (its read logged) and the area's list with its filters; outside: 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from benefits.models import Relief
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(area):
    household = HouseholdFactory(village=area.V1a, number="630101-00088")
    MemberFactory(household=household, name="张桂兰")
    return household


@pytest.fixture
def relief(home):
    return Relief.objects.create(
        household=home,
        kind=Relief.Kind.RED_CROSS,
        amount=Decimal("3000"),
        given_on=date(2023, 5, 4),
        source="红十字会",
        approved_by="区计生协",
    )


def _data(**kw):
    data = {
        "kind": "cake_card",
        "amount": "",
        "given_on": "2024-09-10",
        "source": "区计生协",
        "approved_by": "王主任",
        "note": "",
        "member": "",
    }
    data.update(kw)
    return data


def test_village_cadre_records_a_gift_without_amount(home, personas, client_for):
    response = client_for(personas.village_cadre).post(reverse("benefits:relief:create", args=[home.pk]), _data())
    assert response.status_code == 302
    relief = Relief.objects.get(household=home)
    assert relief.amount is None
    assert relief.recorded_by == personas.village_cadre


def test_money_needs_an_amount_english(home, personas, client_for):
    client = client_for(personas.town_cadre)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("benefits:relief:create", args=[home.pk]), _data(kind="temporary"))
    assert response.status_code == 200
    assert "Enter the amount of money given." in response.content.decode()
    assert not Relief.objects.exists()


def test_future_date_refused(home, personas, client_for):
    response = client_for(personas.town_cadre).post(
        reverse("benefits:relief:create", args=[home.pk]), _data(given_on="2099-01-01")
    )
    assert response.status_code == 200
    assert not Relief.objects.exists()


def test_edit_and_delete(relief, personas, client_for):
    client = client_for(personas.county_staff)
    client.post(reverse("benefits:relief:edit", args=[relief.pk]), _data(kind="red_cross", amount="2500"))
    relief.refresh_from_db()
    assert relief.amount == Decimal("2500")
    client.post(reverse("benefits:relief:delete", args=[relief.pk]), {"reason": "重复录入"})
    assert not Relief.objects.filter(pk=relief.pk).exists()


def test_a_member_of_another_household_refused(relief, area, personas, client_for):
    stranger = MemberFactory(household=HouseholdFactory(village=area.V1a))
    response = client_for(personas.county_staff).post(
        reverse("benefits:relief:edit", args=[relief.pk]), _data(member=str(stranger.pk))
    )
    assert response.status_code == 200
    relief.refresh_from_db()
    assert relief.member_id is None


def test_household_list_logs_the_read(relief, personas, client_for):
    response = client_for(personas.village_cadre).get(reverse("benefits:relief:household", args=[relief.household_id]))
    assert "红十字会" in response.content.decode()
    assert AccessEvent.objects.filter(actor=personas.village_cadre, target_label=relief.household.number).exists()


def test_area_list_filters(relief, area, personas, client_for):
    other = HouseholdFactory(village=area.V2a, number="630101-00099")
    Relief.objects.create(
        household=other, kind="festival", given_on=date(2024, 2, 1), source="街道", approved_by="李", amount=200
    )
    client = client_for(personas.county_staff)
    html = client.get(reverse("benefits:relief:list")).content.decode()
    assert "630101-00088" in html
    assert "630101-00099" in html
    html = client.get(reverse("benefits:relief:list"), {"kind": "festival"}).content.decode()
    assert "630101-00088" not in html
    html = client.get(reverse("benefits:relief:list"), {"year": "2023"}).content.decode()
    assert "630101-00099" not in html
    html = client.get(reverse("benefits:relief:list"), {"town": area.T2.pk}).content.decode()
    assert "630101-00088" not in html
    assert "630101-00099" in html
    town_html = client_for(personas.town_cadre).get(reverse("benefits:relief:list")).content.decode()
    assert "630101-00099" not in town_html


def test_leader_cannot_record(home, personas, client_for):
    response = client_for(personas.leader).post(reverse("benefits:relief:create", args=[home.pk]), _data())
    assert response.status_code in {403, 404}
    assert not Relief.objects.exists()


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py): (name, target, POST data).
ID_URLS = [
    ("benefits:relief:household", "household", {}),
    ("benefits:relief:create", "household", _data()),
    ("benefits:relief:edit", "relief", _data(amount="1")),
    ("benefits:relief:delete", "relief", {"reason": "x"}),
]
MATRIX_URLS = {name for name, _t, _d in ID_URLS}


@pytest.mark.parametrize(("name", "target", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre"])
def test_outside_the_area_404_and_nothing_changes(relief, personas, client_for, name, target, data, method, actor):
    objects = {"household": relief.household, "relief": relief}
    url = reverse(name, args=[objects[target].pk])
    before = list(Relief.objects.values())
    client = client_for(getattr(personas, actor))
    response = client.get(url) if method == "get" else client.post(url, data)
    # A read-only page answers a POST with 405 before it looks anything up (it tells nothing).
    assert response.status_code == (405 if method == "post" and name == "benefits:relief:household" else 404)
    assert list(Relief.objects.values()) == before
