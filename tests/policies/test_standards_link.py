"""The benefit standards link their documents in the library: the shipped national ones by migration, a county's
top-up on its form (only a document the user reads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import Standard
from policies.models import PolicyDocument

pytestmark = pytest.mark.django_db


def test_every_shipped_national_standard_links_a_national_document():
    national = Standard.objects.filter(level="national").select_related("policy_document")
    assert national.count() == 14
    for standard in national:
        assert standard.policy_document is not None
        assert standard.policy_document.level == "national"
    by_year = {s.effective_from.year: s.policy_document.title for s in national if s.scheme == "death"}
    assert by_year[2008] == "全国独生子女伤残死亡家庭扶助制度试点方案"
    assert by_year[2022].startswith("提高计划生育家庭特别扶助制度扶助标准")


def test_a_linked_document_cannot_be_deleted():
    from django.db.models import ProtectedError

    document = Standard.objects.filter(level="national").first().policy_document
    with pytest.raises(ProtectedError):
        document.delete()


def test_the_standards_page_links_the_documents(personas, client_for):
    html = client_for(personas.village_cadre).get(reverse("benefits:standards:list")).content.decode()
    pilot = PolicyDocument.objects.get(title="全国独生子女伤残死亡家庭扶助制度试点方案")
    assert f'href="{reverse("policies:document", args=[pilot.pk])}"' in html


def _post(**kw):
    data = {
        "scheme": "death",
        "level": "county",
        "area_code": "630101",
        "area_name": "城东区",
        "amount": "50",
        "period": "month",
        "effective_from": "2099-01-01",
        "document": "城东区文件",
    }
    data.update(kw)
    return data


def test_a_top_up_links_a_document_the_user_reads_and_not_another(world, personas, client_for):
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("benefits:standards:create")).content.decode()
    assert f'value="{world.county.pk}"' in page
    assert f'value="{world.county2.pk}"' not in page
    response = client.post(reverse("benefits:standards:create"), _post(policy_document=world.county2.pk))
    assert "Select a valid choice" in response.content.decode()
    assert not Standard.objects.filter(level="county").exists()
    assert client.post(reverse("benefits:standards:create"), _post(policy_document=world.county.pk)).status_code == 302
    standard = Standard.objects.get(level="county")
    assert standard.policy_document_id == world.county.pk
    assert Decimal(standard.amount) == Decimal("50")
    assert standard.effective_from == date(2099, 1, 1)


def test_the_service_refuses_a_document_the_user_does_not_read(world, personas):
    from django.core.exceptions import ValidationError

    from benefits.standards.services import standard_create

    with pytest.raises(ValidationError) as caught:
        standard_create(
            actor=personas.county_staff,
            county=personas.county_staff.region,
            data={**_post(amount=Decimal("50"), effective_from=date(2099, 1, 1)), "policy_document": world.county2},
        )
    assert "policy_document" in caught.value.message_dict
    assert not Standard.objects.filter(level="county").exists()
