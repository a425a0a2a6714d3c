"""The tables' constraints, and the services' refusals: a clear message, nothing written. (The messages are checked
in English: their Chinese comes with the lead's merge of /work/notes/strings/act.txt into locale/.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from activities import services
from activities.models import Activity, ActivityPhoto, Attendance, Invitation, Pairing, ServiceLog
from activities.services import ActivityData, Attendees

from .conftest import TODAY

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _data(area, **kw):
    base = {"kind": Activity.Kind.BIRTHDAY, "title": "集体庆生", "starts_on": date(2025, 5, 10), "organiser": area.T1}
    base.update(kw)
    return ActivityData(**base)


def _state():
    return (
        Activity.objects.count(),
        Attendance.objects.count(),
        Invitation.objects.count(),
        ActivityPhoto.objects.count(),
        ServiceLog.objects.count(),
        Pairing.objects.count(),
    )


# ---------------------------------------------------------------------------------------------------- constraints


def _activity(area, **kw):
    fields = {
        "kind": "lecture",
        "title": "讲座",
        "starts_on": date(2025, 3, 1),
        "ends_on": date(2025, 3, 1),
        "organiser": area.T1,
    }
    fields.update(kw)
    return Activity.objects.create(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"ends_on": date(2025, 2, 28)},
        {"money_spent": Decimal("-1")},
        {"money_spent": Decimal("10"), "funding_source": ""},
        {"title": ""},
    ],
)
def test_activity_constraints(area, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _activity(area, **fields)


def test_attendance_constraints(area, world):
    a = _activity(area)
    Attendance.objects.create(activity=a, household=world.h1, member=world.h1_husband)
    bad = [
        {"household": world.h1, "member": world.h1_husband},  # twice
        {"household": world.h1},  # household without a member
        {"member": world.h1_wife},  # member without a household
        {"household": world.h1, "member": world.h1_wife, "service_person": world.cadre},  # both kinds of person
        {},  # nobody
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.create(activity=a, **fields)
    Attendance.objects.create(activity=a, service_person=world.cadre)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(activity=a, service_person=world.cadre)


def test_pairing_and_service_log_constraints(world):
    Pairing.objects.create(volunteer=world.volunteer, household=world.h1, started_on=date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():  # overlaps the open pairing
        Pairing.objects.create(volunteer=world.volunteer, household=world.h1, started_on=date(2025, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            volunteer=world.volunteer, household=world.h2, started_on=date(2025, 3, 1), ended_on=date(2025, 2, 1)
        )
    for hours in ("0", "-1", "24.5"):
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceLog.objects.create(volunteer=world.volunteer, served_on=date(2025, 1, 1), hours=Decimal(hours))


# ---------------------------------------------------------------------------------------------------------- services


def test_activity_with_attendance_invites_and_counts(area, personas, world):
    a = services.activity_save(
        actor=personas.town_cadre,
        data=_data(area, centre=world.centre, money_spent="300", funding_source="association"),
        attendees=Attendees(
            member_ids=[world.h2_member.pk], household_ids=[world.h1.pk], invited_household_ids=[world.h2.pk]
        ),
        today=TODAY,
    )
    assert a.place == "东关暖心家园"
    assert a.ends_on == a.starts_on
    assert set(a.attendances.values_list("member_id", flat=True)) == {
        world.h1_husband.pk,
        world.h1_wife.pk,
        world.h2_member.pk,
    }
    assert set(a.invitations.values_list("household_id", flat=True)) == {world.h1.pk, world.h2.pk}
    # A second save with fewer persons replaces the set; invitations stay.
    services.activity_save(
        actor=personas.town_cadre,
        activity=a,
        data=_data(area),
        attendees=Attendees(member_ids=[world.h1_wife.pk]),
        today=TODAY,
    )
    assert list(a.attendances.values_list("member_id", flat=True)) == [world.h1_wife.pk]
    assert a.invitations.count() == 2


def test_a_training_counts_contacts(area, personas, world):
    a = services.activity_save(
        actor=personas.county_staff,
        data=_data(area, kind=Activity.Kind.TRAINING, title="联系人培训", organiser=area.C),
        attendees=Attendees(service_person_ids=[world.cadre.pk, world.far_cadre.pk]),
        today=TODAY,
    )
    assert a.attendances.filter(household__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("ends_before", "ends before it starts"),
        ("outside", "outside the organiser's area"),
        ("twice", "A person attends an activity once: 李秀英"),
        ("household_outside", "outside the organiser's area"),
        ("contact_outside", "outside the organiser's area"),
        ("future", "once the activity has started"),
        ("money", "where the money came from"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_written(area, personas, world, case, message):
    data = _data(area)
    attendees = Attendees()
    if case == "ends_before":
        data = _data(area, ends_on=date(2025, 5, 9))
    elif case == "outside":
        attendees = Attendees(member_ids=[world.h3_member.pk])  # V2a is of town T2, the organiser is T1
    elif case == "twice":
        attendees = Attendees(member_ids=[world.h1_wife.pk, world.h1_wife.pk])
    elif case == "household_outside":
        attendees = Attendees(household_ids=[world.h4.pk])
    elif case == "contact_outside":
        attendees = Attendees(service_person_ids=[world.far_cadre.pk])
    elif case == "future":
        data = _data(area, starts_on=date(2025, 7, 5))
        attendees = Attendees(member_ids=[world.h1_wife.pk])
    elif case == "money":
        data = _data(area, money_spent="50")
    before = _state()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.activity_save(actor=personas.town_cadre, data=data, attendees=attendees, today=TODAY)
    assert message in " ".join(caught.value.messages)
    assert _state() == before


def test_organiser_outside_the_users_area_is_refused(area, personas, world):
    with pytest.raises(PermissionDenied):
        services.activity_save(actor=personas.village_cadre, data=_data(area), today=TODAY)  # T1 is above V1a
    with pytest.raises(PermissionDenied):
        services.activity_save(actor=personas.leader, data=_data(area), today=TODAY)  # leaders only read
    assert Activity.objects.count() == 0


def test_a_photo_must_be_an_image(area, personas, world):
    a = services.activity_save(actor=personas.town_cadre, data=_data(area), today=TODAY)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.photo_add(actor=personas.town_cadre, activity=a, upload=SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not"))
    assert "x.jpg" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        services.photo_add(actor=personas.town_cadre, activity=a, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    assert ActivityPhoto.objects.count() == 0
    photo = services.photo_add(actor=personas.town_cadre, activity=a, upload=SimpleUploadedFile("p.bin", PNG))
    assert photo.image.name.endswith(".png")
    photo.image.delete(save=False)


def test_hours_are_checked_per_log_and_per_day(area, personas, world):
    v = world.volunteer
    with translation.override("en"):
        for hours in ("0", "-2", "25", "abc", "1.25"):
            with pytest.raises(ValidationError):
                services.service_log(
                    actor=world.volunteer_user, volunteer=v, served_on=date(2025, 6, 1), hours=hours, today=TODAY
                )
        services.service_log(
            actor=world.volunteer_user, volunteer=v, served_on=date(2025, 6, 1), hours="20", today=TODAY
        )
        with pytest.raises(ValidationError) as caught:
            services.service_log(
                actor=personas.town_cadre, volunteer=v, served_on=date(2025, 6, 1), hours="4.5", today=TODAY
            )
        assert "24" in caught.value.messages[0]
        with pytest.raises(ValidationError):  # the future
            services.service_log(
                actor=world.volunteer_user, volunteer=v, served_on=date(2025, 7, 1), hours="1", today=TODAY
            )
        with pytest.raises(ValidationError):  # a household outside the volunteer's area
            services.service_log(
                actor=world.volunteer_user,
                volunteer=v,
                household=world.h3,
                served_on=date(2025, 6, 2),
                hours="1",
                today=TODAY,
            )
    assert ServiceLog.objects.count() == 1


def test_a_member_logs_only_their_own_services(area, world):
    from accounts.roles import Role
    from activities.models import Volunteer
    from tests.factories import UserFactory

    other = Volunteer.objects.create(region=area.V1a, name="吴强")
    stranger = UserFactory(username="v1a_member2", role=Role.MEMBER, region=area.V1a)
    with pytest.raises(PermissionDenied):
        services.service_log(actor=stranger, volunteer=other, served_on=date(2025, 6, 1), hours="2", today=TODAY)
    with pytest.raises(PermissionDenied):
        services.service_log(
            actor=world.volunteer_user, volunteer=other, served_on=date(2025, 6, 1), hours="2", today=TODAY
        )
    assert ServiceLog.objects.count() == 0


def test_pairings(area, personas, world):
    p = services.pairing_start(
        actor=personas.town_cadre, volunteer=world.volunteer, household=world.h1, started_on=date(2025, 1, 1)
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.pairing_start(
            actor=personas.town_cadre, volunteer=world.volunteer, household=world.h1, started_on=date(2025, 2, 1)
        )
    assert "already paired" in caught.value.messages[0]
    with pytest.raises(ValidationError):  # the household is of another town than the volunteer's village
        services.pairing_start(
            actor=personas.county_staff, volunteer=world.volunteer, household=world.h3, started_on=date(2025, 1, 1)
        )
    with pytest.raises(PermissionDenied):  # village cadres do not manage volunteers
        services.pairing_start(
            actor=personas.village_cadre, volunteer=world.volunteer, household=world.h1, started_on=date(2026, 1, 1)
        )
    with pytest.raises(ValidationError):
        services.pairing_end(actor=personas.town_cadre, pairing=p, ended_on=date(2024, 12, 1))
    services.pairing_end(actor=personas.town_cadre, pairing=p, ended_on=date(2025, 3, 1))
    assert Pairing.objects.active_on(date(2025, 3, 1)).count() == 1
    assert Pairing.objects.active_on(date(2025, 3, 2)).count() == 0
    assert Pairing.objects.count() == 1
