"""Personas and the area fixture of docs/SECURITY.md §Access, shared by every test.

County C with towns T1 (villages V1a, V1b) and T2 (village V2a); a sibling county C2 (town T3, village V3a).
Personas: county staff of C, T1 cadre, V1a cadre, leader of C, staff of C2, a user with no area, and a
deactivated user.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from regions.models import Region
from tests.database_roles import app_role_become, owner_become
from tests.factories import RegionFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is created and migrated as the owner; the tests then connect as the application
    role (tests/database_roles.py, issue 12)."""
    with django_db_blocker.unblock():
        app_role_become()
    yield
    with django_db_blocker.unblock():
        owner_become()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the portal's language: a request with the English cookie activates English in the test's
    thread (the locale middleware, as Django's, activates per request and leaves it), which would leak into the
    next test's direct service calls."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Area:
    C: Region
    T1: Region
    V1a: Region
    V1b: Region
    T2: Region
    V2a: Region
    C2: Region
    T3: Region
    V3a: Region


@pytest.fixture
def area(db) -> Area:
    c = RegionFactory.county("630101", "城东区")
    t1 = RegionFactory.town(c, "001", "东关街道")
    t2 = RegionFactory.town(c, "002", "清真巷街道")
    c2 = RegionFactory.county("630102", "城西区")
    t3 = RegionFactory.town(c2, "001", "西关街道")
    return Area(
        C=c,
        T1=t1,
        V1a=RegionFactory.village(t1, "001", "东关社区"),
        V1b=RegionFactory.village(t1, "002", "大众街社区"),
        T2=t2,
        V2a=RegionFactory.village(t2, "001", "清真巷社区"),
        C2=c2,
        T3=t3,
        V3a=RegionFactory.village(t3, "001", "西关社区"),
    )


@dataclass
class Personas:
    county_staff: User
    town_cadre: User
    village_cadre: User
    leader: User
    other_county_staff: User
    other_town_cadre: User
    no_area: User
    deactivated: User
    admin: User


@pytest.fixture
def personas(area: Area) -> Personas:
    return Personas(
        county_staff=UserFactory(username="c_staff", role=Role.COUNTY_STAFF, region=area.C),
        town_cadre=UserFactory(username="t1_cadre", role=Role.TOWN_CADRE, region=area.T1),
        village_cadre=UserFactory(username="v1a_cadre", role=Role.VILLAGE_CADRE, region=area.V1a),
        leader=UserFactory(username="c_leader", role=Role.LEADER, region=area.C),
        other_county_staff=UserFactory(username="c2_staff", role=Role.COUNTY_STAFF, region=area.C2),
        other_town_cadre=UserFactory(username="t2_cadre", role=Role.TOWN_CADRE, region=area.T2),
        no_area=UserFactory(username="nobody", role=Role.COUNTY_STAFF, region=None),
        deactivated=UserFactory(username="gone", role=Role.COUNTY_STAFF, region=area.C, is_active=False),
        admin=UserFactory(username="sysadmin", role=Role.ADMIN, region=area.C, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def client_for():
    """A logged-in test client for a user (force_login still runs the login signal: session start time)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
