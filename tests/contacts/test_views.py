"""The contacts pages as their users meet them: an HTTP request in, the response and the database out."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit.models import AccessEvent
from contacts.models import Assignment, ContactScheme, ServicePerson
from contacts.resources import COLUMNS, export_headers
from tests.contacts.conftest import RT
from tests.factories import AssignmentFactory, MemberFactory, ServicePersonFactory

pytestmark = pytest.mark.django_db

TODAY_START = dt.date(2024, 1, 1)


# ---- people ---------------------------------------------------------------------------------------


def test_person_list_is_scoped_and_filtered(personas, client_for, staff):
    response = client_for(personas.town_cadre).get(reverse("contacts:person_list"))
    names = {p.name for p in response.context["page"]}
    assert "陈静" in names
    assert "马干部" not in names  # T2
    assert "外县干部" not in names  # C2
    response = client_for(personas.county_staff).get(reverse("contacts:person_list"), {"role_type": RT.TOWN_LEADER})
    assert {p.name for p in response.context["page"]} == {"张镇长", "李镇长"}


def test_person_list_constant_queries(personas, client_for, area, homes, django_assert_max_num_queries):
    client = client_for(personas.county_staff)
    for i in range(30):
        person = ServicePersonFactory(region=area.V1a)
        AssignmentFactory(
            household=homes.v1a[i % 3], person=person, start_date=TODAY_START, end_date=dt.date(2024, 1, 2)
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("contacts:person_list"))
    assert response.status_code == 200


def test_create_and_edit_a_person(personas, client_for, area):
    client = client_for(personas.town_cadre)
    response = client.post(
        reverse("contacts:person_create"),
        {
            "name": "新干部",
            "phone": "138 0013 8000",
            "role_type": RT.VILLAGE_CADRE,
            "region": area.V1b.pk,
            "active": "on",
        },
    )
    person = ServicePerson.objects.get(name="新干部")
    assert response.status_code == 302
    assert person.phone == "13800138000"
    response = client.post(
        reverse("contacts:person_edit", args=[person.pk]),
        {"name": "新干部", "phone": "0971-8123456", "role_type": RT.VILLAGE_CADRE, "region": area.V1b.pk},
    )
    person.refresh_from_db()
    assert (person.phone, person.active) == ("0971-8123456", False)


def test_a_bad_phone_is_a_form_error(personas, client_for, area):
    response = client_for(personas.town_cadre).post(
        reverse("contacts:person_create"),
        {"name": "某人", "phone": "12345", "role_type": RT.VILLAGE_CADRE, "region": area.V1b.pk, "active": "on"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not ServicePerson.objects.filter(name="某人").exists()


# ---- one household --------------------------------------------------------------------------------


def test_household_page_assigns_ends_and_substitutes(personas, client_for, homes, staff):
    h = homes.v1a[0]
    client = client_for(personas.town_cadre)
    page = client.get(reverse("contacts:household", args=[h.pk]))
    assert page.status_code == 200
    assert page.context["contacts"].complete is False
    client.post(
        reverse("contacts:assign", args=[h.pk]),
        {
            "slot": RT.VILLAGE_CADRE,
            "village_cadre-person": staff.cadre_v1a.pk,
            "village_cadre-start_date": "2024-01-01",
        },
    )
    holder = Assignment.objects.get(household=h, slot=RT.VILLAGE_CADRE)
    client.post(
        reverse("contacts:substitute", args=[holder.pk]),
        {"person": staff.cadre_v1a_2.pk, "start_date": "2024-03-01", "end_date": "2024-04-01"},
    )
    assert holder.substitutes.get().person == staff.cadre_v1a_2
    client.post(reverse("contacts:end", args=[holder.pk]), {"end_date": "2024-05-01", "note": "退休"})
    holder.refresh_from_db()
    assert holder.end_date == dt.date(2024, 5, 1)
    history = client.get(reverse("contacts:household", args=[h.pk])).context["contacts"].history
    assert holder in history


def test_service_errors_come_back_as_messages_and_change_nothing(personas, client_for, homes, staff):
    h = homes.v1a[0]
    response = client_for(personas.town_cadre).post(
        reverse("contacts:assign", args=[h.pk]),
        {"slot": RT.TOWN_LEADER, "town_leader-person": staff.cadre_v1a.pk, "town_leader-start_date": "2024-01-01"},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Assignment.objects.exists()


def test_village_cadre_reads_but_does_not_manage(personas, client_for, homes, staff):
    h = homes.v1a[0]
    client = client_for(personas.village_cadre)
    page = client.get(reverse("contacts:household", args=[h.pk]))
    assert page.status_code == 200
    assert b'data-form="assign"' not in page.content
    response = client.post(
        reverse("contacts:assign", args=[h.pk]),
        {
            "slot": RT.VILLAGE_CADRE,
            "village_cadre-person": staff.cadre_v1a.pk,
            "village_cadre-start_date": "2024-01-01",
        },
    )
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_archive_page_shows_the_contacts_panel(personas, client_for, homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=TODAY_START)
    response = client_for(personas.town_cadre).get(reverse("households:detail", args=[h.pk]))
    assert response.status_code == 200
    assert b'data-section="contacts"' in response.content
    assert "陈静" in response.content.decode()


# ---- contact cards --------------------------------------------------------------------------------


def test_contact_card_shows_contacts_and_green_channel_but_no_family_data(personas, client_for, homes, staff):
    h = homes.v1a[0]
    member = MemberFactory(household=h, name="李秀英", phone="13912345678")
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=TODAY_START)
    AssignmentFactory(household=h, person=staff.doctor_t1, start_date=TODAY_START)
    response = client_for(personas.village_cadre).get(reverse("contacts:card", args=[h.pk]))
    html = response.content.decode()
    assert h.number in html
    assert "陈静" in html
    assert staff.cadre_v1a.phone in html
    assert staff.doctor_t1.phone in html
    assert 'class="green-channel"' in html  # the green-channel entitlement
    assert "绿色通道" in html  # in the default language
    assert member.id_number not in html
    assert member.id_number[-4:] not in html
    assert member.phone not in html
    assert member.phone[-4:] not in html
    assert "李秀英" not in html
    assert AccessEvent.objects.filter(action="export", target_id=str(h.pk)).exists()


def test_village_card_batch_constant_queries(personas, client_for, area, homes, staff, django_assert_max_num_queries):
    for h in homes.v1a:
        AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=TODAY_START)
        AssignmentFactory(household=h, person=staff.town_leader, start_date=TODAY_START)
    client = client_for(personas.town_cadre)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("contacts:village_cards", args=[area.V1a.pk]))
    assert len(response.context["cards"]) == 3
    assert response.content.decode().count('class="contact-card"') == 3


# ---- bulk, gaps, scheme ---------------------------------------------------------------------------


def test_bulk_assign_page(personas, client_for, area, homes, staff):
    """The form posts to a preview (nothing written); its confirmation does the work (tests/contacts/
    test_assign_forms.py has the preview's details)."""
    client = client_for(personas.town_cadre)
    choices = {"village": area.V1a.pk, "slot": RT.VILLAGE_CADRE, "person": staff.cadre_v1a.pk, "start": "2024-01-01"}
    response = client.post(reverse("contacts:village_assign"), choices)
    assert response.status_code == 200
    assert not Assignment.objects.exists()
    token = response.context["plan"].token
    response = client.post(reverse("contacts:village_assign"), {**choices, "token": token})
    assert response.status_code == 302
    assert Assignment.objects.filter(person=staff.cadre_v1a).count() == 3


def test_handover_page(personas, client_for, homes, staff):
    for h in homes.v1a:
        AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=TODAY_START)
    response = client_for(personas.town_cadre).post(
        reverse("contacts:handover"),
        {"from_person": staff.cadre_v1a.pk, "to_person": staff.cadre_v1a_2.pk, "on": "2024-06-01", "deactivate": "on"},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(person=staff.cadre_v1a_2, end_date__isnull=True).count() == 3
    assert not Assignment.objects.filter(person=staff.cadre_v1a, end_date__isnull=True).exists()


def test_gaps_page_lists_vacancies_in_constant_queries(
    personas, client_for, area, homes, staff, django_assert_max_num_queries
):
    AssignmentFactory(household=homes.v1a[0], person=staff.cadre_v1a, start_date=TODAY_START)
    client = client_for(personas.county_staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("contacts:gaps"))
    gaps = list(response.context["page"])
    assert len(gaps) == 7 * 4 - 1  # seven households of C, four slots, one filled
    narrowed = client.get(reverse("contacts:gaps"), {"region": area.V1a.pk})
    assert {g.household_number for g in narrowed.context["page"]} == {"A-0", "A-1", "A-2"}


def test_scheme_page_changes_what_counts(personas, client_for, area):
    client = client_for(personas.county_staff)
    response = client.post(reverse("contacts:scheme"), {"kind": "one_one_n", "volunteers_required": 2})
    assert response.status_code == 302
    scheme = ContactScheme.objects.get(county=area.C)
    assert (scheme.kind, scheme.volunteers_required) == ("one_one_n", 2)


# ---- import / export ------------------------------------------------------------------------------


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "people.xlsx"
    return buffer


def test_export_import_round_trip(personas, client_for, area, staff):
    client = client_for(personas.county_staff)
    staff.cadre_v1a.unit = "=HYPERLINK(1)"
    staff.cadre_v1a.save()
    response = client.get(reverse("contacts:person_export"))
    assert response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header == export_headers()  # the user's language (tests/contacts/test_person_sheet.py)
    body = {r[1]: r for r in rows[1:]}
    assert "外县干部" not in body  # other county
    assert body["陈静"][4] == "'=HYPERLINK(1)"  # formula injection written as text
    assert AccessEvent.objects.filter(action="export", detail__kind="service_persons").exists()
    # Change one phone, add one person, and import the file back.
    body["陈静"][2] = "13700000001"
    body["陈静"][4] = ""
    values = {"name": "新志愿者", "phone": "13700000002", "role_type": "volunteer", "region_code": area.V1b.code}
    new = [values.get(column) for column in COLUMNS]
    upload = _xlsx([header, *body.values(), new])
    response = client.post(reverse("contacts:person_import"), {"file": upload})
    assert response.status_code == 302, response.context["outcome"].errors
    staff.cadre_v1a.refresh_from_db()
    assert staff.cadre_v1a.phone == "13700000001"
    assert ServicePerson.objects.get(name="新志愿者").region == area.V1b


def test_import_refuses_rows_outside_the_area_and_saves_nothing(personas, client_for, area, staff):
    before = list(ServicePerson.objects.order_by("pk").values_list("pk", "name", "phone", "region_id"))
    header = ["id", "name", "phone", "role_type", "unit", "region_code", "login", "active", "note"]
    upload = _xlsx(
        [
            header,
            [None, "好人", "13700000003", "volunteer", "", area.V1a.code, None, 1, ""],
            [staff.cadre_v2a.pk, "改名", "13700000004", "village_cadre", "", area.V2a.code, None, 1, ""],  # T2 id
            [None, "外人", "13700000005", "volunteer", "", area.V3a.code, None, 1, ""],  # C2 region
            [None, "坏电话", "12345", "volunteer", "", area.V1a.code, None, 1, ""],
        ]
    )
    response = client_for(personas.town_cadre).post(reverse("contacts:person_import"), {"file": upload})
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert not outcome.ok
    assert {row for row, _ in outcome.errors} == {3, 4, 5}
    assert list(ServicePerson.objects.order_by("pk").values_list("pk", "name", "phone", "region_id")) == before


def test_import_refuses_a_file_that_is_not_a_workbook(personas, client_for):
    upload = io.BytesIO(b"%PDF-1.4 not a workbook")
    upload.name = "people.xlsx"
    response = client_for(personas.county_staff).post(reverse("contacts:person_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
