"""Two years of visits for the demo households, with the irregularity of real work.

Each household gets a "care level": most are contacted nearly every month, some are often forgotten, a
few fall out of sight for months. Home visits come about once a quarter, the family doctor calls, festival
visits bunch around the Spring Festival and Mid-Autumn, and now and then there is a hospital visit or an
emergency. Deterministic for a seed; households that already have visits are left alone. Then the engine,
the inbox and the dashboard snapshots are computed, so the demo shows what a real county looks like.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from households.models import Household
from regions.models import Region
from visits import periods
from visits.models import Visit

M, P, R = Visit.Method, Visit.Purpose, Visit.VisitorRole

HEALTH = ["血压平稳", "腿脚不便", "糖尿病控制尚可", "近期感冒已愈", "睡眠不好", "身体状况良好", "需定期复查"]
MOOD = ["情绪稳定", "思念孩子，情绪低落", "乐观开朗", "有些孤独", "节日前情绪波动较大"]
LIVING = ["居住条件良好", "房屋老旧需修缮", "独居，生活能自理", "与老伴相互照顾", "家中整洁"]
NEEDS = ["", "", "", "希望有人常来聊天", "需要送药上门", "申请临时救助", "需要家政服务", "想参加集体活动"]
HELP = ["", "", "送去慰问品", "代办医保报销", "帮助联系家庭医生", "陪同就医", "送去生日蛋糕卡"]
VISITORS = [("陈静", R.VILLAGE_CADRE), ("张伟", R.TOWN_LEADER), ("黄强", R.ASSOCIATION_MEMBER), ("李娜", R.VOLUNTEER)]
DOCTOR = ("赵丽", R.FAMILY_DOCTOR)


def _visit(rng: random.Random, household: Household, day: date, method: str, purpose: str, who) -> Visit:
    name, role = who
    return Visit(
        household=household,
        date=day,
        method=method,
        purpose=purpose,
        visitor_name=name,
        visitor_role=role,
        health=rng.choice(HEALTH) if method == M.HOME or rng.random() < 0.3 else "",
        mood=rng.choice(MOOD) if rng.random() < 0.6 else "",
        living_conditions=rng.choice(LIVING) if method == M.HOME else "",
        needs=rng.choice(NEEDS),
        help_given=rng.choice(HELP) if method == M.HOME else "",
    )


def _household_visits(rng: random.Random, household: Household, *, start: date, today: date) -> list[Visit]:
    care = rng.choices([0.95, 0.8, 0.55, 0.3], weights=[45, 30, 18, 7])[0]
    visits: list[Visit] = []
    first = max(start, household.registered_on)
    month = periods.month_of(first)
    while month.start <= today:
        # A run of forgotten months now and then.
        if rng.random() < care:
            day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
            if day >= first:
                method = rng.choices([M.PHONE, M.HOME, M.ONLINE, M.OTHER], weights=[55, 30, 12, 3])[0]
                visits.append(_visit(rng, household, day, method, P.ROUTINE, rng.choice(VISITORS)))
        if rng.random() < care * 0.35:  # the home visit of the quarter
            day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
            if day >= first:
                visits.append(_visit(rng, household, day, M.HOME, P.ROUTINE, rng.choice(VISITORS)))
        if rng.random() < care * 0.5:  # the family doctor
            day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
            if day >= first:
                method = M.HOME if rng.random() < 0.6 else M.PHONE
                visits.append(_visit(rng, household, day, method, P.ROUTINE, DOCTOR))
        if rng.random() < 0.01:
            day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
            purpose = rng.choice([P.HOSPITAL, P.EMERGENCY, P.BIRTHDAY])
            if day >= first:
                visits.append(_visit(rng, household, day, M.HOME, purpose, rng.choice(VISITORS)))
        month = periods.month_of(month.end + timedelta(days=1))
    for year in range(start.year, today.year + 1):
        for festival in (periods.spring_festival(year), periods.mid_autumn(year)):
            day = festival + timedelta(days=rng.randrange(-6, 3))
            if first <= day <= today and rng.random() < 0.6 + care * 0.35:
                visits.append(_visit(rng, household, day, M.HOME, P.FESTIVAL, rng.choice(VISITORS)))
    return visits


@transaction.atomic
def demo_visits_seed(*, seed: int, county: Region, today: date, years: int = 2) -> int:
    """Visits for the county's active households without any; then the flags, inbox and snapshots."""
    from reports.services import coverage_snapshot_refresh
    from visits.engine import overdue_refresh
    from visits.services import notifications_refresh, ruleset_create_default

    ruleset_create_default(county=county)
    start = date(today.year - years, today.month, 1)
    households = Household.objects.filter(county=county, visits__isnull=True).order_by("number")
    created = 0
    batch: list[Visit] = []
    for household in households:
        rng = random.Random(f"{seed}:{household.number}")
        batch.extend(_household_visits(rng, household, start=start, today=today))
        if len(batch) > 5000:
            created += len(Visit.objects.bulk_create(batch))
            batch = []
    created += len(Visit.objects.bulk_create(batch))
    overdue_refresh(as_of=today)
    notifications_refresh(as_of=today)
    coverage_snapshot_refresh(as_of=today)
    return created
