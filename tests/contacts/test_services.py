"""Services and DB constraints, with fixed dates: history is kept, bulk work is set-based."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts import selectors, services
from contacts.models import Assignment
from tests.contacts.conftest import ON, RT
from tests.factories import AssignmentFactory, HouseholdFactory, ServicePersonFactory

pytestmark = pytest.mark.django_db

D = dt.date


# ---- constraints ----------------------------------------------------------------------------------


def test_db_allows_one_open_holder_per_slot(homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.cadre_v1a)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(household=h, person=staff.cadre_v1a_2)


def test_db_allows_many_volunteers_but_each_once(homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.volunteer_v1a)
    AssignmentFactory(household=h, person=staff.volunteer_v1a_2)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(household=h, person=staff.volunteer_v1a)


def test_db_refuses_end_before_start(homes, staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(
            household=homes.v1a[0], person=staff.cadre_v1a, start_date=D(2024, 5, 1), end_date=D(2024, 4, 1)
        )


def test_db_refuses_a_badly_stored_phone(area):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePersonFactory(region=area.V1a, phone="138 0013 8000")


def test_person_clean_normalises_the_phone_and_checks_the_level(area):
    person = ServicePersonFactory.build(region=area.V1a, phone="+86 138-0013-8000", role_type=RT.VILLAGE_CADRE)
    person.full_clean()
    assert person.phone == "13800138000"
    leader = ServicePersonFactory.build(region=area.V1a, role_type=RT.TOWN_LEADER)
    with pytest.raises(ValidationError) as exc:
        leader.full_clean()
    assert "region" in exc.value.error_dict


def test_person_create_refuses_a_region_outside_the_area(personas, area):
    with pytest.raises(ValidationError):
        services.service_person_create(
            actor=personas.town_cadre, name="某人", role_type=RT.VILLAGE_CADRE, region=area.V2a, phone="13900000000"
        )
    person = services.service_person_create(
        actor=personas.town_cadre, name="某人", role_type=RT.VILLAGE_CADRE, region=area.V1b, phone="0971 8123456"
    )
    assert person.phone == "0971-8123456"


# ---- one assignment -------------------------------------------------------------------------------


def test_set_ends_the_previous_holder_and_keeps_history(personas, homes, staff):
    h = homes.v1a[0]
    first = services.assignment_set(
        actor=personas.town_cadre, household=h, slot=RT.VILLAGE_CADRE, person=staff.cadre_v1a, start_date=D(2024, 1, 1)
    )
    second = services.assignment_set(
        actor=personas.town_cadre, household=h, slot=RT.VILLAGE_CADRE, person=staff.cadre_v1a_2, start_date=ON
    )
    first.refresh_from_db()
    assert first.end_date == ON
    assert second.end_date is None
    assert Assignment.objects.filter(household=h).count() == 2
    again = services.assignment_set(
        actor=personas.town_cadre, household=h, slot=RT.VILLAGE_CADRE, person=staff.cadre_v1a_2, start_date=ON
    )
    assert again.pk == second.pk


def test_set_refuses_wrong_role_other_area_inactive_and_outsiders(personas, homes, staff):
    h = homes.v1a[0]
    kwargs = {"household": h, "slot": RT.VILLAGE_CADRE, "start_date": ON}
    with pytest.raises(ValidationError):
        services.assignment_set(actor=personas.town_cadre, person=staff.member_v1a, **kwargs)  # wrong role
    with pytest.raises(ValidationError):
        services.assignment_set(actor=personas.town_cadre, person=staff.cadre_v1b, **kwargs)  # another village
    staff.cadre_v1a.active = False
    staff.cadre_v1a.save()
    with pytest.raises(ValidationError):
        services.assignment_set(actor=personas.town_cadre, person=staff.cadre_v1a, **kwargs)  # inactive
    with pytest.raises(ValidationError):
        services.assignment_set(actor=personas.other_town_cadre, person=staff.cadre_v1a_2, **kwargs)  # outsider
    assert not Assignment.objects.exists()


def test_set_refuses_to_start_before_a_later_term(personas, homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=ON)
    with pytest.raises(ValidationError):
        services.assignment_set(
            actor=personas.county_staff,
            household=h,
            slot=RT.VILLAGE_CADRE,
            person=staff.cadre_v1a_2,
            start_date=D(2024, 3, 1),
        )


def test_end_is_final_and_ends_the_substitutes(personas, homes, staff):
    h = homes.v1a[0]
    holder = AssignmentFactory(household=h, person=staff.cadre_v1a)
    sub = services.assignment_substitute(
        actor=personas.town_cadre, assignment=holder, person=staff.cadre_v1a_2, start_date=D(2024, 5, 1), end_date=None
    )
    services.assignment_end(actor=personas.town_cadre, assignment=holder, end_date=ON, note="调离")
    holder.refresh_from_db()
    sub.refresh_from_db()
    assert (holder.end_date, sub.end_date) == (ON, ON)
    assert "调离" in holder.note
    with pytest.raises(ValidationError):
        services.assignment_end(actor=personas.town_cadre, assignment=holder, end_date=D(2024, 7, 1))


def test_substitute_rules(personas, homes, staff):
    h = homes.v1a[0]
    holder = AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2024, 2, 1))
    args = {"actor": personas.town_cadre, "assignment": holder}
    with pytest.raises(ValidationError):  # the holder themselves
        services.assignment_substitute(**args, person=staff.cadre_v1a, start_date=ON, end_date=None)
    with pytest.raises(ValidationError):  # before the holder's term
        services.assignment_substitute(**args, person=staff.cadre_v1a_2, start_date=D(2024, 1, 1), end_date=None)
    with pytest.raises(ValidationError):  # wrong role
        services.assignment_substitute(**args, person=staff.member_v1a, start_date=ON, end_date=None)
    services.assignment_substitute(**args, person=staff.cadre_v1a_2, start_date=ON, end_date=D(2024, 7, 1))
    with pytest.raises(ValidationError):  # overlapping substitute
        services.assignment_substitute(**args, person=staff.cadre_v1b, start_date=D(2024, 6, 15), end_date=None)


# ---- bulk -----------------------------------------------------------------------------------------


def test_assign_village_is_set_based_and_keeps_history(personas, homes, staff, django_assert_max_num_queries):
    h0, h1, h2 = homes.v1a
    old = AssignmentFactory(household=h0, person=staff.cadre_v1a, start_date=D(2023, 1, 1))
    AssignmentFactory(household=h1, person=staff.cadre_v1a_2, start_date=D(2023, 1, 1))
    with django_assert_max_num_queries(12):
        result = services.assignments_assign_village(
            actor=personas.town_cadre, village=h0.village, person=staff.cadre_v1a_2, slot=RT.VILLAGE_CADRE, start=ON
        )
    assert (result.assigned, result.ended, result.unchanged) == (2, 1, 1)
    old.refresh_from_db()
    assert old.end_date == ON
    current = selectors.current_assignments(on=ON).filter(slot=RT.VILLAGE_CADRE, household__village=h0.village)
    assert set(current.values_list("household_id", "person_id")) == {(h.pk, staff.cadre_v1a_2.pk) for h in (h0, h1, h2)}
    assert not Assignment.objects.filter(household__in=homes.v1b).exists()


def test_assign_village_leaves_closed_households_and_reports_later_terms(personas, homes, staff):
    h0, h1, _ = homes.v1a
    h0.status, h0.closed_on, h0.closed_reason = "closed", D(2024, 1, 1), "moved_away"
    h0.save()
    AssignmentFactory(household=h1, person=staff.cadre_v1a, start_date=D(2024, 9, 1))
    result = services.assignments_assign_village(
        actor=personas.town_cadre, village=h0.village, person=staff.cadre_v1a_2, slot=RT.VILLAGE_CADRE, start=ON
    )
    assert (result.assigned, result.skipped) == (1, [h1.number])
    assert not Assignment.objects.filter(household=h0).exists()


def test_assign_village_refused_outside_the_area(personas, area, staff, homes):
    with pytest.raises(ValidationError):
        services.assignments_assign_village(
            actor=personas.town_cadre, village=area.V2a, person=staff.cadre_v2a, slot=RT.VILLAGE_CADRE, start=ON
        )
    assert not Assignment.objects.exists()


def test_handover_moves_every_household_in_one_step(personas, homes, staff, django_assert_max_num_queries):
    leader_terms = [AssignmentFactory(household=h, person=staff.town_leader) for h in homes.v1a + homes.v1b]
    AssignmentFactory(
        household=homes.v2a[0],
        person=ServicePersonFactory(role_type=RT.TOWN_LEADER, region=homes.v2a[0].village.parent),
    )
    AssignmentFactory(household=homes.v1a[0], person=staff.cadre_v1a)  # another slot: untouched
    with django_assert_max_num_queries(12):
        result = services.assignments_handover(
            actor=personas.town_cadre,
            from_person=staff.town_leader,
            to_person=staff.town_leader_2,
            on=ON,
            deactivate=True,
        )
    assert (result.assigned, result.ended) == (5, 5)
    for term in leader_terms:
        term.refresh_from_db()
        assert term.end_date == ON
    new = Assignment.objects.filter(person=staff.town_leader_2)
    assert new.count() == 5
    assert set(new.values_list("start_date", flat=True)) == {ON}
    staff.town_leader.refresh_from_db()
    assert staff.town_leader.active is False
    current = selectors.current_assignments(on=ON).filter(slot=RT.TOWN_LEADER)
    assert set(current.values_list("person_id", flat=True)) == {
        staff.town_leader_2.pk,
        homes.v2a[0].assignments.get().person_id,
    }


def test_handover_of_a_term_not_yet_started_keeps_it_in_history(personas, homes, staff):
    h = homes.v1a[0]
    later = AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=D(2024, 9, 1))
    services.assignments_handover(
        actor=personas.town_cadre, from_person=staff.cadre_v1a, to_person=staff.cadre_v1a_2, on=ON
    )
    later.refresh_from_db()
    assert later.end_date == later.start_date  # a term of no days
    successor = Assignment.objects.get(person=staff.cadre_v1a_2)
    assert successor.start_date == D(2024, 9, 1)


def test_handover_carries_substitutions(personas, homes, staff):
    h = homes.v1a[0]
    holder = AssignmentFactory(household=h, person=staff.cadre_v1a_2)
    sub = AssignmentFactory(
        household=h, person=staff.cadre_v1a, substitute_for=holder, start_date=D(2024, 5, 1), end_date=D(2024, 8, 1)
    )
    new_cadre = ServicePersonFactory(role_type=RT.VILLAGE_CADRE, region=h.village)
    services.assignments_handover(actor=personas.town_cadre, from_person=staff.cadre_v1a, to_person=new_cadre, on=ON)
    sub.refresh_from_db()
    assert sub.end_date == ON
    moved = Assignment.objects.get(person=new_cadre)
    assert (moved.substitute_for_id, moved.start_date, moved.end_date) == (holder.pk, ON, D(2024, 8, 1))


def test_handover_refuses_a_successor_who_does_not_serve_the_households(personas, homes, staff):
    AssignmentFactory(household=homes.v1a[0], person=staff.cadre_v1a)
    with pytest.raises(ValidationError):
        services.assignments_handover(
            actor=personas.town_cadre, from_person=staff.cadre_v1a, to_person=staff.cadre_v1b, on=ON
        )
    with pytest.raises(ValidationError):  # another role
        services.assignments_handover(
            actor=personas.town_cadre, from_person=staff.cadre_v1a, to_person=staff.member_v1a, on=ON
        )
    assert Assignment.objects.get().end_date is None


def test_bulk_writes_are_audited_with_the_actor(personas, homes, staff):
    """Trigger-based history records the bulk INSERT and UPDATE rows, with who did it and through which service."""
    AssignmentFactory(household=homes.v1a[0], person=staff.cadre_v1a_2)
    services.assignments_assign_village(
        actor=personas.town_cadre, village=homes.v1a[0].village, person=staff.cadre_v1a, slot=RT.VILLAGE_CADRE, start=ON
    )
    event_model = apps.get_model("contacts", "AssignmentEvent")
    inserts = event_model.objects.filter(pgh_label="insert", person=staff.cadre_v1a)
    assert inserts.count() == 3
    updates = event_model.objects.filter(pgh_label="update", pgh_obj__person=staff.cadre_v1a_2)
    assert [e.end_date for e in updates] == [ON]
    contexts = {e.pgh_context.metadata["service"] for e in [*inserts, *updates]}
    assert contexts == {"assignments_assign_village"}
    assert {e.pgh_context.metadata["username"] for e in inserts} == {"t1_cadre"}


def test_scheme_set_only_for_a_county_in_the_area(personas, area):
    scheme = services.contact_scheme_set(
        actor=personas.county_staff, county=area.C, kind="one_one_n", volunteers_required=3
    )
    assert scheme.required_slots() == {RT.TOWN_LEADER: 1, RT.VILLAGE_CADRE: 1, RT.VOLUNTEER: 3}
    with pytest.raises(ValidationError):
        services.contact_scheme_set(actor=personas.county_staff, county=area.C2, kind="double_post")
    with pytest.raises(ValidationError):
        services.contact_scheme_set(actor=personas.county_staff, county=area.T1, kind="double_post")


def test_new_household_has_no_assignments(area):
    assert not HouseholdFactory(village=area.V1a).assignments.exists()
