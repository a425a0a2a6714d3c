"""The claims list: its page read along the index (the area an EXISTS, not a join), a constant number of queries
whatever the page and the number of claims, the count exact up to the cap and "more than" beyond, and the next page
still reachable past the cap."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benefits.insurance import selectors
from benefits.models import InsuranceClaim, InsuranceProduct
from tests.benefits.insurance_setup import WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _claims(area, n, village=None):
    wuhai = InsuranceProduct.objects.filter(county=area.C, year=2025).first() or product(area.C, 2025, WUHAI)
    made = []
    for i in range(n):
        member = MemberFactory(household=HouseholdFactory(village=village or area.V1a))
        made.append(
            InsuranceClaim.objects.create(
                product=wuhai,
                member=member,
                household=member.household,
                kind="death",
                event_date=date(2025, 3, 1),
                reported_by_kind="family",
                reported_at=datetime(2025, 3, 2, 9, tzinfo=TZ) + timedelta(hours=i),
            )
        )
    return made


def _shown(html):
    return [int(part.split('"')[0]) for part in html.split('data-claim="')[1:]]


def test_constant_queries_whatever_the_page_and_the_number(client_for, personas, area):
    client = client_for(personas.county_staff)
    url = reverse("benefits:insurance:claims")
    _claims(area, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _claims(area, 110)
    with CaptureQueriesContext(connection) as many:
        first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as deep:
        third = client.get(url + "?page=3").content.decode()
    assert len(few) == len(many) == len(deep)
    newest = list(InsuranceClaim.objects.order_by("-reported_at", "-id").values_list("pk", flat=True))
    assert _shown(first) == newest[:50]
    assert _shown(third) == newest[100:]
    assert "113" in first


def test_the_count_is_capped_and_the_pages_go_on(client_for, personas, area, monkeypatch):
    monkeypatch.setattr(selectors, "CLAIMS_COUNT_CAP", 60)
    made = _claims(area, 120)
    client = client_for(personas.county_staff)
    url = reverse("benefits:insurance:claims")
    html = client.get(url + "?page=2").content.decode()
    assert "60" in html
    assert "page=3" in html
    assert "page=1" in html
    assert len(_shown(html)) == 50
    rows = selectors.claim_list_for_user(user=personas.county_staff)
    page = selectors.claim_page(rows, number=3, size=50)
    assert (page.count, page.has_next, len(page.claims)) == (None, False, 20)
    assert [c.pk for c in page.claims] == [c.pk for c in reversed(made)][100:]
    # A page past the end is empty, not an error; a bad page number is the first page.
    assert client.get(url + "?page=9").status_code == 200
    assert _shown(client.get(url + "?page=x").content.decode())[0] == made[-1].pk


def test_the_area_and_the_town_filter(client_for, personas, area):
    mine = _claims(area, 2)
    elsewhere = MemberFactory(household=HouseholdFactory(village=area.V3a))
    InsuranceClaim.objects.create(
        product=mine[0].product,
        member=elsewhere,
        household=elsewhere.household,
        kind="death",
        event_date=date(2025, 3, 1),
        reported_by_kind="family",
        reported_at=datetime(2025, 3, 5, 9, tzinfo=TZ),
    )
    town_rows = selectors.claim_list_for_user(user=personas.town_cadre)
    assert {c.pk for c in selectors.claim_page(town_rows, number=1, size=50).claims} == {c.pk for c in mine}
    staff_rows = selectors.claim_list_for_user(user=personas.county_staff, town_id=area.T1.pk)
    assert {c.pk for c in selectors.claim_page(staff_rows, number=1, size=50).claims} == {c.pk for c in mine}
