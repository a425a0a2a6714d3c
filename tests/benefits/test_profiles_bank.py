"""A parent's bank account: masked for every role, revealed (and logged) by county staff only; a town cadre edits
but cannot reveal; every change recorded and masked in the audit's change log; outside the area: 404."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.roles import Role
from audit.models import AccessEvent
from benefits.models import BenefitProfile
from tests.benefits.review_fixtures import family
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "6228480012345678901"


@pytest.fixture
def parents(area):
    return family(area.V1a, number="630101-00077")


def _form(payee_id: str, **kw) -> dict:
    data = {
        "payee_name": "李秀英",
        "payee_id_number": payee_id,
        "payee_relationship": "本人",
        "account_number": ACCOUNT,
        "bank_name": "中国农业银行城东支行",
    }
    data.update(kw)
    return data


@pytest.fixture
def account(parents, personas, client_for):
    _husband, wife = parents
    response = client_for(personas.county_staff).post(
        reverse("benefits:profiles:edit", args=[wife.pk]), _form(wife.id_number)
    )
    assert response.status_code == 302
    return BenefitProfile.objects.get(member=wife)


def test_town_cadre_edits_the_account_and_the_change_is_recorded(parents, personas, client_for):
    _husband, wife = parents
    client = client_for(personas.town_cadre)
    response = client.post(reverse("benefits:profiles:edit", args=[wife.pk]), _form(wife.id_number))
    assert response.status_code == 302
    profile = BenefitProfile.objects.get(member=wife)
    assert profile.account_number == ACCOUNT
    events = apps.get_model("benefits", "BenefitProfileEvent").objects.filter(pgh_obj_id=profile.pk)
    assert events.count() == 1
    assert events.first().pgh_context.metadata["username"] == "t1_cadre"


def test_empty_account_field_keeps_the_stored_one(account, parents, personas, client_for):
    _husband, wife = parents
    client_for(personas.village_cadre).post(
        reverse("benefits:profiles:edit", args=[wife.pk]), _form("", account_number="", bank_name="邮储银行")
    )
    account.refresh_from_db()
    assert account.account_number == ACCOUNT
    assert account.bank_name == "邮储银行"


def test_bad_account_and_id_number_refused_in_english(parents, personas, client_for):
    _husband, wife = parents
    client = client_for(personas.town_cadre)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("benefits:profiles:edit", args=[wife.pk]),
        _form("630103196203010001", account_number="62284800 abc"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "An account number has 12 to 32 digits." in response.content.decode()
    assert not BenefitProfile.objects.filter(member=wife).exists()


def test_only_county_staff_set_the_facts(parents, personas, client_for):
    _husband, wife = parents
    client_for(personas.town_cadre).post(
        reverse("benefits:profiles:edit", args=[wife.pk]), _form(wife.id_number, reward_qualified="on")
    )
    assert BenefitProfile.objects.get(member=wife).reward_qualified is False
    client_for(personas.county_staff).post(
        reverse("benefits:profiles:edit", args=[wife.pk]), _form("", reward_qualified="on")
    )
    assert BenefitProfile.objects.get(member=wife).reward_qualified is True


@pytest.mark.parametrize("role", ["county_staff", "town_cadre", "village_cadre", "family_doctor", "member"])
def test_the_account_is_masked_on_every_page_for_every_role(account, parents, area, personas, client_for, role):
    user = getattr(personas, role, None) or UserFactory(role=getattr(Role, role.upper()), region=area.V1a)
    household = parents[1].household
    client = client_for(user)
    for url in (reverse("households:detail", args=[household.pk]), reverse("households:print", args=[household.pk])):
        html = client.get(url).content.decode()
        assert ACCOUNT not in html
        assert parents[1].id_number not in html.replace(parents[1].id_number[:4] + "*" * 10, "")
        if user.has_capability("view_entitlements"):
            assert "*" * 15 + ACCOUNT[-4:] in html
    if user.has_capability("edit_bank_accounts"):
        html = client.get(reverse("benefits:profiles:edit", args=[parents[1].pk])).content.decode()
        assert ACCOUNT not in html
        assert "*" * 15 + ACCOUNT[-4:] in html


def test_county_staff_reveal_is_logged(account, parents, personas, client_for):
    wife = parents[1]
    client = client_for(personas.county_staff)
    response = client.post(
        reverse("benefits:profiles:reveal", args=[wife.pk]),
        {"field": "account_number"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"value": ACCOUNT}
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL, actor=personas.county_staff)
    assert event.target_label == wife.household.number
    assert event.detail["field"] == "account_number"
    assert event.detail["member"] == wife.pk


@pytest.mark.parametrize("role", ["town_cadre", "village_cadre"])
def test_cadres_cannot_reveal(account, parents, personas, client_for, role):
    response = client_for(getattr(personas, role)).post(
        reverse("benefits:profiles:reveal", args=[parents[1].pk]), {"field": "account_number"}
    )
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


def test_a_cadre_sees_no_reveal_button(account, parents, personas, client_for):
    html = client_for(personas.town_cadre).get(reverse("households:detail", args=[parents[1].household_id]))
    assert reverse("benefits:profiles:reveal", args=[parents[1].pk]) not in html.content.decode()
    html = client_for(personas.county_staff).get(reverse("households:detail", args=[parents[1].household_id]))
    assert reverse("benefits:profiles:reveal", args=[parents[1].pk]) in html.content.decode()


def test_the_audit_change_log_masks_the_account(account, parents, personas, client_for):
    client_for(personas.village_cadre).post(
        reverse("benefits:profiles:edit", args=[parents[1].pk]), _form("", account_number="6217000099998888")
    )
    html = client_for(personas.county_staff).get(reverse("audit:change_list")).content.decode()
    assert ACCOUNT not in html
    assert "6217000099998888" not in html
    assert "*" * 12 + "8888" in html


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
ID_URLS = [("benefits:profiles:edit", _form("")), ("benefits:profiles:reveal", {"field": "account_number"})]
MATRIX_URLS = {name for name, _data in ID_URLS}


@pytest.mark.parametrize(("name", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre"])
def test_outside_the_area_404_and_nothing_changes(account, parents, personas, client_for, name, data, method, actor):
    client = client_for(getattr(personas, actor))
    url = reverse(name, args=[parents[1].pk])
    before = list(BenefitProfile.objects.values())
    response = client.get(url) if method == "get" else client.post(url, data)
    # The reveal takes a POST only: a GET is 405 before anything is looked up (it tells nothing).
    assert response.status_code == (405 if method == "get" and name == "benefits:profiles:reveal" else 404)
    assert list(BenefitProfile.objects.values()) == before
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()
