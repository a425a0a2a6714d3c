"""Building the demo county. Deterministic for a given seed; safe to run again."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_password
from regions.models import Region

# Meets every password rule; printed by the run command. These accounts exist only in demo data.
DEMO_PASSWORD = "Demo-2026-portal"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region: str


def _demo_users(county: Region) -> list[tuple[str, str, Region, str, str]]:
    towns = list(county.children.order_by("code"))
    town1, town2 = towns[0], towns[1]
    village1 = town1.children.order_by("code").first()
    village2 = town2.children.order_by("code").first()
    return [
        ("admin", Role.ADMIN, county, "管理员", "系统"),
        ("county", Role.COUNTY_STAFF, county, "王", "秀兰"),
        ("leader", Role.LEADER, county, "李", "建国"),
        ("town1", Role.TOWN_CADRE, town1, "张", "伟"),
        ("town2", Role.TOWN_CADRE, town2, "刘", "洋"),
        ("village1", Role.VILLAGE_CADRE, village1, "陈", "静"),
        ("village2", Role.VILLAGE_CADRE, village2, "杨", "敏"),
        ("doctor1", Role.FAMILY_DOCTOR, town1, "赵", "丽"),
        ("member1", Role.MEMBER, village1, "黄", "强"),
    ]


@transaction.atomic
def demo_seed(*, seed: int = 1, county_code: str = "630103") -> list[DemoLogin]:
    """The users of every role; `seed` will drive the random households once they exist."""
    county = Region.objects.get(code=county_code)
    logins = []
    for username, role, region, last_name, first_name in _demo_users(county):
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.region = role, region
        user.last_name, user.first_name = last_name, first_name
        user.is_active = True
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user_set_password(user=user, password=DEMO_PASSWORD)
        user.password_changed_at = timezone.now()
        user.full_clean()
        user.save()
        logins.append(DemoLogin(username=username, role=str(Role(role).label), region=region.name))
    return logins
