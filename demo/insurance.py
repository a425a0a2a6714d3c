"""The demo county's group insurance (issue 15's demo data), through benefits.insurance.services.

Two product lines, last year's policy renewed for this year: the comprehensive accident insurance every member of a
special family gets (450 yuan a person, seed 000) and the hospital-nursing insurance of members 49 and over (160
yuan; 200 yuan a day in hospital up to 30 days, a lump sum of up to 20,000 for death, disability or one of 30 major
diseases: seed 002). Each year's enrolment is run before the policy starts, at mid-year and at the year's end (or
today). Claims: a few paid last year; this year about a dozen across the states — just reported, collecting
documents with some still missing (a follow-up for the village's contact), submitted, more documents asked by the
insurer, paid, one rejected with the reason, one withdrawn. Every step is dated the day it was taken.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from benefits.insurance.services import (
    claim_ask_documents,
    claim_collect,
    claim_document_receive,
    claim_pay,
    claim_reject,
    claim_report,
    claim_submit,
    claim_withdraw,
    enrolment_run,
    product_create,
    product_renew,
    product_renewal_initial,
)
from benefits.models import (
    ClaimDocument,
    ClaimStep,
    EnrolmentRun,
    InsuranceClaim,
    InsuranceProduct,
    InsuredLine,
)
from demo.benefits import Actors, at, backdate, tiny_pdf
from regions.models import Region

State = InsuranceClaim.State
Kind = InsuranceClaim.Kind

ACCIDENT = {
    "name": "计生特殊家庭综合意外保险",
    "insurer": "中国人寿保险股份有限公司西宁市分公司",
    "premium": Decimal("450"),  # seed 000: 购买计生特殊家庭综合意外保险450元
    "daily_allowance": Decimal("100"),
    "max_days_per_stay": 90,
    "max_days_per_year": 180,
    "accidental_death_sum": Decimal("50000"),
    "disability_sum": Decimal("30000"),
    "waiting_days": 0,
    "hospital_grade_floor": "1",
    "note": "全区计生特殊家庭成员参保，区计生协统一缴费（种子000：每人450元）",
}
NURSING = {
    "name": "计生特殊家庭住院护理保险",
    "insurer": "中国人民财产保险股份有限公司西宁市分公司",
    "premium": Decimal("160"),  # seed 002: 每人每年保险费160元
    "age_from": 49,
    "daily_allowance": Decimal("200"),  # 每天补助护理费200元，最多支付30天
    "max_days_per_year": 30,
    "death_sum": Decimal("20000"),
    "accidental_death_sum": Decimal("20000"),
    "disability_sum": Decimal("20000"),
    "major_disease_sum": Decimal("20000"),  # 初患恶性肿瘤等30种大病，最高20000元
    "major_disease_count": 30,
    "waiting_days": 30,
    "hospital_grade_floor": "1",
    "note": "49周岁以上计生特殊家庭成员免费参保，资金从市、区人口关爱基金列支（种子002）",
}
HOSPITALS = (("西宁市第一人民医院", "3"), ("青海省人民医院", "3"), ("城中区人民医院", "2"), ("西宁市中医院", "2"))


@dataclass(frozen=True)
class ClaimPlan:
    """A claim of the demo: how many days before today the event was, what happened, how far it has gone."""

    days_ago: int
    kind: str
    line: str  # "accident" or "nursing"
    state: str
    stay: int = 0  # days in hospital (0: still in hospital)
    description: str = ""
    village1: bool = False
    accidental: bool = False
    disability: bool = False
    hospital: tuple[str, str] | None = None


THIS_YEAR = (
    ClaimPlan(2, Kind.HOSPITAL, "nursing", State.REPORTED, 0, "突发脑梗住院，家属电话报案", village1=True),
    ClaimPlan(3, Kind.ACCIDENT, "accident", State.REPORTED, 0, "雪天路滑摔倒，左腕骨折", accidental=True),
    ClaimPlan(20, Kind.HOSPITAL, "nursing", State.COLLECTING, 12, "冠心病住院治疗", village1=True),
    ClaimPlan(34, Kind.HOSPITAL, "accident", State.COLLECTING, 8, "下楼梯扭伤住院", accidental=True),
    ClaimPlan(48, Kind.HOSPITAL, "nursing", State.SUBMITTED, 10, "慢阻肺急性加重住院"),
    ClaimPlan(75, Kind.MAJOR_DISEASE, "nursing", State.MORE_DOCUMENTS, 0, "确诊恶性肿瘤（肺癌）"),
    ClaimPlan(95, Kind.HOSPITAL, "nursing", State.PAID, 15, "糖尿病并发症住院"),
    ClaimPlan(150, Kind.HOSPITAL, "nursing", State.PAID, 40, "脑卒中住院康复（超过30天按30天）"),
    ClaimPlan(125, Kind.ACCIDENT, "accident", State.PAID, 0, "骑车摔伤致右腿残疾", accidental=True, disability=True),
    ClaimPlan(200, Kind.HOSPITAL, "accident", State.PAID, 6, "煤气中毒住院", accidental=True),
    ClaimPlan(
        110, Kind.HOSPITAL, "nursing", State.REJECTED, 5, "在村卫生室输液观察", hospital=("南川东社区卫生室", "")
    ),
    ClaimPlan(60, Kind.HOSPITAL, "nursing", State.WITHDRAWN, 7, "白内障手术住院"),
)
LAST_YEAR = (
    ClaimPlan(300, Kind.HOSPITAL, "nursing", State.PAID, 9, "高血压住院治疗"),
    ClaimPlan(250, Kind.HOSPITAL, "nursing", State.PAID, 22, "髋关节置换术后住院"),
    ClaimPlan(220, Kind.HOSPITAL, "accident", State.PAID, 4, "摔伤住院观察", accidental=True),
    ClaimPlan(180, Kind.MAJOR_DISEASE, "nursing", State.PAID, 0, "确诊尿毒症"),
    ClaimPlan(120, Kind.HOSPITAL, "nursing", State.PAID, 13, "肺部感染住院"),
)
STATE_ORDER = [State.REPORTED, State.COLLECTING, State.SUBMITTED, State.MORE_DOCUMENTS, State.PAID]


def _products(county: Region, actors: Actors, today: date) -> dict[tuple[str, int], InsuranceProduct]:
    """Last year's two policies, renewed for this year."""
    first_year = today.year - 1
    products = {}
    for key, terms in (("accident", ACCIDENT), ("nursing", NURSING)):
        data = {
            **terms,
            "year": first_year,
            "starts_on": date(first_year, 1, 1),
            "ends_on": date(first_year, 12, 31),
            "policy_number": f"{'PICC' if key == 'nursing' else 'CLIC'}{county.code}{first_year}0001",
        }
        product = product_create(actor=actors.county, county=county, data=data, document=tiny_pdf(f"policy-{key}"))
        renewal = product_renewal_initial(product)
        renewal["policy_number"] = data["policy_number"][:-4] + "0002"
        renewal["policy_number"] = renewal["policy_number"].replace(str(first_year), str(today.year))
        products[(key, first_year)] = product
        products[(key, today.year)] = product_renew(actor=actors.county, product=product, data=renewal)
        InsuranceProduct.objects.filter(pk=product.pk).update(created_at=at(date(first_year - 1, 12, 10)))
        InsuranceProduct.objects.filter(pk=products[(key, today.year)].pk).update(
            created_at=at(date(first_year, 12, 12))
        )
    return products


def _enrol(products: dict[tuple[str, int], InsuranceProduct], actors: Actors, today: date) -> None:
    """Before the start, at mid-year, at the year's end (this year: today)."""
    runs = []
    for (_key, year), product in sorted(products.items(), key=lambda item: (item[0][1], item[0][0])):
        for day in (date(year - 1, 12, 20), date(year, 7, 1), min(date(year, 12, 31), today)):
            if day <= today:
                runs.append((enrolment_run(actor=actors.county, product=product, as_of=day).pk, day))
    backdate(EnrolmentRun, "at", [(pk, at(day, pk)) for pk, day in runs])


def _pick(
    rng: random.Random, lines: list[InsuredLine], used: set[int], village1_id: int | None, ours: bool
) -> InsuredLine | None:
    """An insured person not claimed for yet (in village1 when asked and there is one); None when a small demo
    county has run out of them."""
    pool = [
        line for line in lines if line.member_id not in used and (not ours or line.household.village_id == village1_id)
    ] or [line for line in lines if line.member_id not in used]
    if not pool:
        return None
    line = rng.choice(pool)
    used.add(line.member_id)
    return line


def _claim(
    plan: ClaimPlan, line: InsuredLine, product: InsuranceProduct, actors: Actors, rng: random.Random, today: date
) -> None:
    """One claim from the report to its state, each step through the service; then each dated."""
    household = line.household
    village = actors.village_of(household)
    event = max(today - timedelta(days=plan.days_ago), product.starts_on)
    discharged = event + timedelta(days=plan.stay - 1) if plan.kind == Kind.HOSPITAL and plan.stay else None
    if discharged is not None and discharged > today:
        discharged = None
    name, grade = plan.hospital or rng.choice(HOSPITALS)
    reported = event + timedelta(days=1)
    data = {
        "product": product,
        "kind": plan.kind,
        "accidental": plan.accidental,
        "disability": plan.disability,
        "event_date": event,
        "admitted_on": event if plan.kind == Kind.HOSPITAL else None,
        "discharged_on": discharged,
        "hospital_name": name,
        "hospital_grade": grade,
        "description": plan.description,
        "reported_by_kind": InsuranceClaim.ReportedBy.FAMILY if rng.random() < 0.5 else InsuranceClaim.ReportedBy.CADRE,
        "reporter_name": line.member.name,
        "reported_at": at(min(reported, today)),
    }
    claim = claim_report(actor=village, member=line.member, data=data)
    days = [min(reported, today)]  # the day of each step, in order
    target = plan.state
    if target == State.REPORTED:
        return _dates(claim, days, today)
    claim = claim_collect(actor=village, claim=claim, note="已通知家属准备理赔材料")
    days.append(min(reported + timedelta(days=1), today))
    documents = list(claim.documents.order_by("pk"))
    keep_missing = documents[len(documents) // 2 :] if target == State.COLLECTING else []
    received = min(reported + timedelta(days=6), today)
    for document in documents:
        if document not in keep_missing:
            claim_document_receive(
                actor=village, document=document, upload=tiny_pdf(f"{document.kind}-{claim.pk}"), received_on=received
            )
    if target == State.COLLECTING:
        return _dates(claim, days, today)
    if target == State.WITHDRAWN:
        claim_withdraw(actor=village, claim=claim, note="家属已通过其他商业保险理赔，不再申请")
        days.append(min(received + timedelta(days=3), today))
        return _dates(claim, days, today)
    claim = claim_submit(actor=actors.county, claim=claim, note="材料齐全，已报送保险公司")
    days.append(min(received + timedelta(days=2), today))
    if target == State.MORE_DOCUMENTS:
        claim_ask_documents(
            actor=actors.county,
            claim=claim,
            kinds=[ClaimDocument.Kind.DIAGNOSIS, ClaimDocument.Kind.OTHER],
            note="保险公司要求补充病理报告原件及首次确诊医院的诊断证明",
        )
        days.append(min(received + timedelta(days=12), today))
    elif target == State.REJECTED:
        claim_reject(
            actor=actors.county,
            claim=claim,
            reason=InsuranceClaim.RejectionReason.HOSPITAL_GRADE,
            note="村卫生室不属于保单约定的一级及以上医院",
        )
        days.append(min(received + timedelta(days=15), today))
    elif target == State.PAID:
        claim.refresh_from_db()
        amount = claim.benefit_max
        if plan.disability:
            amount = (claim.benefit_max * Decimal("0.3")).quantize(Decimal("1"))  # 伤残等级八级，按30%给付
        paid_on = min(received + timedelta(days=20), today)
        claim_pay(actor=actors.county, claim=claim, amount=amount, paid_on=paid_on, note="保险公司已赔付到账")
        days.append(paid_on)
    return _dates(claim, days, today)


def _dates(claim: InsuranceClaim, days: list[date], today: date) -> None:
    steps = list(ClaimStep.objects.filter(claim=claim).order_by("pk").values_list("pk", flat=True))
    backdate(ClaimStep, "at", [(pk, at(days[min(i, len(days) - 1)], i * 30)) for i, pk in enumerate(steps)])
    InsuranceClaim.objects.filter(pk=claim.pk).update(created_at=at(days[0]))
    ClaimDocument.objects.filter(claim=claim, uploaded_at__isnull=False).update(
        uploaded_at=at(min(days[0] + timedelta(days=6), today), 60)
    )


def insurance_seed(*, seed: int, county: Region, actors: Actors, today: date) -> int:
    """The products, their enrolment and the claims; a county with products is left alone."""
    if InsuranceProduct.objects.filter(county=county).exists():
        return 0
    products = _products(county, actors, today)
    _enrol(products, actors, today)
    village1 = next((v for v, u in actors.villages.items() if u.username == "village1"), None)
    used: set[int] = set()
    made = 0
    for year, plans in ((today.year, THIS_YEAR), (today.year - 1, LAST_YEAR)):
        rng = random.Random(f"{seed}:claims:{year}")
        for plan in plans:
            product = products[(plan.line, year)]
            # Last year's claims are counted back from its last day; this year's from today (early in the year,
            # the older ones have not happened yet).
            until = today if year == today.year else product.ends_on
            if until - timedelta(days=plan.days_ago) < product.starts_on:
                continue
            lines = list(
                InsuredLine.objects.filter(product=product, end_reason="", household__village__isnull=False)
                .select_related("member", "household")
                .order_by("household__number", "member_id")
            )
            if not lines:
                continue
            line = _pick(rng, lines, used, village1, plan.village1)
            if line is None:
                continue
            _claim(plan, line, product, actors, rng, until)
            made += 1
    return made
