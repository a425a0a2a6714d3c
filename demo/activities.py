"""Demo activities and volunteers of the demo county (issue 17): a 暖心家园 per town, the last twelve months of its
"5+N" events (group birthdays, lectures, culture and sports, social exchange, home care, a local special), the
county's trainings of contacts and cadres, psychological classes, the Spring Festival and Mid-Autumn campaigns and
volunteer services — each with its invitations and attendance picked from the archive of the organiser's area (some
households left uninvited, so the gap list is not empty), money and its source, an account; volunteer teams per
county and town, volunteers with skills (the demo's member1 among them, with a login), pairings with households,
hours served at activities and for families, commendations.

Deterministic for a seed (one random.Random, rows in a fixed order), fast (bulk_create) and safe to run again: a
county that already has a centre is left as it is. The people named are generated: no real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from accounts.models import User
from activities.models import (
    Activity,
    Attendance,
    Centre,
    Commendation,
    Invitation,
    Pairing,
    ServiceLog,
    Team,
    Volunteer,
)
from contacts.models import ServicePerson
from demo.households import mobile
from households.models import Household, Member, household_scope_q
from regions.models import Region

K = Activity.Kind
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美兰霞平刚桂英建国志红梅玉兰海燕春晓东"
TOWN_EVENTS = [
    (K.BIRTHDAY, "集体生日会", "为本季度过生日的老人集体庆生，送上蛋糕和长寿面。"),
    (K.LECTURE, "健康知识讲座", "请社区卫生服务中心医生讲解慢病防治和合理用药。"),
    (K.CULTURE_SPORTS, "太极拳与广场舞活动", "组织老人练习太极拳，暖心家园艺术团排练节目。"),
    (K.SOCIAL, "茶话交流会", "家庭之间互相交流，志愿者陪伴聊天。"),
    (K.HOME_CARE, "居家照护上门服务", "志愿者上门打扫卫生、理发、陪同购物。"),
    (K.LOCAL_SPECIAL, "手工编织兴趣班", "学习编织和剪纸，作品在暖心家园展出。"),
]
SKILL_SETS = [["social_worker"], ["counsellor"], ["lawyer"], ["medical"], ["student"], ["recovered"], ["student"], []]


@dataclass(frozen=True)
class ActivitiesSeeded:
    centres: int
    activities: int
    attendances: int
    volunteers: int
    pairings: int
    service_logs: int


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _day(rng: random.Random, month_start: date, today: date) -> date:
    day = month_start + timedelta(days=rng.randrange(0, 27))
    return min(day, today)


def _months(today: date) -> list[date]:
    """The first days of the last twelve months, this one included, oldest first."""
    out = []
    y, m = today.year, today.month
    for _ in range(12):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


class _Writer:
    """Collects the rows of the demo's activities and writes them in three statements."""

    def __init__(self, rng: random.Random, members_by_household: dict[int, list[Member]]) -> None:
        self.rng = rng
        self.members = members_by_household
        self.attendances: list[Attendance] = []
        self.invitations: list[Invitation] = []
        self.logs: list[ServiceLog] = []
        self.count = 0

    def activity(
        self,
        *,
        organiser: Region,
        kind: str,
        title: str,
        day: date,
        account: str,
        households: list[Household],
        share: float,
        centre: Centre | None = None,
        money: int = 0,
        source: str = "",
    ) -> Activity:
        a = Activity.objects.create(
            kind=kind,
            title=title,
            starts_on=day,
            ends_on=day,
            organiser=organiser,
            centre=centre,
            place=centre.name if centre else organiser.name,
            money_spent=Decimal(money),
            funding_source=source if money else "",
            account=account,
        )
        self.count += 1
        invited = [h for h in households if self.rng.random() < share]
        for h in invited:
            self.invitations.append(Invitation(activity=a, household=h))
            if self.rng.random() < 0.7:
                for m in self.members.get(h.pk, []):
                    if self.rng.random() < 0.8:
                        self.attendances.append(Attendance(activity=a, household=h, member=m))
        return a

    def write(self) -> None:
        Invitation.objects.bulk_create(self.invitations, batch_size=2000)
        Attendance.objects.bulk_create(self.attendances, batch_size=2000)
        ServiceLog.objects.bulk_create(self.logs, batch_size=2000)


def demo_activities_seed(*, seed: int, county: Region, today: date) -> ActivitiesSeeded | None:
    if Centre.objects.filter(county=county).exists():
        return None
    rng = random.Random(f"activities-{seed}")
    towns = list(county.children.order_by("code"))
    households = list(
        Household.objects.filter(household_scope_q(county.path)).active().select_related("village").order_by("number")
    )
    members: dict[int, list[Member]] = {}
    for m in Member.objects.filter(household__in=households, alive=True).order_by("household_id", "id"):
        members.setdefault(m.household_id, []).append(m)
    # A tenth of the households are never reached this year (the gap list shows them).
    households = [h for h in households if rng.random() >= 0.1]
    by_town: dict[int, list[Household]] = {t.pk: [] for t in towns}
    town_of_path = {t.path: t.pk for t in towns}
    for h in households:
        if h.village_id:
            town_path = h.village.path.rsplit("/", 2)[0] + "/"
            if town_path in town_of_path:
                by_town[town_of_path[town_path]].append(h)
    centres = [
        Centre.objects.create(
            county=county,
            town=t,
            name=f"{t.name}暖心家园",
            address=f"{t.name}综合服务中心二楼",
            manager_name=_name(rng),
            opened_on=date(today.year - 2, 3, 1),
            area_m2=rng.choice((120, 150, 200, 260)),
        )
        for t in towns
    ]
    writer = _Writer(rng, members)
    months = _months(today)
    volunteers, _teams = _volunteers(rng, county, towns)
    activity_rows = _year_of_activities(
        writer, rng, today=today, county=county, towns=towns, centres=centres, by_town=by_town, households=households
    )
    pairings = _pairings(rng, volunteers, households, today)
    _volunteer_logs(
        writer, rng, activity_rows=activity_rows, volunteers=volunteers, pairings=pairings, months=months, today=today
    )
    writer.write()
    for v in volunteers[:: max(1, len(volunteers) // 4)]:
        Commendation.objects.create(
            volunteer=v,
            title="优秀志愿者",
            awarded_on=date(today.year - 1, 12, 20),
            awarded_by=f"{county.name}计生协会",
            stars=rng.choice((3, 4, 5)),
        )
    return ActivitiesSeeded(
        centres=len(centres),
        activities=writer.count,
        attendances=len(writer.attendances),
        volunteers=len(volunteers),
        pairings=len(pairings),
        service_logs=len(writer.logs),
    )


def _volunteers(rng: random.Random, county: Region, towns: list[Region]) -> tuple[list[Volunteer], list[Team]]:
    teams = [Team.objects.create(region=county, name=f"{county.name}暖心志愿服务总队", leader_name=_name(rng))]
    teams += [Team.objects.create(region=t, name=f"{t.name}暖心志愿服务队", leader_name=_name(rng)) for t in towns]
    volunteers = []
    member1 = User.objects.filter(username="member1").select_related("region").first()
    for t, team in zip(towns, teams[1:], strict=True):
        villages = list(t.children.order_by("code")) or [t]
        for i in range(6):
            v = Volunteer.objects.create(
                region=villages[i % len(villages)],
                name=_name(rng),
                phone=mobile(rng),
                skills=SKILL_SETS[i % len(SKILL_SETS)],
                joined_on=date(2022 + i % 3, 1 + i, 10),
            )
            v.teams.add(team, *([teams[0]] if i == 0 else []))
            volunteers.append(v)
    if member1 is not None and member1.region is not None and not Volunteer.objects.filter(user=member1).exists():
        v = Volunteer.objects.create(
            region=member1.region,
            name=member1.name or "黄强",
            phone=mobile(rng),
            skills=["recovered"],
            user=member1,
            joined_on=date(2023, 5, 1),
        )
        town_team = next((tm for tm in teams[1:] if member1.region.path.startswith(tm.region.path)), teams[0])
        v.teams.add(town_team)
        volunteers.append(v)
    return volunteers, teams


def _pairings(
    rng: random.Random, volunteers: list[Volunteer], households: list[Household], today: date
) -> list[Pairing]:
    rows = []
    for v in volunteers:
        local = [h for h in households if h.village_id and h.village.path.startswith(v.region.path)]
        for h in rng.sample(local, min(2, len(local))):
            rows.append(Pairing(volunteer=v, household=h, started_on=today - timedelta(days=rng.randrange(60, 500))))
    if rows:
        rows[0].ended_on = today - timedelta(days=10)
    return Pairing.objects.bulk_create(rows)


def _year_of_activities(
    writer: _Writer,
    rng: random.Random,
    *,
    today: date,
    county: Region,
    towns: list[Region],
    centres: list[Centre],
    by_town: dict[int, list[Household]],
    households: list[Household],
) -> list[Activity]:
    """Twelve months: each town's centre holds two of its "5+N" events a month; the county's psychological classes
    (March, September), trainings of the contacts (April, October) and festival campaigns (Spring Festival,
    Mid-Autumn); a volunteer service day of a town each month."""
    months = _months(today)
    activity_rows: list[Activity] = []
    for month in months:
        for town, centre in zip(towns, centres, strict=True):
            local = by_town[town.pk]
            for kind, title, account in rng.sample(TOWN_EVENTS, 2):
                activity_rows.append(
                    writer.activity(
                        organiser=town,
                        kind=kind,
                        title=f"{centre.name}{title}",
                        day=_day(rng, month, today),
                        account=account,
                        households=local,
                        share=0.3,
                        centre=centre,
                        money=rng.choice((0, 300, 500, 800)),
                        source="association",
                    )
                )
        if month.month in (3, 9):
            activity_rows.append(
                writer.activity(
                    organiser=county,
                    kind=K.PSYCH_CLASS,
                    title="心理健康课堂：走出悲伤",
                    day=_day(rng, month, today),
                    account="心理咨询师讲授情绪调适方法，小组分享。",
                    households=households,
                    share=0.15,
                    money=2000,
                    source="project",
                )
            )
        if month.month in (4, 10):
            start = _day(rng, month, today)
            a = Activity.objects.create(
                kind=K.TRAINING,
                title="联系人和村居干部业务培训",
                starts_on=start,
                ends_on=min(start + timedelta(days=1), today),
                organiser=county,
                place="区计生协会议室",
                money_spent=Decimal(1500),
                funding_source="government",
                account="讲解四对一联系人制度、走访要求和政策。",
            )
            writer.count += 1
            people = ServicePerson.objects.filter(region__path__startswith=county.path, active=True).order_by("id")
            writer.attendances += [Attendance(activity=a, service_person=p) for p in people if rng.random() < 0.8]
        if month.month in (1, 2, 9):
            writer.activity(
                organiser=county,
                kind=K.FESTIVAL,
                title="春节慰问" if month.month in (1, 2) else "中秋节慰问",
                day=_day(rng, month, today),
                account="走访慰问计生特殊家庭，送去慰问品。",
                households=households,
                share=0.9,
                money=20000,
                source="government",
            )
        vs_town = rng.choice(towns)
        vs = writer.activity(
            organiser=vs_town,
            kind=K.VOLUNTEER_SERVICE,
            title="志愿者上门服务日",
            day=_day(rng, month, today),
            account="志愿者结对上门，陪伴、代购、维修小家电。",
            households=by_town[vs_town.pk],
            share=0.2,
        )
        activity_rows.append(vs)
    return activity_rows


def _volunteer_logs(
    writer: _Writer,
    rng: random.Random,
    *,
    activity_rows: list[Activity],
    volunteers: list[Volunteer],
    pairings: list[Pairing],
    months: list[date],
    today: date,
) -> None:
    """Volunteers' hours at the activities of their area and, monthly for half a year, for their paired families."""
    for a in activity_rows:
        helpers = [
            v
            for v in volunteers
            if v.region.path.startswith(a.organiser.path) or a.organiser.path.startswith(v.region.path)
        ]
        for v in rng.sample(helpers, min(len(helpers), rng.choice((1, 2, 3)))):
            writer.logs.append(
                ServiceLog(
                    volunteer=v,
                    activity=a,
                    served_on=a.starts_on,
                    hours=Decimal(rng.choice((2, 3, 4))),
                    description="活动服务",
                )
            )
    for p in pairings:
        for month in months[-6:]:
            day = _day(rng, month, today)
            if day >= p.started_on:
                writer.logs.append(
                    ServiceLog(
                        volunteer=p.volunteer,
                        household=p.household,
                        served_on=day,
                        hours=Decimal("1.5"),
                        description="结对上门陪伴",
                    )
                )
