"""Insurance's scope matrix: every URL with an id answers 404 outside the area (GET and POST, nothing changed),
and the roles inside it (docs/SECURITY.md §Access)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benefits.insurance import services
from benefits.models import ClaimDocument, InsuranceClaim, InsuranceProduct
from tests.benefits.insurance_setup import WUHAI, product
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

PRODUCT_URLS = [
    "benefits:insurance:product",
    "benefits:insurance:product_edit",
    "benefits:insurance:product_renew",
    "benefits:insurance:product_document",
    "benefits:insurance:enrol",
    "benefits:insurance:lines",
    "benefits:insurance:export",
]
CLAIM_URLS = ["benefits:insurance:claim", "benefits:insurance:claim_edit"]
ACTION_URLS = ["benefits:insurance:claim_action"]
DOCUMENT_URLS = ["benefits:insurance:document_receive", "benefits:insurance:document_file"]
HOUSEHOLD_URLS = ["benefits:insurance:claim_report"]
MATRIX_URLS = PRODUCT_URLS + CLAIM_URLS + ACTION_URLS + DOCUMENT_URLS + HOUSEHOLD_URLS


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(area, personas):
    wuhai = product(area.C, 2025, WUHAI)
    wuhai.document.save("policy.pdf", SimpleUploadedFile("p.pdf", b"%PDF-1.4 x"), save=True)
    household = HouseholdFactory(village=area.V1a)
    member = MemberFactory(household=household)
    services.enrolment_run(actor=personas.county_staff, product=wuhai, as_of=date(2024, 12, 1))
    claim = services.claim_report(
        actor=personas.county_staff,
        member=member,
        data={
            "product": wuhai,
            "kind": "death",
            "event_date": date(2025, 3, 1),
            "reported_by_kind": "family",
        },
    )
    document = claim.documents.first()
    services.claim_document_receive(
        actor=personas.county_staff, document=document, upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4 y")
    )
    return {"product": wuhai, "household": household, "claim": claim, "document": document}


def _urls(world):
    p, c, d, h = world["product"].pk, world["claim"].pk, world["document"].pk, world["household"].pk
    return (
        [reverse(n, args=[p]) for n in PRODUCT_URLS]
        + [reverse(n, args=[c]) for n in CLAIM_URLS]
        + [reverse("benefits:insurance:claim_action", args=[c, a]) for a in services.TRANSITIONS]
        + [reverse(n, args=[d]) for n in DOCUMENT_URLS]
        + [reverse(n, args=[h]) for n in HOUSEHOLD_URLS]
    )


def _state():
    return (
        list(InsuranceProduct.objects.values_list("pk", "name", "year")),
        list(InsuranceClaim.objects.values_list("pk", "state", "paid_amount")),
        list(ClaimDocument.objects.values_list("pk", "received_on")),
    )


@pytest.mark.parametrize("who", ["other_county_staff", "other_town_cadre", "no_area", "deactivated"])
def test_outside_the_area_is_404_and_nothing_changes(client_for, personas, world, who):
    client = client_for(getattr(personas, who))
    before = _state()
    # A product is the whole county's (CountyRowQuerySet): a cadre of another town of the county sees it, and
    # only their own town's persons on it; everything of the family (claims, scans, the household) is 404.
    product_urls = {reverse(n, args=[world["product"].pk]) for n in PRODUCT_URLS}
    for url in _urls(world):
        if who == "other_town_cadre" and url in product_urls:
            continue
        get = client.get(url)
        post = client.post(url, {"note": "x", "amount": "1", "paid_on": "2025-05-01", "reason": "other"})
        if who == "deactivated":  # a deactivated user is logged out: sent to the login page
            assert get.status_code in (302, 404), url
            continue
        assert get.status_code in (404, 405), url
        assert post.status_code in (404, 405), url
    assert _state() == before


def test_roles_inside_the_area(client_for, personas, world):
    product_url = reverse("benefits:insurance:product", args=[world["product"].pk])
    claim_url = reverse("benefits:insurance:claim", args=[world["claim"].pk])
    assert client_for(personas.village_cadre).get(claim_url).status_code == 200
    assert client_for(personas.town_cadre).get(product_url).status_code == 200
    assert client_for(personas.leader).get(claim_url).status_code == 403
    assert client_for(personas.admin).get(claim_url).status_code == 403
    # A cadre may report and collect, not submit or decide.
    submit = reverse("benefits:insurance:claim_action", args=[world["claim"].pk, "submit"])
    assert client_for(personas.village_cadre).post(submit).status_code == 403
    edit = reverse("benefits:insurance:product_edit", args=[world["product"].pk])
    assert client_for(personas.town_cadre).get(edit).status_code == 403
    # The scans and the policy document are served only to insurance roles, and logged.
    file_url = reverse("benefits:insurance:document_file", args=[world["document"].pk])
    assert client_for(personas.village_cadre).get(file_url).status_code == 200
    assert client_for(personas.leader).get(file_url).status_code == 403
    document = reverse("benefits:insurance:product_document", args=[world["product"].pk])
    assert client_for(personas.county_staff).get(document).status_code == 200


def test_claims_list_shows_the_area_only(client_for, personas, world, area):
    other = MemberFactory(household=HouseholdFactory(village=area.V2a))
    services.claim_report(
        actor=personas.county_staff,
        member=other,
        data={
            "product": world["product"],
            "kind": "death",
            "event_date": date(2025, 3, 2),
            "reported_by_kind": "family",
        },
    )
    html = client_for(personas.town_cadre).get(reverse("benefits:insurance:claims")).content.decode()
    assert f'data-claim="{world["claim"].pk}"' in html
    assert html.count("data-claim=") == 1
    staff = client_for(personas.county_staff).get(reverse("benefits:insurance:claims")).content.decode()
    assert staff.count("data-claim=") == 2
