"""Building the demo county. Deterministic for a given seed; safe to run again."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_password
from demo.activities import demo_activities_seed
from demo.benefits import demo_benefits_seed
from demo.city import demo_city_seed
from demo.contacts import seed_contacts
from demo.households import households_generate, households_insert
from demo.medical import demo_medical_seed
from demo.policies import demo_policies_seed
from demo.statforms import demo_statform_counts_seed, demo_statforms_seed
from demo.visits import demo_visits_seed
from regions.models import Region

# Meets every password rule; printed by the run command. These accounts exist only in demo data.
DEMO_PASSWORD = "Demo-2026-portal"
DEMO_COUNTY_CODE = "630103"  # the sample county (demo/regions_sample.csv)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region: str


def _demo_users(county: Region) -> list[tuple[str, str, Region, str]]:
    towns = list(county.children.order_by("code"))
    town1, town2 = towns[0], towns[1]
    village1 = town1.children.order_by("code").first()
    village2 = town2.children.order_by("code").first()
    return [
        ("admin", Role.ADMIN, county, "系统管理员"),
        ("county", Role.COUNTY_STAFF, county, "王秀兰"),
        ("leader", Role.LEADER, county, "李建国"),
        ("town1", Role.TOWN_CADRE, town1, "张伟"),
        ("town2", Role.TOWN_CADRE, town2, "刘洋"),
        ("village1", Role.VILLAGE_CADRE, village1, "陈静"),
        ("village2", Role.VILLAGE_CADRE, village2, "杨敏"),
        ("doctor1", Role.FAMILY_DOCTOR, town1, "赵丽"),
        ("member1", Role.MEMBER, village1, "黄强"),
    ]


def demo_households_seed(*, seed: int, county: Region, count: int) -> int:
    """`count` special families spread over the county's villages (the same ones for the same seed).

    Safe to run again: households whose number exists are left alone. Returns how many were created.
    """
    if count <= 0:
        return 0
    villages = list(Region.objects.subtree_of(county).villages().order_by("code"))
    generated = list(
        households_generate(seed=seed, county=county, villages=villages, count=count, today=timezone.localdate())
    )
    return households_insert(generated)


@transaction.atomic
def demo_seed(*, seed: int = 1, county_code: str = DEMO_COUNTY_CODE, households: int = 0) -> list[DemoLogin]:
    """The users of every role, `households` special families, their contacts and visits, and the benefits and
    insurance work of the last year and a half (demo.benefits); deterministic for a seed."""
    county = Region.objects.get(code=county_code)
    logins = []
    for username, role, region, name in _demo_users(county):
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.region = role, region
        user.name = name
        user.is_active = True
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user_set_password(user=user, password=DEMO_PASSWORD)
        user.password_changed_at = timezone.now()
        user.full_clean()
        user.save()
        logins.append(DemoLogin(username=username, role=str(Role(role).label), region=region.name))
    demo_households_seed(seed=seed, county=county, count=households)
    # The city above the county, its other districts and its logins (before the visits: their nightly runs count
    # the whole city).
    for username, role, region in demo_city_seed(seed=seed, password=DEMO_PASSWORD, today=timezone.localdate()):
        logins.append(DemoLogin(username=username, role=role, region=region.name))
    seed_contacts(seed=seed, county=county, today=timezone.localdate())
    demo_visits_seed(seed=seed, county=county, today=timezone.localdate())
    demo_benefits_seed(seed=seed, county=county, today=timezone.localdate())
    demo_medical_seed(seed=seed, county=county, today=timezone.localdate())
    demo_activities_seed(seed=seed, county=county, today=timezone.localdate())
    demo_policies_seed(county=county)
    # A year of the statistical forms, filed through the lifecycle from the records above (demo.statforms).
    demo_statforms_seed(county=county, today=timezone.localdate(), password=DEMO_PASSWORD)
    demo_statform_counts_seed(county=county, today=timezone.localdate())
    return logins
