"""Who must act (docs/RULES.md "Who must act"): a family doctor's rule waits for the doctor; a village cadre's
worklist separates the households that are theirs to do from those waiting for the doctor, the doctor's list
has them; the visitor is on the log form's first screen; after logging, the page shows the household's new
state at once (the engine run in the request, not the stale flag that goes on reload)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connections
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from tests.factories import AssignmentFactory, HouseholdFactory, ServicePersonFactory, UserFactory
from tests.visits.conftest import only_rules
from tests.visits.factories import VisitFactory
from visits import engine, services
from visits.engine import overdue_refresh
from visits.models import HouseholdUrgency, OverdueFlag, Visit
from visits.selectors import my_work_summary

pytestmark = pytest.mark.django_db

OLD = date(2020, 1, 1)
AS_OF = date(2025, 10, 10)


def zh(text: str) -> str:
    """A message as the pages show it (Chinese, or the English text until the catalogue has it)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


WAITING = "waiting for the family doctor"


def numbers(response) -> list[str]:
    return [item.household.number for item in response.context["items"]]


@pytest.fixture
def doctor(area):
    user = UserFactory(username="v1a_doctor", role=Role.FAMILY_DOCTOR, region=area.V1a)
    return ServicePersonFactory(region=area.V1a, role_type="family_doctor", name="赵医生", user=user)


@pytest.fixture
def village(area, rules, doctor):
    """D: overdue only on the doctor's monthly home visit (the cadre called in September and October);
    M: overdue on the monthly contact too; U: up to date with both. The doctor holds the three."""
    only_rules(rules, "monthly_contact", "doctor_monthly_home_visit")
    homes = {n: HouseholdFactory(village=area.V1a, registered_on=OLD, number=n) for n in ("D", "M", "U")}
    for day in (date(2025, 9, 12), date(2025, 10, 2)):
        VisitFactory(household=homes["D"], date=day, method="phone")
    VisitFactory(household=homes["U"], date=date(2025, 9, 20), method="home", visitor_role="family_doctor")
    for h in homes.values():
        AssignmentFactory(household=h, person=doctor)
    overdue_refresh(as_of=AS_OF)
    return homes


def test_each_flag_says_who_it_waits_for(village):
    flags = {f.rule.code: f for f in OverdueFlag.objects.open().filter(household=village["M"])}

    assert flags["doctor_monthly_home_visit"].waits_for == "family_doctor"
    assert flags["monthly_contact"].waits_for == "any_contact"
    with translation.override("zh-hans"):
        assert flags["doctor_monthly_home_visit"].waits_for_label == zh(WAITING)


def test_the_engine_keeps_the_place_with_and_without_the_doctors_rules(village):
    u = {x.household.number: x for x in HouseholdUrgency.objects.select_related("household")}

    # D is overdue for the doctor, not for any other contact (October's call done): it waits for the doctor.
    assert (u["D"].rank, u["D"].contact_rank, u["D"].doctor_since) == (0, 2, AS_OF)
    assert (u["D"].next_due, u["D"].contact_next_due) == (date(2025, 10, 31), None)
    assert (u["M"].rank, u["M"].contact_rank, u["M"].doctor_since) == (0, 0, AS_OF)
    assert (u["U"].rank, u["U"].contact_rank, u["U"].doctor_since) == (2, 2, None)
    assert u["U"].contact_urgent_on == date(2025, 10, 31)


def test_the_village_cadres_list_separates_theirs_from_the_doctors(client_for, personas, village):
    client = client_for(personas.village_cadre)

    mine = client.get(reverse("visits:my_households"))
    waiting = client.get(reverse("visits:my_households"), {"show": "doctor"})

    # M is theirs to do; U's October contact is due; D's is done, its flag only waits for the doctor.
    assert numbers(mine) == ["M", "U", "D"]
    items = {i.household.number: i for i in mine.context["items"]}
    assert (items["M"].state, items["D"].state) == ("overdue", "waiting")
    assert [(style, code) for style, code, _text, _who in items["M"].flags] == [
        ("danger", "monthly_contact"),
        ("muted", "doctor_monthly_home_visit"),
    ]
    page = mine.content.decode()
    assert 'data-waits-for="family_doctor"' in page
    assert zh(WAITING) in page
    assert 'data-tab="doctor"' in page
    assert numbers(waiting) == ["D", "M"]  # both since 10 October: by number
    assert mine.context["waiting_count"] == 2


def test_the_doctors_list_has_them_as_theirs(client_for, doctor, village):
    response = client_for(doctor.user).get(reverse("visits:my_households"))

    assert numbers(response) == ["D", "M", "U"]
    items = {i.household.number: i for i in response.context["items"]}
    assert items["D"].state == "overdue"
    assert all(style == "danger" for style, *_ in items["M"].flags)
    assert 'data-tab="doctor"' not in response.content.decode()


def test_the_home_page_counts_what_is_the_users_to_do(personas, doctor, village):
    cadre = my_work_summary(user=personas.village_cadre, on=AS_OF)
    doctors = my_work_summary(user=doctor.user, on=AS_OF)

    assert (cadre.households, cadre.overdue, cadre.waiting_for_doctor) == (3, 1, 2)
    assert (doctors.households, doctors.overdue, doctors.waiting_for_doctor) == (3, 2, 0)


def test_the_visitor_is_on_the_log_forms_first_screen(client_for, personas, village, doctor):
    page = client_for(personas.village_cadre).get(reverse("visits:log", args=[village["D"].pk])).content.decode()

    visitor = page.index('name="visitor"')
    assert visitor < page.index('<details class="more"')
    assert "赵医生" in page[visitor:]
    assert "data-doctor-hint" in page  # the doctor's flag: only the doctor's visit clears it


def test_after_logging_the_page_shows_the_new_state_at_once(client_for, personas, area, rules):
    """No queued run has happened (the on-commit callbacks are not run here): the request ran the engine."""
    only_rules(rules, "monthly_contact", "doctor_monthly_home_visit")
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=OLD, number="NOW")
    overdue_refresh(as_of=today)
    client = client_for(personas.village_cadre)

    response = client.post(
        reverse("visits:log", args=[household.pk]), {"date": today.isoformat(), "method": "home", "purpose": "routine"}
    )

    assert response.status_code == 302
    open_codes = set(OverdueFlag.objects.open().filter(household=household).values_list("rule__code", flat=True))
    assert open_codes == {"doctor_monthly_home_visit"}  # the cadre's home visit is not the doctor's
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert zh("Still open: %(flags)s.").split("%")[0] in text
    assert zh(WAITING) in text
    worklist = client.get(reverse("visits:my_households"))
    item = next(i for i in worklist.context["items"] if i.household.number == "NOW")
    assert [code for _s, code, _t, _w in item.flags] == ["doctor_monthly_home_visit"]
    assert item.state == "waiting"


def test_a_visit_by_the_doctor_named_as_visitor_clears_the_doctors_flag(client_for, personas, area, rules, doctor):
    only_rules(rules, "doctor_monthly_home_visit")
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=OLD)
    overdue_refresh(as_of=today)

    response = client_for(personas.village_cadre).post(
        reverse("visits:log", args=[household.pk]),
        {"date": today.isoformat(), "method": "home", "purpose": "routine", "visitor": doctor.pk},
    )

    assert response.status_code == 302
    assert not OverdueFlag.objects.open().filter(household=household).exists()
    assert zh("Nothing is overdue now.") in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_with_the_engine_busy_the_visit_is_saved_and_the_page_says_so(client_for, personas, area, rules, monkeypatch):
    """The nightly run holds the engine's lock: the request waits at most REFRESH_NOW_WAIT_S, saves the visit
    and leaves the flags to the queued run."""
    only_rules(rules, "monthly_contact")
    monkeypatch.setattr(services, "REFRESH_NOW_WAIT_S", 0.2)
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=OLD)
    # No engine run in this test before: the test's own transaction would hold the lock until its end.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [engine.LOCK_KEY])
            assert cursor.fetchone()[0]
        response = client_for(personas.village_cadre).post(
            reverse("visits:log", args=[household.pk]),
            {"date": today.isoformat(), "method": "phone", "purpose": "routine"},
        )
    finally:
        other.close()

    assert response.status_code == 302
    assert Visit.objects.filter(household=household).exists()
    assert not HouseholdUrgency.objects.filter(household=household).exists()  # left to the queued run
    assert zh("Its flags are being brought up to date.") in " ".join(
        str(m) for m in get_messages(response.wsgi_request)
    )


def test_deleting_a_visit_shows_the_reopened_flag_at_once(client_for, personas, area, rules):
    only_rules(rules, "monthly_contact")
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, registered_on=OLD)
    overdue_refresh(as_of=today - timedelta(days=20))
    visit = services.visit_record(user=personas.village_cadre, household=household, date=today, method="phone")
    overdue_refresh(as_of=today)
    assert not OverdueFlag.objects.open().filter(household=household).exists()

    response = client_for(personas.village_cadre).post(
        reverse("visits:visit_delete", args=[visit.pk]), {"reason": "记错了"}, follow=True
    )

    flag = OverdueFlag.objects.get(household=household)
    assert (flag.closed_on, flag.escalation_level) == (None, 1)
    page = response.content.decode()
    assert 'data-flag="monthly_contact"' in page
    assert 'data-level="1"' in page
