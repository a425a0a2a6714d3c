"""Issue 13 B9: the village assignment previews what it starts and ends and asks for confirmation; one form assigns
every post of a household."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from contacts import services
from contacts.models import Assignment, ContactScheme, ServicePerson
from tests.contacts.conftest import ON, RT
from tests.factories import AssignmentFactory, ServicePersonFactory

pytestmark = pytest.mark.django_db

D = dt.date
START = "2024-06-01"


def _snapshot():
    return list(Assignment.objects.order_by("pk").values_list("pk", "person_id", "start_date", "end_date"))


# ---- village assignment: preview, confirm, stale -------------------------------------------------


@pytest.fixture
def village_choices(area, staff):
    return {"village": area.V1a.pk, "slot": RT.VILLAGE_CADRE, "person": staff.cadre_v1a_2.pk, "start": START}


def test_preview_lists_what_starts_and_ends_per_household_and_writes_nothing(
    personas, client_for, homes, staff, village_choices
):
    h0, h1, h2 = homes.v1a
    ending = AssignmentFactory(household=h0, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    sub = ServicePersonFactory(name="代岗人", role_type=RT.VILLAGE_CADRE, region=h0.village)
    AssignmentFactory(household=h0, person=sub, start_date=D(2024, 5, 1), substitute_for=ending)
    AssignmentFactory(household=h1, person=staff.cadre_v1a_2, start_date=D(2023, 1, 1))
    before = _snapshot()
    response = client_for(personas.town_cadre).post(reverse("contacts:village_assign"), village_choices)
    assert response.status_code == 200
    assert _snapshot() == before  # nothing written before the confirmation
    plan = response.context["plan"]
    rows = {r.household_number: r for r in plan.rows}
    assert rows[h0.number].action == "start"
    assert [(e.person_name, e.substitutes) for e in rows[h0.number].ends] == [("陈静", ("代岗人",))]
    assert rows[h1.number].action == "unchanged"
    assert (rows[h2.number].action, rows[h2.number].ends) == ("start", ())
    html = response.content.decode()
    assert "陈静" in html
    assert "代岗人" in html
    assert 'data-form="confirm"' in html
    assert 'name="token"' in html


def test_confirmation_does_what_the_preview_showed(personas, client_for, homes, staff, village_choices):
    h0 = homes.v1a[0]
    old = AssignmentFactory(household=h0, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    client = client_for(personas.town_cadre)
    token = client.post(reverse("contacts:village_assign"), village_choices).context["plan"].token
    response = client.post(reverse("contacts:village_assign"), {**village_choices, "token": token})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.end_date == ON
    assert Assignment.objects.filter(person=staff.cadre_v1a_2, start_date=ON, end_date__isnull=True).count() == 3


def test_a_changed_situation_refuses_the_stale_confirmation(personas, client_for, homes, staff, village_choices):
    client = client_for(personas.town_cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    token = client.post(reverse("contacts:village_assign"), village_choices).context["plan"].token
    # Meanwhile someone assigns a cadre to one household: the confirmation would end a term the user never saw.
    AssignmentFactory(household=homes.v1a[1], person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    before = _snapshot()
    response = client.post(reverse("contacts:village_assign"), {**village_choices, "token": token})
    assert response.status_code == 200
    assert _snapshot() == before
    plan = response.context["plan"]  # the new preview, with the new term to end
    assert plan.token != token
    assert [e.person_name for e in plan.ending] == ["陈静"]
    assert any("changed since the preview" in str(m) for m in response.context["messages"])
    # Confirming the new preview works.
    response = client.post(reverse("contacts:village_assign"), {**village_choices, "token": plan.token})
    assert response.status_code == 302


def test_a_forged_or_mismatched_token_writes_nothing(personas, client_for, homes, staff, village_choices):
    before = _snapshot()
    response = client_for(personas.town_cadre).post(
        reverse("contacts:village_assign"), {**village_choices, "token": "0" * 40}
    )
    assert response.status_code == 200
    assert _snapshot() == before


def test_service_refuses_a_stale_token(personas, homes, staff):
    village = homes.v1a[0].village
    args = {"actor": personas.town_cadre, "village": village, "person": staff.cadre_v1a, "slot": RT.VILLAGE_CADRE}
    plan = services.assignments_assign_village_plan(**args, start=ON)
    assert not Assignment.objects.exists()
    AssignmentFactory(household=homes.v1a[2], person=staff.cadre_v1a_2, start_date=D(2023, 1, 1))
    with pytest.raises(services.ValidationError):
        services.assignments_assign_village(**args, start=ON, expected_token=plan.token)
    assert Assignment.objects.count() == 1
    fresh = services.assignments_assign_village_plan(**args, start=ON)
    result = services.assignments_assign_village(**args, start=ON, expected_token=fresh.token)
    assert (result.assigned, result.ended) == (3, 1)


# ---- one form for all the posts of a household ---------------------------------------------------


def _assign_all(client, household, data):
    return client.post(reverse("contacts:assign_all", args=[household.pk]), data)


def test_all_posts_form_offers_each_post_its_valid_people(personas, client_for, homes, staff):
    h = homes.v1a[0]
    response = client_for(personas.town_cadre).get(reverse("contacts:assign_all", args=[h.pk]))
    form = response.context["form"]
    assert form.slot_names == [RT.TOWN_LEADER, RT.VILLAGE_CADRE, RT.FAMILY_DOCTOR, RT.ASSOCIATION_MEMBER]  # 四对一
    assert {p.name for p in form.fields[RT.VILLAGE_CADRE].queryset} == {"陈静", "王芳"}  # not V1b's 刘强
    assert {p.name for p in form.fields[RT.TOWN_LEADER].queryset} == {"张镇长", "李镇长"}
    assert {p.name for p in form.fields[RT.FAMILY_DOCTOR].queryset} == {"赵医生"}
    assert 'name="town_leader"' in response.content.decode()
    assert "---------" not in response.content.decode()


def test_all_posts_saved_in_one_step(personas, client_for, homes, staff):
    h = homes.v1a[0]
    old = AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    response = _assign_all(
        client_for(personas.town_cadre),
        h,
        {
            RT.TOWN_LEADER: staff.town_leader.pk,
            RT.VILLAGE_CADRE: staff.cadre_v1a_2.pk,
            RT.FAMILY_DOCTOR: staff.doctor_t1.pk,
            RT.ASSOCIATION_MEMBER: staff.member_v1a.pk,
            "start_date": START,
        },
    )
    assert response.status_code == 302
    current = set(Assignment.objects.current(on=ON).filter(household=h).values_list("slot", "person_id"))
    assert current == {
        (RT.TOWN_LEADER, staff.town_leader.pk),
        (RT.VILLAGE_CADRE, staff.cadre_v1a_2.pk),
        (RT.FAMILY_DOCTOR, staff.doctor_t1.pk),
        (RT.ASSOCIATION_MEMBER, staff.member_v1a.pk),
    }
    old.refresh_from_db()
    assert old.end_date == ON


def test_a_vacant_post_may_stay_vacant_and_a_held_one_keeps_its_holder(personas, client_for, homes, staff):
    h = homes.v1a[0]
    kept = AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    response = _assign_all(
        client_for(personas.town_cadre),
        h,
        {RT.TOWN_LEADER: staff.town_leader.pk, RT.VILLAGE_CADRE: staff.cadre_v1a.pk, "start_date": START},
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.end_date is None
    assert Assignment.objects.filter(household=h).count() == 2
    # A held post cannot be emptied on this form (ending a term is its own action).
    response = _assign_all(client_for(personas.town_cadre), h, {"start_date": START})
    assert response.status_code == 200
    assert RT.VILLAGE_CADRE in response.context["form"].errors


def test_an_error_on_one_post_saves_nothing_and_sits_next_to_that_post(personas, client_for, homes, staff):
    h = homes.v1a[0]
    # A later term of the village cadre is in the way: assignment_set refuses that post.
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2024, 9, 1))
    before = _snapshot()
    response = _assign_all(
        client_for(personas.town_cadre),
        h,
        {RT.TOWN_LEADER: staff.town_leader.pk, RT.VILLAGE_CADRE: staff.cadre_v1a_2.pk, "start_date": START},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [RT.VILLAGE_CADRE]
    assert _snapshot() == before  # the town leader was not saved either


def test_a_person_of_another_village_or_post_is_refused(personas, client_for, homes, staff):
    h = homes.v1a[0]
    response = _assign_all(
        client_for(personas.town_cadre),
        h,
        {RT.VILLAGE_CADRE: staff.cadre_v1b.pk, RT.TOWN_LEADER: staff.doctor_t1.pk, "start_date": START},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {RT.VILLAGE_CADRE, RT.TOWN_LEADER}
    assert not Assignment.objects.exists()


def test_one_one_n_volunteers_are_ticked(personas, client_for, area, homes, staff):
    ContactScheme.objects.create(county=area.C, kind="one_one_n", volunteers_required=2)
    h = homes.v1a[0]
    leaving = AssignmentFactory(household=h, person=staff.volunteer_v1a, start_date=D(2023, 1, 1))
    client = client_for(personas.town_cadre)
    form = client.get(reverse("contacts:assign_all", args=[h.pk])).context["form"]
    assert form.slot_names == [RT.TOWN_LEADER, RT.VILLAGE_CADRE, RT.VOLUNTEER]
    response = _assign_all(client, h, {RT.VOLUNTEER: [staff.volunteer_v1a_2.pk], "start_date": START})
    assert response.status_code == 302
    leaving.refresh_from_db()
    assert leaving.end_date == ON
    assert list(
        Assignment.objects.current(on=ON).filter(household=h, slot=RT.VOLUNTEER).values_list("person_id", flat=True)
    ) == [staff.volunteer_v1a_2.pk]


def test_village_cadre_cannot_use_the_all_posts_form(personas, client_for, homes, staff):
    response = client_for(personas.village_cadre).get(reverse("contacts:assign_all", args=[homes.v1a[0].pk]))
    assert response.status_code == 403
    response = client_for(personas.other_town_cadre).get(reverse("contacts:assign_all", args=[homes.v1a[0].pk]))
    assert response.status_code == 404


# ---- the person list filtered by post and village ------------------------------------------------


def test_person_list_filtered_by_post_and_village(personas, client_for, area, staff):
    client = client_for(personas.county_staff)
    url = reverse("contacts:person_list")

    def names(**params):
        return {p.name for p in client.get(url, params).context["page"]}

    assert names(role_type=RT.VILLAGE_CADRE, region=area.V1a.pk) == {"陈静", "王芳"}
    assert names(region=area.V1b.pk) == {"刘强"}
    # The town's doctor is registered at the town: shown for the village when asked for who serves it.
    assert names(role_type=RT.FAMILY_DOCTOR, region=area.V1a.pk) == set()
    assert names(role_type=RT.FAMILY_DOCTOR, region=area.V1a.pk, serving="on") == {"赵医生"}
    assert names(region=area.V1b.pk, serving="on") == {"刘强", "张镇长", "李镇长", "赵医生"}


def test_person_filter_choices_are_labelled(personas, client_for, area, staff):
    html = client_for(personas.county_staff).get(reverse("contacts:person_list")).content.decode()
    assert "---------" not in html
    assert f"{area.T1.name} › {area.V1a.name}" in html


def test_an_inactive_holder_is_kept_not_ended_behind_the_users_back(personas, client_for, area, homes, staff):
    """A holder who is no longer active still shows as the post's choice; saving the other posts keeps them."""
    ContactScheme.objects.create(county=area.C, kind="one_one_n", volunteers_required=1)
    h = homes.v1a[0]
    cadre = AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    volunteer = AssignmentFactory(household=h, person=staff.volunteer_v1a, start_date=D(2023, 1, 1))
    ServicePerson.objects.filter(pk__in=[staff.cadre_v1a.pk, staff.volunteer_v1a.pk]).update(active=False)
    client = client_for(personas.town_cadre)
    form = client.get(reverse("contacts:assign_all", args=[h.pk])).context["form"]
    assert staff.volunteer_v1a in form.fields[RT.VOLUNTEER].queryset
    response = _assign_all(
        client,
        h,
        {
            RT.TOWN_LEADER: staff.town_leader.pk,
            RT.VILLAGE_CADRE: staff.cadre_v1a.pk,
            RT.VOLUNTEER: [staff.volunteer_v1a.pk],
            "start_date": START,
        },
    )
    assert response.status_code == 302
    cadre.refresh_from_db()
    volunteer.refresh_from_db()
    assert (cadre.end_date, volunteer.end_date) == (None, None)
    assert Assignment.objects.filter(household=h, person=staff.town_leader).exists()


def test_keeping_every_holder_with_an_early_date_changes_nothing(personas, client_for, homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    before = _snapshot()
    response = _assign_all(
        client_for(personas.town_cadre), h, {RT.VILLAGE_CADRE: staff.cadre_v1a.pk, "start_date": "2020-01-01"}
    )
    assert response.status_code == 302
    assert _snapshot() == before
