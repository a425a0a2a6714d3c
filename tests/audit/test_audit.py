"""The audit trail: every change (bulk ones too) with before/after; access events; append-only rows."""

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AccessEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def events_for(user):
    return user.events.order_by("pgh_id")


def test_bulk_update_writes_one_change_row_per_user(area, personas):
    users = User.objects.filter(region__path__startswith=area.T1.path)
    n = users.count()
    users.update(phone="13800000000")  # QuerySet.update: no signals, still recorded by triggers
    for user in users:
        last = events_for(user).last()
        assert last.pgh_label == "update"
        assert last.phone == "13800000000"
    from accounts.models import UserEvent

    assert UserEvent.objects.filter(pgh_label="update", phone="13800000000").count() == n


def test_changes_made_in_the_portal_carry_who_and_before_after(area, personas, client_for):
    client = client_for(personas.county_staff)
    client.post(
        reverse("accounts:user_edit", args=[personas.village_cadre.pk]),
        {
            "name": "陈新名",
            "role": "village_cadre",
            "region": area.V1a.pk,
            "phone": "",
            "email": "",
        },
    )
    html = client.get(reverse("audit:change_list")).content.decode()
    assert "c_staff" in html
    assert 'title="name"' not in html  # no field's code name, not even on hover
    assert "陈新名" in html


def test_archive_style_access_events_are_scoped_to_the_area(area, personas, client_for):
    from audit.services import access_event_record

    access_event_record(
        actor=personas.other_county_staff,
        action=AccessEvent.Action.EXPORT,
        target_label="C2 export",
        region_path=area.C2.path,
    )
    access_event_record(
        actor=personas.town_cadre, action=AccessEvent.Action.VIEW, target_label="T1 archive", region_path=area.V1a.path
    )
    html = client_for(personas.county_staff).get(reverse("audit:access_list")).content.decode()
    assert "T1 archive" in html
    assert "C2 export" not in html


def test_logins_are_recorded(personas):
    Client().post(reverse("accounts:login"), {"username": "t1_cadre", "password": TEST_PASSWORD})
    assert AccessEvent.objects.filter(action=AccessEvent.Action.LOGIN, actor=personas.town_cadre).exists()


def test_access_events_cannot_be_changed_or_deleted(personas):
    from audit.services import access_event_record

    event = access_event_record(actor=personas.county_staff, action=AccessEvent.Action.EXPORT, target_label="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(target_label="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.get(pk=event.pk).target_label == "x"


def test_change_history_cannot_be_rewritten(personas):
    from accounts.models import UserEvent

    with pytest.raises(DatabaseError), transaction.atomic():
        UserEvent.objects.all().delete()
    assert UserEvent.objects.exists()


def test_audit_admin_is_read_only(personas, client_for):
    client = client_for(personas.admin)
    from audit.services import access_event_record

    event = access_event_record(actor=personas.county_staff, action=AccessEvent.Action.EXPORT, target_label="x")
    assert client.get(reverse("admin:audit_accessevent_changelist")).status_code == 200
    assert client.post(reverse("admin:audit_accessevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=event.pk).exists()
