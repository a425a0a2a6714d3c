"""Selectors other apps build on, with fixed dates."""

import datetime as dt

import pytest

from contacts import selectors
from contacts.models import ContactScheme
from tests.contacts.conftest import ON, RT
from tests.factories import AssignmentFactory, ContactSchemeFactory, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


def fill_four(household, staff, start=dt.date(2024, 1, 1)):
    for person in (staff.town_leader, staff.cadre_v1a, staff.doctor_t1, staff.member_v1a):
        AssignmentFactory(household=household, person=person, start_date=start)


def test_current_assignments_respects_half_open_terms(homes, staff):
    h = homes.v1a[0]
    ended = AssignmentFactory(household=h, person=staff.cadre_v1a, end_date=ON)
    running = AssignmentFactory(household=h, person=staff.cadre_v1a_2, start_date=ON)
    future = AssignmentFactory(household=h, person=staff.doctor_t1, start_date=ON + dt.timedelta(days=1))
    on_day = set(selectors.current_assignments(on=ON).values_list("pk", flat=True))
    assert running.pk in on_day
    assert ended.pk not in on_day
    assert future.pk not in on_day
    assert ended.pk in set(selectors.current_assignments(on=ON - dt.timedelta(days=1)).values_list("pk", flat=True))


def test_current_assignments_marks_substitutes_and_away_holders(homes, staff):
    h = homes.v1a[0]
    holder = AssignmentFactory(household=h, person=staff.cadre_v1a)
    sub = AssignmentFactory(
        household=h,
        person=staff.cadre_v1a_2,
        substitute_for=holder,
        start_date=dt.date(2024, 5, 1),
        end_date=dt.date(2024, 7, 1),
    )
    rows = {a.pk: a for a in selectors.current_assignments(on=ON)}
    assert rows[sub.pk].is_substitute
    assert rows[holder.pk].holder_away is True
    assert not rows[holder.pk].is_substitute
    later = {a.pk: a for a in selectors.current_assignments(on=dt.date(2024, 7, 1))}
    assert sub.pk not in later
    assert later[holder.pk].holder_away is False


def test_responsible_users_prefers_the_substitute_and_skips_people_without_login(area, homes, staff):
    cadre_user = UserFactory(role="village_cadre", region=area.V1a)
    sub_user = UserFactory(role="village_cadre", region=area.V1a)
    staff.cadre_v1a.user = cadre_user
    staff.cadre_v1a.save()
    staff.cadre_v1a_2.user = sub_user
    staff.cadre_v1a_2.save()
    h0, h1, h2 = homes.v1a
    AssignmentFactory(household=h0, person=staff.cadre_v1a)
    holder = AssignmentFactory(household=h1, person=staff.cadre_v1a)
    AssignmentFactory(household=h1, person=staff.cadre_v1a_2, substitute_for=holder, start_date=ON)
    AssignmentFactory(household=h2, person=staff.member_v1a)  # other slot
    result = selectors.responsible_users_for_households(
        household_ids=[h0.pk, h1.pk, h2.pk], slot=RT.VILLAGE_CADRE, on=ON
    )
    assert result == {h0.pk: [cadre_user], h1.pk: [sub_user], h2.pk: []}
    before = selectors.responsible_users_for_households(
        household_ids=[h1.pk], slot=RT.VILLAGE_CADRE, on=dt.date(2024, 5, 31)
    )
    assert before == {h1.pk: [cadre_user]}


def test_responsible_users_is_one_query(django_assert_num_queries, homes, staff):
    ids = [h.pk for h in homes.v1a]
    for h in homes.v1a:
        AssignmentFactory(household=h, person=staff.cadre_v1a)
    with django_assert_num_queries(1):
        selectors.responsible_users_for_households(household_ids=ids, slot=RT.VILLAGE_CADRE, on=ON)


def test_village_contacts_are_the_holder_else_the_village_cadres(area, homes, staff, django_assert_num_queries):
    holder_user = UserFactory(role="village_cadre", region=area.V1a)
    staff.cadre_v1a.user = holder_user
    staff.cadre_v1a.save()
    cadres = [UserFactory(role="village_cadre", region=area.V1b) for _ in range(2)]
    UserFactory(role="village_cadre", region=area.V1b, is_active=False)
    UserFactory(role="town_cadre", region=area.V1b)
    held, unheld = homes.v1a[0], homes.v1b[0]
    AssignmentFactory(household=held, person=staff.cadre_v1a)
    villages = {held.pk: held.village_id, unheld.pk: unheld.village_id, homes.v1a[1].pk: None}
    with django_assert_num_queries(2):
        result = selectors.village_contacts_for_households(villages=villages, on=ON)
    assert result == {held.pk: [holder_user], unheld.pk: cadres, homes.v1a[1].pk: []}


def test_contact_coverage_by_town_and_village(personas, homes, staff):
    fill_four(homes.v1a[0], staff)
    fill_four(homes.v1a[1], staff)
    AssignmentFactory(household=homes.v1a[2], person=staff.cadre_v1a)  # one of four
    fill_four(homes.v1b[0], staff, start=dt.date(2024, 7, 1))  # not yet on ON
    by_town = {r.region_name: r for r in selectors.contact_coverage(user=personas.county_staff, on=ON)}
    assert (by_town["东关街道"].households, by_town["东关街道"].covered) == (5, 2)
    assert by_town["东关街道"].share == pytest.approx(0.4)
    assert (by_town["清真巷街道"].households, by_town["清真巷街道"].covered) == (2, 0)
    later = {r.region_name: r for r in selectors.contact_coverage(user=personas.county_staff, on=dt.date(2024, 7, 1))}
    assert later["东关街道"].covered == 3
    by_village = selectors.contact_coverage(user=personas.town_cadre, on=ON, group_by="village")
    assert [(r.region_name, r.households, r.covered) for r in by_village] == [("东关社区", 3, 2), ("大众街社区", 2, 0)]


def test_contact_coverage_follows_the_county_scheme(area, personas, homes, staff):
    ContactSchemeFactory(county=area.C, kind=ContactScheme.Kind.DOUBLE_POST)
    AssignmentFactory(household=homes.v1a[0], person=staff.town_leader)
    AssignmentFactory(household=homes.v1a[0], person=staff.cadre_v1a)
    AssignmentFactory(household=homes.v1a[1], person=staff.cadre_v1a)
    rows = selectors.contact_coverage(user=personas.village_cadre, on=ON, group_by="village")
    assert [(r.region_name, r.households, r.covered) for r in rows] == [("东关社区", 3, 1)]


def test_contact_coverage_one_one_n_counts_volunteers(area, personas, homes, staff):
    ContactSchemeFactory(county=area.C, kind=ContactScheme.Kind.ONE_ONE_N, volunteers_required=2)
    h0, h1, _ = homes.v1a
    for h in (h0, h1):
        AssignmentFactory(household=h, person=staff.town_leader)
        AssignmentFactory(household=h, person=staff.cadre_v1a)
        AssignmentFactory(household=h, person=staff.volunteer_v1a)
    AssignmentFactory(household=h0, person=staff.volunteer_v1a_2)
    rows = selectors.contact_coverage(user=personas.village_cadre, on=ON, group_by="village")
    assert rows[0].covered == 1


def test_contact_coverage_leaves_out_closed_and_not_yet_registered(personas, homes, staff):
    closed = homes.v1a[0]
    closed.status, closed.closed_on, closed.closed_reason = "closed", dt.date(2024, 3, 1), "moved_away"
    closed.save()
    HouseholdFactory(village=homes.v1a[1].village, registered_on=dt.date(2024, 8, 1))
    rows = selectors.contact_coverage(user=personas.village_cadre, on=ON, group_by="village")
    assert rows[0].households == 2
    earlier = selectors.contact_coverage(user=personas.village_cadre, on=dt.date(2024, 2, 1), group_by="village")
    assert earlier[0].households == 3


def test_contact_coverage_is_scoped_and_fails_closed(personas, homes):
    assert selectors.contact_coverage(user=personas.no_area, on=ON) == []
    names = [r.region_name for r in selectors.contact_coverage(user=personas.other_county_staff, on=ON)]
    assert names == ["西关街道"]


def test_contact_coverage_constant_queries(django_assert_max_num_queries, personas, homes, staff):
    for h in homes.v1a + homes.v1b:
        fill_four(h, staff)
    with django_assert_max_num_queries(3):
        selectors.contact_coverage(user=personas.county_staff, on=ON, group_by="village")


def test_gaps_show_vacancies_with_the_last_holder_and_terms_ending_soon(personas, homes, staff):
    h0, h1, _ = homes.v1a
    fill_four(h0, staff)
    AssignmentFactory(household=h1, person=staff.cadre_v1a, end_date=dt.date(2024, 5, 1))
    ending = AssignmentFactory(
        household=h0,
        person=staff.town_leader_2,
        slot=RT.TOWN_LEADER,
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2023, 12, 31),
    )
    assert ending  # an old term: no effect on h0's current town leader
    h0_leader = h0.assignments.get(slot=RT.TOWN_LEADER, end_date__isnull=True)
    h0_leader.end_date = dt.date(2024, 6, 20)
    h0_leader.save()
    gaps = selectors.assignment_gaps(personas.village_cadre, on=ON)
    vacant_h1 = {g.slot: g for g in gaps if g.household_id == h1.pk}
    assert set(vacant_h1) == {RT.TOWN_LEADER, RT.VILLAGE_CADRE, RT.FAMILY_DOCTOR, RT.ASSOCIATION_MEMBER}
    assert vacant_h1[RT.VILLAGE_CADRE].last_person == "陈静"
    assert vacant_h1[RT.VILLAGE_CADRE].last_end == dt.date(2024, 5, 1)
    h0_gaps = [g for g in gaps if g.household_id == h0.pk]
    assert [(g.slot, g.kind, g.last_end) for g in h0_gaps] == [(RT.TOWN_LEADER, "ending", dt.date(2024, 6, 20))]


def test_gaps_are_scoped(personas, homes):
    assert selectors.assignment_gaps(personas.no_area, on=ON) == []
    numbers = {g.household_number for g in selectors.assignment_gaps(personas.town_cadre, on=ON)}
    assert numbers == {"A-0", "A-1", "A-2", "B-0", "B-1"}


def test_household_panel_current_history_and_vacancies(homes, staff):
    h = homes.v1a[0]
    AssignmentFactory(household=h, person=staff.cadre_v1a, start_date=dt.date(2023, 1, 1), end_date=dt.date(2024, 3, 1))
    holder = AssignmentFactory(household=h, person=staff.cadre_v1a_2, start_date=dt.date(2024, 3, 1))
    sub = AssignmentFactory(household=h, person=staff.cadre_v1a, substitute_for=holder, start_date=ON)
    panel = selectors.household_contacts_panel(household=h, on=ON)
    slots = {s.slot: s for s in panel.slots}
    assert [a.pk for a in slots[RT.VILLAGE_CADRE].holders] == [holder.pk]
    assert slots[RT.VILLAGE_CADRE].holders[0].current_substitutes == [sub]
    assert slots[RT.TOWN_LEADER].vacant
    assert not panel.complete
    assert [a.person.name for a in panel.history] == ["陈静"]
    assert [(label, a.person.name) for label, a in panel.card_rows][:2] == [
        (str(RT.VILLAGE_CADRE.label), "陈静"),
        (str(RT.VILLAGE_CADRE.label), "王芳"),
    ]
