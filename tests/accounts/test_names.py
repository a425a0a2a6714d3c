"""Names as Chinese people write them (issue 13 B6): one name field, family name first, and one name for a person
who is both a login and a contact."""

from __future__ import annotations

import importlib
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.forms import UserForm
from accounts.models import User, UserEvent
from accounts.services import user_update
from contacts.models import ServicePerson, ServicePersonEvent
from contacts.services import service_person_create, service_person_update
from tests.factories import ServicePersonFactory, UserFactory

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
user_migration = importlib.import_module("accounts.migrations.0003_user_name")
person_migration = importlib.import_module("contacts.migrations.0002_person_name_from_login")


@pytest.mark.parametrize(
    ("last", "first", "name"),
    [
        ("王", "秀兰", "王秀兰"),
        ("欧阳", "娜娜", "欧阳娜娜"),
        (" 王 ", " 秀兰", "王秀兰"),
        ("买买提", "阿依古丽·", "买买提阿依古丽·"),
        ("Smith", "John", "Smith John"),
        ("王", "Lily", "王 Lily"),
        ("", "秀兰", "秀兰"),
        ("王", "", "王"),
        ("", "", ""),
    ],
)
def test_the_migration_joins_family_and_given_name_surname_first(last, first, name):
    assert user_migration.name_from_parts(last, first) == name


def test_the_migration_fills_every_users_name_and_records_it(area):
    from django.apps import apps

    chinese = UserFactory(username="wang", last_name="王", first_name="秀兰")
    UserFactory(username="smith", last_name="Smith", first_name="John")
    UserFactory(username="named", last_name="李", first_name="四", name="李四")
    UserFactory(username="nameless")
    user_migration.names_fill(apps, None)
    names = dict(User.objects.values_list("username", "name"))
    assert (names["wang"], names["smith"], names["named"], names["nameless"]) == ("王秀兰", "Smith John", "李四", "")
    event = UserEvent.objects.filter(pgh_obj=chinese, pgh_label="update").latest("pgh_id")
    assert event.name == "王秀兰"
    assert event.pgh_context.metadata["service"] == "accounts.0003_user_name"


def test_full_and_short_name_are_the_one_name_family_name_first():
    user = User(username="county", name="王秀兰", first_name="秀兰", last_name="王")
    assert (user.get_full_name(), user.get_short_name(), user.display_name) == ("王秀兰", "王秀兰", "王秀兰")
    assert User(username="county").display_name == "county"


def test_the_top_bar_and_the_user_list_show_the_name(area, personas, client_for):
    personas.county_staff.name = "王秀兰"
    personas.county_staff.first_name, personas.county_staff.last_name = "秀兰", "王"
    personas.county_staff.save()
    personas.town_cadre.name = "张伟"
    personas.town_cadre.save()
    client = client_for(personas.county_staff)
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert '<span class="user-name">王秀兰</span>' in html
    assert "秀兰 王" not in html
    assert re.search(r"<td[^>]*>张伟</td>", html)  # its own cell (the list stacks on a phone: data-label)
    found = client.get(reverse("accounts:user_list"), {"q": "张伟"}).content.decode()
    assert "t1_cadre" in found
    assert "v1a_cadre" not in found


def test_the_user_form_has_one_name_field_and_stores_it(area, personas, client_for):
    form = UserForm(manager=personas.county_staff)
    assert "name" in form.fields
    assert "first_name" not in form.fields
    assert "last_name" not in form.fields
    response = client_for(personas.county_staff).post(
        reverse("accounts:user_create"),
        {
            "username": "zhou",
            "name": " 周  敏 ",
            "role": "village_cadre",
            "region": area.V1a.pk,
            "password": "Good-pass-2026",
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhou")
    assert (user.name, user.first_name, user.last_name) == ("周 敏", "", "")


@pytest.fixture
def admin_client(personas, client_for):
    return client_for(personas.admin)


def test_the_admin_edits_the_one_name(admin_client, area, personas):
    url = reverse("admin:accounts_user_change", args=[personas.village_cadre.pk])
    response = admin_client.get(url)
    fields = response.context["adminform"].form.fields
    assert "name" in fields
    assert "first_name" not in fields
    assert "last_name" not in fields
    changelist = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "v1a"})
    assert changelist.status_code == 200


def test_create_user_takes_the_whole_name(area, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "Good-pass-2026")
    call_command(
        "create_user", "ouyang", "--role", "county_staff", "--region", area.C.code, "--name", "欧阳娜娜",
        "--no-input", stdout=StringIO(),
    )  # fmt: skip
    user = User.objects.get(username="ouyang")
    assert (user.name, user.get_full_name(), user.last_name) == ("欧阳娜娜", "欧阳娜娜", "")


# ---- a login and the person it stands behind: one name ----------------------------------------------------


def test_a_person_linked_to_a_login_must_carry_its_name(area, personas):
    cadre = personas.village_cadre
    cadre.name = "陈静"
    cadre.save()
    with pytest.raises(ValidationError) as caught:
        service_person_create(
            actor=personas.county_staff,
            name="胡兰勇",
            role_type=ServicePerson.RoleType.VILLAGE_CADRE,
            region=area.V1a,
            user=cadre,
        )
    assert "陈静" in " ".join(caught.value.message_dict["name"])
    person = service_person_create(
        actor=personas.county_staff,
        name="陈 静",
        role_type=ServicePerson.RoleType.VILLAGE_CADRE,
        region=area.V1a,
        user=cadre,
    )
    assert person.name == "陈静"  # spaces aside, the login's spelling


def test_a_person_whose_login_has_no_name_keeps_its_own(area, personas):
    person = service_person_create(
        actor=personas.county_staff,
        name="胡兰勇",
        role_type=ServicePerson.RoleType.VILLAGE_CADRE,
        region=area.V1a,
        user=personas.village_cadre,  # no name given to the login
    )
    assert person.name == "胡兰勇"


def test_linking_an_existing_person_to_a_login_of_another_name_is_refused(area, personas, client_for):
    cadre = personas.village_cadre
    cadre.name = "陈静"
    cadre.save()
    person = ServicePersonFactory(name="胡兰勇", region=area.V1a)
    with pytest.raises(ValidationError):
        service_person_update(actor=personas.county_staff, person=person, data={"user": cadre})
    person.refresh_from_db()
    assert person.user is None


def test_renaming_a_login_renames_its_people_in_the_history(area, personas):
    cadre = personas.village_cadre
    cadre.name = "陈静"
    cadre.save()
    person = ServicePersonFactory(name="陈静", region=area.V1a, user=cadre)
    member = ServicePersonFactory(
        name="陈静", region=area.V1a, user=cadre, role_type=ServicePerson.RoleType.ASSOCIATION_MEMBER
    )
    other = ServicePersonFactory(name="杨敏", region=area.V1a)
    user_update(manager=personas.county_staff, user=User.objects.get(pk=cadre.pk), data={"name": "陈晶"})
    names = dict(ServicePerson.objects.values_list("pk", "name"))
    assert (names[person.pk], names[member.pk], names[other.pk]) == ("陈晶", "陈晶", "杨敏")
    event = ServicePersonEvent.objects.filter(pgh_obj=person, pgh_label="update").latest("pgh_id")
    assert event.name == "陈晶"
    assert event.pgh_context.metadata["username"] == personas.county_staff.username
    # Another change of the login leaves the people alone.
    user_update(manager=personas.county_staff, user=User.objects.get(pk=cadre.pk), data={"phone": "13900000000"})
    assert ServicePersonEvent.objects.filter(pgh_obj=person, pgh_label="update").count() == 1


def test_the_migration_gives_linked_people_their_logins_name(area, personas):
    from django.apps import apps

    cadre = personas.village_cadre
    cadre.name = "陈静"
    cadre.save()
    linked = ServicePersonFactory(name="胡兰勇", region=area.V1a, user=cadre)
    unnamed_login = ServicePersonFactory(
        name="黄强", region=area.V1a, user=personas.town_cadre, role_type=ServicePerson.RoleType.VOLUNTEER
    )
    alone = ServicePersonFactory(name="杨敏", region=area.V1a)
    person_migration.names_from_logins(apps, None)
    names = dict(ServicePerson.objects.values_list("pk", "name"))
    assert (names[linked.pk], names[unnamed_login.pk], names[alone.pk]) == ("陈静", "黄强", "杨敏")


def test_the_demo_logins_and_their_people_have_one_name(client):
    call_command("load_regions", str(REGIONS), stdout=StringIO())
    call_command("seed_demo", "--households", "10", "--seed", "3", stdout=StringIO())
    linked = ServicePerson.objects.filter(user__isnull=False).select_related("user")
    assert {p.user.username for p in linked} >= {"town1", "village1", "doctor1", "member1"}
    assert all(p.name == p.user.name for p in linked)
    assert User.objects.get(username="county").get_full_name() == "王秀兰"
    assert User.objects.get(username="village1").name == "陈静"


def test_the_audit_log_and_the_timeline_name_the_people(area, personas, client_for):
    from tests.factories import HouseholdFactory

    staff = personas.county_staff
    staff.name = "王秀兰"
    staff.save()
    client = client_for(staff)
    client.post(
        reverse("accounts:user_edit", args=[personas.village_cadre.pk]),
        {"name": "陈静", "role": "village_cadre", "region": area.V1a.pk, "phone": "", "email": ""},
    )
    changes = client.get(reverse("audit:change_list")).content.decode()
    assert '王秀兰 <span class="hint">c_staff</span>' in changes
    access = client.get(reverse("audit:access_list")).content.decode()
    assert '王秀兰 <span class="hint">c_staff</span>' in access
    household = HouseholdFactory(village=area.V1a)
    from audit.history import history_context

    with history_context(actor=staff, service="test"):
        household.difficulties_note = "改"
        household.save()
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert '<span class="muted" title="c_staff">· 王秀兰</span>' in page
