"""The annual review's services: opening a cycle, the climb village → town → county, send back, refuse, leavers,
the overdue count, bulk confirm in constant queries, and what the engine reads of the outcomes."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from benefits.engine import entitlements
from benefits.models import BenefitSettings, ReviewCase, ReviewCycle, ReviewStep
from benefits.review import selectors, services
from tests.benefits.review_fixtures import case, cycle, family

pytestmark = pytest.mark.django_db
Stage = ReviewCase.Stage
THIS_YEAR = timezone.localdate().year


def test_open_takes_the_deadlines_from_the_county_settings(area, personas):
    BenefitSettings.objects.create(area_code="63", village_by="02-20", notice_days=7)
    c, count = services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR)
    assert (c.applications_by, c.village_by, c.town_by, c.county_by) == (
        date(THIS_YEAR, 1, 15),
        date(THIS_YEAR, 2, 20),
        date(THIS_YEAR, 3, 15),
        date(THIS_YEAR, 3, 31),
    )
    assert c.notice_days == 7
    assert count == 0  # no previous cycle and no family: nobody


def test_open_refused_for_town_cadre_and_twice(area, personas):
    with pytest.raises(PermissionDenied):
        services.cycle_open(actor=personas.town_cadre, county=area.C, year=THIS_YEAR)
    services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR)
    with translation.override("en"), pytest.raises(ValidationError, match="already open"):
        services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR)
    # Another county: refused with the scope's message, in Chinese by default and in English on request.
    with pytest.raises(PermissionDenied, match="超出您的管辖范围"):
        services.cycle_open(actor=personas.county_staff, county=area.C2, year=THIS_YEAR)
    with translation.override("en"), pytest.raises(PermissionDenied, match="outside your area"):
        services.cycle_open(actor=personas.county_staff, county=area.C2, year=THIS_YEAR)


def test_population_from_the_previous_cycle(area, personas):
    h1, w1 = family(area.V1a, number="R-1")
    h2, w2 = family(area.V1b, number="R-2")
    h3, _w3 = family(area.V2a, number="R-3")
    prev = cycle(area.C, THIS_YEAR - 1)
    done = {"stage": Stage.DONE, "decided_on": date(THIS_YEAR - 1, 3, 20)}
    case(prev, h1, outcome="confirmed", **done)
    case(prev, w1, kind="new", outcome="confirmed", **done)
    case(prev, h2, outcome="refused", **done)  # refused: not a recipient
    case(prev, w2, kind="leaver", leave_reason="moved_out", outcome="confirmed", **done)  # a leaver
    case(prev, h3)  # never decided
    with CaptureQueriesContext(connection) as ctx:
        c, count = services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR)
    assert count == 2
    got = set(c.cases.values_list("member_id", "kind", "stage"))
    assert got == {(h1.pk, "recheck", "village"), (w1.pk, "recheck", "village")}
    small = CaptureQueriesContext(connection)
    # Constant: the same number of queries with more recipients.
    for i in range(5):
        h, _w = family(area.V1a, number=f"R-x{i}")
        case(c, h, outcome="confirmed", **{"stage": Stage.DONE, "decided_on": date(THIS_YEAR, 3, 20)})
    with small:
        _c2, count2 = services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR + 1)
    assert count2 == 5
    assert len(small.captured_queries) == len(ctx.captured_queries)


def test_first_year_population_from_the_engine(area, personas):
    h, w = family(area.V1a, number="E-1")
    family(area.C2.children.first().children.first(), number="E-2")  # another county
    c, count = services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR)
    assert count == 2
    assert set(c.cases.values_list("member_id", "scheme", "kind")) == {
        (h.pk, "death", "recheck"),
        (w.pk, "death", "recheck"),
    }


def test_the_whole_cycle_village_town_county(area, personas):
    h, _w = family(area.V1a, number="F-1")
    c = cycle(area.C, THIS_YEAR)
    k = case(c, h)
    services.case_confirm(actor=personas.village_cadre, case=k, opinion="入户核实", visited_on=date(THIS_YEAR, 2, 1))
    k.refresh_from_db()
    assert (k.stage, k.outcome, k.visited_on) == (Stage.TOWN, "pending", date(THIS_YEAR, 2, 1))
    with pytest.raises(PermissionDenied):  # the village's turn is over
        services.case_confirm(actor=personas.village_cadre, case=k)
    with pytest.raises(PermissionDenied):  # another town's cadre is outside the area
        services.case_confirm(actor=personas.other_town_cadre, case=k)
    services.case_confirm(actor=personas.town_cadre, case=k, opinion="同意")
    k.refresh_from_db()
    assert k.stage == Stage.COUNTY
    services.case_confirm(actor=personas.county_staff, case=k, opinion="批准")
    k.refresh_from_db()
    assert (k.stage, k.outcome, k.decided_on) == (Stage.DONE, "confirmed", timezone.localdate())
    steps = list(k.steps.values_list("stage", "action", "opinion", "by__username"))
    assert steps == [
        ("village", "confirm", "入户核实", "v1a_cadre"),
        ("town", "confirm", "同意", "t1_cadre"),
        ("county", "confirm", "批准", "c_staff"),
    ]
    with translation.override("en"), pytest.raises(ValidationError, match="already been decided"):
        services.case_confirm(actor=personas.county_staff, case=k)
    # The engine reads the outcome: the person's lines of the year are confirmed.
    lines = entitlements(area.C, [date(THIS_YEAR, 4, 1)], member_ids=[h.pk])
    assert lines
    assert all(line.confirmed for line in lines)


def test_send_back_needs_a_reason_and_goes_one_level_down(area, personas):
    h, _w = family(area.V1a, number="S-1")
    k = case(cycle(area.C, THIS_YEAR), h, stage=Stage.COUNTY)
    with translation.override("en"), pytest.raises(ValidationError, match="Say why the case is sent back"):
        services.case_send_back(actor=personas.county_staff, case=k, reason="  ")
    assert not ReviewStep.objects.exists()
    services.case_send_back(actor=personas.county_staff, case=k, reason="缺残疾人证")
    k.refresh_from_db()
    assert (k.stage, k.returned_reason) == (Stage.TOWN, "缺残疾人证")
    assert k.steps.get().action == ReviewStep.Action.RETURN
    services.case_send_back(actor=personas.town_cadre, case=k, reason="请补充")
    k.refresh_from_db()
    assert k.stage == Stage.VILLAGE
    with translation.override("en"), pytest.raises(ValidationError, match="no level to send it back to"):
        services.case_send_back(actor=personas.village_cadre, case=k, reason="x")
    services.case_confirm(actor=personas.village_cadre, case=k)
    k.refresh_from_db()
    assert k.returned_reason == ""


def test_refuse_decides_and_the_engine_stops_the_money(area, personas):
    h, _w = family(area.V1a, number="X-1")
    k = case(cycle(area.C, THIS_YEAR), h, stage=Stage.TOWN)
    with translation.override("en"), pytest.raises(ValidationError, match="Say why the case is refused"):
        services.case_refuse(actor=personas.town_cadre, case=k, opinion="")
    services.case_refuse(actor=personas.town_cadre, case=k, opinion="另有子女")
    k.refresh_from_db()
    today = timezone.localdate()
    assert (k.stage, k.outcome, k.decided_on) == (Stage.DONE, "refused", today)
    this_month = today.replace(day=1)
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    months = {line.month for line in entitlements(area.C, [this_month, next_month], member_ids=[h.pk])}
    assert months == {this_month}  # nothing from the month after the decision


def test_leaver_from_a_recheck_then_confirmed(area, personas):
    h, w = family(area.V1a, number="L-1")
    c = cycle(area.C, THIS_YEAR)
    k = case(c, h)
    with translation.override("en"), pytest.raises(ValidationError, match="reason for leaving"):
        services.leaver_record(actor=personas.village_cadre, cycle=c, member=h, scheme="death", reason="")
    leaver = services.leaver_record(actor=personas.village_cadre, cycle=c, member=h, scheme="death", reason="died")
    assert leaver.pk == k.pk
    assert (leaver.kind, leaver.leave_reason) == ("leaver", "died")
    fresh = services.leaver_record(actor=personas.village_cadre, cycle=c, member=w, scheme="death", reason="moved_out")
    assert fresh.kind == "leaver"
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be refused"):
        services.case_refuse(actor=personas.village_cadre, case=fresh, opinion="x")
    services.leaver_withdraw(actor=personas.village_cadre, case=fresh)
    fresh.refresh_from_db()
    assert (fresh.kind, fresh.leave_reason) == ("recheck", "")
    for actor in (personas.village_cadre, personas.town_cadre, personas.county_staff):
        services.case_confirm(actor=actor, case=leaver)
    leaver.refresh_from_db()
    assert (leaver.outcome, leaver.kind) == ("confirmed", "leaver")
    today = timezone.localdate()
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert not entitlements(area.C, [next_month], member_ids=[h.pk])
    # Next year the leaver is not re-checked; the other parent (confirmed as a re-check) is.
    services.case_confirm(actor=personas.village_cadre, case=fresh)
    services.case_confirm(actor=personas.town_cadre, case=fresh)
    services.case_confirm(actor=personas.county_staff, case=fresh)
    c2, _count = services.cycle_open(actor=personas.county_staff, county=area.C, year=THIS_YEAR + 1)
    assert list(c2.cases.values_list("member_id", flat=True)) == [w.pk]


def test_new_application_rules(area, personas):
    h, _w = family(area.V1a, number="N-1")
    c = cycle(area.C, THIS_YEAR)
    k = services.application_create(actor=personas.village_cadre, cycle=c, member=h, scheme="death")
    assert (k.kind, k.stage) == ("new", "village")
    with translation.override("en"), pytest.raises(ValidationError, match="already has a case"):
        services.application_create(actor=personas.village_cadre, cycle=c, member=h, scheme="death")
    child_holder = h.household.members.create(name="孙子", role="grandchild")
    with translation.override("en"), pytest.raises(ValidationError, match="Only a parent"):
        services.application_create(actor=personas.village_cadre, cycle=c, member=child_holder, scheme="death")
    other, _ = family(area.V2a, number="N-2")
    with pytest.raises(PermissionDenied):
        services.application_create(actor=personas.village_cadre, cycle=c, member=other, scheme="death")


def test_overdue_computed_at_read_time(area, personas):
    h, w = family(area.V1a, number="O-1")
    h2, _ = family(area.V1b, number="O-2")
    late = cycle(area.C, THIS_YEAR - 1)
    case(late, h)
    case(late, w, stage=Stage.TOWN)
    case(late, h2, stage=Stage.DONE, outcome="confirmed", decided_on=date(THIS_YEAR - 1, 3, 1))
    today = timezone.localdate()
    bench = selectors.workbench(personas.county_staff, late, today)
    assert bench.overdue == 2
    assert bench.overdue_by_stage == {"village": 1, "town": 1, "county": 0}
    assert selectors.days_overdue(late, "village", today) == (today - date(THIS_YEAR - 1, 2, 15)).days
    assert selectors.days_overdue(late, "done", today) == 0
    assert bench.by_stage == {"village": 1, "town": 1, "done": 1}
    assert {v.name: v.by_stage for v in bench.villages} == {
        "东关社区": {"village": 1, "town": 1},
        "大众街社区": {"done": 1},
    }
    # The town cadre of T2 sees nothing of T1.
    assert selectors.workbench(personas.other_town_cadre, late, today).by_stage == {}
    ahead = cycle(area.C, THIS_YEAR + 1)
    case(ahead, h)
    assert selectors.workbench(personas.county_staff, ahead, today).overdue == 0


def test_bulk_confirm_constant_queries(area, personas):
    c = cycle(area.C, THIS_YEAR)
    members = [family(area.V1a, number=f"B-{i}")[0] for i in range(6)]
    other, _ = family(area.V2a, number="B-T2")
    cases = [case(c, m) for m in members]
    outside = case(c, other)
    at_town = case(c, family(area.V1a, number="B-town")[0], stage=Stage.TOWN)

    def run(ids):
        with CaptureQueriesContext(connection) as ctx:
            n = services.cases_bulk_confirm(actor=personas.village_cadre, cycle=c, case_ids=ids, opinion="批量")
        return n, len(ctx.captured_queries)

    n2, q2 = run([cases[0].pk, cases[1].pk])
    n4, q4 = run([k.pk for k in cases[2:]] + [outside.pk, at_town.pk])
    assert (n2, n4) == (2, 4)
    assert q2 == q4
    assert ReviewCase.objects.filter(pk__in=[k.pk for k in cases], stage=Stage.TOWN).count() == 6
    outside.refresh_from_db()
    at_town.refresh_from_db()
    assert (outside.stage, at_town.stage) == (Stage.VILLAGE, Stage.TOWN)  # not the user's area or stage
    assert ReviewStep.objects.filter(opinion="批量", by=personas.village_cadre).count() == 6
    # The county's bulk confirmation decides.
    ReviewCase.objects.filter(pk__in=[k.pk for k in cases]).update(stage=Stage.COUNTY)
    assert services.cases_bulk_confirm(actor=personas.county_staff, cycle=c, case_ids=[k.pk for k in cases]) == 6
    assert set(ReviewCase.objects.filter(pk__in=[k.pk for k in cases]).values_list("outcome", "decided_on")) == {
        ("confirmed", timezone.localdate())
    }


def test_cycle_model_is_unique_per_year(area):
    cycle(area.C, THIS_YEAR)
    assert ReviewCycle.objects.filter(county=area.C).count() == 1


def test_a_review_opened_late_gets_its_own_deadlines(area, personas):
    year = timezone.localdate().year
    dates = {"village_by": date(year + 1, 1, 31), "town_by": date(year + 1, 2, 15), "county_by": date(year + 1, 2, 28)}
    with pytest.raises(ValidationError):
        services.cycle_open(actor=personas.county_staff, county=area.C, year=year,
                            deadlines=dates | {"town_by": date(year + 1, 1, 1)})  # fmt: skip
    opened, _count = services.cycle_open(actor=personas.county_staff, county=area.C, year=year, deadlines=dates)
    assert (opened.village_by, opened.town_by, opened.county_by) == tuple(dates.values())
    assert opened.applications_by <= opened.village_by
