"""The leaders' home (issue 17 part 8): for a county leader, a city leader and the city's staff, 三个全覆盖, the
payout rate, insurance enrolment and claims, activities and reporting completeness, each with a 12-month trend and
the child units side by side — the figures equal counts made independently from the database and the pages they
link to; no rate above 100 %; a city user's home shows every county and no family."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from activities.models import Activity, Attendance, Invitation
from benefits.models import InsuranceClaim, InsuredLine
from households.models import Household, Member
from reports import benefits
from reports.leaders import leader_home, month_starts
from reports.selectors import coverage_dashboard
from tests.benefits.insurance_setup import WUHAI, product
from tests.reports.test_city_level import AS_OF, _secrets, city, city_users  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def work(city, area):  # noqa: F811 - the fixture imported above
    """Insurance in both counties (a product each, some persons enrolled, claims) and activities this month."""
    households = city["households"]
    made = {"products": []}
    for county in (area.C, area.C2):
        made["products"].append(product(county, 2025, WUHAI))
    enrolled = [households["a"], households["c"], households["d"]]
    for household in enrolled:
        member = household.members.first()
        prod = made["products"][0 if household.county_id == area.C.pk else 1]
        InsuredLine.objects.create(
            product=prod,
            member=member,
            household=household,
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            premium=Decimal("100"),
        )
    for i, (household, state, paid) in enumerate(
        [(households["a"], "paid", Decimal("900.00")), (households["d"], "reported", None)]
    ):
        member = household.members.first()
        prod = made["products"][0 if household.county_id == area.C.pk else 1]
        InsuranceClaim.objects.create(
            product=prod,
            member=member,
            household=household,
            kind="death",
            event_date=date(2025, 6, 1 + i),
            reported_by_kind="family",
            reported_at=datetime(2025, 6, 2 + i, 9, tzinfo=TZ),
            state=state,
            paid_amount=paid,
            paid_on=date(2025, 7, 1) if paid else None,
        )
    # This month (November 2025): one town activity of C with two persons, one county activity of C2 with one; an
    # activity in March invites household b.
    town_activity = Activity.objects.create(
        kind="birthday", title="集体庆生", starts_on=date(2025, 11, 3), ends_on=date(2025, 11, 3), organiser=area.T1
    )
    county_activity = Activity.objects.create(
        kind="lecture", title="知识讲座", starts_on=date(2025, 11, 10), ends_on=date(2025, 11, 10), organiser=area.C2
    )
    march = Activity.objects.create(
        kind="social", title="交流联谊", starts_on=date(2025, 3, 10), ends_on=date(2025, 3, 10), organiser=area.T1
    )
    for activity, household in ((town_activity, households["a"]), (county_activity, households["d"])):
        Invitation.objects.create(activity=activity, household=household)
        Attendance.objects.create(activity=activity, household=household, member=household.members.first())
    extra = Member.objects.create(household=households["a"], name="欧阳二", role="wife", sex="F")
    Attendance.objects.create(activity=town_activity, household=households["a"], member=extra)
    Invitation.objects.create(activity=march, household=households["b"])
    return made


def _independent(area, counties):
    """The insurance, claim and activity figures of the counties, counted straight from the tables."""
    households = Household.objects.filter(county__in=counties)
    eligible = Member.objects.filter(household__in=households.filter(status="active"), alive=True).count()
    insured = InsuredLine.objects.filter(household__in=households).count()
    claims = InsuranceClaim.objects.filter(household__in=households, event_date__year=2025)
    within = "^(" + "|".join(c.code for c in counties) + ")/"
    activities = Activity.objects.filter(starts_on__year=2025, starts_on__month=11, organiser__path__regex=within)
    invited = Household.objects.filter(invitations__activity__starts_on__year=2025)
    return {
        "eligible": eligible,
        "insured": insured,
        "claims": claims.count(),
        "claims_paid": claims.filter(state="paid").count(),
        "claims_amount": sum(c.paid_amount or 0 for c in claims),
        "sessions": activities.count(),
        "person_times": Attendance.objects.filter(activity__in=activities).count(),
        "never_invited": households.filter(status="active").exclude(pk__in=invited).count(),
    }


def _figures(f):
    return {
        "eligible": f.eligible,
        "insured": f.insured,
        "claims": f.claims,
        "claims_paid": f.claims_paid,
        "claims_amount": f.claims_amount,
        "sessions": f.sessions,
        "person_times": f.person_times,
        "never_invited": f.never_invited,
    }


def test_a_city_leaders_home_equals_independent_counts_per_county(city, city_users, work, area, personas):  # noqa: F811
    home = leader_home(user=city_users["city_leader"], as_of=AS_OF)
    assert [u.label for u in home.units] == [area.C.name, area.C2.name]
    assert _figures(home.total) == _independent(area, [area.C, area.C2])
    by_county = {u.region.pk: u for u in home.units}
    for county in (area.C, area.C2):
        assert _figures(by_county[county.pk].figures) == _independent(area, [county]), county.name
        own = coverage_dashboard(user=personas.county_staff, region=county, as_of=AS_OF)
        assert by_county[county.pk].coverage.households == own.total.households
    assert home.total.eligible == 6  # five husbands and the extra wife, all living, ages in the product's band
    assert (home.total.sessions, home.total.person_times) == (2, 3)
    assert home.total.never_invited == 2  # c and e: a, d attended this month, b was invited in March


def test_a_county_leaders_home_equals_the_pages_it_links_to(city, work, area, personas):  # noqa: F811
    home = leader_home(user=personas.leader, as_of=AS_OF)
    page = coverage_dashboard(user=personas.leader, region=area.C, as_of=AS_OF)
    assert home.dashboard.total.households == page.total.households
    assert [u.label for u in home.units] == [area.T1.name, area.T2.name]
    report = benefits.payout_rate_report(benefits.Scope(user=personas.leader, region=area.C, year=2025))
    assert home.payouts == report.total
    assert _figures(home.total) == _independent(area, [area.C])
    t1 = next(u for u in home.units if u.region == area.T1)
    assert (t1.figures.sessions, t1.figures.person_times) == (1, 2)


def test_the_trends_cover_twelve_months_and_no_rate_is_above_100(city, city_users, work):  # noqa: F811
    home = leader_home(user=city_users["city_staff"], as_of=AS_OF)
    assert [key for key, _ in home.counts["claims"]][-1] == "2025-11"
    assert len(home.counts["claims"]) == len(home.counts["sessions"]) == len(home.trends["payouts"]) == 12
    assert dict(home.counts["claims"])["2025-06"] == 2
    assert dict(home.counts["sessions"])["2025-11"] == 2
    assert len(home.trends["completeness"]) == 12
    assert home.trends["completeness"][-1][0] == "2025-10"
    rates = [rate for trend in home.trends.values() for _, rate in trend if rate is not None]
    rates += [u.figures.insured_rate for u in home.units if u.figures.insured_rate is not None]
    assert all(0 <= rate <= 1 for rate in rates)
    assert month_starts(date(2025, 1, 15))[0] == date(2024, 2, 1)


@pytest.mark.parametrize("who", ["city_staff", "city_leader"])
def test_a_city_users_home_shows_every_county_and_no_family(city, city_users, work, area, client_for, who):  # noqa: F811
    response = client_for(city_users[who]).get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for county in (area.C, area.C2):
        assert f'data-unit="{county.name}"' in html
    for marker in ("data-leader-coverage", "data-leader-payouts", "data-leader-insurance", "data-leader-activities"):
        assert marker in html
    assert "data-leader-completeness" in html
    assert not [s for s in _secrets(city) if s in html]
    percentages = [int(p) for p in re.findall(r"(\d+(?:\.\d+)?)%", html) if float(p) == int(float(p))]
    assert all(p <= 100 for p in percentages)


def test_a_county_leaders_home_links_its_towns_and_reports(city, work, area, personas, client_for):  # noqa: F811
    html = client_for(personas.leader).get(reverse("portal:home")).content.decode()
    assert reverse("reports:coverage_region", args=[area.T1.pk]) in html
    assert reverse("reports:benefits", args=["payouts"]) in html
    assert reverse("benefits:insurance:reports") in html


def test_the_month_end_medical_coverages_trend_from_the_forms_counts(city, city_users, work, area):  # noqa: F811
    """The green-channel and family-doctor trends are the 三个全覆盖 form's rates of each month (its counts): a month
    counted for every county has its figure, equal to the form's total; a month not counted (or counted for one
    county only) has none."""
    from reports.statforms.measures import form_rows
    from reports.statforms.snapshots import statform_counts_refresh
    from reports.statforms.spec import COVERAGE, Period

    october, september = Period.month(2025, 10), Period.month(2025, 9)
    for county in (area.C, area.C2):
        statform_counts_refresh(county=county, period=october, today=AS_OF)
    statform_counts_refresh(county=area.C, period=september, today=AS_OF)  # one county only
    home = leader_home(user=city_users["city_staff"], as_of=AS_OF)
    city_region = city_users["city_staff"].region
    form = form_rows(COVERAGE, october, city_region, today=AS_OF)
    cards, signed = dict(home.trends["cards"]), dict(home.trends["signed"])
    total = form.total.values
    assert total["cover_persons"] > 0
    assert cards["2025-10"] == pytest.approx(float(total["cover_cards"]) / float(total["cover_persons"]))
    expected_signed = float(total["cover_signed"]) / float(total["cover_willing"]) if total["cover_willing"] else None
    assert signed["2025-10"] == (None if expected_signed is None else pytest.approx(expected_signed))
    assert cards["2025-09"] is None
    assert signed["2025-09"] is None
    assert cards["2025-08"] is None
    assert len(home.trends["cards"]) == 12
