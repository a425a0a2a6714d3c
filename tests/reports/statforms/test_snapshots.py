"""The statistical forms' figure snapshots (reports.statforms.snapshots, docs/REPORTS.md §Snapshots): the form read
from the snapshot equals the form counted live for every unit and template of the oracle's data set; a stale
snapshot shows its old figure with when it was counted, and "Count again now" makes it current; a submission
freezes the live count; the nightly step through its Celery task; a refresh that fails or runs twice at once leaves
one whole set of rows; a form page's queries do not grow with the tree."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from regions.models import Region
from reports.models import ReportValue, StatformCount, StatformCountStamp
from reports.statforms import measures as M
from reports.statforms import selectors, services, snapshots
from reports.statforms.snapshots import nightly_periods, statform_counts_refresh, stored_counts
from reports.statforms.spec import TEMPLATES, Period, PeriodKind
from reports.tasks import statform_counts_nightly_task
from tests.factories import HouseholdFactory, MemberFactory, RegionFactory, UserFactory
from tests.reports.statforms.helpers import city_over
from tests.reports.statforms.test_measures_oracle import PERIODS, TODAY, _seed
from visits.models import Visit

pytestmark = pytest.mark.django_db

NOV = Period.month(2025, 11)  # ended whenever the tests run
MATRIX_URLS = {"reports:forms:recount"}
ROUTINE = "visits_routine_households"


def _url(name, unit, period=NOV, template="warm_monthly"):
    return reverse(f"reports:forms:{name}", args=[unit.pk, template, period.key])


def _visit(household, day=date(2025, 11, 10)):
    return Visit.objects.create(household=household, date=day, visitor_role="staff", method="home", purpose="routine")


def _rows():
    return sorted(StatformCount.objects.values_list("county_id", "region_id", "period_key", "measure", "value"))


def _nonzero(counts):
    return {node: {k: v for k, v in by.items() if v} for node, by in counts.items() if any(by.values())}


# ------------------------------------------------------------------------------------------- the oracle's data


@pytest.fixture
def world():
    return _seed()


def test_snapshot_form_equals_the_live_form_for_every_unit_template_and_period(world):
    for period in PERIODS:
        for county in world.counties:
            statform_counts_refresh(county=county, period=period, today=TODAY)
    checked = 0
    for template in TEMPLATES.values():
        for period in PERIODS:
            if period.kind not in template.period_kinds:
                continue
            live = M.forms_under(template, period, world.province, today=TODAY)
            stored = M.forms_under(template, period, world.province, today=TODAY, source=stored_counts)
            assert set(stored) == set(live)
            for pk, form in stored.items():
                assert form.stamp is not None
                assert live[pk].stamp is None
                assert form.as_of == live[pk].as_of == min(period.end, TODAY)
                assert [(r.kind, r.region.pk, r.values) for r in form.all_rows] == [
                    (r.kind, r.region.pk, r.values) for r in live[pk].all_rows
                ], (template.code, period.key, pk)
                checked += 1
            # The mapping itself: the live count's, zeros left out (absent counts 0 in both).
            tree = M.Tree.of(world.province)
            keys = M.template_measures(template)
            counts, _stamp = stored_counts(keys, period, tree, TODAY)
            assert _nonzero(counts) == _nonzero(M._count(keys, period, tree, today=TODAY))
    assert checked > 100
    # One unit's form (the page's path) from the snapshot, in a constant number of queries per level.
    for unit in world.regions:
        figures = M.form_rows(TEMPLATES["warm_monthly"], PERIODS[1], unit, today=TODAY, source=stored_counts)
        assert figures.stamp is not None


def test_no_stamp_or_missing_measures_count_live(world):
    period = Period.month(2026, 11)
    first, _second = world.counties
    statform_counts_refresh(county=first, period=period, today=TODAY)
    template = TEMPLATES["warm_monthly"]
    # The city's second county has no stamp: the city's form is counted live; the first county's is stored.
    assert M.form_rows(template, period, world.city, today=TODAY, source=stored_counts).stamp is None
    assert M.form_rows(template, period, first, today=TODAY, source=stored_counts).stamp is not None
    # A stamp that does not hold the form's measures: live.
    StatformCountStamp.objects.filter(county=first, period_key=period.key).update(measures=["claims.paid_cases"])
    assert M.form_rows(template, period, first, today=TODAY, source=stored_counts).stamp is None


# ------------------------------------------------------------------------------------- stale, recount, submit


@pytest.fixture
def households(area):
    out = []
    for n, village in enumerate((area.V1a, area.V1b), 1):
        h = HouseholdFactory(village=village, number=f"S{n}", registered_on=date(2024, 1, 1))
        MemberFactory(household=h)
        out.append(h)
    return out


def test_stale_snapshot_shows_the_old_figure_with_its_stamp_and_count_again_makes_it_current(
    area, personas, client_for, households
):
    _visit(households[0])
    statform_counts_refresh(county=area.C, period=NOV)
    stamp = StatformCountStamp.objects.get(county=area.C, period_key=NOV.key)
    _visit(households[1])  # after the refresh
    client = client_for(personas.county_staff)
    page = client.get(_url("report", area.C))
    form = page.context["f"]
    assert form.stamp.counted_at == stamp.computed_at
    assert form.total.cell(ROUTINE).shown == 1  # the old figure
    content = page.content.decode()
    assert "data-counted-at" in content
    assert "data-recount" in content
    assert (
        selectors.form_build(template=TEMPLATES["warm_monthly"], period=NOV, unit=area.C, live=True)
        .total.cell(ROUTINE)
        .shown
        == 2
    )

    response = client.post(_url("recount", area.C))
    assert response.status_code == 302
    assert response["Location"] == _url("report", area.C)
    again = client.get(_url("report", area.C)).context["f"]
    assert again.total.cell(ROUTINE).shown == 2
    assert again.stamp.counted_at > stamp.computed_at
    # A town's cadre counts its county again from the town's form; the town's form reads the county's counts.
    _visit(HouseholdFactory(village=area.V1a, number="S3", registered_on=date(2024, 1, 1)))
    cadre = client_for(personas.town_cadre)
    assert cadre.get(_url("report", area.T1)).context["f"].total.cell(ROUTINE).shown == 2
    assert cadre.post(_url("recount", area.T1)).status_code == 302
    assert cadre.get(_url("report", area.T1)).context["f"].total.cell(ROUTINE).shown == 3


def test_count_again_refused_to_readers_who_do_not_fill_and_outside_the_area(area, personas, client_for, households):
    _visit(households[0])
    statform_counts_refresh(county=area.C, period=NOV)
    before = list(StatformCountStamp.objects.values_list("county_id", "period_key", "computed_at"))
    leader = client_for(personas.leader)
    assert "data-recount" not in leader.get(_url("report", area.C)).content.decode()
    assert leader.post(_url("recount", area.C)).status_code == 403
    for user in (personas.other_county_staff, personas.other_town_cadre, personas.no_area):
        assert client_for(user).post(_url("recount", area.T1)).status_code == 404, user
    assert client_for(personas.county_staff).get(_url("recount", area.C)).status_code == 405
    assert list(StatformCountStamp.objects.values_list("county_id", "period_key", "computed_at")) == before


def test_a_city_user_counts_its_counties_again(area, client_for, households):
    city = city_over(area.C, area.C2)
    user = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    assert client_for(user).post(_url("recount", city)).status_code == 302
    assert set(StatformCountStamp.objects.values_list("county_id", flat=True)) == {area.C.pk, area.C2.pk}
    page = client_for(user).get(_url("report", city)).context["f"]
    assert page.stamp is not None
    assert page.total.cell(ROUTINE).shown == 0
    _visit(households[0])
    client_for(user).post(_url("recount", city))
    assert client_for(user).get(_url("report", city)).context["f"].total.cell(ROUTINE).shown == 1


def test_submit_freezes_the_live_count_even_when_the_snapshot_is_stale(area, personas, client_for, households):
    _visit(households[0])
    report = services.report_open(actor=personas.town_cadre, template_code="warm_monthly", unit=area.T1, period=NOV)
    statform_counts_refresh(county=area.C, period=NOV)
    _visit(households[1])
    client = client_for(personas.town_cadre)
    assert client.get(_url("report", area.T1)).context["f"].total.cell(ROUTINE).shown == 1  # stale
    assert client.post(_url("act", area.T1), {"action": "submit"}).status_code == 302
    total = ReportValue.objects.get(report=report, row=ReportValue.Row.TOTAL, column=ROUTINE)
    assert total.counted == 2
    frozen = client.get(_url("report", area.T1)).context["f"]
    assert frozen.frozen
    assert frozen.stamp is None
    assert frozen.total.cell(ROUTINE).shown == 2


# ------------------------------------------------------------------------------------------------- the night


def test_nightly_task_refreshes_every_county_for_the_nights_periods_and_twice_is_the_same(area, households):
    _visit(households[0], day=date(2025, 11, 30))
    _visit(households[1], day=date(2025, 12, 1))
    result = statform_counts_nightly_task("2025-12-01")
    periods = nightly_periods(date(2025, 12, 1))
    assert [p.key for p in periods] == ["2025-11", "2025-12", "2025-Q4", "2025"]
    counties = Region.objects.filter(level=Region.Level.COUNTY).count()
    assert result["refreshed"] == counties * len(periods)
    assert StatformCountStamp.objects.count() == counties * len(periods)
    stamp = StatformCountStamp.objects.get(county=area.C, period_key="2025-12")
    assert stamp.as_of == date(2025, 12, 1)
    assert set(snapshots.period_measures(PeriodKind.YEAR)) <= set(
        StatformCountStamp.objects.get(county=area.C, period_key="2025").measures
    )
    values = {
        key: StatformCount.objects.get(region=area.V1a if key != "2025-12" else area.V1b, period_key=key,
                                       measure="visits.routine.households").value
        for key in ("2025-11", "2025-Q4", "2025", "2025-12")
    }  # fmt: skip
    assert values == {"2025-11": 1, "2025-Q4": 1, "2025": 1, "2025-12": 1}
    assert not StatformCount.objects.filter(
        region=area.V1b, period_key="2025-11", measure="visits.routine.households"
    ).exists()
    once = _rows()
    statform_counts_nightly_task("2025-12-01")
    assert _rows() == once
    # The first night of a quarter and of a year also refreshes the quarter and the year just ended.
    assert [p.key for p in nightly_periods(date(2026, 1, 1))] == ["2025-12", "2026-01", "2026-Q1", "2026", "2025-Q4",
                                                                  "2025"]  # fmt: skip
    assert [p.key for p in nightly_periods(date(2026, 4, 30))][-1] == "2026-Q1"
    assert len(nightly_periods(date(2026, 5, 1))) == 4


def test_a_refresh_that_fails_leaves_the_previous_counts_whole(area, households, monkeypatch):
    _visit(households[0])
    statform_counts_refresh(county=area.C, period=NOV)
    before = _rows()
    stamps = list(StatformCountStamp.objects.values_list("county_id", "period_key", "computed_at"))
    _visit(households[1])
    # The stamp's statement fails in the database after the rows were deleted and inserted: all of it is undone.
    monkeypatch.setattr(snapshots, "STAMP_SQL", "INSERT INTO reports_statformcountstamp (county_id) VALUES (NULL)")
    with pytest.raises(IntegrityError):
        statform_counts_refresh(county=area.C, period=NOV)
    assert _rows() == before
    assert list(StatformCountStamp.objects.values_list("county_id", "period_key", "computed_at")) == stamps


def test_counts_are_never_negative_and_unique_per_node_period_and_measure(area):
    StatformCount.objects.create(county=area.C, region=area.V1a, period_key="2025-11", measure="m", value=1)
    with pytest.raises(IntegrityError):
        StatformCount.objects.create(county=area.C, region=area.V1a, period_key="2025-11", measure="m", value=2)


def test_counts_refuse_a_negative_value(area):
    with pytest.raises(IntegrityError):
        StatformCount.objects.create(county=area.C, region=area.V1a, period_key="2025-11", measure="m", value=-1)


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_one_set_of_rows(area, households):
    _visit(households[0])
    _visit(households[1])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            statform_counts_refresh(county=area.C, period=NOV)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert StatformCountStamp.objects.filter(county=area.C, period_key=NOV.key).count() == 1
    assert (
        StatformCount.objects.get(region=area.V1a, period_key=NOV.key, measure="visits.routine.households").value == 1
    )
    assert StatformCount.objects.filter(period_key=NOV.key, measure="visits.routine.households").count() == 2


# ------------------------------------------------------------------------------------------------- queries


def _queries(client, url):
    client.get(url)  # the session's first request reads more (its start, the language)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_form_page_from_the_snapshot_reads_a_constant_number_of_queries(area, personas, client_for, households):
    for h in households:
        _visit(h)
    statform_counts_refresh(county=area.C, period=NOV)
    client = client_for(personas.county_staff)
    county, town, village = (_queries(client, _url("report", u)) for u in (area.C, area.T1, area.V1a))
    assert _queries(client, _url("report", area.T2)) == town
    assert _queries(client, _url("report", area.V2a)) == village
    # A bigger county (more towns, villages, households and visits): the same number of queries.
    for t in ("007", "008"):
        new_town = RegionFactory.town(area.C, t)
        for v in ("001", "002", "003"):
            h = HouseholdFactory(village=RegionFactory.village(new_town, v), number=f"B{t}{v}")
            MemberFactory(household=h)
            _visit(h)
    statform_counts_refresh(county=area.C, period=NOV)
    assert _queries(client, _url("report", area.C)) == county
    page = client.get(_url("report", area.C)).context["f"]
    assert page.stamp is not None
    assert page.total.cell(ROUTINE).shown == 8
