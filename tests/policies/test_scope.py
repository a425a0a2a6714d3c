"""Who reads which documents (PolicyDocument.objects.visible_to), for every persona of tests/conftest.py and for
users of a city and a province; the id-taking pages answer 404 outside it and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from policies.models import PolicyDocument

pytestmark = pytest.mark.django_db

SEEN_IN_C = {"national", "province", "city", "county"}
SEEN_IN_C2 = {"national", "province", "city2", "county2"}

EXPECTED = {
    "county_staff": SEEN_IN_C,
    "town_cadre": SEEN_IN_C,
    "village_cadre": SEEN_IN_C,
    "leader": SEEN_IN_C,
    "other_town_cadre": SEEN_IN_C,
    "admin": SEEN_IN_C,
    "other_county_staff": SEEN_IN_C2,
    "no_area": set(),
    "deactivated": set(),
    # above the county: its own line up, and the areas below it
    "city_staff": {"national", "province", "city", "county"},
    "city_leader": {"national", "province", "city", "county"},
    "city2_staff": {"national", "province", "city2", "county2"},
    "province_staff": {"national", "province", "city", "city2", "county", "county2"},
}
NAMES = ("national", "province", "city", "city2", "county", "county2")


def _user(world, personas, who):
    return getattr(world, who) if hasattr(world, who) else getattr(personas, who)


def _seen(world, user) -> set[str]:
    ids = set(PolicyDocument.objects.visible_to(user).values_list("pk", flat=True))
    return {name for name in NAMES if getattr(world, name).pk in ids}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_user_reads_their_line_up_and_the_areas_below(world, personas, who):
    # only the world's documents are counted: the national documents shipped by the migration are visible to all
    assert _seen(world, _user(world, personas, who)) == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_shipped_national_documents_are_read_by_every_user_with_an_area(world, personas, who):
    shipped = PolicyDocument.objects.filter(level="national").exclude(pk=world.national.pk)
    assert shipped.count() == 5
    seen = PolicyDocument.objects.visible_to(_user(world, personas, who)).filter(pk__in=shipped)
    assert seen.count() == (5 if EXPECTED[who] else 0)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_library_page_lists_what_the_user_reads(world, personas, client_for, who):
    user = _user(world, personas, who)
    if who == "deactivated":
        return  # cannot log in
    response = client_for(user).get(reverse("policies:library"), {"q": "测试文件"})
    if who == "no_area":
        assert response.status_code == 403  # a user without an area has no role's capabilities
        return
    html = response.content.decode()
    listed = {name for name in NAMES if f'data-document="{getattr(world, name).pk}"' in html}
    assert listed == EXPECTED[who]


# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
ID_URLS = ["policies:document", "policies:edit", "policies:replace", "policies:file"]
MATRIX_URLS = set(ID_URLS)


@pytest.mark.parametrize("name", ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("other_county_staff", "county"),
        ("county_staff", "county2"),
        ("city_staff", "city2"),
        ("village_cadre", "county2"),
    ],
)
def test_outside_the_line_is_404_and_nothing_changes(world, personas, client_for, name, method, who, target):
    document = getattr(world, target)
    url = reverse(name, args=[document.pk])
    before = list(PolicyDocument.objects.order_by("pk").values())
    client = client_for(_user(world, personas, who))
    response = (
        client.get(url)
        if method == "get"
        else client.post(url, {"title": "改", "issuer": "改", "topic": "other", "summary": "改", "status": "repealed"})
    )
    read_only = name in ("policies:document", "policies:file")
    # a page that only reads answers a POST 405, the same as for a missing id: nothing told, nothing changed
    assert response.status_code == (405 if read_only and method == "post" else 404)
    assert list(PolicyDocument.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("county_staff", "national"),
        ("county_staff", "city"),
        ("city_staff", "county"),
        ("town_cadre", "county"),
        ("leader", "county"),
        ("province_staff", "city"),
    ],
)
def test_a_readable_document_of_another_area_is_403_on_the_write_pages(world, personas, client_for, who, target):
    document = getattr(world, target)
    before = list(PolicyDocument.objects.order_by("pk").values())
    client = client_for(_user(world, personas, who))
    for name in ("policies:edit", "policies:replace"):
        url = reverse(name, args=[document.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "改", "issuer": "改", "topic": "other", "summary": "改"}).status_code == 403
    assert list(PolicyDocument.objects.order_by("pk").values()) == before
