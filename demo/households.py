"""Realistic special families for the demo county and the benchmark, deterministic for a seed.

`households_generate` builds unsaved model instances; `households_insert` writes them set-based
(bulk_create in batches: one INSERT per batch per table; pghistory's triggers still record every row).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from households.models import Household, Member
from households.validation import id_number_make, phone_is_valid
from regions.models import Region

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
MEN = [
    "建国",
    "国华",
    "德明",
    "志强",
    "永福",
    "文斌",
    "春生",
    "有才",
    "振华",
    "学军",
    "海涛",
    "长林",
    "玉山",
    "宝成",
    "金贵",
    "世昌",
    "明远",
    "连生",
    "家兴",
    "占武",
]
WOMEN = [
    "秀英",
    "桂兰",
    "玉兰",
    "淑珍",
    "凤英",
    "秀兰",
    "桂英",
    "玉梅",
    "春梅",
    "淑芳",
    "丽华",
    "素琴",
    "翠花",
    "兰英",
    "月娥",
    "冬梅",
    "金花",
    "秀珍",
    "爱华",
    "彩霞",
]
CHILDREN = ["小军", "晓东", "丽娟", "海燕", "伟", "磊", "静", "敏", "超", "娜", "鹏", "婷", "杰", "雪", "强", "芳"]
GRANDCHILDREN = ["子涵", "浩然", "欣怡", "梓萱", "宇轩", "一诺", "思远", "雨桐"]
DISEASES = ["高血压", "糖尿病", "冠心病", "慢阻肺", "关节炎", "脑梗后遗症", "白内障"]
MAJOR = ["恶性肿瘤", "尿毒症", "脑卒中", "重度精神疾病"]
NOTES_DIFFICULTY = [
    "老两口年纪大，子女去世后无人照料，希望有人定期上门。",
    "看病报销手续复杂，希望有人协助办理。",
    "房屋年久失修，冬季取暖困难。",
    "情绪低落，逢年过节思念孩子。",
    "收入主要靠扶助金和养老金，医药费负担重。",
    "",
]
PREFERENCES = ["上午来访，先打电话", "周末子侄在家，可安排入户", "习惯电话联系", "不喜欢集体活动，单独慰问为宜", ""]
DO_NOT_DISTURB = ["孩子忌日前后一周不要入户", "清明节前后请勿打扰", "不要提及孩子的事", "", "", ""]


@dataclass
class GeneratedHousehold:
    household: Household
    members: list[Member]


def _pick_weighted(rng: random.Random, choices: list[tuple[object, float]]):
    total = sum(w for _, w in choices)
    point = rng.random() * total
    for value, weight in choices:
        point -= weight
        if point <= 0:
            return value
    return choices[-1][0]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


def mobile(rng: random.Random) -> str:
    """A demo mobile: 13x, 15x, 17x or 18x; a prefix no mobile has (154, 174…, 179) becomes 13x (as phonenumbers
    says, through phone_is_valid), with the same draws from ``rng`` as before."""
    number = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return number if phone_is_valid(number) else f"13{number[2:]}"


def _phone(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.68:
        return mobile(rng)
    if kind < 0.9:
        return f"0971-{rng.randrange(2_000_000, 9_999_999)}"
    return ""


def _parent(
    rng: random.Random,
    role: str,
    sex: str,
    born: date,
    name: str,
    *,
    registered: date,
    today: date,
    new_id: Callable[[date, str], str],
) -> Member:
    """A father or mother (unsaved): alive or deceased by age, self-care by age, diseases, most with a phone."""
    age = _age(born, today)
    deceased = rng.random() < max(0.0, (age - 60) * 0.012)
    death = _random_date(rng, registered, today) if deceased else None
    self_care = ""
    if not deceased:
        roll = rng.random()
        if age >= 75:
            self_care = Member.SelfCare.DISABLED if roll < 0.1 else Member.SelfCare.SEMI if roll < 0.3 else "self_care"
        else:
            self_care = Member.SelfCare.SEMI if roll < 0.05 else Member.SelfCare.SELF_CARE
    has_id = rng.random() > 0.01  # a few without a recorded ID number: the data-quality page lists them
    return Member(
        name=name,
        id_number=new_id(born, sex) if has_id else None,
        sex=sex,
        birth_date=born,
        phone="" if deceased else _phone(rng),
        role=role,
        alive=not deceased,
        death_date=death,
        self_care=self_care,
        chronic_diseases="、".join(rng.sample(DISEASES, k=rng.choice([0, 0, 1, 1, 2]))),
        major_diseases=rng.choice(MAJOR) if rng.random() < 0.06 else "",
        health_notes="",
    )


def households_generate(
    *,
    seed: int,
    county: Region,
    villages: list[Region],
    count: int,
    today: date,
    start: int = 1,
    used_ids: set[str] | None = None,
) -> Iterator[GeneratedHousehold]:
    """`count` families numbered from `start` (``630103-00001`` …), the same for the same seed.

    ``used_ids`` (shared between calls that generate one data set in chunks) keeps ID numbers unique.
    """
    rng = random.Random(seed)
    used: set[str] = used_ids if used_ids is not None else set()
    sequence = 0

    # Most people carry the county's code; some were born elsewhere in the province (and a number allows only
    # 500 people of one sex per area code and birth date).
    area_codes = [county.code] * 4 + ["630102", "630104", "630105", "632121", "632122", "632123", "632126"]

    def new_id(born: date, sex: str) -> str:
        nonlocal sequence
        for attempt in range(len(area_codes) * 500):
            sequence += 1
            area = area_codes[0 if attempt < 500 and rng.random() < 0.6 else sequence % len(area_codes)]
            number = id_number_make(area_code=area, birth_date=born, sequence=sequence, sex=sex)
            if number not in used:
                used.add(number)
                return number
        raise RuntimeError(f"no free ID number for {born} {sex}")

    for index in range(start, start + count):
        village = villages[rng.randrange(len(villages))]
        surname = rng.choice(SURNAMES)
        wife_surname = rng.choice(SURNAMES)
        family_type = Household.FamilyType.DEATH if rng.random() < 0.7 else Household.FamilyType.DISABILITY
        husband_born = _random_date(rng, date(1936, 1, 1), date(1975, 12, 31))
        wife_born = husband_born + timedelta(days=rng.randrange(-400, 1800))
        registered = _random_date(rng, date(2008, 1, 1), min(today, date(2025, 12, 31)))
        child_born = _random_date(rng, date(max(wife_born.year + 20, 1960), 1, 1), date(wife_born.year + 32, 12, 31))
        child_event = _random_date(rng, child_born + timedelta(days=365 * 3), min(registered, today))
        if child_event < child_born:
            child_event = child_born + timedelta(days=400)
        members: list[Member] = []
        alive_count = 0
        for role, sex, born, given in (
            (Member.Role.HUSBAND, "M", husband_born, rng.choice(MEN)),
            (Member.Role.WIFE, "F", wife_born, rng.choice(WOMEN)),
        ):
            name = (surname if role == Member.Role.HUSBAND else wife_surname) + given
            parent = _parent(rng, role, sex, born, name, registered=registered, today=today, new_id=new_id)
            alive_count += parent.alive
            members.append(parent)
        grandchild = rng.random() < 0.08 and family_type == Household.FamilyType.DEATH
        if grandchild:
            born = _random_date(rng, date(2003, 1, 1), date(2016, 12, 31))
            sex = rng.choice("MF")
            members.append(
                Member(
                    name=surname + rng.choice(GRANDCHILDREN),
                    id_number=new_id(born, sex),
                    sex=sex,
                    birth_date=born,
                    role=Member.Role.GRANDCHILD,
                    self_care=Member.SelfCare.SELF_CARE,
                )
            )
        if alive_count == 0:
            status, closed_reason, closed_on = "closed", Household.CloseReason.BOTH_PARENTS_DECEASED, today
        elif rng.random() < 0.02:
            status, closed_reason, closed_on = (
                "closed",
                Household.CloseReason.MOVED_AWAY,
                _random_date(rng, registered, today),
            )
        else:
            status, closed_reason, closed_on = "active", "", None
        if grandchild:
            living = Household.LivingSituation.WITH_GRANDCHILD
        elif alive_count == 2:
            living = Household.LivingSituation.INSTITUTION if rng.random() < 0.03 else Household.LivingSituation.COUPLE
        else:
            living = Household.LivingSituation.ALONE
        difficulties = sorted(
            rng.sample(list(Household.Difficulty.values[:-1]), k=_pick_weighted(rng, [(0, 3), (1, 4), (2, 2), (3, 1)]))
        )
        household = Household(
            county=county,
            village=village,
            number=f"{county.code}-{index:05d}",
            family_type=family_type,
            certificate_number=f"TF{county.code}{registered.year}{index:05d}",
            address=f"{village.name}{rng.randrange(1, 200)}号",
            living_situation=living,
            poverty_registered=rng.random() < 0.08,
            subsistence_allowance=rng.random() < 0.12,
            difficulties=difficulties,
            difficulties_note=rng.choice(NOTES_DIFFICULTY) if difficulties else "",
            visit_preferences=rng.choice(PREFERENCES),
            do_not_disturb=rng.choice(DO_NOT_DISTURB) if family_type == Household.FamilyType.DEATH else "",
            registered_on=registered,
            status=status,
            closed_reason=closed_reason,
            closed_on=closed_on,
            child_name=surname + rng.choice(CHILDREN),
            child_sex=rng.choice("MF"),
            child_birth_date=child_born,
            child_event_date=child_event,
            child_disability_grade=rng.choice("1123") if family_type == Household.FamilyType.DISABILITY else "",
        )
        yield GeneratedHousehold(household=household, members=members)


def households_insert(generated: list[GeneratedHousehold], *, batch_size: int = 2000) -> int:
    """Write households and members set-based; households whose number exists already are skipped."""
    created = 0
    for offset in range(0, len(generated), batch_size):
        batch = generated[offset : offset + batch_size]
        with transaction.atomic():
            existing = set(
                Household.objects.filter(
                    county=batch[0].household.county, number__in=[g.household.number for g in batch]
                ).values_list("number", flat=True)
            )
            fresh = [g for g in batch if g.household.number not in existing]
            if not fresh:
                continue
            Household.objects.bulk_create([g.household for g in fresh])
            members = []
            for g in fresh:
                for member in g.members:
                    member.household = g.household
                    members.append(member)
            Member.objects.bulk_create(members)
            created += len(fresh)
    return created
