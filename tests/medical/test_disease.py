"""Disease and treatment (issue 16 part 6, seed 004 "三个一批"): diagnoses with their treatment class, follow-ups, costs
and reimbursement; a chronic patient's follow-up on the family doctor's worklist through the visits engine's event
rules (due, overdue the day after, closed by the doctor's contact or moved by a follow-up); bad input refused with
nothing written, in English and Chinese; outside the area 404; cadres see no disease (403, nothing on the page)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from audit.models import AccessEvent
from medical.disease import selectors, services
from medical.models import Diagnosis, DiseaseFollowUp, TreatmentCost
from visits.engine import overdue_refresh
from visits.models import EventPeriod, HouseholdUrgency, OverdueFlag, Rule, Visit

pytestmark = pytest.mark.django_db

DIAGNOSED = date(2025, 3, 1)
TODAY = date(2025, 6, 30)


@pytest.fixture
def only_chronic_rule(area):
    rule = services.chronic_rule_ensure(county=area.C)
    Rule.objects.filter(rule_set__county=area.C).exclude(pk=rule.pk).update(active=False)
    return rule


def _diagnose(family, personas, **kw) -> Diagnosis:
    fields = {
        "member": family.husband,
        "disease": Diagnosis.Disease.HYPERTENSION,
        "diagnosed_on": DIAGNOSED,
        "treatment_class": Diagnosis.TreatmentClass.CHRONIC,
        "follow_up_days": 30,
        "today": TODAY,
        **kw,
    }
    return services.diagnosis_record(actor=personas.county_staff, household=family.household, **fields)


def _open(family) -> set[str]:
    return set(OverdueFlag.objects.open().filter(household=family.household).values_list("rule__code", flat=True))


def test_a_chronic_patients_follow_up_is_on_the_doctors_worklist(family, personas, only_chronic_rule):
    d = _diagnose(family, personas)
    assert d.status == Diagnosis.Status.MANAGED
    assert d.next_due == date(2025, 3, 31)
    period = EventPeriod.objects.get(household=family.household, rule=only_chronic_rule)
    assert (period.start, period.due) == (date(2025, 3, 17), date(2025, 3, 31))  # the 14-day window before due
    assert only_chronic_rule.by_family_doctor

    overdue_refresh(as_of=date(2025, 3, 20))
    assert HouseholdUrgency.objects.get(household=family.household).next_due == date(2025, 3, 31)
    overdue_refresh(as_of=date(2025, 3, 31))
    assert _open(family) == set()
    overdue_refresh(as_of=date(2025, 4, 1))
    assert _open(family) == {services.CHRONIC_FOLLOW_UP}

    # A cadre's call does not count; the follow-up recorded moves the period and the flag closes.
    Visit.objects.create(
        household=family.household,
        date=date(2025, 4, 2),
        method=Visit.Method.PHONE,
        visitor_role=Visit.VisitorRole.VILLAGE_CADRE,
        visitor_name="x",
    )
    overdue_refresh(as_of=date(2025, 4, 2))
    assert _open(family) == {services.CHRONIC_FOLLOW_UP}
    f = services.follow_up_record(
        actor=family.doctor_user,
        diagnosis=d,
        followed_on=date(2025, 4, 3),
        by_person=family.doctor,
        method=DiseaseFollowUp.Method.HOME,
        result=DiseaseFollowUp.Result.STABLE,
        result_note="血压 135/85",
        today=date(2025, 4, 3),
    )
    d.refresh_from_db()
    assert f.next_due == d.next_due == date(2025, 5, 3)
    period = EventPeriod.objects.get(household=family.household, rule=only_chronic_rule)
    assert (period.start, period.due) == (date(2025, 4, 19), date(2025, 5, 3))
    overdue_refresh(as_of=date(2025, 4, 3))
    assert _open(family) == set()

    # The doctor's phone call in the window meets the next one.
    Visit.objects.create(
        household=family.household,
        date=date(2025, 4, 25),
        method=Visit.Method.PHONE,
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        visitor_name="王医生",
    )
    overdue_refresh(as_of=date(2025, 5, 4))
    assert _open(family) == set()

    # Cured: no period any more.
    services.diagnosis_update(
        actor=personas.county_staff,
        diagnosis=d,
        treatment_class=Diagnosis.TreatmentClass.CHRONIC,
        status=Diagnosis.Status.CURED,
        follow_up_days=30,
        closed_on=date(2025, 5, 10),
        today=TODAY,
    )
    assert not EventPeriod.objects.filter(household=family.household).exists()


def test_other_classes_open_nothing_and_the_class_can_change(family, personas, only_chronic_rule):
    d = _diagnose(family, personas, disease=Diagnosis.Disease.CATARACT, treatment_class="centralised")
    assert d.next_due is None
    assert d.status == Diagnosis.Status.TREATING
    assert not EventPeriod.objects.exists()
    services.diagnosis_update(
        actor=personas.county_staff,
        diagnosis=d,
        treatment_class=Diagnosis.TreatmentClass.CHRONIC,
        status=Diagnosis.Status.MANAGED,
        follow_up_days=90,
        today=TODAY,
    )
    assert d.next_due == TODAY + timedelta(days=90)
    assert EventPeriod.objects.filter(source=f"medical.diagnosis:{d.pk}").count() == 1


def test_costs_and_reimbursement(family, personas):
    d = _diagnose(family, personas, disease=Diagnosis.Disease.GASTRIC_CANCER, treatment_class="safety_net")
    cost = services.cost_record(
        actor=personas.county_staff,
        diagnosis=d,
        incurred_on=date(2025, 4, 1),
        kind=TreatmentCost.Kind.INPATIENT,
        total=Decimal("30000.00"),
        insurance=Decimal("18000"),
        serious_illness=Decimal("6000"),
        safety_net=Decimal("3000"),
        today=TODAY,
    )
    assert cost.reimbursed == Decimal("27000")
    assert cost.self_paid == Decimal("3000")
    totals = selectors.cost_year_totals(user=personas.county_staff, year=2025)
    assert totals["total"] == Decimal("30000")
    assert totals["self_paid"] == Decimal("3000")
    counts = {c.treatment_class: (c.persons, c.open) for c in selectors.class_counts(user=personas.county_staff)}
    assert counts["safety_net"] == (1, 1)
    assert counts["chronic"] == (0, 0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ("future_diagnosis", "diagnosed_on"),
        ("other_without_name", "disease_name"),
        ("follow_up_before_diagnosis", "followed_on"),
        ("next_before", "next_due"),
        ("nobody", "by_person"),
        ("reimbursed_above_total", "total"),
        ("negative", "insurance"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(family, personas, call, field):
    d = _diagnose(family, personas)
    before = (Diagnosis.objects.count(), DiseaseFollowUp.objects.count(), TreatmentCost.objects.count())
    staff = personas.county_staff
    fu = {"diagnosis": d, "method": "home", "result": "stable", "by_person": family.doctor, "today": TODAY}
    cost = {"diagnosis": d, "incurred_on": TODAY, "kind": "outpatient", "today": TODAY}
    calls = {
        "future_diagnosis": lambda: _diagnose(family, personas, diagnosed_on=TODAY + timedelta(days=1)),
        "other_without_name": lambda: _diagnose(family, personas, disease="other"),
        "follow_up_before_diagnosis": lambda: services.follow_up_record(
            actor=staff, **{**fu, "followed_on": date(2025, 2, 1)}
        ),
        "next_before": lambda: services.follow_up_record(
            actor=staff, **{**fu, "followed_on": date(2025, 4, 1), "next_due": date(2025, 4, 1)}
        ),
        "nobody": lambda: services.follow_up_record(actor=staff, **{**fu, "by_person": None, "followed_on": TODAY}),
        "reimbursed_above_total": lambda: services.cost_record(
            actor=staff, **cost, total=Decimal(100), insurance=Decimal(80), assistance=Decimal(30)
        ),
        "negative": lambda: services.cost_record(actor=staff, **cost, total=Decimal(100), insurance=Decimal(-1)),
    }
    with pytest.raises(ValidationError) as exc:
        calls[call]()
    assert field in exc.value.message_dict
    assert (Diagnosis.objects.count(), DiseaseFollowUp.objects.count(), TreatmentCost.objects.count()) == before


def test_the_pages_in_english_and_chinese(family, personas, client_for):
    d = _diagnose(family, personas)
    client = client_for(personas.county_staff)
    url = reverse("medical:disease:cost_add", args=[d.pk])
    data = {"incurred_on": "2025-04-01", "kind": "outpatient", "total": "100", "insurance": "80", "assistance": "30"}
    client.cookies["django_language"] = "en"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "are more than the total cost" in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "保存" in response.content.decode()  # the page in Chinese (the new message's 中文 comes with locale/)
    assert TreatmentCost.objects.count() == 0

    with translation.override("en"):
        response = client.post(
            reverse("medical:disease:follow_up_add", args=[d.pk]),
            {"followed_on": "2025-04-03", "method": "home", "result": "stable", "by_person": family.doctor.pk},
        )
    assert response.status_code == 302
    page = client.get(reverse("medical:disease:household", args=[family.household.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025-05-03" in html
    assert family.husband.name in html
    assert client.get(reverse("medical:disease:due")).status_code == 200
    new = client.post(
        reverse("medical:disease:diagnosis_add", args=[family.household.pk]),
        {
            "member": family.wife.pk,
            "disease": "diabetes",
            "diagnosed_on": "2025-05-01",
            "treatment_class": "chronic",
            "follow_up_days": "90",
        },
    )
    assert new.status_code == 302
    assert Diagnosis.objects.filter(member=family.wife, next_due=date(2025, 7, 30)).exists()


def _urls(d, household) -> list[tuple[str, dict]]:
    return [
        (reverse("medical:disease:household", args=[household.pk]), {}),
        (reverse("medical:disease:diagnosis_add", args=[household.pk]), {"disease": "diabetes"}),
        (reverse("medical:disease:diagnosis_edit", args=[d.pk]), {"status": "cured", "closed_on": "2025-05-01"}),
        (reverse("medical:disease:follow_up_add", args=[d.pk]), {"followed_on": "2025-04-03", "method": "home"}),
        (reverse("medical:disease:cost_add", args=[d.pk]), {"incurred_on": "2025-04-01", "total": "1"}),
    ]


MATRIX_URLS = {
    "medical:disease:household",
    "medical:disease:diagnosis_add",
    "medical:disease:diagnosis_edit",
    "medical:disease:follow_up_add",
    "medical:disease:cost_add",
}


def _state():
    return (
        list(Diagnosis.objects.values_list("status", "treatment_class")),
        DiseaseFollowUp.objects.count(),
        (TreatmentCost.objects.count()),
    )


@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre", "no_area"])
def test_outside_the_area_404_and_nothing_changes(family, personas, client_for, actor):
    d = _diagnose(family, personas)
    client = client_for(getattr(personas, actor))
    before = _state()
    for url, data in _urls(d, family.household):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code in (404, 405), url  # the household's page is GET only
    assert _state() == before


@pytest.mark.parametrize("actor", ["village_cadre", "town_cadre", "leader"])
def test_cadres_and_leaders_see_no_disease(family, personas, client_for, actor):
    d = _diagnose(family, personas, note="不可外泄的病情")
    client = client_for(getattr(personas, actor))
    before = _state()
    for url, data in [*_urls(d, family.household), (reverse("medical:disease:due"), {})]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "不可外泄" not in response.content.decode()
        assert client.post(url, data).status_code in (403, 405)
    assert _state() == before
    # The household's medical page shows them no link to the diseases.
    page = client.get(reverse("medical:household", args=[family.household.pk]))
    assert reverse("medical:disease:household", args=[family.household.pk]) not in page.content.decode()


def test_the_family_doctor_reads_and_records_and_the_read_is_logged(family, personas, client_for):
    d = _diagnose(family, personas)
    client = client_for(family.doctor_user)
    assert client.get(reverse("medical:disease:household", args=[family.household.pk])).status_code == 200
    assert AccessEvent.objects.filter(actor=family.doctor_user, detail__page="diseases").exists()
    assert client.get(reverse("medical:disease:follow_up_add", args=[d.pk])).status_code == 200
