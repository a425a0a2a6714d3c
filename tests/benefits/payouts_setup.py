"""Shared data of the payouts tests: couples in the persona county, confirmed by the 2025 annual review, with bank
accounts, so the engine pays each parent 590 yuan a month (national, child deceased, from 2022-07)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from benefits.models import BenefitProfile, PayoutBatch, ReviewCase, ReviewCycle, Scheme
from benefits.payouts import services
from households.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory

FIRST, LAST = date(2025, 1, 1), date(2025, 6, 1)
MONTHLY = Decimal("590.00")
SIX_MONTHS = MONTHLY * 6


@dataclass
class Couple:
    household: Household
    wife: Member
    husband: Member


def cycle_2025(county) -> ReviewCycle:
    cycle, _created = ReviewCycle.objects.get_or_create(
        county=county,
        year=2025,
        defaults={
            "applications_by": date(2025, 1, 15),
            "village_by": date(2025, 2, 15),
            "town_by": date(2025, 3, 15),
            "county_by": date(2025, 3, 31),
        },
    )
    return cycle


_accounts = iter(range(10**15, 10**16))


def account_give(member: Member, *, account: str | None = None) -> BenefitProfile:
    profile, _created = BenefitProfile.objects.get_or_create(member=member)
    profile.payee_name = member.name
    profile.payee_id_number = member.id_number or ""
    profile.payee_relationship = "本人"
    profile.account_number = account or f"6228{next(_accounts)}"
    profile.bank_name = "中国农业银行"
    profile.save()
    return profile


def couple_make(village, *, name: str, with_accounts: bool = True, confirmed: bool = True, county=None) -> Couple:
    household = HouseholdFactory(
        village=village,
        family_type=Household.FamilyType.DEATH,
        residence="rural",
        child_event_date=date(2008, 3, 3),
        address=f"{village.name}幸福路1号",
    )
    wife = MemberFactory(household=household, role=Member.Role.WIFE, name=f"{name}妻", birth_date=date(1960, 5, 20))
    husband = MemberFactory(
        household=household, role=Member.Role.HUSBAND, name=f"{name}夫", birth_date=date(1958, 1, 10)
    )
    if confirmed:
        cycle = cycle_2025(county or household.county)
        for member in (wife, husband):
            ReviewCase.objects.create(
                cycle=cycle,
                member=member,
                kind=ReviewCase.Kind.RECHECK,
                scheme=Scheme.DEATH,
                stage=ReviewCase.Stage.DONE,
                outcome=ReviewCase.Outcome.CONFIRMED,
                decided_on=date(2025, 3, 20),
            )
    if with_accounts:
        account_give(wife)
        account_give(husband)
    return Couple(household=household, wife=wife, husband=husband)


def batch_make(user, county, **kwargs) -> PayoutBatch:
    return services.payout_batch_create(
        actor=user,
        county=county,
        scheme=kwargs.pop("scheme", Scheme.DEATH),
        first_month=kwargs.pop("first_month", FIRST),
        last_month=kwargs.pop("last_month", LAST),
        **kwargs,
    ).batch
