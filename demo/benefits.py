"""A year and a half of the benefits work for the demo county (issue 14's demo data), deterministic for a seed.

The order is the order of the work: the households' residence and a few events the reconciliation shows; the
county's own top-up standard; the parents' bank accounts; the annual reviews (demo.review); the payout batches
through 一卡通 with their returns and corrections (demo.payouts); relief and gifts; then the insurance policies and
claims (demo.insurance). Everything goes through the apps' services, with the demo users as the actors, except
where a service per row would be slow (the bank accounts, the festival gifts: one insert each, inside a history
context so the history triggers still record every row). The services date what they write today; each part then
moves its rows to the day the work was done (``backdate``), derived from today's date, so the demo is right
whatever today is.

Safe to run again: each part leaves a county that already has its rows alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audit.history import history_context
from benefits.models import BenefitProfile, Level, Period, Relief, Scheme, Standard
from benefits.relief.services import relief_create
from benefits.standards.services import benefit_settings_save, standard_create
from contacts.models import ServicePerson
from core.db import array_literal
from households.models import Household, Member
from regions.models import Region
from visits import periods

# The county's top-up: "在省、市奖励扶助标准上，每年每人发放区级扶助金720元" (seed 000, 西宁市城中区; also
# ../shared/BENEFITS.md). The seed does not say since when: its report is of 2023, so 2023-01-01 is assumed.
COUNTY_TOP_UP = 720
COUNTY_TOP_UP_FROM = date(2023, 1, 1)
COUNTY_TOP_UP_DOCUMENT = "西宁市城中区计生特殊家庭区级扶助金（每人每年720元，2023年起）"
BANKS = (("青海农商银行", "6230", 45), ("中国邮政储蓄银行", "6217", 30), ("中国农业银行", "6228", 25))
PARENTS = (Member.Role.HUSBAND, Member.Role.WIFE)


@dataclass
class Actors:
    """Who does the work: the demo logins, and a cadre account for every other town and village (the review's
    village and town steps and the payout's town review are each done by a cadre of that area)."""

    county: User
    towns: dict[int, User] = field(default_factory=dict)  # town id → its cadre
    villages: dict[int, User] = field(default_factory=dict)  # village id → its cadre
    town_order: list[int] = field(default_factory=list)  # the other towns first, then town2, then town1

    def village_of(self, household: Household) -> User:
        return self.villages.get(household.village_id) or self.county


def at(day: date, minutes: int = 0) -> datetime:
    """A time on a working day (from 9:00, ``minutes`` later), in the portal's zone."""
    return timezone.make_aware(datetime.combine(day, time(9, 0)) + timedelta(minutes=minutes % 480))


def tiny_pdf(title: str) -> SimpleUploadedFile:
    """A one-page PDF (a scanned proof stands in for itself)."""
    text = title.encode("ascii", "replace")[:60]
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")


# ------------------------------------------------------------------------------------------------------ actors


def _cadre(username: str, role: str, region: Region, name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, region=region, name=name, is_active=True)
        user.password = make_password(None)  # no login: an account the demo's work is recorded under
        user.full_clean()
        user.save()
    return user


def actors_for(county: Region) -> Actors:
    """The demo users, and a cadre account (without a password) for each town and village that has no demo login,
    named after the person who serves there (demo.contacts)."""
    users = {
        u.username: u for u in User.objects.filter(username__in=["county", "town1", "town2", "village1", "village2"])
    }
    actors = Actors(county=users["county"])
    serving: dict[int, str] = {}
    for region_id, _role, name in (
        ServicePerson.objects.filter(
            region__path__startswith=county.path, active=True, role_type__in=["town_leader", "village_cadre"]
        )
        .order_by("id")
        .values_list("region_id", "role_type", "name")
    ):
        serving.setdefault(region_id, name)
    demo = {u.region_id: u for u in users.values() if u.role in (Role.TOWN_CADRE, Role.VILLAGE_CADRE)}
    towns = list(county.children.order_by("code"))
    for town in towns:
        actors.towns[town.pk] = demo.get(town.pk) or _cadre(
            f"cadre{town.code}", Role.TOWN_CADRE, town, serving.get(town.pk, f"{town.name}计生办")
        )
        for village in town.children.order_by("code"):
            actors.villages[village.pk] = demo.get(village.pk) or _cadre(
                f"cadre{village.code}", Role.VILLAGE_CADRE, village, serving.get(village.pk, f"{village.name}计生专干")
            )
    demo_towns = [t.pk for t in towns[:2]]
    actors.town_order = [t.pk for t in towns[2:]] + demo_towns[::-1]
    return actors


# -------------------------------------------------------------------------------------------- households


def households_benefit_facts(*, seed: int, county: Region, today: date) -> int:
    """Residence (户籍性质) where empty, about 60 % rural; and, once per county, the events the annual review and
    the reconciliation show: a disabled child recovered, another child adopted."""
    rng = random.Random(f"{seed}:residence")
    changed = []
    for household in Household.objects.filter(county=county, residence="").order_by("number"):
        household.residence = Household.Residence.RURAL if rng.random() < 0.6 else Household.Residence.URBAN
        changed.append(household)
    Household.objects.bulk_update(changed, ["residence"], batch_size=2000)
    events = Household.objects.filter(county=county)
    if events.filter(child_recovered_on__isnull=False).exists() or events.filter(other_child_on__isnull=False).exists():
        return len(changed)
    rng = random.Random(f"{seed}:events")
    active = list(events.filter(status=Household.Status.ACTIVE).order_by("number"))
    disabled = [h for h in active if h.family_type == Household.FamilyType.DISABILITY]
    deceased = [h for h in active if h.family_type == Household.FamilyType.DEATH and h.village_id]
    last_year = today.year - 1
    with history_context(service="demo_household_events"):
        for household in rng.sample(disabled, k=min(1, len(disabled))):
            household.child_recovered_on = date(last_year, 5, rng.randrange(1, 28))  # a leaver at the next review
            household.save(update_fields=["child_recovered_on"])
        for household in rng.sample(deceased, k=min(1, len(deceased))):
            household.other_child_on = date(last_year, 9, rng.randrange(1, 28))  # adopted a grandchild
            household.save(update_fields=["other_child_on"])
    return len(changed)


# ------------------------------------------------------------------------------------------------- standards


def county_standards_seed(*, actors: Actors, county: Region) -> int:
    """The county's own settings (the defaults, with a notice of 7 days as 西宁 posts it) and its top-up for both
    branches of special assistance, entered by the county's staff."""
    if Standard.objects.filter(level=Level.COUNTY, area_code=county.code).exists():
        return 0
    benefit_settings_save(actor=actors.county, county=county, data={"notice_days": 7})
    for scheme in (Scheme.DEATH, Scheme.DISABILITY):
        standard_create(
            actor=actors.county,
            county=county,
            data={
                "scheme": scheme,
                "level": Level.COUNTY,
                "area_code": county.code,
                "area_name": county.name,
                "amount": COUNTY_TOP_UP,
                "period": Period.YEAR,
                "effective_from": COUNTY_TOP_UP_FROM,
                "document": COUNTY_TOP_UP_DOCUMENT,
                "note": "在省、市扶助标准之上，由区财政发放（种子000）",
            },
        )
    return 2


# ---------------------------------------------------------------------------------------------- bank accounts


def account_number(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(str(rng.randrange(10)) for _ in range(15))


def bank_draw(rng: random.Random) -> tuple[str, str]:
    name, prefix, _weight = rng.choices(BANKS, weights=[b[2] for b in BANKS])[0]
    return name, account_number(rng, prefix)


def profiles_seed(*, seed: int, county: Region, today: date) -> int:
    """A benefit profile for every parent alive at the start of last year: the parent's own 一卡通 account (about
    3 % without one yet, and those without an ID number), reward assistance for some rural parents of 60+. One
    insert; the history trigger records every row."""
    first = date(today.year - 1, 1, 1)
    members = list(
        Member.objects.filter(household__county=county, role__in=PARENTS, benefit_profile__isnull=True)
        .exclude(death_date__lt=first)
        .select_related("household")
        .order_by("household__number", "role")
    )
    rows = []
    for member in members:
        rng = random.Random(f"{seed}:account:{member.household.number}:{member.role}")
        profile = BenefitProfile(member=member)
        rural = member.household.residence == Household.Residence.RURAL
        age = member.age(on=today)
        profile.reward_qualified = bool(rural and age is not None and age >= 60 and rng.random() < 0.4)
        if member.id_number and rng.random() >= 0.03:
            profile.bank_name, profile.account_number = bank_draw(rng)
            profile.payee_name, profile.payee_id_number, profile.payee_relationship = (
                member.name,
                member.id_number,
                "本人",
            )
        rows.append(profile)
    with history_context(service="demo_benefit_profiles"):
        BenefitProfile.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# ----------------------------------------------------------------------------------------------------- relief

SOURCES = {
    Relief.Kind.TEMPORARY: ("区民政局临时救助资金", "区民政局"),
    Relief.Kind.RED_CROSS: ("区红十字会人道救助", "区红十字会"),
    Relief.Kind.FESTIVAL: ("区计生协关怀基金", "区计生协"),
    Relief.Kind.CAKE_CARD: ("区计生协关怀基金", "区计生协"),
    Relief.Kind.HOUSEKEEPING_CARD: ("区计生协关怀基金", "区计生协"),
    Relief.Kind.VACCINATION: ("区卫健局免费接种", "区卫健局"),
}
NOTES = {
    Relief.Kind.TEMPORARY: ["住院医疗费用负担重", "冬季取暖困难", "房屋漏雨修缮", "重病后生活困难"],
    Relief.Kind.RED_CROSS: ["大病人道救助", "恶性肿瘤治疗期间救助"],
    Relief.Kind.FESTIVAL: ["春节慰问金", "春节慰问（米、面、油）", "春节慰问（棉被、食用油）"],
    Relief.Kind.CAKE_CARD: ["生日送蛋糕卡"],
    Relief.Kind.HOUSEKEEPING_CARD: ["家政服务卡（保洁、助浴）"],
    Relief.Kind.VACCINATION: ["流感疫苗免费接种"],
}


def _relief_rows(rng: random.Random, households: list[Household], today: date) -> Iterable[tuple]:
    """(household, member, kind, amount, day, note) of a year of relief, scaled to the county's households
    (seed 000's district: about 300 families)."""
    scale = len(households) / 300
    year_ago = today - timedelta(days=365)

    def day_in_year() -> date:
        return year_ago + timedelta(days=rng.randrange(1, 365))

    def parents(h: Household) -> list[Member]:
        return [m for m in h.members.all() if m.role in PARENTS and m.alive]

    living = [h for h in households if parents(h)]
    for kind, count, amount in (
        (Relief.Kind.TEMPORARY, 25, 1000),
        (Relief.Kind.RED_CROSS, 3, 3000),
    ):
        for household in rng.sample(living, k=min(len(living), max(1, round(count * scale)))):
            yield household, None, kind, amount, day_in_year(), rng.choice(NOTES[kind])
    festival = periods.spring_festival(today.year)
    if festival > today:
        festival = periods.spring_festival(today.year - 1)
    for household in living:
        if rng.random() < 0.9:
            goods = rng.random() < 0.25
            amount = None if goods else rng.choice([200, 300, 300, 500])
            note = NOTES[Relief.Kind.FESTIVAL][1 + rng.randrange(2)] if goods else NOTES[Relief.Kind.FESTIVAL][0]
            yield household, None, Relief.Kind.FESTIVAL, amount, festival - timedelta(days=rng.randrange(3, 12)), note
    yield from _card_rows(rng, living, parents, today, scale)


def _card_rows(rng: random.Random, living: list[Household], parents, today: date, scale: float) -> Iterable[tuple]:
    """The birthday-cake cards, housekeeping cards and flu vaccinations of the year."""
    year_ago = today - timedelta(days=365)

    def day_in_year() -> date:
        return year_ago + timedelta(days=rng.randrange(1, 365))

    people = [(h, m) for h in living for m in parents(h)]
    for household, member in rng.sample(people, k=min(len(people), round(40 * scale))):
        born = member.birth_date or today
        birthday = date(today.year, born.month, min(born.day, 28))
        if birthday > today:
            birthday = birthday.replace(year=today.year - 1)
        yield household, member, Relief.Kind.CAKE_CARD, 138, birthday, NOTES[Relief.Kind.CAKE_CARD][0]
    older = [h for h in living if any(m.self_care != Member.SelfCare.SELF_CARE for m in parents(h))] or living
    for household in rng.sample(older, k=min(len(older), round(30 * scale))):
        yield (
            household,
            None,
            Relief.Kind.HOUSEKEEPING_CARD,
            300,
            day_in_year(),
            NOTES[Relief.Kind.HOUSEKEEPING_CARD][0],
        )
    autumn = date(today.year if today.month >= 11 else today.year - 1, 10, 15)
    for household, member in rng.sample(people, k=min(len(people), round(60 * scale))):
        day = autumn + timedelta(days=rng.randrange(0, 30))
        yield household, member, Relief.Kind.VACCINATION, None, day, NOTES[Relief.Kind.VACCINATION][0]


def relief_seed(*, seed: int, county: Region, actors: Actors, today: date) -> int:
    """A year of relief and gifts, each recorded through the relief service by the village's cadre (the money by
    the county's staff), then dated when it was recorded."""
    if Relief.objects.filter(household__county=county).exists():
        return 0
    households = list(
        Household.objects.filter(county=county, status=Household.Status.ACTIVE, village__isnull=False)
        .prefetch_related("members")
        .order_by("number")
    )
    rng = random.Random(f"{seed}:relief")
    created: list[tuple[int, date]] = []
    gifts: list[Relief] = []
    for household, member, kind, amount, day, note in _relief_rows(rng, households, today):
        source, approver = SOURCES[kind]
        data = {"member": member, "kind": kind, "amount": amount, "given_on": min(day, today), "source": source,
                "approved_by": approver, "note": note}  # fmt: skip
        if kind in (Relief.Kind.TEMPORARY, Relief.Kind.RED_CROSS):
            # Money: approved and recorded one by one by the county's staff, through the service.
            relief = relief_create(actor=actors.county, household=household, data=data)
            created.append((relief.pk, min(day, today)))
        else:
            gifts.append(Relief(household=household, recorded_by=actors.village_of(household), **data))
    # The festival's gifts, the cards and the vaccinations: recorded as lists, one insert (the history trigger
    # still records each row).
    with history_context(service="demo_relief", region_path=county.path):
        Relief.objects.bulk_create(gifts, batch_size=2000)
    created += [(relief.pk, relief.given_on) for relief in gifts]
    backdate(Relief, "recorded_at", ((pk, at(day, pk)) for pk, day in created))
    return len(created)


# ------------------------------------------------------------------------------------------------ backdating


def backdate(model, field_name: str, values: Iterable[tuple[int, date | datetime]]) -> int:
    """Set one date or time column of rows (pk, value) to the day the work was done: one UPDATE … FROM unnest of
    two arrays (bulk_update's CASE per row took seconds)."""
    rows = list(values)
    if not rows:
        return 0
    column = model._meta.get_field(field_name)
    cast = "date" if column.get_internal_type() == "DateField" else "timestamptz"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {model._meta.db_table} t SET {column.column} = v.value
              FROM unnest(%s::bigint[], %s::{cast}[]) AS v(id, value)
             WHERE t.id = v.id
            """,
            [array_literal(pk for pk, _v in rows), array_literal((v.isoformat() for _pk, v in rows), cast="text")],
        )
        return cursor.rowcount


# ------------------------------------------------------------------------------------------------ the whole

# The tables the amount engine and the payouts read: their statistics refreshed after each part has written
# (the engine's plan on a fresh demo database's empty statistics took 0.4 s a run instead of 0.05 s).
ENGINE_TABLES = (
    "households_household",
    "households_member",
    "benefits_benefitprofile",
    "benefits_reviewcycle",
    "benefits_reviewcase",
    "benefits_payoutline",
    "benefits_payoutbatch",
)


def analyze(tables: Iterable[str] = ENGINE_TABLES) -> None:
    """ANALYZE through the owner's portal_analyze (the application role may not itself); inside the seed's
    transaction, the rows it wrote count."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT portal_analyze(%s)", [table])


@transaction.atomic
def demo_benefits_seed(*, seed: int, county: Region, today: date) -> None:
    """Every benefits and insurance model of the demo county filled with the work up to ``today``."""
    from demo.insurance import insurance_seed
    from demo.payouts import payouts_seed
    from demo.review import reviews_seed

    actors = actors_for(county)
    households_benefit_facts(seed=seed, county=county, today=today)
    county_standards_seed(actors=actors, county=county)
    profiles_seed(seed=seed, county=county, today=today)
    analyze()
    reviews_seed(seed=seed, county=county, actors=actors, today=today)
    analyze(["benefits_reviewcase", "benefits_reviewstep"])
    payouts_seed(seed=seed, county=county, actors=actors, today=today)
    relief_seed(seed=seed, county=county, actors=actors, today=today)
    insurance_seed(seed=seed, county=county, actors=actors, today=today)
