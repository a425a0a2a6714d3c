"""Demo medical work of the demo county (issue 16): designated institutions of 西宁城中区 (the district hospital, a
community health service centre per street and 总寨镇's health centre, village clinics), green-channel cards for
most members, a year of green-channel uses with a few hospital stays (one discharged yesterday, so its hand-over
to the family doctor is open), family-doctor contracts for most households (a few refused, a few not served for
90 days), this year's health checks for most members 60 and over, some diagnosed diseases with their
treatment class of the "three batches", follow-ups and costs, and this year's mental-health assessments by the demo
family doctor (doctor1) with the persons' consent: most low, one high whose urgent follow-up is open on the
doctor's worklist.

Deterministic for a seed (one random.Random, rows in a fixed order), fast (bulk_create, a few dozen queries) and
safe to run again: a county that already has designated institutions is left as it is. The people named are the
demo's own (the contacts' people who serve, generated names): no real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from accounts.models import User
from contacts.models import Assignment, ServicePerson
from demo.households import mobile
from households.models import Household, Member
from medical.disease.services import chronic_rule_ensure, follow_up_period
from medical.mental.services import assessment_record
from medical.models import (
    ChannelUse,
    Contract,
    Diagnosis,
    DiseaseFollowUp,
    GreenCard,
    HealthCheck,
    Institution,
    TreatmentCost,
)
from medical.services import DOCTOR_VISIT, HANDOVER, discharge_rules_ensure, settings_for
from regions.models import Region
from visits.models import EventPeriod, Visit

S = Institution.Service
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美兰霞平刚桂英建国志红梅玉兰海燕春晓东"
FINDINGS = ["", "", "", "血压偏高 150/95", "空腹血糖 7.8 mmol/L", "尿酸偏高", "心电图：窦性心动过缓", "B超：脂肪肝"]
FOLLOW = {"血压偏高 150/95": "低盐饮食，每周测血压，一月后复查", "空腹血糖 7.8 mmol/L": "控制饮食，三月后复查血糖"}


@dataclass(frozen=True)
class MedicalSeeded:
    institutions: int
    cards: int
    uses: int
    contracts: int
    checks: int
    diagnoses: int
    assessments: int


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _institutions(rng: random.Random, county: Region) -> list[Institution]:
    rows = [
        Institution(
            county=county,
            region=county,
            name=f"{county.name}人民医院",
            level=Institution.Level.COUNTY,
            grade=Institution.Grade.GRADE_2,
            address=f"西宁市{county.name}南大街",
            responsible_name=_name(rng),
            responsible_phone=mobile(rng),
            liaison_name=_name(rng),
            liaison_phone=mobile(rng),
            rules_summary="计划生育特殊家庭凭扶助证或就医卡优先挂号、就诊、检查、缴费、取药、住院；急诊绿色通道；导诊陪诊。",
            services=[
                S.REGISTRATION,
                S.CONSULTATION,
                S.EXAMINATION,
                S.PAYMENT,
                S.MEDICINE,
                S.BED,
                S.EMERGENCY,
                S.GUIDE,
            ],
            priority_window=True,
        )
    ]
    for i, town in enumerate(county.children.order_by("code")):
        street = town.name.endswith("街道")
        rows.append(
            Institution(
                county=county,
                region=town,
                name=f"{town.name}社区卫生服务中心" if street else f"{town.name}卫生院",
                level=Institution.Level.COMMUNITY if street else Institution.Level.TOWNSHIP,
                grade=Institution.Grade.GRADE_1,
                address=f"{county.name}{town.name}",
                # One centre has no responsible person named yet: its channel is not working (coverage < 100 %).
                responsible_name="" if i == 2 else _name(rng),
                responsible_phone="" if i == 2 else mobile(rng),
                rules_summary="特殊家庭优先挂号、优先就诊、免挂号费；家庭医生双向转诊。",
                services=[S.REGISTRATION, S.CONSULTATION, S.FREE_REGISTRATION, S.REFERRAL],
                priority_window=i % 2 == 0,
            )
        )
        village = town.children.order_by("code").first()
        if village is not None:
            rows.append(
                Institution(
                    county=county,
                    region=village,
                    name=f"{village.name}卫生室",
                    level=Institution.Level.VILLAGE_CLINIC,
                    responsible_name=_name(rng),
                    responsible_phone=mobile(rng),
                    rules_summary="村医上门随访，优先转诊。",
                    services=[S.CONSULTATION, S.REFERRAL],
                )
            )
    return Institution.objects.bulk_create(rows)


def _doctors(county: Region, today: date) -> tuple[dict[int, ServicePerson], dict[int, list[ServicePerson]]]:
    """The family doctor of each household (its four-on-one post) and the doctors of each town."""
    by_household = {
        a.household_id: a.person
        for a in Assignment.objects.current(on=today)
        .holders()
        .filter(household__county=county, slot=ServicePerson.RoleType.FAMILY_DOCTOR)
        .select_related("person")
        .order_by("household_id", "id")
    }
    by_town: dict[int, list[ServicePerson]] = {}
    for person in ServicePerson.objects.filter(
        role_type=ServicePerson.RoleType.FAMILY_DOCTOR, active=True, region__path__startswith=county.path
    ).order_by("id"):
        by_town.setdefault(person.region_id, []).append(person)
    return by_household, by_town


def demo_medical_seed(*, seed: int, county: Region, today: date) -> MedicalSeeded | None:  # noqa: C901 - one pass over the households, one branch per kind of row
    """The county's medical year (None when the county already has its institutions: nothing is changed)."""
    if Institution.objects.filter(county=county).exists():
        return None
    rng = random.Random(f"medical-{seed}")
    institutions = _institutions(rng, county)
    hospital = institutions[0]
    centre_of = {i.region_id: i for i in institutions if i.level != Institution.Level.VILLAGE_CLINIC}
    rules = discharge_rules_ensure(county=county)
    chronic_rule = chronic_rule_ensure(county=county)
    conf = settings_for(county)
    households = list(
        Household.objects.filter(county=county, status=Household.Status.ACTIVE)
        .select_related("village")
        .order_by("number")
    )
    members: dict[int, list[Member]] = {}
    for m in Member.objects.filter(household__in=households, alive=True).order_by("household_id", "id"):
        members.setdefault(m.household_id, []).append(m)
    doctor_of, town_doctors = _doctors(county, today)

    def doctor(h: Household) -> ServicePerson | None:
        found = doctor_of.get(h.pk)
        if found is None:
            pool = town_doctors.get(h.village.parent_id) if h.village else None
            found = pool[0] if pool else None
        return found

    def centre(h: Household) -> Institution:
        return centre_of.get(h.village.parent_id, hospital) if h.village else hospital

    cards, uses, contracts, checks, visits = [], [], [], [], []
    stays: list[ChannelUse] = []
    year_start = date(today.year, 1, 1)
    for n, h in enumerate(households):
        people = members.get(h.pk, [])
        for m in people:
            if rng.random() < 0.85:
                cards.append(
                    GreenCard(
                        household=h,
                        member=m,
                        kind=rng.choice(
                            [GreenCard.Kind.CONVENIENCE, GreenCard.Kind.LOVE, GreenCard.Kind.GREEN_CHANNEL]
                        ),
                        number=f"ZQ{today.year % 100:02d}{rng.randrange(10**6):06d}",
                        issued_on=today - timedelta(days=rng.randrange(30, 720)),
                    )
                )
            born = m.birth_date
            if born and born <= date(today.year - conf.check_age, 12, 31) and rng.random() < 0.75:
                finding = rng.choice(FINDINGS)
                checks.append(
                    HealthCheck(
                        household=h,
                        member=m,
                        checked_on=year_start + timedelta(days=rng.randrange(max(1, (today - year_start).days))),
                        institution=centre(h),
                        items=rng.sample([i.value for i in HealthCheck.Item], k=rng.randrange(4, 8)),
                        abnormal_findings=finding,
                        follow_up=FOLLOW.get(finding, "定期复查" if finding else ""),
                    )
                )
        doc = doctor(h)
        roll = rng.random()
        if doc is not None and roll < 0.9:
            start = today - timedelta(days=rng.randrange(20, 360))
            contracts.append(
                Contract(
                    household=h,
                    doctor=doc,
                    team=f"{doc.unit or '家庭医生'}团队",
                    clinic=centre(h).name,
                    starts_on=start,
                    ends_on=Contract.default_end(start),
                    packages=[Contract.Package.BASIC, Contract.Package.HEALTH_MANAGEMENT][: 1 + (n % 2)],
                    personalised=n % 7 == 0,
                    personalised_fee=Decimal(200) if n % 7 == 0 else None,
                    personalised_note="康复、心理、营养" if n % 7 == 0 else "",
                )
            )
            # The doctor's contacts: every signed household but a few (签而不约: no contact in the county's days).
            if start < today - timedelta(days=conf.unserved_days) and n % 11 == 5:
                pass
            elif people:
                visits.append(
                    Visit(
                        household=h,
                        date=today - timedelta(days=rng.randrange(1, min(80, (today - start).days + 1))),
                        method=rng.choice([Visit.Method.PHONE, Visit.Method.HOME]),
                        visitor=doc,
                        visitor_name=doc.name,
                        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
                        health="血压平稳" if rng.random() < 0.5 else "",
                    )
                )
        elif doc is not None and roll < 0.94:  # refused: last year's contract ended as refused
            start = today - timedelta(days=rng.randrange(400, 700))
            contracts.append(
                Contract(
                    household=h,
                    doctor=doc,
                    starts_on=start,
                    ends_on=Contract.default_end(start),
                    status=Contract.Status.ENDED,
                    ended_on=start + timedelta(days=200),
                    end_reason=Contract.EndReason.REFUSED,
                    end_note="不愿签约",
                    packages=[Contract.Package.BASIC],
                )
            )
        if people and rng.random() < 0.25:
            m = rng.choice(people)
            inst = rng.choice([hospital, centre(h)])
            day = today - timedelta(days=rng.randrange(5, 360))
            uses.append(
                ChannelUse(
                    household=h,
                    member=m,
                    institution=inst,
                    used_on=day,
                    kind=rng.choice(
                        [ChannelUse.Kind.OUTPATIENT, ChannelUse.Kind.OUTPATIENT, ChannelUse.Kind.EMERGENCY]
                    ),
                    services=list(inst.services[:3]),
                    fee_waived=Decimal(rng.choice([0, 5, 10, 12])),
                )
            )
        if people and len(stays) < 6 and n % 9 == 4:
            # Hospital stays: the latest discharged yesterday (its hand-over is open), the others weeks ago.
            discharged = today - timedelta(days=1 if not stays else 20 + 25 * len(stays))
            admitted = discharged - timedelta(days=rng.randrange(4, 12))
            stays.append(
                ChannelUse(
                    household=h,
                    member=people[0],
                    institution=hospital,
                    used_on=admitted,
                    kind=ChannelUse.Kind.INPATIENT,
                    services=[S.BED, S.EXAMINATION, S.GUIDE],
                    fee_waived=Decimal(20),
                    ambulance=len(stays) == 1,
                    admitted_on=admitted,
                    discharged_on=discharged,
                    handover_to=doc,
                    note="出院后交家庭医生随访",
                )
            )
    GreenCard.objects.bulk_create(cards)
    HealthCheck.objects.bulk_create(checks)
    Contract.objects.bulk_create(contracts)
    ChannelUse.objects.bulk_create(uses)
    ChannelUse.objects.bulk_create(stays)
    Visit.objects.bulk_create(visits)
    periods = []
    for use in stays:  # the discharge loop's first two steps (the night opens the contact's after the doctor's)
        day = use.discharged_on
        assert day is not None
        source = f"medical.channeluse:{use.pk}"
        periods += [
            EventPeriod(
                household=use.household,
                rule=rules[HANDOVER],
                key=day.isoformat(),
                start=day,
                due=day + timedelta(days=conf.handover_days),
                source=source,
            ),
            EventPeriod(
                household=use.household,
                rule=rules[DOCTOR_VISIT],
                key=day.isoformat(),
                start=day,
                due=day + timedelta(days=conf.doctor_visit_days),
                source=source,
            ),
        ]
        if use.discharged_on < today - timedelta(days=15) and use.handover_to is not None:
            # The older stays were followed up: the doctor's home visit a few days after the discharge.
            Visit.objects.create(
                household=use.household,
                date=day + timedelta(days=2),
                method=Visit.Method.HOME,
                visitor=use.handover_to,
                visitor_name=use.handover_to.name,
                visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
                health="出院后恢复良好",
            )
    diagnoses = _diseases(rng, households, members, doctor, centre, hospital, today)
    for d, last in diagnoses:
        period = follow_up_period(d, last_follow_up=last)
        if period is not None:
            periods.append(
                EventPeriod(
                    household=d.household,
                    rule=chronic_rule,
                    key=period[0].isoformat(),
                    start=period[0],
                    due=period[1],
                    source=f"medical.diagnosis:{d.pk}",
                )
            )
    EventPeriod.objects.bulk_create(periods, ignore_conflicts=True)
    assessed = _mental_assessments(households, members, doctor_of, today)
    # The night's work for the new rows: the discharge loop's next steps and the worklist (the engine), the inbox's
    # messages for the flags that opens (as the night does: a second run then has nothing left to say), the
    # dashboard's medical coverages.
    from reports.services import medical_nightly_run
    from visits.engine import overdue_refresh
    from visits.services import notifications_refresh

    medical_nightly_run(as_of=today)
    overdue_refresh(as_of=today, household_ids=sorted({p.household_id for p in periods} | set(assessed)))
    notifications_refresh(as_of=today)
    return MedicalSeeded(
        institutions=len(institutions),
        cards=len(cards),
        uses=len(uses) + len(stays),
        contracts=len(contracts),
        checks=len(checks),
        diagnoses=len(diagnoses),
        assessments=len(assessed),
    )


CHRONIC = [Diagnosis.Disease.HYPERTENSION, Diagnosis.Disease.DIABETES, Diagnosis.Disease.STROKE, Diagnosis.Disease.COPD]
MAJOR = [Diagnosis.Disease.CATARACT, Diagnosis.Disease.GASTRIC_CANCER, Diagnosis.Disease.END_STAGE_RENAL]


def _diseases(rng, households, members, doctor, centre, hospital, today):  # type: ignore[no-untyped-def]
    """Some members' diseases: chronic ones under contracted management with their follow-ups (most up to date, a
    few overdue), major ones in centralised treatment or on the safety net with their costs."""
    diagnoses: list[tuple[Diagnosis, date | None]] = []
    follow_ups: list[DiseaseFollowUp] = []
    costs: list[TreatmentCost] = []
    rows: list[tuple[Diagnosis, list[DiseaseFollowUp], list[TreatmentCost]]] = []
    for n, h in enumerate(households):
        doc = doctor(h)
        for m in members.get(h.pk, []):
            roll = rng.random()
            if roll < 0.12 and doc is not None:
                diagnosed = today - timedelta(days=rng.randrange(200, 1500))
                d = Diagnosis(
                    household=h,
                    member=m,
                    disease=rng.choice(CHRONIC),
                    diagnosed_on=diagnosed,
                    institution=centre(h),
                    treatment_class=Diagnosis.TreatmentClass.CHRONIC,
                    status=Diagnosis.Status.MANAGED,
                    follow_up_days=90,
                )
                fus = []
                last = today - timedelta(days=rng.randrange(10, 80) if n % 13 else rng.randrange(110, 140))
                for k in range(rng.randrange(1, 4)):
                    day = last - timedelta(days=90 * k)
                    if day <= diagnosed:
                        break
                    fus.append(
                        DiseaseFollowUp(
                            household=h,
                            followed_on=day,
                            by_person=doc,
                            method=rng.choice([DiseaseFollowUp.Method.HOME, DiseaseFollowUp.Method.PHONE]),
                            result=rng.choice([DiseaseFollowUp.Result.STABLE] * 3 + [DiseaseFollowUp.Result.UNSTABLE]),
                            result_note=rng.choice(["血压 138/86，规律服药", "空腹血糖 6.9", "症状平稳", ""]),
                            next_due=day + timedelta(days=90),
                        )
                    )
                d.next_due = fus[0].next_due if fus else diagnosed + timedelta(days=90)
                rows.append((d, fus, []))
            elif roll < 0.15:
                disease = rng.choice(MAJOR)
                diagnosed = today - timedelta(days=rng.randrange(60, 700))
                safety = disease == Diagnosis.Disease.END_STAGE_RENAL
                d = Diagnosis(
                    household=h,
                    member=m,
                    disease=disease,
                    diagnosed_on=diagnosed,
                    institution=hospital,
                    treatment_class=(
                        Diagnosis.TreatmentClass.SAFETY_NET if safety else Diagnosis.TreatmentClass.CENTRALISED
                    ),
                    status=Diagnosis.Status.TREATING,
                )
                total = Decimal(rng.randrange(3000, 60000))
                cs = [
                    TreatmentCost(
                        household=h,
                        incurred_on=diagnosed + timedelta(days=rng.randrange(1, 50)),
                        kind=TreatmentCost.Kind.INPATIENT,
                        institution=hospital,
                        total=total,
                        insurance=(total * Decimal("0.6")).quantize(Decimal("0.01")),
                        serious_illness=(total * Decimal("0.15")).quantize(Decimal("0.01")),
                        assistance=(total * Decimal("0.1")).quantize(Decimal("0.01")),
                        safety_net=(total * Decimal("0.1")).quantize(Decimal("0.01")) if safety else Decimal(0),
                    )
                ]
                rows.append((d, [], cs))
    Diagnosis.objects.bulk_create([d for d, _f, _c in rows])
    for d, fus, cs in rows:
        for f in fus:
            f.diagnosis = d
        for c in cs:
            c.diagnosis = d
        follow_ups += fus
        costs += cs
        diagnoses.append((d, fus[0].followed_on if fus else None))
    DiseaseFollowUp.objects.bulk_create(follow_ups)
    TreatmentCost.objects.bulk_create(costs)
    return diagnoses


# The demo family doctor's assessments this year: (instrument, answers, risk level, action). Most low; the last is
# high (a moderate PHQ-9 and the assessor's judgement), so its urgent follow-up opens for the doctor and the contact.
ASSESSMENTS = [
    ("phq9", [1, 0, 1, 0, 0, 1, 0, 0, 0], "low", "常规关怀，下次家访时再评估"),
    ("gad7", [1, 1, 0, 0, 1, 0, 0], "low", "常规关怀"),
    ("phq9", [0, 1, 0, 1, 0, 0, 0, 0, 0], "low", "常规关怀，鼓励参加暖心家园活动"),
    ("gad7", [0, 1, 1, 0, 0, 1, 0], "low", "常规关怀"),
    ("phq9", [2, 2, 2, 1, 2, 2, 1, 2, 0], "high", "每周随访，联系心理咨询师上门"),
]
ASSESSED_DAYS_AGO = [150, 110, 70, 40, 3]  # the high one three days ago: its first follow-up is overdue


def _mental_assessments(
    households: list[Household], members: dict[int, list[Member]], doctor_of: dict[int, ServicePerson], today: date
) -> list[int]:
    """doctor1's assessments this year, through the service (scored by the portal, consent given, the urgent
    follow-up and its messages): one person each in the first of doctor1's households, in number order. Returns the
    households assessed (none when there is no doctor1 or none of its households has a living member)."""
    doctor = User.objects.filter(username="doctor1", is_active=True).first()
    if doctor is None:
        return []
    mine = [h for h in households if members.get(h.pk) and getattr(doctor_of.get(h.pk), "user_id", None) == doctor.pk]
    year_start = date(today.year, 1, 1)
    assessed = []
    for h, (instrument, answers, risk, action), days in zip(mine, ASSESSMENTS, ASSESSED_DAYS_AGO, strict=False):
        assessment_record(
            actor=doctor,
            household=h,
            member=members[h.pk][0],
            instrument=instrument,
            answers=answers,
            assessed_on=max(year_start, today - timedelta(days=days)),
            consent=True,
            risk_level=risk,
            action=action,
            today=today,
        )
        assessed.append(h.pk)
    return assessed
