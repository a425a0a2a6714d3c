"""seed_demo's medical work (issue 16): the demo county's designated institutions, cards, uses with a stay whose
hand-over is open, contracts (some refused, some not served), this year's checks, diseases of the three batches,
doctor1's mental-health assessments (one high, its urgent follow-up on the doctor's worklist); the same for the same
seed, and a second run changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from demo.contacts import seed_contacts
from demo.medical import demo_medical_seed
from demo.services import demo_households_seed
from medical.mental.services import URGENT_CONTACT, URGENT_DOCTOR
from medical.models import (
    ChannelUse,
    Contract,
    Diagnosis,
    DiseaseFollowUp,
    GreenCard,
    HealthCheck,
    Institution,
    MentalAssessment,
    TreatmentCost,
)
from medical.services import HANDOVER
from regions.models import Region
from reports.models import MedicalSnapshot
from tests.factories import UserFactory
from visits.models import EventPeriod, OverdueFlag
from visits.selectors import my_households, work_items

pytestmark = pytest.mark.django_db

REGIONS = Path(__file__).resolve().parents[2] / "demo" / "regions_sample.csv"
TODAY = date(2026, 3, 1)
MODELS = (
    MentalAssessment,
    GreenCard,
    HealthCheck,
    Contract,
    ChannelUse,
    DiseaseFollowUp,
    TreatmentCost,
    Diagnosis,
    Institution,
)


@pytest.fixture
def county() -> Region:
    call_command("load_regions", str(REGIONS))
    county = Region.objects.get(code="630103")
    demo_households_seed(seed=5, county=county, count=80)
    village = county.children.order_by("code").first().children.order_by("code").first()
    UserFactory(username="village1", role="village_cadre", region=village)
    UserFactory(username="doctor1", role="family_doctor", region=village.parent)
    seed_contacts(seed=5, county=county, today=TODAY)
    return county


def snapshot() -> tuple:
    return (
        list(Institution.objects.order_by("name").values_list("name", "level", "responsible_name", "region__code")),
        list(GreenCard.objects.order_by("member__id_number").values_list("member__id_number", "kind", "issued_on")),
        list(
            Contract.objects.order_by("household__number").values_list(
                "household__number", "doctor__phone", "starts_on", "status"
            )
        ),
        list(HealthCheck.objects.order_by("member__id_number").values_list("member__id_number", "checked_on", "items")),
        list(
            Diagnosis.objects.order_by("member__id_number", "disease").values_list(
                "member__id_number", "disease", "treatment_class", "next_due"
            )
        ),
        list(ChannelUse.objects.order_by("household__number", "used_on").values_list("household__number", "kind")),
        list(
            MentalAssessment.objects.order_by("household__number", "assessed_on").values_list(
                "household__number", "member__id_number", "assessed_on", "instrument", "total", "band", "risk_level"
            )
        ),
    )


def test_the_demo_countys_medical_year(county):
    seeded = demo_medical_seed(seed=5, county=county, today=TODAY)
    assert seeded is not None
    names = set(Institution.objects.values_list("name", flat=True))
    assert "城中区人民医院" in names
    assert "总寨镇卫生院" in names
    assert "人民街街道社区卫生服务中心" in names
    assert Institution.objects.working().count() == Institution.objects.count() - 1
    # Cards for most members, contracts for most households, refusals and unserved ones among them.
    assert GreenCard.objects.count() > 0.7 * county_members(county)
    assert Contract.objects.filter(status="signed").count() > 60
    assert Contract.objects.filter(end_reason="refused").exists()
    snap = MedicalSnapshot.objects.all()
    assert sum(s.unserved for s in snap) >= 1
    assert sum(s.signed for s in snap) < sum(s.willing for s in snap)
    assert sum(s.checks_done for s in snap) > 0.5 * sum(s.checks_due for s in snap)
    # A stay discharged yesterday: its hand-over is open on the worklist (due in 3 days), the older ones are done.
    recent = ChannelUse.objects.get(kind="inpatient", discharged_on=TODAY - timedelta(days=1))
    handover = EventPeriod.objects.get(source=f"medical.channeluse:{recent.pk}", rule__code=HANDOVER)
    assert handover.due == TODAY + timedelta(days=2)
    assert ChannelUse.objects.filter(kind="inpatient").count() >= 3
    # Diseases of the three batches, with follow-ups and costs; chronic ones on the doctor's worklist.
    classes = set(Diagnosis.objects.values_list("treatment_class", flat=True))
    assert {"chronic", "centralised"} <= classes
    assert DiseaseFollowUp.objects.exists()
    assert TreatmentCost.objects.exists()
    assert EventPeriod.objects.filter(rule__code="chronic_follow_up").exists()
    assert OverdueFlag.objects.open().filter(rule__code="chronic_follow_up").exists()  # a few are overdue
    # doctor1's mental-health assessments this year, with consent: most low, one high whose urgent follow-up is open
    # on the doctor's worklist.
    doctor = User.objects.get(username="doctor1")
    assessments = list(MentalAssessment.objects.order_by("assessed_on"))
    assert seeded.assessments == len(assessments) == 5
    assert all(a.assessor == doctor and a.consent and a.assessed_on.year == TODAY.year for a in assessments)
    assert all(a.household.village.path.startswith(doctor.region.path) for a in assessments)
    assert [a.risk_level for a in assessments].count("low") == 4
    (high,) = [a for a in assessments if a.risk_level == "high"]
    assert high.urgent
    assert set(EventPeriod.objects.filter(household=high.household).values_list("rule__code", flat=True)) >= {
        URGENT_DOCTOR,
        URGENT_CONTACT,
    }
    flag = OverdueFlag.objects.open().get(household=high.household, rule__code=URGENT_DOCTOR)
    assert flag.period_start == high.assessed_on
    worklist = my_households(user=doctor, on=TODAY)
    assert high.household_id in {h.pk for h in worklist}
    (item,) = work_items(households=[h for h in worklist if h.pk == high.household_id], on=TODAY, user=doctor)
    assert URGENT_DOCTOR in {f.rule.code for f in item.overdue}
    assert not OverdueFlag.objects.open().filter(rule__code=URGENT_DOCTOR).exclude(household=high.household).exists()


def county_members(county: Region) -> int:
    from households.models import Member

    return Member.objects.filter(household__county=county, household__status="active", alive=True).count()


def test_same_seed_same_data_and_a_second_run_changes_nothing(county):
    demo_medical_seed(seed=5, county=county, today=TODAY)
    first = snapshot()
    assert demo_medical_seed(seed=5, county=county, today=TODAY) is None
    assert snapshot() == first
    EventPeriod.objects.filter(source__startswith="medical.").delete()
    OverdueFlag.objects.all().delete()
    for model in MODELS:
        model.objects.all().delete()
    demo_medical_seed(seed=5, county=county, today=TODAY)
    assert snapshot() == first
