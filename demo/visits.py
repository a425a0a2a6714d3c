"""Two years of visits for the demo households, with the irregularity of real work.

Each household gets a "care level": most are contacted nearly every month, some are often forgotten, a
few fall out of sight for months. Home visits come about once a quarter, the family doctor calls, festival
visits bunch around the Spring Festival and Mid-Autumn, and now and then there is a hospital visit or an
emergency. Each visit is made by one of the people assigned to the household on its date (demo.contacts):
mostly the village cadre (or the substitute covering for them), the family doctor for the doctor's visits,
the town leader and the association member at festivals. Deterministic for a seed; households that already
have visits are left alone. Then the engine, the inbox and the dashboard snapshots are computed, so the demo
shows what a real county looks like.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction

from contacts.models import Assignment, ServicePerson
from households.models import Household
from regions.models import Region
from visits import periods
from visits.models import FollowUp, Visit

M, P, R = Visit.Method, Visit.Purpose, Visit.VisitorRole

HEALTH = ["血压平稳", "腿脚不便", "糖尿病控制尚可", "近期感冒已愈", "睡眠不好", "身体状况良好", "需定期复查"]
MOOD = ["情绪稳定", "思念孩子，情绪低落", "乐观开朗", "有些孤独", "节日前情绪波动较大"]
LIVING = ["居住条件良好", "房屋老旧需修缮", "独居，生活能自理", "与老伴相互照顾", "家中整洁"]
NEEDS = ["", "", "", "希望有人常来聊天", "需要送药上门", "申请临时救助", "需要家政服务", "想参加集体活动"]
HELP = ["", "", "送去慰问品", "代办医保报销", "帮助联系家庭医生", "陪同就医", "送去生日蛋糕卡"]
# Who makes a visit, by kind (role, weight); _on_duty then names the person of that role assigned to the
# household on the day. The names stand only for visits nobody assigned could have made.
# The engine runs of the weeks before today that the demo replays (flag ages, escalations).
DEMO_ENGINE_HISTORY_WEEKS = 8
ROUTINE = ([R.VILLAGE_CADRE, R.TOWN_LEADER, R.ASSOCIATION_MEMBER, R.VOLUNTEER], [65, 10, 15, 10])
FESTIVAL = ([R.TOWN_LEADER, R.VILLAGE_CADRE, R.ASSOCIATION_MEMBER], [40, 35, 25])
NAMES = {
    R.VILLAGE_CADRE: "陈静",
    R.TOWN_LEADER: "张伟",
    R.ASSOCIATION_MEMBER: "黄强",
    R.VOLUNTEER: "李娜",
    R.FAMILY_DOCTOR: "赵丽",
}


def _who(rng: random.Random, kind: tuple[list[str], list[int]]) -> str:
    roles, weights = kind
    return rng.choices(roles, weights=weights)[0]


def _visit(rng: random.Random, household: Household, day: date, method: str, purpose: str, role: str) -> Visit:
    return Visit(
        household=household,
        date=day,
        method=method,
        purpose=purpose,
        visitor_name=NAMES[role],
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
        visits.extend(_month_visits(rng, household, month, care=care, first=first, today=today))
        month = periods.month_of(month.end + timedelta(days=1))
    for year in range(start.year, today.year + 1):
        for festival in (periods.spring_festival(year), periods.mid_autumn(year)):
            day = festival + timedelta(days=rng.randrange(-6, 3))
            if first <= day <= today and rng.random() < 0.6 + care * 0.35:
                visits.append(_visit(rng, household, day, M.HOME, P.FESTIVAL, _who(rng, FESTIVAL)))
    return visits


def _month_visits(
    rng: random.Random, household: Household, month: periods.Period, *, care: float, first: date, today: date
) -> list[Visit]:
    """One month of a household's visits: the routine contact, the quarter's home visit, the family doctor and,
    rarely, a hospital, emergency or birthday visit; a careless month forgets them (a run of forgotten months
    now and then)."""
    visits: list[Visit] = []
    if rng.random() < care:
        day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
        if day >= first:
            method = rng.choices([M.PHONE, M.HOME, M.ONLINE, M.OTHER], weights=[55, 30, 12, 3])[0]
            visits.append(_visit(rng, household, day, method, P.ROUTINE, _who(rng, ROUTINE)))
    if rng.random() < care * 0.35:  # the home visit of the quarter
        day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
        if day >= first:
            visits.append(_visit(rng, household, day, M.HOME, P.ROUTINE, _who(rng, ROUTINE)))
    if rng.random() < care * 0.5:  # the family doctor
        day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
        if day >= first:
            method = M.HOME if rng.random() < 0.6 else M.PHONE
            visits.append(_visit(rng, household, day, method, P.ROUTINE, R.FAMILY_DOCTOR))
    if rng.random() < 0.01:
        day = min(month.start + timedelta(days=rng.randrange(0, 28)), today)
        purpose = rng.choice([P.HOSPITAL, P.EMERGENCY, P.BIRTHDAY])
        if day >= first:
            visits.append(_visit(rng, household, day, M.HOME, purpose, R.VILLAGE_CADRE))
    return visits


# What a need found at a visit leads to (the follow-up action agreed).
FOLLOW_UPS = {
    "希望有人常来聊天": "安排志愿者每周上门陪伴聊天",
    "需要送药上门": "联系家庭医生送药上门",
    "申请临时救助": "协助提交临时救助申请",
    "需要家政服务": "对接家政服务卡",
    "想参加集体活动": "邀请参加暖心家园活动",
}


def _follow_ups_seed(*, seed: int, households: list[Household], today: date) -> int:
    """Follow-up actions for some of the needs found in the last four months, owned by the visitor's login:
    most of the older ones done, the recent ones open (some past their due date)."""
    rows = []
    visits = (
        Visit.objects.filter(
            household__in=households,
            date__gte=today - timedelta(days=120),
            needs__in=list(FOLLOW_UPS),
            visitor_user__isnull=False,
        )
        .select_related("household")
        .order_by("household__number", "date", "id")
    )
    for visit in visits:
        rng = random.Random(f"{seed}:{visit.household.number}:{visit.date}:{visit.needs}")
        if rng.random() < 0.4:
            continue
        due = visit.date + timedelta(days=rng.choice([7, 14, 21, 30]))
        done = due <= today - timedelta(days=7) and rng.random() < 0.85
        rows.append(
            FollowUp(
                visit=visit,
                action=FOLLOW_UPS[visit.needs],
                due_on=due,
                owner_id=visit.visitor_user_id,
                status=FollowUp.Status.DONE if done else FollowUp.Status.OPEN,
                done_on=due - timedelta(days=rng.randrange(0, 7)) if done else None,
                outcome="已落实" if done else "",
            )
        )
    return len(FollowUp.objects.bulk_create(rows))


def _on_duty(
    assignments: list[Assignment], role: str, day: date, *, serving: list[ServicePerson]
) -> ServicePerson | None:
    """Who made a visit of `role` on `day`: the person assigned to the household then (start <= day < end), in
    that role's slot if filled (a substitute before the holder they cover), else the village cadre's slot,
    else any slot. A household nobody was assigned to (a closed one: demo.contacts assigns active households
    only) was visited by a person of that role serving its village or town (``serving``), if any."""
    covering = [a for a in assignments if a.start_date <= day and (a.end_date is None or a.end_date > day)]
    if not covering:
        same_role = [p for p in serving if p.role_type == role]
        return (same_role or serving or [None])[0]
    best = min(
        covering,
        key=lambda a: (
            a.slot != role,
            a.slot != R.VILLAGE_CADRE,
            a.substitute_for_id is None,
            a.slot,
            a.start_date,
            a.person.phone,
        ),
    )
    return best.person


def _made_by(visit: Visit, person: ServicePerson | None) -> Visit:
    if person is not None:
        visit.visitor = person
        visit.visitor_user_id = person.user_id
        visit.visitor_name = person.name
        visit.visitor_role = person.role_type
    return visit


@transaction.atomic
def demo_visits_seed(*, seed: int, county: Region, today: date, years: int = 2) -> int:
    """Visits for the county's households without any; then the flags, inbox and snapshots."""
    from reports.services import coverage_snapshot_refresh
    from visits.engine import overdue_refresh
    from visits.services import notifications_refresh, ruleset_create_default

    ruleset_create_default(county=county)
    start = date(today.year - years, today.month, 1)
    households = list(Household.objects.filter(county=county, visits__isnull=True).order_by("number"))
    # Who was assigned to each household when, and who serves each village and town (three queries;
    # demo.contacts seeded them).
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(household__in=households).select_related("person"):
        assignments[assignment.household_id].append(assignment)
    serving: dict[int, list[ServicePerson]] = defaultdict(list)
    for person in ServicePerson.objects.filter(region__path__startswith=county.path, active=True).order_by("phone"):
        serving[person.region_id].append(person)
    villages = dict(Region.objects.filter(path__startswith=county.path).values_list("pk", "parent_id"))
    created = 0
    batch: list[Visit] = []
    for household in households:
        rng = random.Random(f"{seed}:{household.number}")
        near = serving[household.village_id] + serving[villages.get(household.village_id)]
        batch.extend(
            _made_by(visit, _on_duty(assignments[household.pk], visit.visitor_role, visit.date, serving=near))
            for visit in _household_visits(rng, household, start=start, today=today)
        )
        if len(batch) > 5000:
            created += len(Visit.objects.bulk_create(batch))
            batch = []
    created += len(Visit.objects.bulk_create(batch))
    _follow_ups_seed(seed=seed, households=households, today=today)
    # The nightly runs of the last weeks (one a week here), so that flags have the ages and escalations a
    # county that has used the portal for a while sees; then today's. Only when visits were seeded: replayed over
    # a county the other apps' demo data has since changed, the past runs would open flags again (not safe twice).
    for weeks in range(DEMO_ENGINE_HISTORY_WEEKS, 0, -1) if created else ():
        overdue_refresh(as_of=today - timedelta(weeks=weeks))
    overdue_refresh(as_of=today)
    notifications_refresh(as_of=today)
    coverage_snapshot_refresh(as_of=today)
    return created
