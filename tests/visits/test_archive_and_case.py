"""Where a household stands with its visits, on its archive page and in its case export (print, PDF); the
living members and the user's follow-up actions on "my households"; the home page's counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HouseholdFactory, MemberFactory
from tests.pdf import pdf_text
from tests.visits.factories import VisitFactory
from visits.engine import overdue_refresh
from visits.models import FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind(area, rules, personas):
    """A household of V1a whose last contact was five months ago (so behind on the monthly rule), with an
    open follow-up owned by the village cadre, one done, and a visit older than a year."""
    today = timezone.localdate()
    household = HouseholdFactory(village=area.V1a, number="630101-00077", registered_on=today - timedelta(days=900))
    MemberFactory(household=household, name="林德山", role="husband")
    MemberFactory(household=household, name="吴秀珍", role="wife", sex="F", alive=False, death_date=today)
    recent = VisitFactory(household=household, date=today - timedelta(days=150), method="phone", mood="思念孩子")
    VisitFactory(household=household, date=today - timedelta(days=500), method="home", needs="很久以前")
    FollowUp.objects.create(
        visit=recent, action="联系家庭医生送药上门", due_on=today - timedelta(days=3), owner=personas.village_cadre
    )
    FollowUp.objects.create(
        visit=recent,
        action="已办完的事",
        due_on=today - timedelta(days=100),
        owner=personas.village_cadre,
        status="done",
        done_on=today - timedelta(days=101),
    )
    overdue_refresh(as_of=today)
    return household, recent


def test_the_archive_shows_open_flags_last_contacts_and_open_follow_ups(client_for, personas, behind):
    household, recent = behind
    response = client_for(personas.town_cadre).get(reverse("households:detail", args=[household.pk]))
    html = response.content.decode()
    status = response.context["status"]
    assert 'data-section="visits"' in html
    assert "monthly_contact" in {flag.rule.code for flag in status.overdue}
    assert 'data-flag="monthly_contact"' in html
    assert status.last_contact == recent.date
    assert recent.date.isoformat() in html
    assert [f.action for f in status.follow_ups] == ["联系家庭医生送药上门"]  # the done one is not listed
    panel = html.split('data-section="visits"', 1)[1].split("</section>", 1)[0]
    assert "联系家庭医生送药上门" in panel
    assert "已办完的事" not in panel
    assert reverse("visits:household_visits", args=[household.pk]) in html
    assert reverse("visits:log", args=[household.pk]) in html


def test_a_volunteer_reads_the_visit_panel(client_for, area, behind):
    from accounts.roles import Role
    from tests.factories import UserFactory

    household, _ = behind
    volunteer = UserFactory(role=Role.MEMBER, region=area.V1a)
    html = client_for(volunteer).get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-section="visits"' in html


def test_the_print_page_lists_contacts_flags_follow_ups_and_the_last_years_visits(client_for, personas, behind):
    household, recent = behind
    html = client_for(personas.village_cadre).get(reverse("households:print", args=[household.pk])).content.decode()
    for key in ("contacts", "flags", "follow_ups", "visits"):
        assert f'data-case-table="{key}"' in html
    assert recent.date.isoformat() in html
    # The visit's mood note is mental-health data: county staff and medical roles only (accounts.sensitivity).
    assert "思念孩子" not in html
    staff_html = client_for(personas.county_staff).get(reverse("households:print", args=[household.pk]))
    assert "思念孩子" in staff_html.content.decode()
    assert "很久以前" not in html  # more than a year ago
    assert "联系家庭医生送药上门" in html


def test_the_pdf_carries_the_same_tables(client_for, personas, behind):
    household, recent = behind
    response = client_for(personas.village_cadre).get(reverse("households:pdf", args=[household.pk]))
    text = pdf_text(response.content)
    assert recent.date.isoformat() in text
    assert "联系家庭医生送药上门" in text
    assert "很久以前" not in text
    assert "林德山" in text


def test_my_households_names_the_living_members_and_lists_my_follow_ups(client_for, personas, behind, area):
    household, _ = behind
    other = HouseholdFactory(village=area.V1a, number="630101-00078")
    other_visit = VisitFactory(household=other, date=timezone.localdate())
    FollowUp.objects.create(
        visit=other_visit, action="别人的事", due_on=timezone.localdate(), owner=personas.town_cadre
    )
    response = client_for(personas.village_cadre).get(reverse("visits:my_households"))
    item = next(i for i in response.context["items"] if i.household.pk == household.pk)
    assert item.members == ["林德山"]  # the deceased wife is not named
    assert [f.action for f in response.context["follow_ups"]] == ["联系家庭医生送药上门"]
    html = response.content.decode()
    assert "别人的事" not in html


def test_the_home_page_counts_my_work_and_my_areas_households(client_for, personas, behind):
    cadre = client_for(personas.village_cadre).get(reverse("portal:home"))
    work = cadre.context["my_work"]
    assert (work.households, work.overdue, work.follow_ups, work.follow_ups_late) == (1, 1, 1, 1)
    assert cadre.context["households"].active == 1

    leader = client_for(personas.leader).get(reverse("portal:home"))
    assert "my_work" not in leader.context
    assert "households" not in leader.context  # a leader reads dashboards and reports only

    staff = client_for(personas.other_county_staff).get(reverse("portal:home"))
    assert staff.context["households"].active == 0  # another county's households are not counted
