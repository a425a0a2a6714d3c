"""The Django admin inside its area (docs/SECURITY.md "Access"; issue 12).

The scope matrix of the admin: the system administrator of county C (a superuser) opens county C2's objects of
every registered model — change, delete, history, Django's old-style redirect and "view on site" — and gets 404
on GET and POST, sees nothing of them and changes nothing. Then the rules around it: lists show the area only,
choices offer the area only, nobody changes their own role or area, only the system administrator's role opens
the admin, and what was removed stays removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import AccessEvent
from contacts.models import Assignment, ContactScheme, ServicePerson
from regions.admin_scope import AreaScopedAdmin
from regions.models import Region
from tests.factories import (
    AssignmentFactory,
    ContactSchemeFactory,
    HouseholdFactory,
    ServicePersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_ROUTE = reverse("admin:index").lstrip("/")  # "django-admin/"


def _login_records(model: type[models.Model], username: str) -> models.Model:
    fields = {"username": username, "ip_address": "10.0.0.9", "user_agent": "probe", "path_info": "/login/"}
    if model is AccessAttempt:
        fields |= {"get_data": "", "post_data": "username=" + username, "failures_since_start": 3}
    return model.objects.create(http_accept="text/html", **fields)


def _access_event(region: Region) -> AccessEvent:
    return AccessEvent.objects.create(
        actor_username="someone",
        action=AccessEvent.Action.VIEW,
        target_label=f"{region.name} 户",
        region_path=region.path,
    )


def _assignment(village: Region) -> Assignment:
    person = ServicePersonFactory(region=village)
    return AssignmentFactory(household=HouseholdFactory(village=village), person=person)


# Every model registered in the admin → how to make one of its objects in a village's area (and its county).
MAKERS: dict[type[models.Model], Any] = {
    User: lambda village, personas: UserFactory(role=Role.VILLAGE_CADRE, region=village),
    Region: lambda village, personas: village,
    AccessEvent: lambda village, personas: _access_event(village),
    ServicePerson: lambda village, personas: ServicePersonFactory(region=village),
    Assignment: lambda village, personas: _assignment(village),
    ContactScheme: lambda village, personas: ContactSchemeFactory(county=village.parent.parent),
    AccessAttempt: lambda village, personas: _login_records(AccessAttempt, _user_in(village).username),
    AccessLog: lambda village, personas: _login_records(AccessLog, _user_in(village).username),
    AccessFailureLog: lambda village, personas: _login_records(AccessFailureLog, _user_in(village).username),
}


def _user_in(village: Region) -> User:
    return User.objects.filter(region=village).first() or UserFactory(role=Role.VILLAGE_CADRE, region=village)


def _info(model: type[models.Model]) -> tuple[str, str]:
    return model._meta.app_label, model._meta.model_name


# The admin's URLs of one object: (key for the inventory, URL for an object id).
OBJECT_URLS = ("change", "delete", "history")

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = (
    {f"admin:{app}_{name}_{kind}" for app, name in map(_info, MAKERS) for kind in OBJECT_URLS}
    | {f"{ADMIN_ROUTE}{app}/{name}/<path:object_id>/" for app, name in map(_info, MAKERS)}
    | {"admin:view_on_site"}
)


@dataclass
class Objects:
    inside: models.Model  # in V1a (county C, the administrator's)
    outside: models.Model  # in V3a (county C2)


def objects_of(model, area, personas) -> Objects:
    return Objects(inside=MAKERS[model](area.V1a, personas), outside=MAKERS[model](area.V3a, personas))


def snapshot() -> tuple:
    """Every row the admin could touch, and the admin's own log."""
    rows = [list(model.objects.order_by("pk").values()) for model in (*MAKERS, LogEntry) if model is not AccessEvent]
    events = AccessEvent.objects.exclude(action__in=["login", "logout"]).order_by("pk")
    return (*rows, list(events.values()))


def post_data(model, obj, area) -> dict[str, Any]:
    """A plausible change form for the model (moving the object into the administrator's county)."""
    if model is User:
        return {"name": "改名", "role": "village_cadre", "region": area.V1a.pk, "email": ""}
    if model is ServicePerson:
        return {"name": "改名", "phone": "13900000001", "role_type": "village_cadre", "region": area.V1a.pk}
    if model is ContactScheme:
        return {"county": area.C.pk, "kind": "double_post", "volunteers_required": 3}
    return {"name": "改名", "username": "moved"}


@pytest.fixture
def admin_client(personas, client_for) -> Client:
    return client_for(personas.admin)


# ---- the matrix ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)
@pytest.mark.parametrize("kind", OBJECT_URLS)
def test_objects_of_another_county_answer_404_and_nothing_changes(admin_client, area, personas, model, kind):
    objs = objects_of(model, area, personas)
    app, name = _info(model)
    url = reverse(f"admin:{app}_{name}_{kind}", args=[objs.outside.pk])
    before = snapshot()

    got = admin_client.get(url)
    posted = admin_client.post(url, {"post": "yes", **post_data(model, objs.outside, area)})

    assert (got.status_code, posted.status_code) == (404, 404)
    assert snapshot() == before
    for response in (got, posted):
        assert str(objs.outside).encode() not in response.content
    # Inside the area the same page opens: the 404 is the area, not a broken URL.
    assert admin_client.get(reverse(f"admin:{app}_{name}_{kind}", args=[objs.inside.pk])).status_code in (200, 403)


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)
def test_the_old_style_object_url_leads_to_the_404(admin_client, area, personas, model):
    objs = objects_of(model, area, personas)
    app, name = _info(model)
    before = snapshot()
    for method in ("get", "post"):
        response = getattr(admin_client, method)(f"/{ADMIN_ROUTE}{app}/{name}/{objs.outside.pk}/", follow=True)
        assert response.status_code == 404
        assert str(objs.outside).encode() not in response.content
    assert snapshot() == before


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)
def test_view_on_site_answers_404_outside_the_area(admin_client, area, personas, model):
    objs = objects_of(model, area, personas)
    content_type = ContentType.objects.get_for_model(model)
    url = reverse("admin:view_on_site", args=[content_type.pk, objs.outside.pk])
    before = snapshot()
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    assert snapshot() == before


def test_view_on_site_answers_404_for_models_the_admin_does_not_show(admin_client, area):
    """Django's shortcut would read any model by id; a household is no admin's object."""
    household = HouseholdFactory(village=area.V3a)
    content_type = ContentType.objects.get_for_model(household)
    assert admin_client.get(reverse("admin:view_on_site", args=[content_type.pk, household.pk])).status_code == 404


def test_every_registered_model_is_in_the_matrix_and_scoped():
    assert set(admin.site._registry) == set(MAKERS)
    assert all(isinstance(model_admin, AreaScopedAdmin) for model_admin in admin.site._registry.values())


# ---- lists, choices, bulk actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)
def test_lists_show_the_area_only(admin_client, area, personas, model):
    objs = objects_of(model, area, personas)
    app, name = _info(model)
    response = admin_client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert objs.inside.pk in shown
    assert objs.outside.pk not in shown
    every = set(model._default_manager.values_list("pk", flat=True))
    hidden = set(admin.site._registry[model].get_queryset(response.wsgi_request).values_list("pk", flat=True))
    assert shown <= hidden < every  # the list is a page of the scoped rows, never the whole table


def test_bulk_delete_of_another_countys_login_records_deletes_nothing(admin_client, area, personas):
    outside = _login_records(AccessAttempt, personas.other_county_staff.username)
    inside = _login_records(AccessAttempt, personas.town_cadre.username)
    url = reverse("admin:axes_accessattempt_changelist")

    admin_client.post(url, {"action": "delete_selected", "_selected_action": [outside.pk], "post": "yes"})
    assert AccessAttempt.objects.filter(pk=outside.pk).exists()

    # A lockout inside the area may be lifted (deleting the attempt unlocks the user).
    admin_client.post(url, {"action": "delete_selected", "_selected_action": [inside.pk], "post": "yes"})
    assert not AccessAttempt.objects.filter(pk=inside.pk).exists()


def test_login_logs_are_read_only(admin_client, area, personas):
    log = _login_records(AccessLog, personas.town_cadre.username)
    before = snapshot()
    assert admin_client.get(reverse("admin:axes_accesslog_change", args=[log.pk])).status_code == 200
    assert admin_client.post(reverse("admin:axes_accesslog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    assert snapshot() == before


def test_region_choices_are_the_administrators_subtree(admin_client, area, personas):
    subtree = set(Region.objects.visible_to(personas.admin).values_list("pk", flat=True))
    assert area.C2.pk not in subtree
    response = admin_client.get(reverse("admin:accounts_user_change", args=[personas.town_cadre.pk]))
    assert set(response.context["adminform"].form.fields["region"].queryset.values_list("pk", flat=True)) == subtree
    person = ServicePersonFactory(region=area.V1a)
    response = admin_client.get(reverse("admin:contacts_serviceperson_change", args=[person.pk]))
    form = response.context["adminform"].form
    assert set(form.fields["region"].queryset.values_list("pk", flat=True)) == subtree
    assert set(form.fields["user"].queryset.values_list("pk", flat=True)) == set(
        User.objects.visible_to(personas.admin).values_list("pk", flat=True)
    )


def test_a_user_cannot_be_moved_into_another_county(admin_client, area, personas):
    before = snapshot()
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[personas.town_cadre.pk]),
        {"name": "X Y", "email": "", "phone": "", "role": "town_cadre", "region": area.T3.pk},
    )
    assert response.status_code == 200  # the form again
    assert "region" in response.context["adminform"].form.errors
    assert area.T3.name not in response.content.decode()
    assert snapshot() == before


def test_a_person_cannot_be_moved_into_another_county(admin_client, area, personas):
    person = ServicePersonFactory(region=area.V1a)
    before = snapshot()
    response = admin_client.post(
        reverse("admin:contacts_serviceperson_change", args=[person.pk]),
        {"name": person.name, "phone": person.phone, "role_type": "village_cadre", "region": area.V3a.pk},
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert area.V3a.name not in response.content.decode()
    assert snapshot() == before


def test_nobody_changes_their_own_role_or_area_in_the_admin(admin_client, area, personas):
    me = personas.admin
    url = reverse("admin:accounts_user_change", args=[me.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "role" not in form.fields  # shown read only
    assert "region" not in form.fields

    admin_client.post(url, {"name": "新名", "email": "", "role": "county_staff", "region": area.C2.pk})

    me.refresh_from_db()
    assert (me.role, me.region, me.name) == (Role.ADMIN, area.C, "新名")


def test_a_change_in_the_admin_goes_through_the_service_and_is_logged(admin_client, area, personas):
    cadre = personas.village_cadre
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[cadre.pk]),
        {
            "name": "张三",
            "email": "",
            "phone": "",
            "role": "village_cadre",
            "region": area.V1b.pk,
        },
    )
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert (cadre.region, cadre.name) == (area.V1b, "张三")
    event = AccessEvent.objects.get(action=AccessEvent.Action.ACCOUNT)
    assert (event.actor, event.target_label) == (personas.admin, cadre.username)


def test_the_role_must_fit_the_area(admin_client, area, personas):
    """The model's rule (a village cadre works at a village) holds in the admin too."""
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[personas.village_cadre.pk]),
        {"name": "", "email": "", "phone": "", "role": "village_cadre", "region": area.C.pk},
    )
    assert response.status_code == 200
    personas.village_cadre.refresh_from_db()
    assert personas.village_cadre.region == area.V1a


def test_users_are_neither_added_nor_deleted_nor_given_passwords_in_the_admin(admin_client, personas):
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert admin_client.post(reverse("admin:accounts_user_delete", args=[personas.town_cadre.pk])).status_code == 403
    password = admin_client.get(f"/{ADMIN_ROUTE}accounts/user/{personas.town_cadre.pk}/password/", follow=True)
    assert password.status_code == 404  # the portal resets passwords (accounts:user_password_reset)
    # No filtering the list by a session token (Django refuses the password already).
    assert (
        admin_client.get(reverse("admin:accounts_user_changelist") + "?session_token__startswith=a").status_code == 400
    )


# ---- who may use the admin, and what is gone ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["county_staff", "town_cadre", "leader", "no_area", "lost_admin", "deactivated"])
def test_only_the_system_administrator_opens_the_admin(personas, client_for, area, persona):
    """Django's flags are not enough: the role decides (and an administrator needs an area, like everyone)."""
    if persona == "lost_admin":
        user = UserFactory(username="lost_admin", role=Role.ADMIN, region=None)
    else:
        user = getattr(personas, persona)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    client = client_for(user)
    for name in ("admin:index", "admin:accounts_user_changelist"):
        response = client.get(reverse(name), follow=True)
        if persona == "deactivated":  # signed out: the portal's login page
            assert response.request["PATH_INFO"] == reverse("accounts:login")
        else:
            assert response.status_code == 403
        # No user list leaks (the portal's 403 page names the signed-in user in its top bar, not in <main>).
        main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        assert personas.town_cadre.username not in main


def test_the_admin_signs_in_through_the_portal(db):
    response = Client().get(reverse("admin:login") + "?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/django-admin/" in response["Location"]


def test_the_admin_password_page_is_the_portals(admin_client):
    response = admin_client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")


@pytest.mark.parametrize(
    "path",
    [
        "pghistory/events/",  # change diffs of every county: the portal's audit pages serve the counties
        "auth/group/",  # roles, not Django's groups, decide what a user may do
        "contacts/serviceperson/export/",  # the portal's export (county staff, logged)
        "contacts/serviceperson/import/",
    ],
)
def test_removed_admin_pages_stay_removed(admin_client, path):
    assert admin_client.get(f"/{ADMIN_ROUTE}{path}", follow=True).status_code == 404
    assert admin_client.post(f"/{ADMIN_ROUTE}{path}", follow=True).status_code == 404


def test_the_region_export_is_the_administrators_subtree(admin_client, area):
    page = admin_client.get(reverse("admin:regions_region_export"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("regionresource_")}
    response = admin_client.post(reverse("admin:regions_region_export"), data)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert area.V1a.code in text
    assert area.C2.code not in text
    assert area.V3a.code not in text


def test_only_a_system_administrator_is_created_with_the_admin(area, monkeypatch, client_for):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("PORTAL_USER_PASSWORD", "Str0ng-enough-pass")
    with pytest.raises(CommandError, match="--role admin"):
        call_command(
            "create_user", "boss", "--role", "county_staff", "--region", area.C.code, "--superuser", "--no-input"
        )
    assert not User.objects.filter(username="boss").exists()

    call_command("create_user", "root2", "--role", "admin", "--region", area.C.code, "--superuser", "--no-input")
    root = User.objects.get(username="root2")
    assert (root.is_staff, root.is_superuser) == (True, True)
    assert client_for(root).get(reverse("admin:index")).status_code == 200


def test_autocomplete_offers_the_area_only(admin_client, area, personas):
    url = reverse("admin:autocomplete")
    query = {"app_label": "contacts", "model_name": "serviceperson"}
    regions = admin_client.get(url, {**query, "field_name": "region", "term": "关"}).json()["results"]
    assert {r["text"] for r in regions} == {area.T1.name, area.V1a.name}  # 东关街道, 东关社区; not 西关 of C2
    users = admin_client.get(url, {**query, "field_name": "user", "term": "staff"}).json()["results"]
    assert {u["text"] for u in users} == {personas.county_staff.username}  # not c2_staff
