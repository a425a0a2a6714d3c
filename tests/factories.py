"""factory_boy factories shared by the tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from regions.models import Region

TEST_PASSWORD = "Test-pass-2026"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区域{n}")
    level = Region.Level.COUNTY
    parent = None
    code = factory.Sequence(lambda n: f"{640000 + n}")
    # Paths start at the county: a city or province parent adds nothing (regions.models.Region).
    path = factory.LazyAttribute(
        lambda o: f"{o.parent.path if o.parent and not o.parent.is_above_county else ''}{o.code}/"
    )

    @classmethod
    def province(cls, code: str, name: str = "") -> Region:
        return cls(code=code, name=name or f"省{code}", level=Region.Level.PROVINCE)

    @classmethod
    def city(cls, code: str, name: str = "", province: Region | None = None) -> Region:
        return cls(code=code, name=name or f"市{code}", level=Region.Level.CITY, parent=province)

    @classmethod
    def county(cls, code: str, name: str = "", city: Region | None = None) -> Region:
        return cls(code=code, name=name or f"县{code}", level=Region.Level.COUNTY, parent=city)

    @classmethod
    def town(cls, parent: Region, suffix: str, name: str = "") -> Region:
        return cls(code=f"{parent.code}{suffix}", name=name or f"镇{suffix}", level=Region.Level.TOWN, parent=parent)

    @classmethod
    def village(cls, parent: Region, suffix: str, name: str = "") -> Region:
        return cls(code=f"{parent.code}{suffix}", name=name or f"村{suffix}", level=Region.Level.VILLAGE, parent=parent)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COUNTY_STAFF
    region = None
    password_changed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# ---- households -------------------------------------------------------------------------------------

import datetime as _dt  # noqa: E402

from households.models import Household, Member  # noqa: E402
from households.validation import id_number_make  # noqa: E402


class HouseholdFactory(factory.django.DjangoModelFactory):
    """A household in `village` (required); the county is the village's county."""

    class Meta:
        model = Household

    village = None
    county = factory.LazyAttribute(
        lambda o: Region.objects.get(path=o.village.path.split("/", 1)[0] + "/") if o.village else None
    )
    number = factory.Sequence(lambda n: f"T-{n:05d}")
    family_type = Household.FamilyType.DEATH
    registered_on = _dt.date(2020, 1, 15)


class MemberFactory(factory.django.DjangoModelFactory):
    """A member with a valid ID number; sex and birth date agree with it."""

    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    role = Member.Role.HUSBAND
    sex = factory.LazyAttribute(lambda o: "F" if o.role == Member.Role.WIFE else "M")
    birth_date = _dt.date(1958, 6, 1)
    id_number = factory.LazyAttributeSequence(
        lambda o, n: (
            id_number_make(area_code="630103", birth_date=o.birth_date, sequence=n, sex=o.sex) if o.birth_date else None
        )
    )
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class SavedFilterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "households.SavedFilter"

    name = factory.Sequence(lambda n: f"filter {n}")
    params = factory.LazyFunction(dict)


# ---- contacts ---------------------------------------------------------------------------------------

from contacts.models import Assignment, ContactScheme, ServicePerson  # noqa: E402


class ServicePersonFactory(factory.django.DjangoModelFactory):
    """A person who serves; pass `region` (a village for a village cadre, a town for a town leader)."""

    class Meta:
        model = ServicePerson

    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    role_type = ServicePerson.RoleType.VILLAGE_CADRE
    unit = ""
    region = None
    active = True


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A holder's term; slot follows the person's role."""

    class Meta:
        model = Assignment

    household = None
    person = None
    slot = factory.LazyAttribute(lambda o: o.person.role_type)
    start_date = _dt.date(2024, 1, 1)
    end_date = None


class ContactSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactScheme

    kind = ContactScheme.Kind.FOUR_ON_ONE
    volunteers_required = 1
