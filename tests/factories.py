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
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else ''}{o.code}/")

    @classmethod
    def county(cls, code: str, name: str = "") -> Region:
        return cls(code=code, name=name or f"县{code}", level=Region.Level.COUNTY)

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
