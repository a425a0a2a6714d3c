"""The statistical forms' lifecycle: open → draft → submitted → accepted | returned → locked, reopen by the level
above, nil reports, typed figures and their reasons, and every refusal (a message, nothing written)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from accounts.roles import Role
from reports.models import Report, ReportTransition, ReportValue
from reports.statforms import selectors, services
from reports.statforms.services import CellInput
from reports.statforms.spec import WARM_MONTHLY, Period
from tests.factories import UserFactory
from tests.reports.statforms.helpers import activities, city_over

pytestmark = pytest.mark.django_db

NOV = Period.month(2026, 11)
AFTER = date(2026, 12, 3)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _open(user, unit, period=NOV):
    return services.report_open(actor=user, template_code="warm_monthly", unit=unit, period=period)


def _snapshot():
    return (
        list(Report.objects.values_list("id", "state", "nil", "return_reason").order_by("id")),
        list(ReportValue.objects.values_list("id", "typed", "reason").order_by("id")),
        ReportTransition.objects.count(),
    )


def test_town_fills_submits_county_accepts_and_locks_on_its_own_submission(area, personas):
    activities(area.V1a, 2)
    activities(area.T1, 1)  # the town's own level
    activities(area.T2, 4)
    county_t1_cadre = personas.town_cadre
    report = _open(county_t1_cadre, area.T1)
    assert report.state == Report.State.DRAFT

    form = selectors.form_build(template=WARM_MONTHLY, period=NOV, unit=area.T1, report=report)
    labels = [row.label for row in form.rows]
    assert labels[:2] == [area.V1a.name, area.V1b.name]
    assert form.total.cell("activities_sessions").shown == 3
    assert form.rows[0].cell("activities_sessions").counted == 2

    # A figure typed above the count needs no reason; below it, one.
    services.report_values_save(
        actor=county_t1_cadre,
        report=report,
        cells=[CellInput(area.V1b.pk, "activities_person_times", "12")],
    )
    with pytest.raises(ValidationError) as error:
        services.report_values_save(
            actor=county_t1_cadre, report=report, cells=[CellInput(area.V1a.pk, "activities_sessions", "1")]
        )
    assert "below the count" in str(error.value) or "低于" in str(error.value)
    services.report_values_save(
        actor=county_t1_cadre,
        report=report,
        cells=[CellInput(area.V1a.pk, "activities_sessions", "1", "一场活动重复登记")],
    )

    submitted = services.report_submit(actor=county_t1_cadre, report=report, at=_at(AFTER))
    assert submitted.state == Report.State.SUBMITTED
    assert submitted.deadline == date(2026, 12, 5)
    assert submitted.on_time
    frozen = {(v.row, v.row_unit_id, v.column): v for v in submitted.values.all()}
    assert frozen[("child", area.V1a.pk, "activities_sessions")].counted == 2
    assert frozen[("child", area.V1a.pk, "activities_sessions")].typed == 1
    assert frozen[("total", None, "activities_sessions")].value == 2  # 1 + 0 + 1 (own)
    assert frozen[("total", None, "activities_person_times")].value == 12

    # A record added after the submission changes nothing of the frozen report.
    activities(area.V1a, 5)
    again = selectors.form_build(template=WARM_MONTHLY, period=NOV, unit=area.T1)
    assert again.total.cell("activities_sessions").shown == 2

    # The county's form shows the town's submitted total, warns that it differs from the count, and adds up.
    county_form = selectors.form_build(template=WARM_MONTHLY, period=NOV, unit=area.C)
    t1_row = next(row for row in county_form.body if row.unit == area.T1)
    assert t1_row.cell("activities_sessions").shown == 2
    assert t1_row.cell("activities_sessions").counted == 8  # 7 in V1a, 1 at the town
    assert t1_row.cell("activities_sessions").differs
    assert county_form.warnings
    assert county_form.total.cell("activities_sessions").shown == 2 + 4
    assert selectors.form_sum_errors(county_form) == []

    accepted = services.report_accept(actor=personas.county_staff, report=submitted)
    assert accepted.state == Report.State.ACCEPTED
    county = _open(personas.county_staff, area.C)
    services.report_submit(actor=personas.county_staff, report=county, at=_at(date(2026, 12, 9)))
    accepted.refresh_from_db()
    assert accepted.state == Report.State.LOCKED
    actions = list(
        ReportTransition.objects.filter(report=accepted).order_by("id").values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("open", "", "draft"),
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "accepted"),
        ("lock", "accepted", "locked"),
    ]
    county_values = {(v.row, v.row_unit_id, v.column): v for v in county.values.all()}
    assert county_values[("child", area.T1.pk, "activities_sessions")].value == 2
    assert county_values[("total", None, "activities_sessions")].value == 6


def test_return_with_reason_then_resubmit_and_reopen_by_the_level_above(area, personas):
    report = _open(personas.town_cadre, area.T1)
    services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER))
    before = _snapshot()
    with pytest.raises(ValidationError):
        services.report_return(actor=personas.county_staff, report=report, reason="  ")
    assert _snapshot() == before
    returned = services.report_return(actor=personas.county_staff, report=report, reason="走访户数与台账不符")
    assert returned.state == Report.State.RETURNED
    assert returned.return_reason == "走访户数与台账不符"
    services.report_values_save(
        actor=personas.town_cadre, report=returned, cells=[CellInput(None, "activities_sessions", "1")]
    )
    resubmitted = services.report_submit(actor=personas.town_cadre, report=returned, at=_at(date(2026, 12, 8)))
    assert resubmitted.state == Report.State.SUBMITTED
    assert resubmitted.on_time is False  # resubmitted after the 5th
    reopened = services.report_reopen(actor=personas.county_staff, report=resubmitted, reason="补报一场活动")
    assert reopened.state == Report.State.DRAFT
    transition = ReportTransition.objects.filter(report=reopened).order_by("id").last()
    assert (transition.action, transition.reason, transition.by) == ("reopen", "补报一场活动", personas.county_staff)


def test_nil_report_is_reported_and_refused_when_the_records_count_something(area, personas):
    report = _open(personas.town_cadre, area.T2 if False else area.T1)
    nil = services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER), nil=True)
    assert (nil.state, nil.nil, nil.is_reported) == (Report.State.SUBMITTED, True, True)
    t2_cadre = personas.other_town_cadre
    activities(area.T2, 1)
    busy = _open(t2_cadre, area.T2)
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=t2_cadre, report=busy, at=_at(AFTER), nil=True)
    assert "nil" in str(error.value) or "零报告" in str(error.value)
    busy.refresh_from_db()
    assert busy.state == Report.State.DRAFT


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refusals_say_why_and_write_nothing(area, personas, language):
    activities(area.V1a, 3)
    report = _open(personas.town_cadre, area.T1)
    before = _snapshot()
    with translation.override(language):
        cases = [
            # submit before the period has ended
            lambda: services.report_submit(actor=personas.town_cadre, report=report, at=_at(date(2026, 11, 30))),
            # a negative figure, a text, below the count without a reason
            lambda: services.report_values_save(
                actor=personas.town_cadre, report=report, cells=[CellInput(area.V1b.pk, "needs_households", "-1")]
            ),
            lambda: services.report_values_save(
                actor=personas.town_cadre, report=report, cells=[CellInput(area.V1b.pk, "needs_households", "三")]
            ),
            lambda: services.report_values_save(
                actor=personas.town_cadre, report=report, cells=[CellInput(area.V1a.pk, "activities_sessions", "2")]
            ),
            # the total row is never typed
            lambda: services.report_values_save(
                actor=personas.town_cadre, report=report, cells=[CellInput(area.T1.pk, "activities_sessions", "9")]
            ),
        ]
        messages = []
        for case in cases:
            with pytest.raises(ValidationError) as error:
                case()
            messages.append(" ".join(error.value.messages))
    assert _snapshot() == before
    if language == "en":
        assert "has not ended" in messages[0]
        assert "negative" in messages[1]
        assert "not a number" in messages[2]
        assert "reason" in messages[3]


def test_a_submitted_report_cannot_be_edited_or_submitted_again(area, personas):
    report = _open(personas.town_cadre, area.T1)
    services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER))
    before = _snapshot()
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            services.report_values_save(
                actor=personas.town_cadre, report=report, cells=[CellInput(None, "activities_sessions", "3")]
            )
        assert "cannot be edited" in " ".join(error.value.messages)
        with pytest.raises(ValidationError):
            services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER))
    assert _snapshot() == before


def test_deciding_is_for_the_level_directly_above_and_never_on_ones_own(area, personas):
    report = _open(personas.town_cadre, area.T1)
    services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER))
    for actor in (
        personas.town_cadre,
        personas.other_town_cadre,
        personas.other_county_staff,
        personas.leader,
        personas.village_cadre,
    ):
        with pytest.raises(PermissionDenied):
            services.report_accept(actor=actor, report=report)
    # Acting outside one's area: another county's staff cannot fill this town's form either.
    with pytest.raises(PermissionDenied):
        services.report_values_save(
            actor=personas.other_county_staff, report=report, cells=[CellInput(None, "activities_sessions", "3")]
        )
    with pytest.raises(PermissionDenied):
        _open(personas.county_staff, area.T1)
    # A county's own report is decided by its city, not by the county itself.
    county = _open(personas.county_staff, area.C)
    services.report_submit(actor=personas.county_staff, report=county, at=_at(AFTER))
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=personas.county_staff, report=county)
    assert _snapshot()[0][0][1] == Report.State.SUBMITTED
    city = city_over(area.C, area.C2)
    city_staff = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    county.refresh_from_db()
    assert services.report_accept(actor=city_staff, report=county).state == Report.State.ACCEPTED


def test_city_submits_and_locks_its_counties(area, personas):
    city = city_over(area.C, area.C2)
    city_staff = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    activities(area.T1, 2)
    activities(area.T3, 5)
    county = _open(personas.county_staff, area.C)
    services.report_submit(actor=personas.county_staff, report=county, at=_at(AFTER))
    services.report_accept(actor=city_staff, report=county)
    form = selectors.form_build(template=WARM_MONTHLY, period=NOV, unit=city)
    assert [row.label for row in form.body] == [area.C.name, area.C2.name, pgettext("report row", "Own level")]
    assert form.total.cell("activities_sessions").shown == 7
    mine = _open(city_staff, city)
    services.report_submit(actor=city_staff, report=mine, at=_at(date(2026, 12, 14)))
    county.refresh_from_db()
    assert county.state == Report.State.LOCKED
    with pytest.raises(ValidationError):
        services.report_reopen(actor=city_staff, report=county, reason="更正")


def test_database_refuses_a_returned_report_without_reason_and_a_lowered_value_without_reason(area, personas):
    report = _open(personas.town_cadre, area.T1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(state=Report.State.RETURNED, return_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportValue.objects.create(
            report=report, row="own", column="activities_sessions", counted=Decimal(3), typed=Decimal(1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            template="warm_monthly",
            unit=area.T1,
            period_kind="month",
            period_key="2026-11",
            period_start=NOV.start,
            period_end=NOV.end,
        )


def test_a_template_whose_columns_do_not_add_up_is_refused_with_its_message(area, personas, monkeypatch):
    from dataclasses import replace

    from reports.statforms import spec

    broken = replace(
        WARM_MONTHLY,
        columns=(
            *WARM_MONTHLY.columns,
            spec.Column(
                "bad_sum", ("合计",), spec.Unit.HOUSEHOLDS, spec.Source.SUM, parts=("needs_households", "claims_amount")
            ),
        ),
    )
    monkeypatch.setitem(spec.TEMPLATES, "warm_monthly", broken)
    report = _open(personas.town_cadre, area.T1)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.report_submit(actor=personas.town_cadre, report=report, at=_at(AFTER))
    text = " ".join(error.value.messages)
    assert "not sound" in text
    assert "bad_sum" in text
    assert "not the same unit" in text
    report.refresh_from_db()
    assert report.state == Report.State.DRAFT
