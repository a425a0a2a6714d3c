"""The data-quality page: what needs fixing in the user's area."""

from datetime import date

import pytest
from django.urls import reverse

from households.models import Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _quality(client):
    response = client.get(reverse("households:quality"))
    assert response.status_code == 200
    return response.context["quality"]


def test_each_problem_is_listed(client_for, personas, area, homes, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2026, 6, 1))
    no_id = MemberFactory(household=homes.v1a, role="grandchild", id_number=None, name="无证")
    bad_check = MemberFactory(household=homes.v1b, role="other", name="错码")
    Member.objects.filter(pk=bad_check.pk).update(
        id_number=bad_check.id_number[:17] + ("0" if bad_check.id_number[17] != "0" else "1")
    )
    no_phone = MemberFactory(household=homes.v2a, role="other", phone="", name="无电话")
    grandchild = MemberFactory(
        household=homes.v1a, role="grandchild", phone="", birth_date=date(2012, 3, 1), name="孙辈"
    )
    orphan = HouseholdFactory(village=area.V1a, number="630101-00009")
    MemberFactory(household=orphan, alive=False, death_date=date(2024, 1, 1))
    homeless = HouseholdFactory(village=None, county=area.C, number="630101-00010")
    MemberFactory(household=homeless)
    turning_49 = MemberFactory(household=homes.v1a, role="other", birth_date=date(1977, 7, 15), name="将满49")
    turning_60 = MemberFactory(household=homes.v1a, role="other", birth_date=date(1966, 6, 1), name="今天60")
    not_yet = MemberFactory(household=homes.v1a, role="other", birth_date=date(1966, 9, 30), name="还早")
    # outside the area: must never appear
    MemberFactory(household=homes.v3a, role="other", id_number=None, name="外县")

    quality = _quality(client_for(personas.county_staff))
    assert {m.pk for m in quality["bad_id"].rows} == {no_id.pk, bad_check.pk}
    assert no_phone.pk in {m.pk for m in quality["bad_phone"].rows}
    assert grandchild.pk not in {m.pk for m in quality["bad_phone"].rows}  # a child is reached through the adults
    assert [h.pk for h in quality["no_village"].rows] == [homeless.pk]
    assert [h.pk for h in quality["no_living"].rows] == [orphan.pk]
    milestones = {(m.member.pk, m.age, m.on) for m in quality["milestones"].rows}
    assert milestones == {(turning_49.pk, 49, date(2026, 7, 15)), (turning_60.pk, 60, date(2026, 6, 1))}
    assert not_yet.pk not in {m.member.pk for m in quality["milestones"].rows}

    town = _quality(client_for(personas.town_cadre))
    assert {m.pk for m in town["bad_id"].rows} == {no_id.pk, bad_check.pk}
    assert town["no_village"].rows == []  # a household without a village is the county's to fix
    assert no_phone.pk not in {m.pk for m in town["bad_phone"].rows}  # T2


def test_volunteers_do_not_see_the_page(client_for, area, homes):
    from accounts.roles import Role
    from tests.factories import UserFactory

    volunteer = UserFactory(role=Role.MEMBER, region=area.V1a)
    assert client_for(volunteer).get(reverse("households:quality")).status_code == 403
