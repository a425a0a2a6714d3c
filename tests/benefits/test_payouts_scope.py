"""Who sees and does what of a payout batch: outside the county, or a town cadre of a town without lines in the
batch, 404 on every page and nothing changes; inside, the roles (a village cadre and a leader 403); a town cadre
sees only the town's lines, masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from benefits.models import PayoutBatch, PayoutLine, PayoutStep
from benefits.payouts import selectors
from tests.benefits.payouts_setup import batch_make, couple_make

pytestmark = pytest.mark.django_db

# (URL name, data of a POST)
ID_URLS = [
    ("benefits:payouts:detail", {}),
    ("benefits:payouts:lines", {}),
    ("benefits:payouts:reconcile", {"action": "mark"}),
    ("benefits:payouts:step", {"action": "submit"}),
    ("benefits:payouts:roster", {}),
    ("benefits:payouts:return", {}),
    ("benefits:payouts:correction", {}),
]
MATRIX_URLS = {name for name, _data in ID_URLS}


@pytest.fixture
def batch(area, personas) -> PayoutBatch:
    couple_make(area.V1a, name="甲")
    return batch_make(personas.county_staff, area.C)  # lines in town 1 only


def _state(batch):
    return (
        PayoutBatch.objects.get(pk=batch.pk).state,
        PayoutBatch.objects.get(pk=batch.pk).reconciled_at,
        PayoutLine.objects.filter(batch=batch).count(),
        PayoutStep.objects.count(),
    )


@pytest.mark.parametrize(("name", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("actor", ["other_county_staff", "other_town_cadre", "no_area"])
def test_outside_404_and_nothing_changes(batch, personas, client_for, name, data, method, actor):
    url = reverse(name, args=[batch.pk])
    before = _state(batch)
    client = client_for(getattr(personas, actor))
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code in (404, 405)
    if response.status_code == 405:  # a page of one method answers the other before it looks anything up
        other = client.post(url, data) if method == "get" else client.get(url)
        assert other.status_code == 404
    assert _state(batch) == before


@pytest.mark.parametrize("actor", ["village_cadre", "leader"])
def test_inside_the_area_other_roles_403(batch, personas, client_for, actor):
    client = client_for(getattr(personas, actor))
    assert client.get(reverse("benefits:payouts:detail", args=[batch.pk])).status_code == 403
    assert client.get(reverse("benefits:payouts:list")).status_code == 403
    assert client.post(reverse("benefits:payouts:reconcile", args=[batch.pk]), {"action": "mark"}).status_code == 403


def test_a_town_cadre_sees_the_towns_lines_masked_and_another_town_none(area, personas, client_for):
    couple_make(area.V1a, name="甲")
    other = couple_make(area.V2a, name="丙")
    batch = batch_make(personas.county_staff, area.C)
    page = client_for(personas.town_cadre).get(reverse("benefits:payouts:lines", args=[batch.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "甲妻" in text
    assert other.wife.name not in text
    line = PayoutLine.objects.filter(batch=batch, member__household__village=area.V1a).first()
    assert line.account_number not in text
    assert line.beneficiary_id_number not in text
    assert line.beneficiary_id_number[-4:] in text
    assert selectors.lines_for_user(user=personas.other_town_cadre, batch=batch).count() == 2
    # a batch of town 1 alone: the cadre of town 2 sees none of its lines and not the batch
    town_1 = batch_make(personas.county_staff, area.C, area=area.T1, first_month=batch.period_end.replace(month=7),
                        last_month=batch.period_end.replace(month=7))  # fmt: skip
    assert not selectors.lines_for_user(user=personas.other_town_cadre, batch=town_1).exists()
    assert town_1 not in selectors.batch_list_for_user(user=personas.other_town_cadre)
    client = client_for(personas.other_town_cadre)
    assert client.get(reverse("benefits:payouts:lines", args=[town_1.pk])).status_code == 404


def test_a_town_cadre_cannot_create_reconcile_or_download(area, personas, client_for):
    couple_make(area.V1a, name="甲")
    batch = batch_make(personas.county_staff, area.C)
    client = client_for(personas.town_cadre)
    assert client.get(reverse("benefits:payouts:create")).status_code == 403
    assert client.get(reverse("benefits:payouts:reconcile", args=[batch.pk])).status_code == 403
    assert client.post(reverse("benefits:payouts:roster", args=[batch.pk])).status_code == 403
    assert client.get(reverse("benefits:payouts:detail", args=[batch.pk])).status_code == 200
